/**
 * tcp.window_size: the advertised window times 2^shift once window scaling
 * is in use (RFC 7323 section 2.2: both SYNs carried the option; the SYNs'
 * own windows are never scaled). Until both SYNs were seen the scale is
 * unknown and the raw window is shown, as tshark does.
 */
import { TCP_FLAGS } from '../layers/dissection.js';
import { tcpWindowShift } from './header-fields.js';
import type { ViewPacket } from './packet.js';

/** Streams whose SYN options are remembered; beyond it the oldest are forgotten (their windows then show raw). */
const MAX_STREAMS = 100_000;
/** Shift values: -1 the SYN had no option, -2 no SYN seen yet. */
const NO_OPTION = -1;
const NO_SYN = -2;

export class WindowScaling {
  /** tcp.stream -> [client shift, server shift]. */
  readonly #shifts = new Map<number, [number, number]>();

  /** The window of `p` (TCP, of `stream` from `side`) as tshark's tcp.window_size shows it. */
  window(stream: number, side: 0 | 1, p: ViewPacket): number {
    const d = p.d;
    let shifts = this.#shifts.get(stream);
    if ((d.tcpFlags & TCP_FLAGS.SYN) !== 0) {
      if (shifts === undefined) {
        if (this.#shifts.size >= MAX_STREAMS) this.#shifts.delete(this.#shifts.keys().next().value as number);
        shifts = [NO_SYN, NO_SYN];
        this.#shifts.set(stream, shifts);
      }
      if (shifts[side] === NO_SYN) shifts[side] = Math.max(tcpWindowShift(p), NO_OPTION);
      return d.tcpWindow;
    }
    if (shifts === undefined || shifts[0] < 0 || shifts[1] < 0) return d.tcpWindow;
    return d.tcpWindow * 2 ** shifts[side];
  }
}
