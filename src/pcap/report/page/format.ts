/** Numbers as the page prints them: counts with thousands separators, bytes and seconds with units. */

/** 1234567 -> "1,234,567". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Bytes with a binary-free SI unit: 999 B, 1.2 kB, 3.4 MB. */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** Seconds in the unit that fits: 120 ns, 4.5 µs, 12.3 ms, 1.25 s; "-" for null. */
export function duration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '-';
  const a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a < 1e-6) return `${trim(s * 1e9)} ns`;
  if (a < 1e-3) return `${trim(s * 1e6)} µs`;
  if (a < 1) return `${trim(s * 1e3)} ms`;
  return `${trim(s)} s`;
}

/** Three significant digits, no trailing zeros. */
function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** An axis tick: compact (1.5k, 2M) for large values, short decimals for small. */
export function tick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  return String(Number(v.toPrecision(4)));
}

/** Epoch seconds as an ISO time (UTC, microseconds); "-" for null. */
export function isoTime(epoch: number | null): string {
  if (epoch === null) return '-';
  const whole = Math.floor(epoch);
  const micros = Math.round((epoch - whole) * 1e6);
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${String(Math.min(micros, 999_999)).padStart(6, '0')}Z`;
}

/** The time unit that fits a span of seconds, for an axis: its name and its factor. */
export function timeUnit(span: number): { unit: string; factor: number } {
  if (span < 1e-3) return { unit: 'µs', factor: 1e6 };
  if (span < 1) return { unit: 'ms', factor: 1e3 };
  return { unit: 's', factor: 1 };
}
