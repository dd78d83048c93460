/**
 * TCP connect scan against real listeners on the shared loopback (only ports
 * this test owns are asserted): open vs closed, both drivers agree, IPv6 and
 * host names, the human table, and a bounded number of file descriptors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { scan } from '../../../src/scan/scanner.js';
import { nativeTcpDriverAvailable } from '../../../src/scan/tcp-connect.js';
import { parsePortSpec } from '../../../src/scan/port-spec.js';
import { runCli } from '../../helpers/cli.js';

async function listen(t: TestContext, host = '127.0.0.1'): Promise<number> {
  const server = net.createServer((c) => c.destroy());
  t.after(() => server.close());
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Ports nothing listens on: bound by us a moment ago, then released. */
async function closedPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    ports.push((server.address() as net.AddressInfo).port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return ports;
}

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

test('open and closed ports get their states, with both TCP drivers', async (t) => {
  const open = [await listen(t), await listen(t), await listen(t)];
  const closed = await closedPorts(3);
  const drivers = nativeTcpDriverAvailable() ? (['native', 'socket'] as const) : (['socket'] as const);
  for (const driver of drivers) {
    const report = await scan({ host: '127.0.0.1', ports: [...open, ...closed], driver });
    assert.equal(report.driver, driver);
    const states = new Map(report.ports.map((p) => [p.port, p.state]));
    for (const port of open) assert.equal(states.get(port), 'open', `${driver}: ${port} should be open`);
    for (const port of closed) assert.equal(states.get(port), 'closed', `${driver}: ${port} should be closed`);
    assert.equal(report.open, 3);
    assert.equal(report.closed, 3);
    assert.equal(report.complete, true);
  }
});

test('a 65535-port scan keeps the open descriptors bounded and closes every socket', async () => {
  const drivers = nativeTcpDriverAvailable() ? (['native', 'socket'] as const) : (['socket'] as const);
  for (const driver of drivers) {
    const before = fdCount();
    let peak = before;
    const report = await scan({
      host: '127.0.0.1',
      ports: parsePortSpec('-'),
      concurrency: 200,
      driver,
      progressIntervalMs: 2,
      onProgress: () => {
        peak = Math.max(peak, fdCount());
      },
    });
    assert.equal(report.open + report.closed + report.filtered, 65535);
    assert.ok(report.peakInFlight <= 200, `${driver}: ${report.peakInFlight} attempts in flight`);
    // 200 sockets in flight plus a few closing ones and the runtime's own.
    assert.ok(peak - before <= 200 + 50, `${driver}: ${peak - before} descriptors above the baseline`);
    // Closing is asynchronous (libuv closes on the next loop turn): allow a short, bounded wait.
    for (let i = 0; i < 100 && fdCount() > before + 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fdCount() <= before + 2, `${driver}: ${fdCount() - before} descriptors left open after the scan`);
  }
});

test('IPv6 literal and host names are scanned at the right address', async (t) => {
  const port6 = await listen(t, '::1');
  const v6 = await scan({ host: '::1', ports: [port6] });
  assert.equal(v6.family, 6);
  assert.equal(v6.ports[0]?.state, 'open');
  const bracketed = await scan({ host: '[::1]', ports: [port6] });
  assert.equal(bracketed.address, '::1');
  assert.equal(bracketed.ports[0]?.state, 'open');

  const port4 = await listen(t);
  const byName = await runCli(['scan', 'localhost', '-4', '-p', String(port4), '--json']);
  assert.equal(byName.code, 0, byName.stderr);
  const doc = JSON.parse(byName.stdout) as { host: string; address: string; ports: { port: number; state: string }[] };
  assert.equal(doc.host, 'localhost');
  assert.equal(doc.address, '127.0.0.1');
  assert.deepEqual(doc.ports.map((p) => [p.port, p.state]), [[port4, 'open']]);
});

