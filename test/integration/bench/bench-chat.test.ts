/**
 * `netlab bench chat` against a real `netlab chat serve` on loopback: every
 * line a sender writes must reach every other user when nothing is dropped.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI, runCli } from '../../helpers/cli.js';
import { LineCollector } from '../../helpers/wait.js';
import type { ChatLoadReport } from '../../../src/load/chat-scenario.js';

/** The `--json` document, as the library declares it. */
type ChatReport = ChatLoadReport;

describe('netlab bench chat against netlab chat serve', () => {
  let server: ChildProcess;
  let port = 0;
  let lines: LineCollector;

  before(async () => {
    server = spawn(process.execPath, [CLI, 'chat', 'serve', '--tcp', '0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NO_COLOR: '1' } });
    lines = new LineCollector(server.stdout!);
    const line = await lines.waitForLine(/"event":"listening"/, 20_000);
    port = Number((JSON.parse(line) as { address: string }).address.split(':').pop());
  });
  after(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([once(server, 'exit'), new Promise((r) => (timer = setTimeout(r, 5000)))]);
      // The bound must not outlive the wait (the leak check fails a file whose timers stay active).
      clearTimeout(timer);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  });

  async function benchChat(args: string[]): Promise<ChatReport> {
    const result = await runCli(['bench', 'chat', '127.0.0.1', String(port), ...args, '--json'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout.trim().split('\n');
    assert.equal(out.length, 1, `one JSON document: ${result.stdout}`);
    return JSON.parse(out[0] as string) as ChatReport;
  }

  for (const [clients, senders] of [
    [4, 2],
    [6, 6],
  ] as const) {
    it(`delivers every line to the other ${clients - 1} users (${senders} of ${clients} sending)`, async () => {
      const r = await benchChat(['-c', String(clients), '--senders', String(senders), '--rate', '10', '-d', '0.5']);
      assert.equal(r.scenario, 'chat');
      assert.equal(r.transport, 'tcp');
      assert.equal(r.clients, clients);
      assert.equal(r.senders, senders);
      assert.equal(r.rate_per_sender, 10);
      assert.ok(r.sent > 0, `sent ${r.sent}`);
      assert.equal(r.expected_deliveries, r.sent * (clients - 1));
      assert.equal(r.delivered, r.sent * (clients - 1));
      assert.equal(r.missing, 0);
      assert.equal(r.errors, 0);
      assert.equal(r.timeouts, 0);
      const l = r.latency_us;
      assert.ok(l.min >= 1 && l.min <= l.p50 && l.p50 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
    });
  }

  for (const workers of [1, 2]) {
    it(`closed loop (--in-flight) over ${workers} load process(es): every line reaches every other user`, async () => {
      const r = await benchChat(['-c', '7', '--senders', '2', '--in-flight', '4', '--workers', String(workers), '-d', '0.5']);
      assert.equal(r.mode, 'closed');
      assert.equal(r.in_flight, 4);
      assert.equal(r.rate_per_sender, null);
      assert.equal(r.workers, workers);
      assert.ok(r.sent > 0, `sent ${r.sent}`);
      assert.equal(r.delivered, r.sent * 6);
      assert.equal(r.missing, 0);
      assert.equal(r.errors, 0);
      assert.equal(r.timeouts, 0);
      assert.ok(r.latency_us.min >= 1 && r.latency_us.p50 <= r.latency_us.max, JSON.stringify(r.latency_us));
    });
  }

  it('open loop over two load processes: lines sent by one are timed by the other', async () => {
    const r = await benchChat(['-c', '4', '--senders', '2', '--rate', '10', '--workers', '2', '-d', '0.5']);
    assert.equal(r.mode, 'rate');
    assert.equal(r.workers, 2);
    assert.equal(r.delivered, r.sent * 3);
    assert.equal(r.missing, 0);
    // One clock for all processes: no negative (clamped to 1) or absurd latencies.
    assert.ok(r.latency_us.min >= 1 && r.latency_us.max < 30_000_000, JSON.stringify(r.latency_us));
  });

  it('rejects bad flag combinations with exit 2 and a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['-c', '4', '--senders', '1', '--rate', '5', '--in-flight', '4'], /exclude each other/],
      [['-c', '4', '--senders', '4', '--in-flight', '4'], /fewer --senders than clients/],
      [['-c', '3', '--senders', '1', '--workers', '2'], /needs at least 4 clients/],
      [['-c', '4', '--senders', '1', '--in-flight', '0'], /in-flight count/],
    ];
    for (const [args, reason] of cases) {
      const result = await runCli(['bench', 'chat', '127.0.0.1', String(port), ...args], { timeoutMs: 20_000 });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, reason, args.join(' '));
    }
  });

  it('leaves the room: the server sees every bench user go', async () => {
    await benchChat(['-c', '3', '--senders', '1', '-d', '0.3']);
    const joined = () => lines.lines.filter((l) => l.includes('"event":"joined"')).length;
    const left = () => lines.lines.filter((l) => l.includes('"event":"left"')).length;
    const deadline = Date.now() + 10_000;
    while (left() < joined() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(joined() > 0);
    assert.equal(left(), joined());
  });

  it('prints a human report without --json', async () => {
    const result = await runCli(['bench', 'chat', '127.0.0.1', String(port), '-c', '2', '--senders', '1', '-d', '0.3'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\d+ lines sent \([\d.]+\/s\), (\d+) of \1 deliveries/);
  });

  it('exits 1 with a clear message when the port refuses', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closed = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const result = await runCli(['bench', 'chat', '127.0.0.1', String(closed), '-c', '2', '--senders', '1', '-d', '0.3'], { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /connection refused by 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});
