/**
 * `netlab chat serve --redis` nodes as child processes (so kill -9 is
 * real), and their NDJSON logs.
 */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { spawnCli, type RunningCli } from './spawn-cli.js';
import { waitFor } from './wait.js';

export interface ChatNode {
  cli: RunningCli;
  port: number;
  /** The parsed NDJSON events so far. */
  events(): Record<string, unknown>[];
  /** Waits for an event named `name` (optionally matching `where`), after `from` events. */
  waitForEvent(name: string, timeoutMs?: number, where?: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resident memory of the process now, in bytes (from /proc). */
  rssBytes(): number;
}

/**
 * Starts `chat serve --tcp 0 --redis URL --room ROOM --json --rate-limit 0`
 * and waits until it listens and has read the room from Redis.
 */
export async function startChatNode(t: TestContext, url: string, room: string, extra: string[] = []): Promise<ChatNode> {
  const cli = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--redis', url, '--room', room, '--json', '--rate-limit', '0', ...extra]);
  const parsed: Record<string, unknown>[] = [];
  let seen = 0;
  const events = (): Record<string, unknown>[] => {
    for (; seen < cli.stdout.lines.length; seen++) {
      const line = cli.stdout.lines[seen] as string;
      if (line.startsWith('{')) parsed.push(JSON.parse(line) as Record<string, unknown>);
    }
    return parsed;
  };
  const waitForEvent = async (name: string, timeoutMs = 15000, where: (event: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> => {
    let found: Record<string, unknown> | undefined;
    await waitFor(`event ${name} from chat node`, () => (found = events().find((e) => e.event === name && where(e))) !== undefined, timeoutMs);
    return found as Record<string, unknown>;
  };
  const listening = await waitForEvent('listening');
  await waitForEvent('room_synced');
  const port = Number(String(listening.address).split(':').pop());
  const rssBytes = (): number => {
    const status = readFileSync(`/proc/${cli.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  };
  return { cli, port, events, waitForEvent, rssBytes };
}
