/**
 * The tokens of a tcpdump capture filter, as libpcap's scanner.l cuts them
 * (flex: the longest match wins, a keyword beats an ID of the same length).
 *
 * - numbers: decimal, `0x` hex, or octal with a leading 0 (libpcap's stou)
 * - HID: 2 to 4 dotted numbers (`10.1`, `10.1.2.3`), short forms included
 * - HID6: an IPv6 address; EID: a MAC address (`aa:bb:cc:dd:ee:ff`)
 * - ID: `[A-Za-z0-9]([-_.A-Za-z0-9]*[.A-Za-z0-9])?` (host names, `80-90`),
 *   or `\word`, whose backslash escapes a keyword (`proto \tcp`)
 */
import { isIPv6 } from 'node:net';

export type TokenKind = 'kw' | 'num' | 'hid' | 'hid6' | 'eid' | 'id' | 'and' | 'or' | 'not' | '(' | ')' | '/' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The text as written (the keyword name for `kw`, without the backslash for `\word`). */
  text: string;
  /** 0-based offset of the token's first character in the expression. */
  pos: number;
  /** Value of a `num`. */
  value: number;
}

/** A lexical error: where and what. */
export interface LexError {
  message: string;
  position: number;
  expected: string[];
}

/**
 * Every keyword of libpcap's scanner, so that one netlab does not implement
 * is reported as such rather than taken for a host name.
 */
const KEYWORDS = new Set([
  'dst', 'src', 'link', 'ether', 'ppp', 'slip', 'fddi', 'tr', 'wlan', 'arp', 'rarp', 'ip', 'sctp', 'tcp', 'udp',
  'icmp', 'igmp', 'igrp', 'pim', 'vrrp', 'carp', 'radio', 'ip6', 'icmp6', 'ah', 'esp', 'atalk', 'aarp', 'decnet',
  'lat', 'sca', 'moprc', 'mopdl', 'iso', 'esis', 'es-is', 'isis', 'is-is', 'l1', 'l2', 'iih', 'lsp', 'snp', 'csnp',
  'psnp', 'clnp', 'stp', 'ipx', 'netbeui', 'host', 'net', 'mask', 'port', 'portrange', 'proto', 'protochain',
  'gateway', 'type', 'subtype', 'direction', 'dir', 'address1', 'addr1', 'address2', 'addr2', 'address3', 'addr3',
  'address4', 'addr4', 'ra', 'ta', 'less', 'greater', 'byte', 'broadcast', 'multicast', 'len', 'length', 'inbound',
  'outbound', 'ifindex', 'vlan', 'mpls', 'pppoed', 'pppoes', 'geneve', 'lane', 'llc', 'metac', 'bcc', 'oam', 'oamf4',
  'oamf4ec', 'oamf4sc', 'sc', 'ilmic', 'vpi', 'vci', 'connectmsg', 'metaconnect', 'on', 'ifname', 'rset', 'ruleset',
  'rnr', 'rulenum', 'srnr', 'subrulenum', 'reason', 'action', 'fisu', 'lssu', 'lsu', 'msu', 'hfisu', 'hlssu', 'hmsu',
  'sio', 'opc', 'dpc', 'sls', 'hsio', 'hopc', 'hdpc', 'hsls',
]);

/** Keyword synonyms folded to one name. */
const SYNONYMS: Record<string, string> = { 'es-is': 'esis', 'is-is': 'isis', direction: 'dir', length: 'len', link: 'ether', ppp: 'ether', slip: 'ether', fddi: 'ether', tr: 'ether', wlan: 'ether' };

