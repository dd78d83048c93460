/**
 * The bytes of one Redis pub/sub message on a netlab channel (sans-IO: no
 * sockets, no timers). A node publishes the records it sent in one event-loop
 * turn as one message, so a busy room costs Redis one PUBLISH per turn, not
 * one per line or frame:
 *
 *     byte     version (1)
 *     byte[16] origin: the publishing node's id (random per process)
 *     then, until the end of the message, records:
 *       uint32  length, big-endian
 *       byte[length] the record, unchanged (an IM frame, a chat event)
 *
 * The origin lets a node skip its own messages (Redis delivers them back to
 * it) without a second channel per node.
 */
import { ERROR_CODES, ProtocolError } from '../errors.js';

export const ENVELOPE_VERSION = 1;
/** Bytes of a node id. */
export const NODE_ID_BYTES = 16;
/** Bytes before the first record. */
export const ENVELOPE_HEADER_BYTES = 1 + NODE_ID_BYTES;
/** Bytes a record adds to a message besides itself (its length). */
export const RECORD_OVERHEAD_BYTES = 4;

/**
 * Builds one message from records already in the batch's order.
 * @param origin NODE_ID_BYTES bytes
 * @param records the records, each sent with its length
 * @param recordBytes the sum of their lengths
 */
export function encodeEnvelope(origin: Buffer, records: readonly Buffer[], recordBytes: number): Buffer {
  const message = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES + recordBytes + RECORD_OVERHEAD_BYTES * records.length);
  message[0] = ENVELOPE_VERSION;
  origin.copy(message, 1);
  let offset = ENVELOPE_HEADER_BYTES;
  for (const record of records) {
    message.writeUInt32BE(record.length, offset);
    record.copy(message, offset + RECORD_OVERHEAD_BYTES);
    offset += RECORD_OVERHEAD_BYTES + record.length;
  }
  return message;
}

/** A decoded message: records are subarrays of it (no copies). */
export interface Envelope {
  origin: Buffer;
  records: Buffer[];
}

/**
 * Reads one message. Anything else published on the channel (another
 * program, another version) is refused whole, never half-delivered.
 * @returns the envelope, or a ProtocolError NETLAB_ERR_REDIS_MALFORMED saying what is wrong
 */
export function decodeEnvelope(message: Buffer): Envelope | ProtocolError {
  if (message.length < ENVELOPE_HEADER_BYTES) return malformed(`${message.length} bytes is shorter than its ${ENVELOPE_HEADER_BYTES}-byte header`);
  if (message[0] !== ENVELOPE_VERSION) return malformed(`version ${message[0]}, expected ${ENVELOPE_VERSION}`);
  const records: Buffer[] = [];
  let offset = ENVELOPE_HEADER_BYTES;
  while (offset < message.length) {
    if (message.length - offset < RECORD_OVERHEAD_BYTES) return malformed(`a record length is cut off at byte ${offset}`);
    const length = message.readUInt32BE(offset);
    const start = offset + RECORD_OVERHEAD_BYTES;
    // Check the declared length against what is there before slicing.
    if (length > message.length - start) return malformed(`a record at byte ${offset} claims ${length} bytes, ${message.length - start} remain`);
    records.push(message.subarray(start, start + length));
    offset = start + length;
  }
  return { origin: message.subarray(1, ENVELOPE_HEADER_BYTES), records };
}

function malformed(why: string): ProtocolError {
  return new ProtocolError(ERROR_CODES.REDIS_MALFORMED, `a message on the room's Redis channel is not netlab's: ${why}`);
}
