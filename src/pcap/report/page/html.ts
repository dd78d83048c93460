/**
 * HTML and SVG text from capture data. Everything that comes from a capture
 * (addresses, payload text, TLS names, warnings, the file name) goes through
 * {@link esc}: the page must show `<script>` in an HTTP path as text, never
 * run or parse it.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for element content and double- or single-quoted attribute values. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A number for an SVG coordinate: two decimals at most, no exponent. */
export function px(n: number): string {
  return String(Math.round(n * 100) / 100);
}
