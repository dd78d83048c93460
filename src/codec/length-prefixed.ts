/**
 * Sans-IO length-prefixed framing, the wire of the IM relay:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |              payload length (uint32, big-endian)              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                 payload (length bytes) ...                    |
 *
 * The decoder is a two-state machine (header, body). The cap is checked as
 * soon as the header is complete, before any of the body is awaited, so a
 * peer announcing 4 GiB costs us four bytes, not a buffer (the mistake of
 * parsers that trust the declared length). No sockets, no timers here.
 */
import { ERROR_CODES, ProtocolError } from '../errors.js';
import { integerIn, invalidOption } from '../util/validate.js';

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** The largest length a uint32 prefix can announce. */
export const MAX_UINT32 = 0xffff_ffff;

export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes (a payload of exactly this size is fine). */
  maxFrameBytes: number;
  /**
   * Receives each payload. It is a view into the input when the frame
   * arrived in one chunk: copy it if you keep it past the call.
   */
  onFrame: (payload: Buffer) => void;
  /** Called once when a length is over the cap; the decoder then ignores all input. */
  onError: (error: ProtocolError) => void;
}

const enum State {
  Header,
  Body,
  Failed,
}

const frameLimit = integerIn(0, MAX_UINT32);

export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #onFrame: FrameDecoderOptions['onFrame'];
  readonly #onError: FrameDecoderOptions['onError'];
  #state = State.Header;
  /** Header bytes gathered so far (a header may span chunks). */
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  /** Body of the current frame: allocated once its length is known and allowed. */
  #body: Buffer | undefined;
  #bodyFilled = 0;
  /** A first length passed the cap: a later bad one is no sign of unframed protobuf. */
  #framed = false;

  /**
   * @param options maxFrameBytes, onFrame, onError
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when maxFrameBytes is not an integer from 0 to 2^32-1
   */
  constructor(options: FrameDecoderOptions) {
    const max = options.maxFrameBytes;
    frameLimit(max, 'options.maxFrameBytes');
    this.#maxFrameBytes = max;
    this.#onFrame = options.onFrame;
    this.#onError = options.onError;
  }

  /** True once a bad length was seen; everything after it is ignored. */
  get failed(): boolean {
    return this.#state === State.Failed;
  }

  /** Bytes held for an incomplete frame (header or body). */
  get pendingBytes(): number {
    return this.#state === State.Body ? FRAME_HEADER_BYTES + this.#bodyFilled : this.#headerFilled;
  }

  /** True between frames: no partial header or body is held. */
  get idle(): boolean {
    return this.#state === State.Header && this.#headerFilled === 0;
  }

  /** Feeds the next chunk, in any split. Frames are delivered synchronously. */
  push(chunk: Uint8Array): void {
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let offset = 0;
    while (offset < input.length && this.#state !== State.Failed) {
      offset = this.#state === State.Header ? this.#readHeader(input, offset) : this.#readBody(input, offset);
    }
  }

  #readHeader(input: Buffer, offset: number): number {
    // Fast path: a whole frame in this chunk is delivered as a view, no copy.
    if (this.#headerFilled === 0 && input.length - offset >= FRAME_HEADER_BYTES) {
      const length = input.readUInt32BE(offset);
      if (!this.#allowed(length, input, offset)) return input.length;
      const start = offset + FRAME_HEADER_BYTES;
      if (input.length - start >= length) {
        this.#onFrame(input.subarray(start, start + length));
        return start + length;
      }
      this.#startBody(length);
      return start;
    }
    const take = Math.min(FRAME_HEADER_BYTES - this.#headerFilled, input.length - offset);
    input.copy(this.#header, this.#headerFilled, offset, offset + take);
    this.#headerFilled += take;
    if (this.#headerFilled === FRAME_HEADER_BYTES) {
      this.#headerFilled = 0;
      const length = this.#header.readUInt32BE(0);
      if (!this.#allowed(length, this.#header, 0)) return input.length;
      if (length === 0) this.#onFrame(Buffer.alloc(0));
      else this.#startBody(length);
    }
    return offset + take;
  }

  #readBody(input: Buffer, offset: number): number {
    const body = this.#body as Buffer;
    const take = Math.min(body.length - this.#bodyFilled, input.length - offset);
    input.copy(body, this.#bodyFilled, offset, offset + take);
    this.#bodyFilled += take;
    if (this.#bodyFilled === body.length) {
      this.#body = undefined;
      this.#bodyFilled = 0;
      this.#state = State.Header;
      this.#onFrame(body);
    }
    return offset + take;
  }

  #startBody(length: number): void {
    this.#body = Buffer.allocUnsafe(length);
    this.#bodyFilled = 0;
    this.#state = State.Body;
  }

  /** The cap check, made on the header alone (`header[at..at+4]`). */
  #allowed(length: number, header: Buffer, at: number): boolean {
    if (length <= this.#maxFrameBytes) {
      this.#framed = true;
      return true;
    }
    this.#state = State.Failed;
    this.#body = undefined;
    const unframed = !this.#framed && looksLikeProtobufKey(header[at] as number, header[at + 1] as number);
    this.#onError(
      new ProtocolError(
        ERROR_CODES.FRAME_TOO_LARGE,
        `frame of ${length} bytes is longer than ${this.#maxFrameBytes} bytes (the --max-frame limit)` +
          (unframed ? `; what arrived looks like protobuf without the 4-byte length prefix (${UNFRAMED_HINT})` : ''),
      ),
    );
    return false;
  }
}

const UNFRAMED_HINT = 'each frame must start with the length of the message as 4 bytes, big-endian';

/**
 * Whether the first bytes of a stream read as a protobuf field key (a
 * varint `field << 3 | wire type`, field 1 or more, wire type varint,
 * fixed64, length-delimited or fixed32) rather than as a length. A message
 * sent without its length prefix starts like that (`0x0a` for field 1, a
 * string; `0xa2 0x01` for field 20) and then reads as a length of 16 MiB or
 * more, since its first byte is at least 0x08; a true length under 16 MiB
 * starts with 0x00 and never looks like this.
 */
function looksLikeProtobufKey(b0: number, b1: number): boolean {
  let key = b0;
  if (b0 >= 0x80) {
    if (b1 >= 0x80) return false;
    key = (b0 & 0x7f) | (b1 << 7);
  }
  const wireType = key & 7;
  return key >> 3 >= 1 && (wireType === 0 || wireType === 1 || wireType === 2 || wireType === 5);
}

/**
 * Prefixes a payload with its 4-byte big-endian length.
 * @param payload the frame body
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when the payload is longer than a uint32 can say
 */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.byteLength > MAX_UINT32) throw invalidOption('payload', `at most ${MAX_UINT32} bytes`, payload);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32BE(payload.byteLength, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}
