/** Terminal control bytes in chat text reach nobody's terminal raw (issue 14.4, chat part). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startChat } from '../../helpers/chat.js';
import { spawnCli } from '../../helpers/spawn-cli.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

const FORGED = 'hi\rbob: fake line\x1b]0;owned\x07';
const SHOWN = 'hi\\x0dbob: fake line\\x1b]0;owned\\x07';

async function rawUser(port: number, name: string): Promise<{ socket: net.Socket; bytes: () => string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const got: Buffer[] = [];
  socket.on('data', (d) => got.push(d));
  const bytes = (): string => Buffer.concat(got).toString('latin1');
  socket.write(`${name}\n`);
  await waitFor(`${name} welcomed`, () => bytes().includes(`Welcome to the chat ${name}.`));
  return { socket, bytes };
}

test('a line with CR, OSC and BEL from one raw TCP user reaches another escaped, clean lines unchanged', async (t) => {
  const { ports } = await startChat(t, ['tcp']);
  const mallory = await rawUser(ports.tcp!, 'mallory');
  const alice = await rawUser(ports.tcp!, 'alice');
  t.after(() => {
    mallory.socket.destroy();
    alice.socket.destroy();
  });
  mallory.socket.write(`${FORGED}\n`);
  mallory.socket.write('caf\u00e9 \tok\n');
  await waitFor('both lines', () => alice.bytes().includes('ok\n'));
  const received = alice.bytes();
  assert.ok(received.includes(`mallory: ${SHOWN}\n`), received);
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(received.replace(/\n/g, '')), 'no control byte but TAB and the line ends');
  assert.ok(Buffer.from(received, 'latin1').includes(Buffer.from('mallory: caf\u00e9 \tok\n')), 'UTF-8 and TAB pass unchanged');
});

test('chat join prints control characters a server sends escaped', async (t) => {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => {
      if (d.includes('!Q')) s.end();
    });
    s.write(`mallory: ${FORGED}\nC1: \u009b2J\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  for (const eol of ['lf', 'none']) {
    const join = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(port), '-n', 'alice', '--eol', eol]);
    await join.stdout.waitForLine('C1: \\x9b2J');
    assert.ok(join.stdout.lines.includes(`mallory: ${SHOWN}`), `${eol}: ${JSON.stringify(join.stdout.lines)}`);
    join.child.stdin!.end();
    await waitForExit(join.child);
  }
});
