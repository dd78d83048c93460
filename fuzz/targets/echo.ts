/**
 * The echo server family in-process (every mode, stream and message
 * framing) through an in-memory session: random and mutated input never
 * makes a handler throw (attachProtocol would close with NETLAB_ERR_INTERNAL),
 * `echo` returns exactly what came in, and line modes never answer a line
 * longer than the cap.
 */
import { ERROR_CODES } from '../../src/errors.js';
import { ECHO_MODES, echoProtocol, type EchoMode } from '../../src/protocols/echo/echo.js';
import { attachProtocol, type ProtocolFactory } from '../../src/protocols/protocol.js';
import { MemorySession } from '../../test/helpers/memory-session.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const MAX_LINE = 64;
const FACTORIES = new Map<EchoMode, ProtocolFactory>(
  ECHO_MODES.map((mode) => [mode, echoProtocol({ mode, maxLineBytes: MAX_LINE, ...(mode === 'reply' ? { reply: 'ok' } : {}) })]),
);
const SEEDS = [Buffer.from('hello\nworld\r\n'), Buffer.from(`${'a'.repeat(100)}\nb\n`), Buffer.from('Zoë ünïcode\n\xff\xfe\n')];
const TRANSPORTS = ['tcp', 'tls', 'udp', 'ws'] as const;

export const echo: FuzzTarget = {
  name: 'server/echo',
  run(rng) {
    const mode = rng.pick(ECHO_MODES);
    const session = new MemorySession(rng.pick(TRANSPORTS));
    attachProtocol(session, FACTORIES.get(mode)!);
    const bytes = input(rng, SEEDS, 512);
    const pieces = session.framing === 'message' ? [bytes] : chunk(rng, bytes);
    for (const p of pieces) if (!session.closed) session.feed(p);
    if (!session.closed && rng.chance(0.5)) session.peerEnd();
    const code = session.closeError?.code;
    check(code === undefined || code === ERROR_CODES.LINE_TOO_LONG, `closed with ${code}`);
    const out = Buffer.concat(session.written);
    if (mode === 'echo' && code === undefined) check(out.equals(bytes), 'echo mode changed the bytes');
    if (mode === 'reverse' || mode === 'reply') {
      for (const line of out.toString('latin1').split('\n')) check(line.length <= MAX_LINE + 1, `answered a ${line.length}-byte line`);
    }
  },
};
