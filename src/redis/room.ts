/** `--room NAME`: which room (chat) or relay (IM) of a Redis a node serves. */
import { describeValue } from '../util/validate.js';
import { UsageError } from '../errors.js';

/** Longest room name, in characters. */
export const ROOM_MAX_CHARS = 64;
const ROOM_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * A room name: 1-64 letters, digits, `.`, `_` or `-` (it becomes part of a
 * Redis channel name, so it never needs quoting in redis-cli).
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT otherwise
 */
export function checkRoomName(value: unknown, name = 'options.room'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > ROOM_MAX_CHARS || !ROOM_NAME.test(value)) {
    throw new UsageError(`${name} must be 1-${ROOM_MAX_CHARS} letters, digits, ".", "_" or "-", got ${describeValue(value)}`);
  }
  return value;
}
