/**
 * Wireshark's names for DNS numbers (packet-dns.c of Wireshark 4.0, as
 * `tshark -V` and its Info column print them): RR types (RFC 1035 section
 * 3.2.2 and the IANA registry), classes, opcodes and reply codes.
 */

/** type -> [short name for Info and summaries, description for `Type:` lines ('' when tshark shows none)]. */
const TYPES = new Map<number, readonly [string, string]>([
  [1, ['A', 'Host Address']],
  [2, ['NS', 'authoritative Name Server']],
  [3, ['MD', 'Mail Destination']],
  [4, ['MF', 'Mail Forwarder']],
  [5, ['CNAME', 'Canonical NAME for an alias']],
  [6, ['SOA', 'Start Of a zone of Authority']],
  [7, ['MB', 'MailBox domain name']],
  [8, ['MG', 'Mail Group member']],
  [9, ['MR', 'Mail Rename domain']],
  [10, ['NULL', '']],
  [11, ['WKS', 'Well Known Service']],
  [12, ['PTR', 'domain name PoinTeR']],
  [13, ['HINFO', 'host information']],
  [14, ['MINFO', 'Mailbox or mail list information']],
  [15, ['MX', 'Mail eXchange']],
  [16, ['TXT', 'Text strings']],
  [17, ['RP', 'Responsible Person']],
  [18, ['AFSDB', 'AFS Data Base location']],
  [19, ['X25', 'XX.25 PSDN address']],
  [20, ['ISDN', 'ISDN address']],
  [21, ['RT', 'Route Through']],
  [22, ['NSAP', 'NSAP address']],
  [23, ['NSAP-PTR', 'NSAP domain name pointer']],
  [24, ['SIG', 'security signature']],
  [25, ['KEY', 'security key']],
  [26, ['PX', 'X.400 mail mapping information']],
  [27, ['GPOS', 'Geographical Position']],
  [28, ['AAAA', 'IPv6 Address']],
  [29, ['LOC', 'Location Information']],
  [30, ['NXT', 'Next Domain']],
  [31, ['EID', 'Endpoint Identifier']],
  [32, ['NIMLOC', 'Nimrod Locator']],
  [33, ['SRV', 'Server Selection']],
  [34, ['ATMA', 'ATM Address']],
  [35, ['NAPTR', 'Naming Authority Pointer']],
  [36, ['KX', 'Key Exchanger']],
  [37, ['CERT', '']],
  [38, ['A6', 'OBSOLETE - use AAAA']],
  [39, ['DNAME', '']],
  [40, ['SINK', '']],
  [41, ['OPT', '']],
  [42, ['APL', '']],
  [43, ['DS', 'Delegation Signer']],
  [44, ['SSHFP', 'SSH Key Fingerprint']],
  [45, ['IPSECKEY', '']],
  [46, ['RRSIG', 'Resource Record Signature']],
  [47, ['NSEC', 'Next Secure']],
  [48, ['DNSKEY', 'DNS Public Key']],
  [49, ['DHCID', '']],
  [50, ['NSEC3', '']],
  [51, ['NSEC3PARAM', '']],
  [52, ['TLSA', '']],
  [55, ['HIP', 'Host Identity Protocol']],
  [59, ['CDS', 'Child DS']],
  [60, ['CDNSKEY', 'DNSKEY(s) the Child wants reflected in DS']],
  [61, ['OPENPGPKEY', 'OpenPGP Key']],
  [62, ['CSYNC', 'Child-to-Parent Synchronization']],
  [63, ['ZONEMD', '']],
  [64, ['SVCB', 'General Purpose Service Endpoints']],
  [65, ['HTTPS', 'HTTPS Specific Service Endpoints']],
  [99, ['SPF', '']],
  [100, ['UINFO', '']],
  [101, ['UID', '']],
  [102, ['GID', '']],
  [103, ['UNSPEC', '']],
  [249, ['TKEY', 'Transaction Key']],
  [250, ['TSIG', 'Transaction Signature']],
  [251, ['IXFR', 'incremental transfer']],
  [252, ['AXFR', 'transfer of an entire zone']],
  // Wireshark 4.0 swaps the short names of 253 and 254 (its descriptions are right); kept, so Info matches tshark.
  [253, ['MAILA', 'mailbox-related RRs']],
  [254, ['MAILB', 'mail agent RRs']],
  [255, ['ANY', 'A request for all records the server/cache has available']],
  [256, ['URI', '']],
  [257, ['CAA', 'Certification Authority Restriction']],
  [32768, ['TA', 'DNSSEC Trust Authorities']],
  [32769, ['DLV', 'DNSSEC Lookaside Validation']],
  [65281, ['WINS', '']],
]);

