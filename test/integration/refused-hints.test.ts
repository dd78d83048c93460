/**
 * A client pointed at a port where nothing listens names the server it
 * needs: chat join suggests `netlab chat serve`, im join `netlab im serve`,
 * and connect the echo server, each with the port that was tried.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { runCli } from '../helpers/cli.js';

/** A loopback port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

test('chat join, im join and connect each suggest their own server on a refused port', async () => {
  const port = await closedPort();
  const chat = await runCli(['chat', 'join', '127.0.0.1', '-p', String(port), '-n', 'bob'], { input: '' });
  assert.equal(chat.code, 1);
  assert.match(chat.stderr, new RegExp(`is a chat server listening there\\? Start one with: netlab chat serve --tcp ${port}`));
  assert.doesNotMatch(chat.stderr, /netlab serve tcp/);

  const im = await runCli(['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'bob'], { input: '' });
  assert.equal(im.code, 1);
  assert.match(im.stderr, new RegExp(`is an IM relay listening there\\? Start one with: netlab im serve -p ${port}`));

  const plain = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'hi']);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, new RegExp(`Start one with: netlab serve tcp --port ${port}`));
});
