/**
 * `netlab bench chat --also-port` against two `chat serve --redis` nodes of
 * one room: users are spread over the nodes, and every line must reach
 * every other user exactly once, across the nodes too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatLoadReport } from '../../../src/load/chat-scenario.js';
import { startChatNode } from '../../helpers/chat-nodes.js';
import { runCli } from '../../helpers/cli.js';
import { RedisServer } from '../../helpers/redis.js';

test('bench chat --also-port spreads the users over two nodes of one room; every line reaches every other user once', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await startChatNode(t, redis.url(), 'bench');
  const b = await startChatNode(t, redis.url(), 'bench');
  const result = await runCli(['bench', 'chat', '127.0.0.1', String(a.port), '--also-port', String(b.port), '-c', '20', '--senders', '4', '--in-flight', '8', '-d', '1', '--json'], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as ChatLoadReport;
  assert.equal(report.target, `127.0.0.1:${a.port},127.0.0.1:${b.port}`);
  assert.ok(report.sent > 0);
  assert.equal(report.delivered, report.sent * 19, 'each line delivered to the 19 others exactly once');
  assert.equal(report.missing, 0);
  assert.equal(report.errors, 0);
  // Both nodes had users: half the room joined each.
  const joined = (events: Record<string, unknown>[]): number => events.filter((e) => e.event === 'connect').length;
  assert.equal(joined(a.events()), 10);
  assert.equal(joined(b.events()), 10);
});

test('bench chat --also-port takes ports only (usage error, exit 2)', async () => {
  const result = await runCli(['bench', 'chat', '127.0.0.1', '1234', '--also-port', 'x', '-c', '4', '--senders', '1'], { timeoutMs: 15_000 });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /"x" is not a port/);
});
