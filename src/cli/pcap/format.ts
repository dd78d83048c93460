/** Small text helpers shared by the pcap commands' human and CSV output. */

/** Epoch seconds as ISO 8601 UTC with microseconds. */
export function isoTime(sec: number): string {
  const whole = Math.floor(sec);
  const micros = Math.round((sec - whole) * 1e6);
  const base = new Date((whole + Math.floor(micros / 1e6)) * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros % 1e6).padStart(6, '0')}Z`;
}

/** A number as a CSV cell: shortest round-trip form; empty for null. */
export function csvNumber(n: number | null): string {
  return n === null ? '' : String(n);
}

/** A text CSV cell, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvText(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Seconds for people: "0.000163 s", or "-" for null. */
export function seconds(n: number | null): string {
  return n === null ? '-' : `${n.toFixed(6)} s`;
}
