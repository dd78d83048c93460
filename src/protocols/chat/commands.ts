/**
 * Chat commands as a handler table: a line that is exactly one of these
 * words (surrounding spaces ignored) runs its handler instead of being
 * said to the room. Adding a command is adding a row.
 */
import type { Room } from './room.js';
import { users } from './text.js';

/** What a command may do to the user who typed it. */
export interface CommandContext {
  readonly room: Room;
  /** Sends a line to this user only. */
  reply(line: string): void;
  /** Leaves the room (announced to the others) and closes this user's connection. */
  quit(): void;
}

export type CommandHandler = (context: CommandContext) => void;

const quit: CommandHandler = (c) => c.quit();

export const COMMANDS: Readonly<Record<string, CommandHandler>> = Object.freeze({
  '!Q': quit,
  '/quit': quit,
  '/who': (c) => c.reply(users(c.room.who())),
});

/** @returns the handler of `line`, or undefined for an ordinary line */
export function commandFor(line: string): CommandHandler | undefined {
  const word = line.trim();
  return Object.hasOwn(COMMANDS, word) ? COMMANDS[word] : undefined;
}
