/**
 * How `chat serve --redis` and `im serve --redis` report their Redis link:
 * one line (or one NDJSON event) per change, never one per retry, in the
 * same log as the connections.
 */
import type { RedisLink, RedisLinkLoss } from '../redis/link.js';
import type { Output } from './output.js';

/** Malformed messages logged: the first, then one in this many (a hostile publisher cannot flood the log). */
const MALFORMED_LOG_EVERY = 1000;

function lossText(loss: RedisLinkLoss): string {
  const seconds = (loss.durationMs / 1000).toFixed(1);
  const lost = loss.droppedRecords === 0 ? 'nothing to other nodes was lost' : `${loss.droppedRecords} messages to other nodes (${loss.droppedBytes} bytes) were dropped`;
  return `after ${seconds} s; ${lost}`;
}

/**
 * Logs every state change of `link` to `out`.
 * @param room what the node serves over the link, for the first line (`room lobby`)
 */
export function reportRedisLink(link: RedisLink, out: Output, room: string): void {
  const redis = link.endpoint.label;
  const event = (name: string, fields: Record<string, unknown>): void => out.event({ event: name, redis, ...fields, time: new Date().toISOString() });
  link.on('connected', () => {
    if (out.json) event('redis_connected', { room, node: link.nodeId });
    else out.info(`Redis at ${redis} connected (${room}, node ${link.nodeId.slice(0, 8)})`);
  });
  link.on('down', (error) => {
    if (out.json) event('redis_down', { code: error.code, reason: error.message });
    else out.info(error.message);
  });
  link.on('up', (loss) => {
    if (out.json) event('redis_up', { duration_ms: loss.durationMs, dropped: loss.droppedRecords, dropped_bytes: loss.droppedBytes });
    else out.info(`Redis at ${redis} is back ${lossText(loss)}`);
  });
  link.on('backlog', (error) => {
    if (out.json) event('redis_backlog', { code: error.code, reason: error.message });
    else out.info(error.message);
  });
  link.on('caughtUp', (loss) => {
    if (out.json) event('redis_caught_up', { duration_ms: loss.durationMs, dropped: loss.droppedRecords, dropped_bytes: loss.droppedBytes });
    else out.info(`Redis at ${redis} caught up ${lossText(loss)}`);
  });
  link.on('malformed', (channel, error) => {
    const count = link.stats.malformed;
    if (count !== 1 && count % MALFORMED_LOG_EVERY !== 0) return;
    if (out.json) event('redis_malformed', { channel, code: error.code, reason: error.message, count });
    else out.info(`${error.message} (channel ${channel}; ${count} so far, skipped)`);
  });
}
