/** Protocol names as netlab's protocol mix and packet list print them (tshark's spelling, lower case). */

const IP_PROTOCOLS: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  4: 'ipip',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmpv6',
  89: 'ospf',
  103: 'pim',
  112: 'vrrp',
  132: 'sctp',
};

const ETHERTYPES: Record<number, string> = {
  0x0806: 'arp',
  0x8035: 'rarp',
  0x809b: 'atalk',
  0x80f3: 'aarp',
  0x88cc: 'lldp',
  0x8863: 'pppoed',
  0x8864: 'pppoes',
  0x8847: 'mpls',
  0x888e: 'eapol',
  0x88e5: 'macsec',
  0x8809: 'slow',
};

/** Name of an IP protocol number, e.g. 6 -> "tcp", 200 -> "ip-proto-200". */
export function ipProtocolName(proto: number): string {
  return IP_PROTOCOLS[proto] ?? `ip-proto-${proto}`;
}

/** Name of a non-IP ethertype, e.g. 0x0806 -> "arp", else "ethertype-0x88b5". */
export function etherTypeName(type: number): string {
  return ETHERTYPES[type] ?? `ethertype-0x${type.toString(16).padStart(4, '0')}`;
}
