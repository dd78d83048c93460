/** LINKTYPE_* values netlab dissects (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE = Object.freeze({
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  /** OpenBSD's DLT_RAW value, seen in old files. */
  RAW_OPENBSD: 12,
  /** DLT_RAW on some BSDs. */
  RAW_BSD: 14,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  /** Linux netfilter NFLOG (`tcpdump -i nflog`). */
  NFLOG: 239,
  LINUX_SLL2: 276,
} as const);

const NAMES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  9: 'PPP',
  12: 'Raw IP',
  14: 'Raw IP',
  50: 'PPP-HDLC',
  101: 'Raw IP',
  105: '802.11',
  108: 'OpenBSD loopback',
  113: 'Linux cooked (SLL)',
  127: '802.11 radiotap',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  239: 'NFLOG',
  276: 'Linux cooked v2 (SLL2)',
};

/** A readable name for a link type, e.g. "Ethernet" or "link type 160". */
export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? `link type ${linkType}`;
}
