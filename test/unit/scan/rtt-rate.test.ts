import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RttEstimator } from '../../../src/scan/rtt.js';
import { RateLimiter } from '../../../src/scan/rate-limiter.js';

const T4 = { initialTimeoutMs: 500, minTimeoutMs: 100, maxTimeoutMs: 1250 };

test('RTT estimator: initial timeout before any sample, then SRTT + 4*RTTVAR clamped (RFC 6298)', () => {
  const rtt = new RttEstimator(T4);
  assert.equal(rtt.timeoutMs(), 500);
  rtt.sample(200); // SRTT 200, RTTVAR 100 -> 600
  assert.equal(rtt.srttMs, 200);
  assert.equal(rtt.timeoutMs(), 600);
  rtt.sample(200); // RTTVAR 75, SRTT 200 -> 500
  assert.equal(rtt.timeoutMs(), 500);
});

test('RTT estimator: a fast network lands on the floor, a slow one on the ceiling', () => {
  const fast = new RttEstimator(T4);
  for (let i = 0; i < 50; i++) fast.sample(0.2);
  assert.equal(fast.timeoutMs(), 100);
  const slow = new RttEstimator(T4);
  for (let i = 0; i < 50; i++) slow.sample(900 + (i % 2) * 400);
  assert.equal(slow.timeoutMs(), 1250);
  assert.throws(() => new RttEstimator({ initialTimeoutMs: 1, minTimeoutMs: 10, maxTimeoutMs: 5 }), { code: 'NETLAB_ERR_INVALID_ARGUMENT', message: /options.minTimeoutMs/ });
});

test('rate limiter: at most `rate` starts per second, with a small burst', () => {
  let now = 0;
  const limiter = new RateLimiter(100, now); // 100/s, burst 10
  let started = 0;
  // Simulate 2 s in 1 ms steps, taking as many tokens as allowed each step.
  for (; now <= 2000; now++) {
    while (limiter.take(now) === 0) started++;
  }
  assert.ok(started >= 195 && started <= 212, `started ${started} in 2 s at 100/s`);
  const waiter = new RateLimiter(10, 0, 1);
  assert.equal(waiter.take(0), 0);
  const wait = waiter.take(0);
  assert.ok(wait > 90 && wait <= 100, `wait ${wait} ms for the next token at 10/s`);
});
