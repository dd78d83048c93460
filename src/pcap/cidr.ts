/**
 * Local-network matching for `pcap stats --local`: CIDR blocks checked
 * against address bytes in the packet, without building strings.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';
import { u32be } from './bytes.js';

interface V6Net {
  bytes: Uint8Array;
  prefix: number;
}

/** A set of IPv4 and IPv6 networks. */
export class NetworkSet {
  readonly #v4: { net: number; mask: number }[] = [];
  readonly #v6: V6Net[] = [];
  readonly text: string[];

  /**
   * @param cidrs blocks like "192.168.0.0/16", "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128
   * @throws UsageError for a malformed block
   */
  constructor(cidrs: readonly string[]) {
    this.text = [...cidrs];
    for (const c of cidrs) this.#add(c.trim());
  }

  #add(cidr: string): void {
    const [addr = '', len, extra] = cidr.split('/');
    const bad = () => new UsageError(`"${cidr}" is not a network; write it as CIDR, e.g. 192.168.0.0/16 or fd00::/8`);
    if (extra !== undefined) throw bad();
    if (isIPv4(addr)) {
      const prefix = len === undefined ? 32 : Number(len);
      if (!/^\d+$/.test(len ?? '32') || prefix > 32) throw bad();
      const v = addr.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      this.#v4.push({ net: (v & mask) >>> 0, mask });
    } else if (isIPv6(addr)) {
      const prefix = len === undefined ? 128 : Number(len);
      if (!/^\d+$/.test(len ?? '128') || prefix > 128) throw bad();
      this.#v6.push({ bytes: ipv6Bytes(addr), prefix });
    } else {
      throw bad();
    }
  }

  /** Whether the IPv4 address at `b[o, o+4)` is in the set. */
  hasV4(b: Uint8Array, o: number): boolean {
    const v = u32be(b, o);
    const nets = this.#v4;
    for (let i = 0; i < nets.length; i++) {
      const n = nets[i]!;
      if (((v & n.mask) >>> 0) === n.net) return true;
    }
    return false;
  }

  /** Whether the IPv6 address at `b[o, o+16)` is in the set. */
  hasV6(b: Uint8Array, o: number): boolean {
    for (const n of this.#v6) {
      let bits = n.prefix;
      let i = 0;
      let match = true;
      while (bits >= 8) {
        if (b[o + i] !== n.bytes[i]) {
          match = false;
          break;
        }
        bits -= 8;
        i++;
      }
      if (match && bits > 0) {
        const mask = (0xff << (8 - bits)) & 0xff;
        match = (b[o + i]! & mask) === (n.bytes[i]! & mask);
      }
      if (match) return true;
    }
    return false;
  }
}

/** The 16 bytes of an IPv6 address in text form (already validated by isIPv6). */
export function ipv6Bytes(text: string): Uint8Array {
  let s = text;
  const out = new Uint8Array(16);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    const p = quad[1]!.split('.').map(Number);
    s = s.slice(0, -quad[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 255;
  });
  return out;
}

/**
 * The blocks `enclosingNetwork` names for loopback, private (RFC 1918,
 * RFC 4193) and link-local addresses: what a lab means by local.
 */
const LOCAL_BLOCKS = new Set(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7']);

/** Whether a block from `enclosingNetwork` is loopback, private or link-local. */
export function isLocalBlock(cidr: string): boolean {
  return LOCAL_BLOCKS.has(cidr);
}

/**
 * The conventional network an address belongs to, as a `--local` suggestion:
 * loopback 127.0.0.0/8, the private blocks of RFC 1918 (10/8, 172.16/12,
 * 192.168/16), link-local 169.254/16, any other IPv4 address its /24; IPv6
 * loopback ::1/128, link-local fe80::/10, unique-local fc00::/7, any other
 * its /64.
 *
 * @param address an IPv4 or IPv6 address in text form
 * @returns the block in CIDR notation, or undefined for text that is not an address
 */
export function enclosingNetwork(address: string): string | undefined {
  if (isIPv4(address)) {
    const [a = 0, b = 0, c = 0] = address.split('.').map(Number);
    if (a === 127) return '127.0.0.0/8';
    if (a === 10) return '10.0.0.0/8';
    if (a === 172 && b >= 16 && b <= 31) return '172.16.0.0/12';
    if (a === 192 && b === 168) return '192.168.0.0/16';
    if (a === 169 && b === 254) return '169.254.0.0/16';
    return `${a}.${b}.${c}.0/24`;
  }
  if (!isIPv6(address)) return undefined;
  const bytes = ipv6Bytes(address);
  if (bytes.every((x, i) => x === (i === 15 ? 1 : 0))) return '::1/128';
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return 'fe80::/10';
  if ((bytes[0]! & 0xfe) === 0xfc) return 'fc00::/7';
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}
