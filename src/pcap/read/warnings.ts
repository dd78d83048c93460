/** A bounded warning list shared by the decoders: keeps the first N, counts the rest. */
import type { ErrorCode } from '../../errors.js';
import type { CaptureWarning } from './packet.js';

export class WarningSink {
  readonly list: CaptureWarning[] = [];
  dropped = 0;
  readonly #max: number;

  /** @param max warnings kept; later ones are only counted. */
  constructor(max: number) {
    this.#max = max;
  }

  add(code: ErrorCode, offset: number, message: string): void {
    if (this.list.length < this.#max) this.list.push({ code, offset, message });
    else this.dropped++;
  }
}
