import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScanEngine, STATE_BY_CODE } from '../../../src/scan/engine.js';
import type { Attempt, Outcome, PortState, ProbeDriver } from '../../../src/scan/probe.js';
import { RttEstimator } from '../../../src/scan/rtt.js';
import { PortSource } from '../../../src/scan/port-source.js';
import { ERROR_CODES, LimitError } from '../../../src/errors.js';

/**
 * A scripted driver: each port answers with the outcomes listed for it, one
 * per attempt, after a macrotask; `silent` never answers (the engine's timeout).
 */
class FakeDriver implements ProbeDriver {
  readonly proto = 'tcp' as const;
  readonly name = 'fake';
  readonly silentState: PortState = 'filtered';
  readonly starts = new Map<number, number>();
  inFlight = 0;
  peak = 0;
  cancelled = 0;
  #pending = new Set<Attempt>();

  constructor(readonly script: (port: number, attemptNo: number) => Outcome | 'silent' | 'sync-resource') {}

  start(attempt: Attempt): void {
    const n = (this.starts.get(attempt.port) ?? 0) + 1;
    this.starts.set(attempt.port, n);
    const outcome = this.script(attempt.port, n);
    if (outcome === 'sync-resource') {
      attempt.sink.settle(attempt, 'resource');
      return;
    }
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    this.#pending.add(attempt);
    if (outcome === 'silent') return;
    setImmediate(() => {
      if (!this.#pending.delete(attempt)) return;
      this.inFlight--;
      attempt.sink.settle(attempt, outcome);
    });
  }

  cancel(attempt: Attempt): void {
    if (this.#pending.delete(attempt)) {
      this.inFlight--;
      this.cancelled++;
    }
  }
}

function engineFor(driver: ProbeDriver, ports: number[], extra: { concurrency?: number; signal?: AbortSignal; retries?: number; minTimeoutMs?: number } = {}): ScanEngine {
  return new ScanEngine({
    driver,
    target: { address: '127.0.0.1', family: 4 },
    source: PortSource.of(ports),
    concurrency: extra.concurrency ?? 16,
    retries: extra.retries ?? 1,
    rtt: new RttEstimator({ initialTimeoutMs: 50, minTimeoutMs: extra.minTimeoutMs ?? 20, maxTimeoutMs: Math.max(50, extra.minTimeoutMs ?? 0) }),
    fixedTimeoutMs: undefined,
    limiter: undefined,
    sweepIntervalMs: 5,
    signal: extra.signal,
  });
}

const stateOf = (engine: ScanEngine, port: number): PortState | undefined => STATE_BY_CODE[engine.states[port] as number];

test('engine: open, closed, self-connect (closed, counted) and ICMP-filtered ports', async () => {
  const driver = new FakeDriver((port) => (port === 1 ? 'open' : port === 2 ? 'closed' : port === 3 ? 'self-connect' : 'filtered'));
  // Timeouts far beyond the test: on a loaded machine only real answers may decide.
  const engine = engineFor(driver, [1, 2, 3, 4], { minTimeoutMs: 60_000 });
  await engine.run();
  assert.equal(stateOf(engine, 1), 'open');
  assert.equal(stateOf(engine, 2), 'closed');
  assert.equal(stateOf(engine, 3), 'closed');
  assert.equal(stateOf(engine, 4), 'filtered');
  assert.equal(engine.counters().selfConnects, 1);
  assert.equal(engine.counters().open, 1);
  // The filtered port got exactly one retry, the others none.
  assert.deepEqual([...driver.starts.entries()].sort((a, b) => a[0] - b[0]), [[1, 1], [2, 1], [3, 1], [4, 2]]);
});

test('engine: a silent port times out, is retried once, then filtered; an answer on the retry wins', async () => {
  const driver = new FakeDriver((port, n) => (port === 10 ? 'silent' : n === 1 ? 'silent' : 'open'));
  const engine = engineFor(driver, [10, 11], { minTimeoutMs: 300 });
  await engine.run();
  assert.equal(stateOf(engine, 10), 'filtered');
  assert.equal(stateOf(engine, 11), 'open');
  assert.equal(driver.starts.get(10), 2);
  assert.equal(driver.cancelled, 3);
  assert.equal(driver.inFlight, 0, 'every attempt was settled or cancelled');
});

test('engine: never more attempts in flight than the concurrency', async () => {
  const driver = new FakeDriver((port) => (port % 7 === 0 ? 'open' : 'closed'));
  const ports = Array.from({ length: 3000 }, (_, i) => i + 1);
  const engine = engineFor(driver, ports, { concurrency: 37, minTimeoutMs: 60_000 });
  await engine.run();
  assert.ok(driver.peak <= 37, `peak ${driver.peak}`);
  assert.equal(engine.counters().peakInFlight, driver.peak);
  assert.equal(engine.counters().done, 3000);
  assert.equal(engine.counters().open, Math.floor(3000 / 7));
});

test('engine: running out of sockets backs off and still finishes every port', async () => {
  let budget = 5; // the "system" allows 5 sockets, then refuses until one closes
  const driver = new FakeDriver(() => {
    if (budget === 0) return 'sync-resource';
    budget--;
    setImmediate(() => budget++);
    return 'closed';
  });
  const ports = Array.from({ length: 200 }, (_, i) => i + 1);
  const engine = engineFor(driver, ports, { concurrency: 50, minTimeoutMs: 60_000 });
  await engine.run();
  assert.equal(engine.counters().done, 200);
  assert.ok(ports.every((p) => stateOf(engine, p) === 'closed'));
});

test('engine: no socket at all is a LimitError, not a hang', async () => {
  const driver = new FakeDriver(() => 'sync-resource');
  const engine = engineFor(driver, [1, 2, 3]);
  await assert.rejects(engine.run(), (err: unknown) => err instanceof LimitError && err.code === ERROR_CODES.OUT_OF_SOCKETS);
});

test('engine: abort stops the scan, cancels what is in flight, keeps what finished', async () => {
  const driver = new FakeDriver((port) => (port <= 5 ? 'closed' : 'silent'));
  const controller = new AbortController();
  // Timeouts far longer than the test, so only the abort can end ports 6 and 7.
  const engine = engineFor(driver, [1, 2, 3, 4, 5, 6, 7], { signal: controller.signal, minTimeoutMs: 60_000 });
  const running = engine.run();
  setTimeout(() => controller.abort(), 50);
  await running;
  assert.equal(engine.aborted, true);
  assert.equal(engine.counters().done, 5);
  assert.equal(driver.inFlight, 0);
  assert.equal(stateOf(engine, 6), undefined);
});

test('two of our own sockets connected to each other (p -> q and q -> p) are both closed, other opens stay', async () => {
  const { uncrossOpens } = await import('../../../src/scan/parallel.js');
  const states = new Uint8Array(65536);
  const OPEN = STATE_BY_CODE.indexOf('open');
  for (const port of [40000, 40001, 8080]) states[port] = OPEN;
  const shard = (loopbackOpens: number[]) => ({
    states,
    loopbackOpens,
    counters: { done: 0, open: 0, inFlight: 0, selfConnects: 0, peakInFlight: 0 },
    aborted: false,
    driverName: 'fake',
    srttMs: undefined,
  });
  // 40000 was reached from local port 40001 (one shard), 40001 from 40000 (another); 8080 from 45000.
  const corrected = uncrossOpens(states, [shard([40000, 40001]), shard([40001, 40000, 8080, 45000])]);
  assert.equal(corrected, 2);
  assert.equal(STATE_BY_CODE[states[40000] as number], 'closed');
  assert.equal(STATE_BY_CODE[states[40001] as number], 'closed');
  assert.equal(STATE_BY_CODE[states[8080] as number], 'open');
});

test('shared port source: several consumers get every port exactly once, in blocks', async () => {
  const { sharePorts } = await import('../../../src/scan/port-source.js');
  const ports = Array.from({ length: 1000 }, (_, i) => i + 1);
  const shared = sharePorts(ports);
  const sources = [new PortSource(shared, 64), new PortSource(shared, 64), new PortSource(shared, 64)];
  const seen: number[] = [];
  for (let round = 0; sources.some((s) => s.hasMore()) && round < 10_000; round++) {
    const source = sources[round % 3] as PortSource;
    for (let i = 0; i < 7; i++) {
      const port = source.next();
      if (port !== undefined) seen.push(port);
    }
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), ports);
  assert.ok(sources.every((s) => s.next() === undefined && !s.hasMore()));
});
