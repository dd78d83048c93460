/**
 * IM message decoding: open() of the plain, course and etm ciphers on random
 * bytes and on mutated sealed frames. A changed sealed frame never opens as
 * anything but the message that was sealed.
 */
import { CourseCipher, EtmCipher, PlainCipher, type ImCipher } from '../../src/protocols/im/crypto.js';
import { input, mutate } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const plain = new PlainCipher();
const course = new CourseCipher('confidential', 'authentic');
// etm refuses its own frames (reflection), so one instance seals and another opens.
const etmSender = new EtmCipher('confidential', 'authentic');
const etm = new EtmCipher('confidential', 'authentic');
const MESSAGES = [
  { nickname: 'alice', message: 'hello' },
  { nickname: 'bob', message: 'x'.repeat(200) },
  { nickname: 'Zoë', message: '' },
];
const PLAIN_SEEDS = MESSAGES.map((m) => Buffer.from(plain.seal(m)));

function validResult(r: ReturnType<ImCipher['open']>): boolean {
  return r === undefined || (typeof r.nickname === 'string' && typeof r.message === 'string');
}

export const imOpen: FuzzTarget = {
  name: 'im/open',
  run(rng) {
    const which = rng.below(3);
    if (which === 0) {
      check(validResult(plain.open(input(rng, PLAIN_SEEDS, 512))), 'plain open returned a malformed message');
      return;
    }
    const cipher = which === 1 ? course : etm;
    if (rng.chance(0.2)) {
      check(validResult(cipher.open(input(rng, [], 512))), 'open returned a malformed message');
      return;
    }
    const message = rng.pick(MESSAGES);
    const sealed = Buffer.from((which === 1 ? course : etmSender).seal(message));
    if (rng.chance(0.05)) {
      const back = cipher.open(sealed);
      check(back !== undefined && back.nickname === message.nickname && back.message === message.message, 'an intact frame did not open');
      return;
    }
    const tampered = mutate(rng, sealed, [], 3);
    const opened = cipher.open(tampered);
    check(validResult(opened), 'open returned a malformed message');
    // The protobuf envelope lets a repeated field win over an earlier copy, so
    // some changed frames still carry the authenticated fields intact; what
    // must never happen is a message other than the sealed one coming out.
    if (opened !== undefined) {
      check(opened.nickname === message.nickname && opened.message === message.message, `a tampered ${which === 1 ? 'course' : 'etm'} frame opened as a different message`);
    }
  },
};
