/**
 * pcapng timestamps: a 64-bit count of interface time units (if_tsresol),
 * turned into whole seconds plus nanoseconds without losing precision.
 */

/** Units per second of one interface, in both number and exact bigint form. */
export interface TsUnits {
  perSec: number;
  perSecBig: bigint;
}

/** The default resolution: microseconds (pcapng: if_tsresol absent = 6). */
export const MICROSECONDS: TsUnits = Object.freeze({ perSec: 1e6, perSecBig: 1_000_000n });

/**
 * Decodes the if_tsresol option byte: "If the Most Significant Bit is equal
 * to zero, the remaining bits indicates the resolution of the timestamp as a
 * negative power of 10 ... If the Most Significant Bit is equal to one, ...
 * as negative power of 2" (pcapng draft, section 4.2).
 * @returns null for a resolution finer than 2^-64 or 10^-19 (corrupt)
 */
export function unitsFromTsresol(v: number): TsUnits | null {
  const exp = v & 0x7f;
  if (v & 0x80) {
    if (exp > 64) return null;
    return { perSec: 2 ** exp, perSecBig: 1n << BigInt(exp) };
  }
  if (exp > 19) return null;
  return { perSec: 10 ** exp, perSecBig: 10n ** BigInt(exp) };
}

const TWO32 = 4294967296;

/** Result holder, reused by the caller to avoid allocation. */
export interface SecNsec {
  tsSec: number;
  tsNsec: number;
}

/**
 * Splits the 64-bit timestamp `hi:lo` into seconds and nanoseconds.
 * @param offsetSec if_tsoffset, added to the seconds
 */
export function splitTimestamp(hi: number, lo: number, units: TsUnits, offsetSec: number, out: SecNsec): void {
  const per = units.perSec;
  const v = hi * TWO32 + lo;
  if (v <= Number.MAX_SAFE_INTEGER && per <= 1e9) {
    const sec = Math.floor(v / per);
    const rem = v - sec * per;
    out.tsSec = sec + offsetSec;
    out.tsNsec = 1e9 % per === 0 ? rem * (1e9 / per) : Math.floor((rem * 1e9) / per);
    return;
  }
  // Nanosecond (or finer) counts exceed 2^53 for today's dates: exact bigint path.
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  const sec = big / units.perSecBig;
  const rem = big - sec * units.perSecBig;
  out.tsSec = Number(sec) + offsetSec;
  out.tsNsec = Number((rem * 1_000_000_000n) / units.perSecBig);
}
