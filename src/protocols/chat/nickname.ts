/**
 * Nickname rules of the chat contract: 1-32 characters, no spaces or control
 * characters, unique case-insensitively. Characters are Unicode code points,
 * so `Zoë` is three.
 */
import { DEFAULTS } from '../../constants.js';

/** Any white space (U+0020, tabs, NBSP, ideographic space...), controls, and invisible format characters. */
const FORBIDDEN = /[\p{White_Space}\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;

export type NicknameProblem = 'empty' | 'too-long' | 'invalid';

/**
 * @returns why `name` cannot be a nickname, or undefined when it can
 * @param maxChars default 32
 */
export function nicknameProblem(name: string, maxChars: number = DEFAULTS.nicknameMaxChars): NicknameProblem | undefined {
  if (name.length === 0) return 'empty';
  if ([...name].length > maxChars) return 'too-long';
  if (FORBIDDEN.test(name) || name.includes('\uFFFD')) return 'invalid';
  return undefined;
}

/** The key two nicknames collide on: case-insensitive, after Unicode normalisation. */
export function nicknameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}
