/** `netlab chat serve` and `netlab chat join` run as a user runs them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnCli, type RunningCli } from '../../helpers/spawn-cli.js';
import { tcpUser } from '../../helpers/chat.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

async function listening(serve: RunningCli): Promise<Record<string, number>> {
  await waitFor('four listeners', () => serve.stdout.lines.filter((l) => l.includes('"event":"listening"')).length === 4);
  const ports: Record<string, number> = {};
  for (const l of serve.stdout.lines.filter((x) => x.includes('"event":"listening"'))) {
    const r = JSON.parse(l) as { transport: string; address: string };
    ports[r.transport] = Number(r.address.split(':').pop());
  }
  return ports;
}

test('chat join over tcp, tls, udp and ws meets a telnet-style user; !Q and Ctrl-D leave; SIGINT tells everyone', async (t) => {
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--tls', '0', '--udp', '0', '--ws', '0', '--json']);
  const ports = await listening(serve);
  const nc = await tcpUser(t, ports.tcp!, 'nc');
  nc.send('nc');
  await nc.out.waitForLine('Welcome to the chat nc. Please type !Q to quit.');

  const overTcp = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(ports.tcp), '-n', 'cli_tcp']);
  await overTcp.stdout.waitForLine('Welcome to the chat cli_tcp. Please type !Q to quit.');
  const overTls = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(ports.tls), '-n', 'cli_tls', '--transport', 'tls', '--insecure']);
  await overTls.stdout.waitForLine('Welcome to the chat cli_tls. Please type !Q to quit.');
  const overWs = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(ports.ws), '-n', 'cli_ws', '--transport', 'ws']);
  await overWs.stdout.waitForLine('Welcome to the chat cli_ws. Please type !Q to quit.');
  await nc.out.waitForLine('cli_ws has entered the chat');
  const overUdp = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(ports.udp), '-n', 'cli_udp', '--transport', 'udp']);
  await overUdp.stdout.waitForLine('Welcome to the chat cli_udp. Please type !Q to quit.');
  await nc.out.waitForLine('cli_udp has entered the chat');

  nc.send('hello clients');
  for (const c of [overTcp, overTls, overWs, overUdp]) await c.stdout.waitForLine('nc: hello clients');
  overUdp.child.stdin!.write('!Q\n');
  assert.equal(await waitForExit(overUdp.child), 0);
  await nc.out.waitForLine('cli_udp has left the chat');
  overTls.child.stdin!.write('hello from the tls client\n');
  await nc.out.waitForLine('cli_tls: hello from the tls client');

  overTcp.child.stdin!.write('!Q\n');
  assert.equal(await waitForExit(overTcp.child), 0);
  await nc.out.waitForLine('cli_tcp has left the chat');
  overTls.child.stdin!.end(); // Ctrl-D
  assert.equal(await waitForExit(overTls.child), 0);
  await nc.out.waitForLine('cli_tls has left the chat');

  serve.child.kill('SIGINT');
  await overWs.stdout.waitForLine('The server is shutting down. Goodbye!');
  await nc.out.waitForLine('The server is shutting down. Goodbye!');
  assert.equal(await waitForExit(overWs.child), 0);
  assert.equal(await waitForExit(serve.child), 0);
  const summary = JSON.parse(serve.stdout.lines.find((l) => l.includes('"event":"summary"')) as string) as Record<string, unknown>;
  assert.equal(summary.users_joined, 5);
  assert.ok(serve.stdout.lines.some((l) => l.includes('"event":"joined"') && l.includes('"nickname":"cli_ws"') && l.includes('"transport":"ws"')));
});

test('chat serve: --cert without --tls is a usage error (exit 2)', async (t) => {
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--cert', 'c.pem', '--key', 'k.pem']);
  assert.equal(await waitForExit(serve.child), 2);
  await serve.stderr.waitForLine(/--cert and --key go with --tls PORT/);
});

test('chat serve --rate-limit: a negative or fractional rate is a usage error (exit 2)', async (t) => {
  for (const bad of ['-1', '2.5', 'fast']) {
    const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--rate-limit', bad]);
    assert.equal(await waitForExit(serve.child), 2, bad);
    await serve.stderr.waitForLine(/not a valid rate limit/);
  }
});

test('chat serve --rate-limit 0: a flood of 500 lines reaches the other user in order', async (t) => {
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--rate-limit', '0', '--json']);
  await serve.stdout.waitForLine(/"event":"listening"/);
  const port = Number((JSON.parse(serve.stdout.lines.find((l) => l.includes('"event":"listening"')) as string) as { address: string }).address.split(':').pop());
  const reader = await tcpUser(t, port, 'reader');
  reader.send('reader');
  await reader.out.waitForLine('Welcome to the chat reader. Please type !Q to quit.');
  const flood = await tcpUser(t, port, 'flood');
  flood.send('flood');
  await flood.out.waitForLine('Welcome to the chat flood. Please type !Q to quit.');
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
  flood.send(lines.join('\n'));
  await waitFor('all 500 lines', () => reader.out.lines.filter((l) => l.startsWith('flood: ')).length === 500, 30000);
  assert.deepEqual(reader.out.lines.filter((l) => l.startsWith('flood: ')), lines.map((l) => `flood: ${l}`));
  serve.child.kill('SIGINT');
  assert.equal(await waitForExit(serve.child), 0);
});