test('human output: nmap-like table of open ports, --all for every state, a summary line, exit 0', async (t) => {
  const open = await listen(t);
  const [closed] = await closedPorts(1);
  const spec = `${open},${closed}`;
  const plain = await runCli(['scan', '127.0.0.1', '-p', spec]);
  assert.equal(plain.code, 0, plain.stderr);
  const lines = plain.stdout.trimEnd().split('\n');
  assert.match(plain.stdout, /^PORT\s+STATE\s+SERVICE$/m);
  assert.ok(lines.some((l) => new RegExp(`^${open}/tcp\\s+open\\s+\\S+$`).test(l)), plain.stdout);
  assert.ok(!lines.some((l) => l.startsWith(`${closed}/tcp`)), 'closed ports are hidden without --all');
  assert.match(plain.stdout, /Not shown: 1 closed tcp ports/);
  assert.match(lines.at(-1) as string, /^Scanned 2 tcp ports of 127\.0\.0\.1 in \d+\.\d\d s: 1 open, 1 closed, 0 filtered$/);

  const all = await runCli(['scan', '127.0.0.1', '-p', spec, '--all']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, new RegExp(`^${closed}/tcp\\s+closed\\s+\\S+$`, 'm'));

  const json = await runCli(['scan', '127.0.0.1', '-p', spec, '--all', '--json']);
  const doc = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc).filter((k) => ['host', 'ports', 'open', 'closed', 'filtered', 'elapsed_ms'].includes(k)).length, 6);
  assert.equal(typeof doc.elapsed_ms, 'number');
  assert.deepEqual(
    (doc.ports as { port: number; proto: string; state: string; service: string }[]).map((p) => [p.port, p.proto, p.state, typeof p.service]),
    [
      [Math.min(open, closed as number), 'tcp', open < (closed as number) ? 'open' : 'closed', 'string'],
      [Math.max(open, closed as number), 'tcp', open < (closed as number) ? 'closed' : 'open', 'string'],
    ],
  );
});

test('well-known ports carry nmap service names', async () => {
  const report = await scan({ host: '127.0.0.1', ports: [1, 7, 22, 80, 443], timeoutMs: 2000 });
  assert.deepEqual(
    report.ports.map((p) => [p.port, p.service]),
    [[1, 'tcpmux'], [7, 'echo'], [22, 'ssh'], [80, 'http'], [443, 'https']],
  );
});

test('the CLI scanning all 65535 ports (threads included) never holds more descriptors than --concurrency allows', async () => {
  const { spawn } = await import('node:child_process');
  const { CLI } = await import('../../helpers/cli.js');
  const child = spawn(process.execPath, [CLI, 'scan', '127.0.0.1', '-p-', '--concurrency', '300', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  let peak = 0;
  const deadline = Date.now() + 60_000;
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let running = true;
  void exited.then(() => (running = false));
  while (running && Date.now() < deadline) {
    try {
      peak = Math.max(peak, readdirSync(`/proc/${child.pid}/fd`).length);
    } catch {
      // the process just ended
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  if (running) child.kill('SIGKILL');
  assert.equal(await exited, 0);
  const doc = JSON.parse(stdout) as { open: number; closed: number; filtered: number };
  assert.equal(doc.open + doc.closed + doc.filtered, 65535);
  assert.ok(peak > 0, 'the descriptor count was sampled');
  // 300 scan sockets plus the runtime's own descriptors (stdio, epoll, worker threads' loops).
  assert.ok(peak <= 300 + 80, `peak ${peak} descriptors`);
});

test('with only 96 file descriptors allowed the scan backs off instead of failing (EMFILE)', async (t) => {
  const open = await listen(t);
  const { execFile } = await import('node:child_process');
  const { CLI } = await import('../../helpers/cli.js');
  // prlimit (util-linux) lowers RLIMIT_NOFILE for the child only; the default 256
  // sockets in flight cannot fit. (Node's module loader needs a few dozen
  // descriptors of its own to start the CLI at all.)
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'prlimit',
      ['--nofile=96:96', process.execPath, CLI, 'scan', '127.0.0.1', '-p', `1-3000,${open}`, '--json'],
      { timeout: 60_000 },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
  });
  const doc = JSON.parse(stdout) as { ports: { port: number }[]; open: number; closed: number; filtered: number };
  assert.equal(doc.open + doc.closed + doc.filtered, open <= 3000 ? 3000 : 3001);
  assert.ok(doc.ports.some((p) => p.port === open));
});