/** Names the scanner turns into numbers (scanner.l), for packet-data expressions like `tcp[tcpflags] & tcp-syn != 0`. */
const NAMED: Record<string, number> = {
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5,
  'icmp-echo': 8, 'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12,
  'icmp-tstamp': 13, 'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17,
  'icmp-maskreply': 18, icmp6type: 0, icmp6code: 1, 'icmp6-destinationunreach': 1, 'icmp6-packettoobig': 2,
  'icmp6-timeexceeded': 3, 'icmp6-parameterproblem': 4, 'icmp6-echo': 128, 'icmp6-echoreply': 129,
  'icmp6-multicastlistenerquery': 130, 'icmp6-multicastlistenerreportv1': 131, 'icmp6-multicastlistenerdone': 132,
  'icmp6-routersolicit': 133, 'icmp6-routeradvert': 134, 'icmp6-neighborsolicit': 135, 'icmp6-neighboradvert': 136,
  'icmp6-redirect': 137, 'icmp6-routerrenum': 138, 'icmp6-nodeinformationquery': 139,
  'icmp6-nodeinformationresponse': 140, 'icmp6-ineighbordiscoverysolicit': 141, 'icmp6-ineighbordiscoveryadvert': 142,
  'icmp6-multicastlistenerreportv2': 143, 'icmp6-homeagentdiscoveryrequest': 144, 'icmp6-homeagentdiscoveryreply': 145,
  'icmp6-mobileprefixsolicit': 146, 'icmp6-mobileprefixadvert': 147, 'icmp6-certpathsolicit': 148,
  'icmp6-certpathadvert': 149, 'icmp6-multicastrouteradvert': 151, 'icmp6-multicastroutersolicit': 152,
  'icmp6-multicastrouterterm': 153, tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08,
  'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};

const ID_RE = /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y;
const NUM_RE = /^(?:[0-9]+|0[xX][0-9A-Fa-f]+)$/;
const HID_RE = /^(?:[0-9]+|0[xX][0-9A-Fa-f]+)(?:\.(?:[0-9]+|0[xX][0-9A-Fa-f]+)){1,3}$/;
const HEXCOLON_RE = /[0-9A-Fa-f:.]+/y;
const MAC_RE = /^[0-9A-Fa-f]{1,2}(?:([:.-])[0-9A-Fa-f]{1,2}){5}$/;
/** scanner.l's "bogus ethernet address" pattern, `{B}:+({B}:+)+`; `2:2` is no address but `ip[2:2]`. */
const BOGUS_RE = /^[0-9A-Fa-f]{1,2}:+(?:[0-9A-Fa-f]{1,2}:+)+/;
const TWO_CHAR = new Set(['>=', '<=', '!=', '==', '<<', '>>']);

/**
 * Cuts `expr` into tokens, ending with an `end` token.
 * @returns the tokens, or the first lexical error
 */
export function tokenize(expr: string): Token[] | LexError {
  const out: Token[] = [];
  let i = 0;
  const n = expr.length;
  while (i < n) {
    const c = expr[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const two = expr.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      out.push(tok(two === '&&' ? 'and' : 'or', two, i));
      i += 2;
      continue;
    }
    if (TWO_CHAR.has(two)) {
      out.push(tok('op', two, i));
      i += 2;
      continue;
    }
    if (c === '!' || c === '(' || c === ')' || c === '/') {
      out.push(tok(c === '!' ? 'not' : c, c, i));
      i++;
      continue;
    }
    if ('+-*%:[]<>&|^='.includes(c)) {
      // A colon can start an IPv6 address (`::1`).
      if (c === ':') {
        const v6 = hexColon(expr, i);
        if (v6.startsWith('::')) {
          const t = addressToken(v6, i);
          if ('message' in t) return t;
          out.push(t);
          i += v6.length;
          continue;
        }
      }
      out.push(tok('op', c, i));
      i++;
      continue;
    }
    if (c === '\\') {
      let j = i + 1;
      while (j < n && !' !()\n\t'.includes(expr[j]!)) j++;
      if (j === i + 1) return { message: 'a backslash must be followed by a name', position: i, expected: ['a name'] };
      out.push(tok('id', expr.slice(i + 1, j), i));
      i = j;
      continue;
    }
    ID_RE.lastIndex = i;
    const m = ID_RE.exec(expr);
    if (m === null) return { message: `unexpected character '${c}'`, position: i, expected: ['a primitive such as host, net, port, tcp'] };
    const word = m[0];
    const run = hexColon(expr, i);
    if (run.includes(':') && run.length >= word.length && (MAC_RE.test(run) || isIPv6(run) || BOGUS_RE.test(run) || run.includes('::'))) {
      const t = addressToken(run, i);
      if ('message' in t) return t;
      out.push(t);
      i += run.length;
      continue;
    }
    const t = wordToken(word, i);
    if ('message' in t) return t;
    out.push(t);
    i += word.length;
  }
  out.push(tok('end', '', n));
  return out;
}

function tok(kind: TokenKind, text: string, pos: number, value = 0): Token {
  return { kind, text, pos, value };
}

function hexColon(expr: string, i: number): string {
  HEXCOLON_RE.lastIndex = i;
  return HEXCOLON_RE.exec(expr)?.[0] ?? '';
}

/** A run with colons: a MAC address or an IPv6 address, else libpcap's "bogus" errors. */
function addressToken(run: string, pos: number): Token | LexError {
  if (MAC_RE.test(run)) return tok('eid', run, pos);
  if (isIPv6(run)) return tok('hid6', run, pos);
  return { message: `bogus IPv6 or Ethernet address '${run}'`, position: pos, expected: ['an IPv6 address such as fe80::1', 'a MAC address such as 00:11:22:33:44:55'] };
}

/** scanner.l's MAC forms besides colons: `a-b-c-d-e-f`, `a.b.c.d.e.f`, `aabb.ccdd.eeff`, `aabbccddeeff` (which wins over a number). */
const MAC_WORD_RE = /^(?:[0-9A-Fa-f]{1,2}(?:-[0-9A-Fa-f]{1,2}){5}|[0-9A-Fa-f]{1,2}(?:\.[0-9A-Fa-f]{1,2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12})$/;

/** The six bytes of a MAC token in any of scanner.l's forms. */
export function macBytes(text: string): number[] {
  const groups = text.split(/[:.-]/);
  if (groups.length === 6) return groups.map((g) => Number.parseInt(g, 16));
  const hex = groups.join('');
  const out: number[] = [];
  for (let i = 0; i < 12; i += 2) out.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return out;
}

function wordToken(word: string, pos: number): Token | LexError {
  if (MAC_WORD_RE.test(word)) return tok('eid', word, pos);
  if (NUM_RE.test(word)) {
    const v = parseNumber(word);
    if (typeof v === 'string') return { message: v, position: pos, expected: ['a number'] };
    return tok('num', word, pos, v);
  }
  if (HID_RE.test(word)) return tok('hid', word, pos);
  if (word === 'and' || word === 'or' || word === 'not') return tok(word, word, pos);
  if (Object.hasOwn(NAMED, word)) return tok('num', word, pos, NAMED[word]);
  if (KEYWORDS.has(word)) return tok('kw', SYNONYMS[word] ?? word, pos);
  return tok('id', word, pos);
}

/** libpcap's stou: hex after 0x, octal after a leading 0, else decimal; at most 32 bits. */
function parseNumber(s: string): number | string {
  let v: number;
  if (s.length > 2 && (s[1] === 'x' || s[1] === 'X')) v = Number.parseInt(s.slice(2), 16);
  else if (s.length > 1 && s[0] === '0') {
    if (/[89]/.test(s)) return `number ${s} contains non-octal digit`;
    v = Number.parseInt(s, 8);
  } else v = Number.parseInt(s, 10);
  if (!(v <= 0xffffffff)) return `number ${s} overflows 32 bits`;
  return v;
}
