/**
 * `--room NAME`: the one check of room names. A name becomes part of Redis
 * keys and channel names, so it is kept to characters that need no quoting
 * anywhere: letters, digits, `.`, `_` and `-`, 1 to 64 of them.
 */
import { UsageError } from '../errors.js';
import { describeValue } from '../util/validate.js';

const ROOM_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * @param name how messages name the value (default `options.room`; the CLI says `--room`)
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for anything else than 1-64 letters, digits, `.`, `_`, `-`
 */
export function roomName(value: unknown, name = 'options.room'): string {
  if (typeof value !== 'string' || !ROOM_NAME.test(value)) {
    throw new UsageError(`${name} must be 1-64 letters, digits, '.', '_' or '-' (e.g. lobby), got ${describeValue(value)}`);
  }
  return value;
}