/** Short name of an RR type, as in the Info column: 'A', 'AAAA', 'Unknown (53)'. */
export function dnsTypeName(type: number): string {
  return TYPES.get(type)?.[0] ?? `Unknown (${type})`;
}

/** The `Type:` line's value: 'A (Host Address) (1)', 'OPT (41)', '* (A request for ...) (255)'. */
export function dnsTypeLabel(type: number): string {
  const t = TYPES.get(type);
  if (t === undefined) return `Unknown (${type})`;
  const short = type === 255 ? '*' : t[0];
  const desc = type === 10 ? 'NULL RR' : t[1] === '' ? short : `${short} (${t[1]})`;
  return `${desc} (${type})`;
}

const CLASSES = new Map<number, string>([
  [1, 'IN'],
  [2, 'CS'],
  [3, 'CH'],
  [4, 'HS'],
  [254, 'NONE'],
  [255, 'ANY'],
]);

/** Class name: 'IN', 'CH', or 'Unknown (0x0007)'. */
export function dnsClassName(cls: number): string {
  return CLASSES.get(cls) ?? `Unknown (${hex4(cls)})`;
}

const OPCODES = new Map<number, string>([
  [0, 'Standard query'],
  [1, 'Inverse query'],
  [2, 'Server status request'],
  [4, 'Zone change notification'],
  [5, 'Dynamic update'],
  [6, 'DNS Stateful operations (DSO)'],
]);

/** Opcode name (RFC 6895 section 2.2): 'Standard query', 'Dynamic update'. */
export function dnsOpcodeName(opcode: number): string {
  return OPCODES.get(opcode) ?? `Unknown operation (${opcode})`;
}

const RCODES = [
  'No error',
  'Format error',
  'Server failure',
  'No such name',
  'Not implemented',
  'Refused',
  'Name exists',
  'RRset exists',
  'RRset does not exist',
  'Not authoritative',
  'Name out of zone',
];

/** Reply code name (RFC 6895 section 2.3): 'No error', 'No such name'. */
export function dnsRcodeName(rcode: number): string {
  return RCODES[rcode] ?? `Unknown error (${rcode})`;
}

/** 0x0001 */
export function hex4(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

const UNITS: readonly (readonly [number, string])[] = [
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** Texts of the TTLs seen (a capture repeats a few), bounded. */
const SECONDS_TEXT = new Map<number, string>();
const SECONDS_TEXT_MAX = 4096;

/** Wireshark's time_secs_to_str: '1 minute', '3 hours, 23 minutes, 2 seconds', '0 seconds'. */
export function secondsText(secs: number): string {
  let text = SECONDS_TEXT.get(secs);
  if (text === undefined) {
    if (SECONDS_TEXT.size >= SECONDS_TEXT_MAX) SECONDS_TEXT.clear();
    text = buildSecondsText(secs);
    SECONDS_TEXT.set(secs, text);
  }
  return text;
}

function buildSecondsText(secs: number): string {
  if (secs === 0) return '0 seconds';
  const parts: string[] = [];
  let left = secs;
  for (const [size, unit] of UNITS) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(', ');
}
