/**
 * The shared conformance suite: every echo mode over every transport, asked
 * through netlab's own client (library and CLI), answers what the mode says.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/connect.js';
import { exchange } from '../../src/client/exchange.js';
import { ECHO_MODES } from '../../src/protocols/echo/echo.js';
import { TRANSPORT_NAMES } from '../../src/transports/registry.js';
import { runCli } from '../helpers/cli.js';
import { startEcho } from '../helpers/servers.js';
import { expectedAnswer as expected, REPLY_TEXT as REPLY } from '../helpers/expected.js';

const MESSAGES = ['Hello, netlab!', 'Qué tal? 😀 ñ', 'abc xyz ABC XYZ 123'];
for (const transport of TRANSPORT_NAMES) {
  describe(`serve ${transport}`, () => {
    for (const mode of ECHO_MODES) {
      test(`${mode}: netlab's library client gets the ${mode} answer to each message`, async (t) => {
        const server = await startEcho(t, transport, { mode, reply: REPLY });
        const session = await connect({ transport, host: '127.0.0.1', port: server.address.port, tls: { insecure: true } });
        t.after(() => session.destroy());
        const replies = await exchange(session, MESSAGES);
        assert.deepEqual(
          replies.map((r) => r.toString()),
          MESSAGES.map((m) => expected(mode, m)),
        );
      });
    }

    test(`netlab connect ${transport} -m prints each answer (every mode)`, async (t) => {
      for (const mode of ECHO_MODES) {
        const server = await startEcho(t, transport, { mode, reply: REPLY });
        const args = ['connect', transport, '127.0.0.1', String(server.address.port), '-m', MESSAGES[0] as string, '-m', MESSAGES[1] as string];
        if (transport === 'tls') args.push('--insecure');
        const result = await runCli(args);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `${expected(mode, MESSAGES[0] as string)}\n${expected(mode, MESSAGES[1] as string)}\n`, `mode ${mode}`);
      }
    });
  });
}

test('reply --once closes a stream connection after the first answer', async (t) => {
  const server = await startEcho(t, 'tcp', { mode: 'reply', reply: 'bye', once: true });
  const session = await connect({ transport: 'tcp', host: '127.0.0.1', port: server.address.port });
  t.after(() => session.destroy());
  // The server's FIN arrives as 'end': it will send nothing more.
  const ended = new Promise<void>((resolve) => session.once('end', () => resolve()));
  const replies = await exchange(session, ['first']);
  assert.deepEqual(replies.map(String), ['bye']);
  session.write(Buffer.from('second\n'));
  await ended;
  assert.equal(session.stats.bytesIn, 'bye\n'.length);
});
