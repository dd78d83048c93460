/**
 * `netlab bench handshake` against real TLS servers on loopback: `netlab
 * serve tls` (ephemeral certificate), `openssl s_server` (a `netlab cert`
 * certificate, verified with --ca), and in-process servers that go away or
 * stall part-way. Each run is a fraction of a second; only the counts and the
 * shape of the report are asserted, never a speed.
 */
import { describe, it, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { RunningProcess, runCli, startServeCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';
import { runHandshakeLoad } from '../../../src/load/handshake-scenario.js';

interface HandshakeReport {
  scenario: string;
  transport: string;
  target: string;
  connections: number;
  tls_version: string;
  protocol: string | null;
  cipher: string | null;
  duration_s: number;
  handshakes: number;
  handshakes_per_s: number;
  latency_us: { min: number; mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
  errors: number;
  timeouts: number;
  workers: number;
  load_cpu_percent: number;
}

async function bench(args: string[]): Promise<HandshakeReport> {
  const result = await runCli(['bench', 'handshake', ...args, '--json'], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout carries one JSON document: ${result.stdout}`);
  return JSON.parse(lines[0] as string) as HandshakeReport;
}

function assertShape(r: HandshakeReport, expected: { connections: number; workers: number; tlsVersion: string }): void {
  assert.deepEqual(Object.keys(r).sort(), [
    'cipher', 'connections', 'duration_s', 'errors', 'handshakes', 'handshakes_per_s', 'latency_us', 'load_cpu_percent',
    'protocol', 'scenario', 'target', 'timeouts', 'tls_version', 'transport', 'workers',
  ]);
  assert.equal(r.scenario, 'handshake');
  assert.equal(r.transport, 'tls');
  assert.match(r.target, /^127\.0\.0\.1:\d+$/);
  assert.equal(r.connections, expected.connections);
  assert.equal(r.workers, expected.workers);
  assert.equal(r.tls_version, expected.tlsVersion);
  assert.ok(r.handshakes > 0, `handshakes: ${r.handshakes}`);
  assert.ok(r.handshakes_per_s > 0);
  assert.ok(r.duration_s > 0);
  assert.equal(r.errors, 0);
  assert.equal(r.timeouts, 0);
  for (const key of ['handshakes', 'errors', 'timeouts', 'load_cpu_percent'] as const) assert.ok(Number.isInteger(r[key]) && r[key] >= 0, key);
  const l = r.latency_us;
  assert.ok(l.min >= 1);
  assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
  assert.match(r.cipher ?? '', /^TLS_/);
}

describe('netlab bench handshake against netlab serve tls', () => {
  let server: RunningProcess;
  let port = 0;
  before(async () => {
    const started = await startServeCli(['tls']);
    server = started.proc;
    port = started.port;
  });
  after(async () => {
    await server.stop();
  });

  it('counts full TLS 1.3 handshakes with ordered percentiles', async () => {
    const r = await bench(['127.0.0.1', String(port), '--insecure', '-c', '4', '-d', '0.5']);
    assertShape(r, { connections: 4, workers: 1, tlsVersion: 'any' });
    assert.equal(r.protocol, 'TLSv1.3');
  });

  it('pins TLS 1.2 with --tls-version', async () => {
    const r = await bench(['127.0.0.1', String(port), '--insecure', '-c', '2', '-d', '0.4', '--tls-version', '1.2']);
    assertShape(r, { connections: 2, workers: 1, tlsVersion: '1.2' });
    assert.equal(r.protocol, 'TLSv1.2');
    assert.match(r.cipher ?? '', /^TLS_ECDHE_/);
  });

  it('splits the slots over worker processes with --workers and merges their counts', async () => {
    const r = await bench(['127.0.0.1', String(port), '--insecure', '-c', '3', '-d', '0.5', '--workers', '2', '--tls-version', '1.3']);
    assertShape(r, { connections: 3, workers: 2, tlsVersion: '1.3' });
    assert.equal(r.protocol, 'TLSv1.3');
  });

  it('every handshake is a new connection the server logs', async () => {
    const before = server.stdout.split('\n').filter((l) => l.includes('"event":"connect"')).length;
    const r = await bench(['127.0.0.1', String(port), '--insecure', '-c', '2', '-d', '0.4']);
    // The server saw the probe and every measured handshake as a connection of its own.
    const deadline = Date.now() + 10_000;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = server.stdout.split('\n').filter((l) => l.includes('"event":"connect"')).length - before;
      if (seen >= r.handshakes + 1) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(seen >= r.handshakes + 1, `server saw ${seen} connections for ${r.handshakes} handshakes`);
  });

  it('refuses an unverifiable certificate without --insecure (exit 1, nothing on stdout)', async () => {
    const result = await runCli(['bench', 'handshake', '127.0.0.1', String(port), '-c', '2', '-d', '0.3', '--json'], { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /could not be verified/);
    assert.match(result.stderr, /--insecure/);
  });

  it('prints a human report without --json', async () => {
    const result = await runCli(['bench', 'handshake', '127.0.0.1', String(port), '--insecure', '-d', '0.3'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\d+ full handshakes in [\d.]+ s: [\d.]+ handshakes\/s \(TLSv1\.3, TLS_/);
    assert.match(result.stdout, /handshake latency µs: p50 \d+ {2}p99 \d+ {2}p999 \d+ {2}max \d+/);
    assert.match(result.stdout, /errors 0, timeouts 0/);
    assert.match(result.stdout, /load CPU \d+ % of one core/);
  });
});

test('bench handshake against openssl s_server, verifying a netlab cert with --ca', async (t) => {
  const dir = tempDir(t);
  const made = await runCli(['cert', '--rsa', '--out', dir]);
  assert.equal(made.code, 0, made.stderr);
  const cert = join(dir, 'cert.pem');
  const server = new RunningProcess('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', cert, '-key', join(dir, 'key.pem'), '-www']);
  t.after(() => server.stop());
  const port = Number((await server.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/, 15_000))[1]);
  const r = await bench(['127.0.0.1', String(port), '--ca', cert, '--servername', 'localhost', '-c', '3', '-d', '0.5', '--tls-version', '1.3']);
  assertShape(r, { connections: 3, workers: 1, tlsVersion: '1.3' });
  assert.equal(r.protocol, 'TLSv1.3');
});

describe('bench handshake failures', () => {
  async function closedPort(): Promise<number> {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((r) => probe.close(r));
    return port;
  }

  it('exits 1 with a clear message when the port refuses', async () => {
    const port = await closedPort();
    for (const workers of ['1', '2']) {
      const result = await runCli(['bench', 'handshake', '127.0.0.1', String(port), '--insecure', '-c', '2', '--workers', workers, '-d', '0.3', '--json'], { timeoutMs: 30_000 });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    }
  });

  it('exits 1 when the server closes every connection before the handshake', async (t) => {
    const server = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    t.after(() => server.close());
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const result = await runCli(['bench', 'handshake', '127.0.0.1', String(port), '--insecure', '-d', '0.3'], { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /closed the connection during the TLS handshake|reset|disconnected/);
  });

  it('makes full handshakes only, and counts errors once the server goes away mid-run', async (t) => {
    const dir = tempDir(t);
    const made = await runCli(['cert', '--out', dir]);
    assert.equal(made.code, 0, made.stderr);
    const server = tls.createServer({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, (s) => s.on('error', () => undefined));
    const sockets = new Set<net.Socket>();
    server.on('connection', (s: net.Socket) => (sockets.add(s), s.once('close', () => sockets.delete(s))));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    let secured = 0;
    let resumed = 0;
    const stop = (): void => {
      server.close();
      for (const s of sockets) s.destroy();
    };
    t.after(stop);
    // The probe is the first; after 10 more the server goes away for the rest of the window.
    server.on('secureConnection', (s: tls.TLSSocket) => {
      if (s.isSessionReused()) resumed += 1;
      if (++secured === 11) stop();
    });
    const r = await runHandshakeLoad({ host: '127.0.0.1', port, connections: 3, seconds: 2, handshakeTimeoutMs: 2000, insecure: true });
    assert.ok(r.handshakes >= 1, `handshakes: ${r.handshakes}`);
    assert.ok(r.errors > 0, `errors: ${r.errors}`);
    assert.ok(secured >= 11);
    assert.equal(resumed, 0, 'every handshake is a full one: no session is resumed');
  });

  it('counts timeouts when the server stops answering after the first handshake', async (t) => {
    const dir = tempDir(t);
    const made = await runCli(['cert', '--out', dir]);
    assert.equal(made.code, 0, made.stderr);
    // A real TLS server behind a front door that forwards only the first connection
    // (the probe) and leaves every later one silent.
    const backend = tls.createServer({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, (s) => s.on('error', () => undefined));
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const held = new Set<net.Socket>();
    let first = true;
    const front = net.createServer((s) => {
      held.add(s);
      s.on('error', () => undefined);
      if (!first) return;
      first = false;
      const upstream = net.connect((backend.address() as net.AddressInfo).port, '127.0.0.1');
      held.add(upstream);
      upstream.on('error', () => undefined);
      s.pipe(upstream).pipe(s);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    t.after(() => {
      for (const s of held) s.destroy();
      front.close();
      backend.close();
    });
    const r = await runHandshakeLoad({ host: '127.0.0.1', port: (front.address() as net.AddressInfo).port, connections: 2, seconds: 1.2, handshakeTimeoutMs: 300, insecure: true });
    assert.equal(r.handshakes, 0);
    assert.ok(r.timeouts >= 2, `timeouts: ${r.timeouts}`);
    assert.equal(r.errors, 0);
    assert.equal(r.protocol, null);
  });

  it('rejects bad flags with exit 2 and a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['bench', 'handshake', '127.0.0.1', '5443', '-c', '0'], /connection count/],
      [['bench', 'handshake', '127.0.0.1', '5443', '-d', '0'], /duration/],
      [['bench', 'handshake', '127.0.0.1', '5443', '--timeout', 'soon'], /duration/],
      [['bench', 'handshake', '127.0.0.1', '5443', '--tls-version', '1.1'], /not a TLS version; choose one of 1\.2, 1\.3/],
      [['bench', 'handshake', '127.0.0.1', '99999'], /not a port/],
      [['bench', 'handshake', '127.0.0.1'], /missing required argument 'port'/],
      [['bench', 'handshake', '127.0.0.1', '5443', '-c', '2', '--workers', '3'], /more than the 2 connection/],
      [['bench', 'handshake', '127.0.0.1', '5443', '--insecure', '--ca', 'ca.pem'], /--insecure and --ca/],
      [['bench', 'handshake', '127.0.0.1', '5443', '-s', '64'], /unknown option/],
    ];
    for (const [args, reason] of cases) {
      const result = await runCli(args, { timeoutMs: 20_000 });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, reason, args.join(' '));
    }
  });
});
