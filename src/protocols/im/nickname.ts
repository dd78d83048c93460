/**
 * The IM nickname rules: 1 to 32 characters (code points), no control
 * characters (C0, DEL, C1; TAB included). `im join` refuses a nickname that
 * breaks them before connecting, and a plain-mode receiver does not show a
 * message whose nickname breaks them: anyone on the relay can send plain
 * frames, and a nickname is what a reader trusts to say who spoke.
 */
import { DEFAULTS } from '../../constants.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * @param nickname a nickname as typed or as received
 * @returns why it breaks the rules, or undefined when it is fine
 */
export function imNicknameProblem(nickname: string): string | undefined {
  let chars = 0;
  for (const _ of nickname) chars += 1;
  if (chars === 0) return 'a nickname has at least 1 character';
  if (chars > DEFAULTS.nicknameMaxChars) return `a nickname has at most ${DEFAULTS.nicknameMaxChars} characters`;
  if (CONTROL.test(nickname)) return 'a nickname has no control characters';
  return undefined;
}
