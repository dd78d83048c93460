/**
 * `netlab bench echo` against real `netlab serve` processes on loopback, one
 * per transport. Each run is a fraction of a second of load; only the shape
 * and the consistency of the report are asserted, never a speed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI, runCli } from '../../helpers/cli.js';
import { LineCollector } from '../../helpers/wait.js';
import type { EchoLoadReport } from '../../../src/load/echo-scenario.js';

type Transport = 'tcp' | 'tls' | 'udp' | 'ws';

/** The `--json` document, as the library declares it. */
type EchoReport = EchoLoadReport;

const servers = new Map<Transport, { child: ChildProcess; port: number }>();

async function startServe(transport: Transport): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [CLI, 'serve', transport, '-p', '0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NO_COLOR: '1' } });
  const lines = new LineCollector(child.stdout!);
  const line = await lines.waitForLine(/"event":"listening"/, 20_000);
  const { address } = JSON.parse(line) as { address: string };
  return { child, port: Number(address.split(':').pop()) };
}

function portOf(transport: Transport): number {
  return servers.get(transport)!.port;
}

async function bench(args: string[]): Promise<EchoReport> {
  const result = await runCli(['bench', 'echo', ...args, '--json'], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout carries one JSON document: ${result.stdout}`);
  return JSON.parse(lines[0] as string) as EchoReport;
}

function assertConsistent(r: EchoReport, expected: { transport: Transport; connections: number; size: number; pipeline: number }): void {
  assert.equal(r.scenario, 'echo');
  assert.equal(r.transport, expected.transport);
  assert.equal(r.connections, expected.connections);
  assert.equal(r.size, expected.size);
  assert.equal(r.pipeline, expected.pipeline);
  assert.match(r.target, /^127\.0\.0\.1:\d+$/);
  assert.ok(r.round_trips > 0, `round trips: ${r.round_trips}`);
  assert.ok(r.round_trips_per_s > 0);
  assert.ok(r.duration_s > 0);
  assert.ok(r.mb_per_s > 0);
  // Everything completed was sent and came back; at most pipeline x conns more were in flight.
  const inFlight = expected.connections * expected.pipeline;
  assert.ok(r.bytes_received >= r.round_trips * r.size, `received ${r.bytes_received} < ${r.round_trips} x ${r.size}`);
  assert.ok(r.bytes_received <= (r.round_trips + inFlight) * r.size, `received ${r.bytes_received} too many`);
  assert.ok(r.bytes_sent >= r.round_trips * r.size);
  assert.ok(r.bytes_sent <= (r.round_trips + r.timeouts + inFlight) * r.size, `sent ${r.bytes_sent} too many`);
  assert.equal(r.bytes_sent % r.size, 0, 'whole messages are sent');
  const l = r.latency_us;
  assert.ok(l.min >= 1);
  assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
  assert.equal(r.errors, 0);
  assert.ok(Number.isInteger(r.workers) && r.workers >= 1);
  for (const key of ['errors', 'timeouts', 'round_trips', 'bytes_sent', 'bytes_received'] as const) assert.ok(Number.isInteger(r[key]), key);
}

describe('netlab bench echo against netlab serve', () => {
  before(async () => {
    for (const t of ['tcp', 'tls', 'udp', 'ws'] as const) servers.set(t, await startServe(t));
  });
  after(async () => {
    for (const { child } of servers.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  });

  for (const transport of ['tcp', 'tls', 'udp', 'ws'] as const) {
    it(`measures ${transport} round trips with consistent counts and ordered percentiles`, async () => {
      const extra = transport === 'tls' ? ['--insecure'] : [];
      const r = await bench([transport, '127.0.0.1', String(portOf(transport)), '-c', '3', '-s', '100', '-d', '0.4', ...extra]);
      assertConsistent(r, { transport, connections: 3, size: 100, pipeline: 1 });
    });
  }

  it('keeps K messages in flight per connection with --pipeline', async () => {
    const r = await bench(['tcp', '127.0.0.1', String(portOf('tcp')), '-c', '2', '-s', '64', '-d', '0.4', '--pipeline', '8']);
    assertConsistent(r, { transport: 'tcp', connections: 2, size: 64, pipeline: 8 });
  });

  it('writes whole messages when a batch of pipelined payloads is larger than one write', async () => {
    // 100 kB messages, 4 in flight: more than one write's worth of payloads back to back.
    const r = await bench(['tcp', '127.0.0.1', String(portOf('tcp')), '-c', '1', '-s', '100000', '-d', '0.4', '--pipeline', '4']);
    assertConsistent(r, { transport: 'tcp', connections: 1, size: 100000, pipeline: 4 });
  });

  it('pipelines over udp and ws (message transports) too', async () => {
    for (const transport of ['udp', 'ws'] as const) {
      const r = await bench([transport, '127.0.0.1', String(portOf(transport)), '-c', '2', '-s', '32', '-d', '0.3', '--pipeline', '4']);
      assertConsistent(r, { transport, connections: 2, size: 32, pipeline: 4 });
    }
  });

  it('splits the connections over worker processes with --workers and merges their reports', async () => {
    const r = await bench(['tcp', '127.0.0.1', String(portOf('tcp')), '-c', '5', '-s', '64', '-d', '0.4', '--pipeline', '2', '--workers', '2']);
    assertConsistent(r, { transport: 'tcp', connections: 5, size: 64, pipeline: 2 });
    assert.equal(r.workers, 2);
  });

  it('waits for drain when large messages fill the socket (backpressure)', async () => {
    const size = 256 * 1024;
    const r = await bench(['tcp', '127.0.0.1', String(portOf('tcp')), '-c', '2', '-s', String(size), '-d', '0.4', '--pipeline', '4']);
    assertConsistent(r, { transport: 'tcp', connections: 2, size, pipeline: 4 });
  });

  it('prints a human report without --json', async () => {
    const result = await runCli(['bench', 'echo', 'tcp', '127.0.0.1', String(portOf('tcp')), '-d', '0.2'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\d+ round trips in [\d.]+ s: [\d.]+ round trips\/s, [\d.]+ MB\/s/);
    assert.match(result.stdout, /latency µs: p50 \d+ {2}p99 \d+ {2}p999 \d+ {2}max \d+/);
    assert.match(result.stdout, /errors 0, timeouts \d+/);
  });
});

describe('netlab bench echo failures', () => {
  async function closedPort(): Promise<number> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    return port;
  }

  it('exits 1 with a clear message when the port refuses', async () => {
    const port = await closedPort();
    for (const [transport, workers] of [
      ['tcp', '1'],
      ['udp', '1'],
      ['tcp', '2'],
    ] as const) {
      const result = await runCli(['bench', 'echo', transport, '127.0.0.1', String(port), '-c', '2', '--workers', workers, '-d', '0.3', '--json'], { timeoutMs: 30_000 });
      assert.equal(result.code, 1, `${transport}: ${result.stderr}`);
      assert.equal(result.stdout, '', 'no report on stdout');
      assert.match(result.stderr, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    }
  });

  it('rejects bad flags with exit 2 and a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '-c', '0'], /connection count/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '-s', 'big'], /message size/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '-d', '-1'], /duration/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '--pipeline', '0'], /pipeline depth/],
      [['bench', 'echo', 'sctp', '127.0.0.1', '5000'], /transport/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '70000'], /not a port/],
      [['bench', 'echo', 'udp', '127.0.0.1', '5000', '-s', '70000'], /does not fit in one UDP datagram/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '--insecure'], /go with tls/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '--bogus'], /unknown option/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '-c', '2', '--workers', '3'], /more than the 2 connection/],
      [['bench', 'echo', 'tcp', '127.0.0.1', '5000', '--workers', '0'], /worker count/],
      [['bench', 'chat', '127.0.0.1', '1234', '-c', '3'], /--senders/],
      [['bench', 'chat', '127.0.0.1', '1234', '-c', '1', '--senders', '1'], /client count/],
      [['bench', 'chat', '127.0.0.1', '1234', '-c', '3', '--senders', '4'], /more than the 3 clients/],
    ];
    for (const [args, reason] of cases) {
      const result = await runCli(args, { timeoutMs: 20_000 });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, reason, args.join(' '));
    }
  });
});

describe('netlab bench echo --pipeline against a slow server', () => {
  /** Echoes each chunk 100 ms after it arrives, so a round trip takes 100 ms. */
  let server: net.Server;
  let port = 0;
  before(async () => {
    server = net.createServer((socket) => {
      socket.on('data', (chunk) => setTimeout(() => socket.writable && socket.write(chunk), 100));
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('has K messages waiting at the server at once: K=8 completes about 8 times the round trips of K=1', async () => {
    const one = await bench(['tcp', '127.0.0.1', String(port), '-c', '1', '-s', '64', '-d', '0.55']);
    const eight = await bench(['tcp', '127.0.0.1', String(port), '-c', '1', '-s', '64', '-d', '0.55', '--pipeline', '8']);
    // 0.55 s of 100 ms round trips: 5 with one in flight, 40 with eight.
    assert.ok(one.round_trips >= 4 && one.round_trips <= 6, `K=1: ${one.round_trips}`);
    assert.ok(eight.round_trips >= 32 && eight.round_trips <= 48, `K=8: ${eight.round_trips}`);
    assert.ok(eight.latency_us.p50 >= 100_000, `each message still waits its 100 ms: ${eight.latency_us.p50}`);
  });
});
