/** Text forms of addresses read from packet bytes. */
import { u16be } from '../bytes.js';

/** Dotted quad of the IPv4 address at `b[o, o+4)`. */
export function formatIpv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** IPv4 address from its 32-bit value. */
export function ipv4FromNumber(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * RFC 5952 text of the IPv6 address at `b[o, o+16)`: lower case, leading
 * zeros dropped, the longest run (first if tied) of two or more zero groups
 * as "::", and IPv4-mapped addresses as ::ffff:a.b.c.d.
 */
export function formatIpv6(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16be(b, o + i * 2));
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, o + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = g.map((x) => x.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}

/** The address of an IP header field: IPv4 when `version` is 4, else IPv6. */
export function formatIp(b: Uint8Array, o: number, version: number): string {
  return version === 4 ? formatIpv4(b, o) : formatIpv6(b, o);
}

/** "IP:PORT", IPv6 in brackets ("[::1]:5000"). */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
