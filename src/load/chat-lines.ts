/**
 * The wire format of `netlab bench chat` lines and a sans-IO scanner for
 * them. A bench line's text is `~`, the send time in µs as DIGITS fixed-width
 * decimal digits, then the sender's number as ID_DIGITS digits; the chat
 * server delivers it to the others as `NAME: ~DIGITS` (`\r\n` accepted).
 * The sender's number lets the closed loop (`--in-flight`) credit the right
 * sender without looking at the name. Anything else (join and leave notices,
 * `/who` answers, other users' text) is ignored.
 */

/** Fixed width of the send time, in decimal digits (µs; 15 digits is ~31 years). */
export const DIGITS = 15;
/** Fixed width of the sender's number (up to 999999 senders). */
export const ID_DIGITS = 6;
/** Bytes of one bench line: `~`, the time and sender digits, `\n`. */
export const LINE_BYTES = DIGITS + ID_DIGITS + 2;
const ALL_DIGITS = DIGITS + ID_DIGITS;
export const TILDE = 0x7e;
export const NEWLINE = 0x0a;
export const ZERO = 0x30;
const COLON = 0x3a;
const SPACE = 0x20;
const CR = 0x0d;

/** States: in text looking for ':', then ' ', then '~', then digits, or skipping a bad line. */
const enum Scan {
  Text,
  Colon,
  Space,
  Digits,
  Skip,
}

/**
 * Finds delivered bench lines in a byte stream, across chunk boundaries,
 * without allocating: one state and a number carried between chunks.
 */
export class DeliveryScanner {
  #state = Scan.Text;
  #value = 0;
  #id = 0;
  #digits = 0;

  /**
   * Scans `chunk` from `start`, calling `delivered(sentUs, sender)` for each complete bench line.
   * @param delivered called with the send time and the sender's number the line carries
   */
  feed(chunk: Uint8Array, start: number, delivered: (sentUs: number, sender: number) => void): void {
    let state = this.#state;
    for (let i = start; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === NEWLINE) {
        if (state === Scan.Digits && this.#digits === ALL_DIGITS) delivered(this.#value, this.#id);
        state = Scan.Text;
        continue;
      }
      switch (state) {
        case Scan.Text:
          if (b === COLON) state = Scan.Colon;
          break;
        case Scan.Colon:
          state = b === SPACE ? Scan.Space : b === COLON ? Scan.Colon : Scan.Text;
          break;
        case Scan.Space:
          if (b === TILDE) {
            state = Scan.Digits;
            this.#value = 0;
            this.#id = 0;
            this.#digits = 0;
          } else state = b === COLON ? Scan.Colon : Scan.Text;
          break;
        case Scan.Digits:
          if (b >= ZERO && b <= ZERO + 9 && this.#digits < ALL_DIGITS) {
            if (this.#digits < DIGITS) this.#value = this.#value * 10 + (b - ZERO);
            else this.#id = this.#id * 10 + (b - ZERO);
            this.#digits += 1;
          } else if (b !== CR) state = Scan.Skip;
          break;
        case Scan.Skip:
          break;
      }
    }
    this.#state = state;
  }
}

/**
 * Writes one bench line carrying `sentUs` and `sender` into `line` at `offset` (LINE_BYTES), in place.
 * @param sentUs a whole number of µs below 10^DIGITS
 * @param sender the sender's number, below 10^ID_DIGITS
 */
export function writeBenchLine(line: Uint8Array, sentUs: number, sender = 0, offset = 0): void {
  let t = sentUs;
  line[offset] = TILDE;
  for (let i = DIGITS; i >= 1; i--) {
    line[offset + i] = ZERO + (t % 10);
    t = Math.floor(t / 10);
  }
  let id = sender;
  for (let i = ALL_DIGITS; i > DIGITS; i--) {
    line[offset + i] = ZERO + (id % 10);
    id = Math.floor(id / 10);
  }
  line[offset + ALL_DIGITS + 1] = NEWLINE;
}
