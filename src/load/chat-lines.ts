/**
 * The wire format of `netlab bench chat` lines and a sans-IO scanner for
 * them. A bench line's text is `~` and the send time in µs as DIGITS
 * fixed-width decimal digits; the chat server delivers it to the others as
 * `NAME: ~DIGITS` (`\r\n` accepted). Anything else (join and leave notices,
 * `/who` answers, other users' text) is ignored.
 */

/** Fixed width of the send time, in decimal digits (µs; 15 digits is ~31 years). */
export const DIGITS = 15;
/** Bytes of one bench line: `~`, the digits, `\n`. */
export const LINE_BYTES = DIGITS + 2;
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
  #digits = 0;

  /**
   * Scans `chunk` from `start`, calling `delivered(sentUs)` for each complete bench line.
   * @param delivered called with the send time the line carries
   */
  feed(chunk: Uint8Array, start: number, delivered: (sentUs: number) => void): void {
    let state = this.#state;
    for (let i = start; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === NEWLINE) {
        if (state === Scan.Digits && this.#digits === DIGITS) delivered(this.#value);
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
            this.#digits = 0;
          } else state = b === COLON ? Scan.Colon : Scan.Text;
          break;
        case Scan.Digits:
          if (b >= ZERO && b <= ZERO + 9 && this.#digits < DIGITS) {
            this.#value = this.#value * 10 + (b - ZERO);
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
 * Writes one bench line carrying `sentUs` into `line` (LINE_BYTES long), in place.
 * @param sentUs a whole number of µs below 10^DIGITS
 */
export function writeBenchLine(line: Uint8Array, sentUs: number): void {
  let t = sentUs;
  line[0] = TILDE;
  for (let i = DIGITS; i >= 1; i--) {
    line[i] = ZERO + (t % 10);
    t = Math.floor(t / 10);
  }
  line[DIGITS + 1] = NEWLINE;
}
