/**
 * Every mode over every transport against a peer that is not netlab:
 * ncat (TCP), Python's socket module (UDP), openssl s_client (TLS) and the
 * `ws` library used directly (WebSocket, as a browser would talk).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { ECHO_MODES, type EchoMode } from '../../src/protocols/echo/echo.js';
import { RunningProcess, runCli, runProcess, startServeCli } from '../helpers/cli.js';
import { expectedAnswer, REPLY_TEXT } from '../helpers/expected.js';

const LINES = ['Hello, peer!', 'Zebra ñandú 123'];

function serveArgs(transport: string, mode: EchoMode): string[] {
  return [transport, '-m', mode, ...(mode === 'reply' ? ['--reply', REPLY_TEXT] : [])];
}

const expectedText = (mode: EchoMode): string => LINES.map((l) => `${expectedAnswer(mode, l)}\n`).join('');

describe('every mode against a real peer', () => {
  for (const mode of ECHO_MODES) {
    test(`tcp ${mode} with ncat`, async (t) => {
      const { proc, port } = await startServeCli(serveArgs('tcp', mode));
      t.after(() => proc.stop());
      const result = await runProcess('ncat', ['127.0.0.1', String(port)], { input: LINES.map((l) => `${l}\n`).join('') });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, expectedText(mode));
    });

    test(`udp ${mode} with Python's socket module`, async (t) => {
      const { proc, port } = await startServeCli(serveArgs('udp', mode));
      t.after(() => proc.stop());
      const script = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for line in ${JSON.stringify(LINES)}:
    s.sendto(line.encode(), ('127.0.0.1', ${port}))
    data, _ = s.recvfrom(65535)
    sys.stdout.write(data.decode() + '\\n')
`;
      const result = await runProcess('/usr/bin/python3', ['-c', script]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, expectedText(mode));
    });

    test(`tls ${mode} with openssl s_client`, async (t) => {
      const { proc, port } = await startServeCli(serveArgs('tls', mode));
      t.after(() => proc.stop());
      const client = new RunningProcess('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`]);
      t.after(() => client.stop());
      let expected = '';
      for (const line of LINES) {
        client.child.stdin.write(`${line}\n`);
        expected += `${expectedAnswer(mode, line)}\n`;
        await client.waitFor(new RegExp(`${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), 15_000, 'stdout');
      }
      assert.equal(client.stdout, expected);
    });

    test(`ws ${mode} with a plain WebSocket client`, async (t) => {
      const { proc, port } = await startServeCli(serveArgs('ws', mode));
      t.after(() => proc.stop());
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      t.after(() => ws.terminate());
      await once(ws, 'open');
      for (const line of LINES) {
        ws.send(line);
        const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
        assert.equal(isBinary, false, 'a text message is answered with a text message');
        assert.equal(data.toString(), expectedAnswer(mode, line));
      }
    });
  }
});

test('IPv6 loopback works for every transport', async (t) => {
  for (const transport of ['tcp', 'udp', 'ws', 'tls']) {
    const { proc, port, listening } = await startServeCli([transport, '--host', '::1', '-m', 'upper']);
    t.after(() => proc.stop());
    assert.equal(listening.address, `[::1]:${port}`);
    const args = ['connect', transport, '::1', String(port), '-m', 'six'];
    if (transport === 'tls') args.push('--insecure');
    const result = await runCli(args);
    assert.equal(result.code, 0, `${transport}: ${result.stderr}`);
    assert.equal(result.stdout, 'SIX\n');
    await proc.waitFor(/"event":"connect","transport":"\w+","peer":"\[::1\]:\d+"/, 5000, 'stdout');
  }
});
