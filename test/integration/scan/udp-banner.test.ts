/**
 * UDP probe scan (an echo port answers -> open, an unused port sends ICMP
 * port unreachable -> closed) and --banner against an SSH-like greeting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { scan } from '../../../src/scan/scanner.js';

async function udpEcho(t: TestContext): Promise<number> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  t.after(() => socket.close());
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket.address().port;
}

async function unusedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

test('--udp: an echo port is open, an unused port is closed (ICMP port unreachable)', async (t) => {
  const echo = await udpEcho(t);
  const unused = await unusedUdpPort();
  const result = await runCli(['scan', '127.0.0.1', '--udp', '-p', `${echo},${unused}`, '--all', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as { ports: { port: number; proto: string; state: string }[]; open: number; closed: number; filtered: number };
  const states = new Map(doc.ports.map((p) => [p.port, p.state]));
  assert.equal(states.get(echo), 'open');
  assert.equal(states.get(unused), 'closed');
  assert.ok(doc.ports.every((p) => p.proto === 'udp'));
  assert.equal(doc.open + doc.closed + doc.filtered, 2);

  const human = await runCli(['scan', '127.0.0.1', '--udp', '-p', String(echo)]);
  assert.match(human.stdout, new RegExp(`^${echo}/udp\\s+open\\s`, 'm'));
});

test('--udp: a service that reads but never answers is open|filtered', async (t) => {
  const mute = dgram.createSocket('udp4');
  mute.on('message', () => {});
  t.after(() => mute.close());
  mute.bind(0, '127.0.0.1');
  await once(mute, 'listening');
  const report = await scan({ host: '127.0.0.1', proto: 'udp', ports: [mute.address().port], timeoutMs: 200 });
  assert.equal(report.ports[0]?.state, 'open|filtered');
  assert.equal(report.filtered, 1);
  assert.equal(report.openFiltered, 1);
});

test('--banner reads the greeting an SSH-like server sends first', async (t) => {
  const greeting = 'SSH-2.0-OpenSSH_9.6p1 netlab-test';
  const ssh = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${greeting}\r\n`);
  });
  const silent = net.createServer((socket) => socket.on('error', () => {}));
  t.after(() => {
    ssh.close();
    silent.close();
  });
  ssh.listen(0, '127.0.0.1');
  silent.listen(0, '127.0.0.1');
  await Promise.all([once(ssh, 'listening'), once(silent, 'listening')]);
  const sshPort = (ssh.address() as net.AddressInfo).port;
  const silentPort = (silent.address() as net.AddressInfo).port;
  const spec = `${sshPort},${silentPort}`;

  const json = await runCli(['scan', '127.0.0.1', '-p', spec, '--banner', '--banner-timeout', '500', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { ports: { port: number; state: string; banner?: string }[] };
  const byPort = new Map(doc.ports.map((p) => [p.port, p]));
  assert.equal(byPort.get(sshPort)?.banner, greeting);
  assert.equal(byPort.get(silentPort)?.state, 'open');
  assert.equal(byPort.get(silentPort)?.banner, undefined, 'a silent service has no banner');

  const human = await runCli(['scan', '127.0.0.1', '-p', spec, '--banner', '--banner-timeout', '500']);
  assert.match(human.stdout, /^PORT\s+STATE\s+SERVICE\s+BANNER$/m);
  assert.match(human.stdout, new RegExp(`^${sshPort}/tcp\\s+open\\s+\\S+\\s+${greeting.replace(/\./g, '\\.')}$`, 'm'));
});
