/** The capture-filter parser: what tcpdump's grammar makes of an expression, qualifier inheritance included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCaptureFilter, type Arith, type FilterNode } from '../../../../src/pcap/bpf/index.js';

function ast(expr: string): FilterNode | null {
  const r = parseCaptureFilter(expr);
  assert.ok(r.ok, `'${expr}' should parse: ${r.ok ? '' : r.error.message}`);
  return r.ast;
}

/** A compact rendering of the AST: the primitives and how they combine. */
function show(n: FilterNode | null): string {
  if (n === null) return 'all';
  switch (n.kind) {
    case 'and':
    case 'or':
      return `(${show(n.left)} ${n.kind} ${show(n.right)})`;
    case 'not':
      return `!${show(n.expr)}`;
    case 'link':
      return n.proto + (n.vlanShift > 0 ? `@${n.vlanShift}` : '');
    case 'ipproto':
      return `${n.family}.proto=${n.proto}`;
    case 'host4': {
      const a = [n.addr >>> 24, (n.addr >>> 16) & 255, (n.addr >>> 8) & 255, n.addr & 255].join('.');
      const bits = 32 - Math.clz32(~n.mask >>> 0 === 0 ? 0 : ~n.mask >>> 0);
      return `${n.family}.${n.dir}.host4=${a}/${32 - bits}` + (n.vlanShift > 0 ? `@${n.vlanShift}` : '');
    }
    case 'host6':
      return `${n.dir}.host6=${n.addr.map((w) => w.toString(16)).join(':')}`;
    case 'port':
      return `${n.proto}.${n.dir}.port=${n.lo === n.hi ? n.lo : `${n.lo}-${n.hi}`}` + (n.vlanShift > 0 ? `@${n.vlanShift}` : '');
    case 'ether':
      return `${n.dir}.ether=${n.mac.join(':')}`;
    case 'vlan':
      return `vlan${n.id >= 0 ? `=${n.id}` : ''}@${n.vlanShift}`;
    case 'length':
      return `${n.op}=${n.n}`;
    case 'way':
      return n.outbound ? 'outbound' : 'inbound';
    case 'cast':
      return `${n.proto}.${n.which}`;
    case 'ethertype':
      return `ethertype=0x${n.v.toString(16)}`;
    case 'rel':
      return `[${arith(n.a)} ${n.op} ${arith(n.b)}]`;
  }
}

function arith(a: Arith): string {
  switch (a.kind) {
    case 'num':
      return String(a.v);
    case 'len':
      return 'len';
    case 'neg':
      return `-${arith(a.a)}`;
    case 'bin':
      return `(${arith(a.a)} ${a.op} ${arith(a.b)})`;
    case 'load':
      return `${a.proto}[${arith(a.index)}:${a.size}]`;
  }
}

const CASES: [string, string][] = [
  ['', 'all'],
  ['   ', 'all'],
  ['host 1.2.3.4', 'any.or.host4=1.2.3.4/32'],
  ['src host 1.2.3.4', 'any.src.host4=1.2.3.4/32'],
  ['src and dst 1.2.3.4', 'any.and.host4=1.2.3.4/32'],
  ['dst or src net 10', 'any.or.host4=10.0.0.0/8'],
  // tcpdump's inheritance: a bare value after and/or takes the qualifiers before it.
  ['host 1.2.3.4 or 5.6.7.8', '(any.or.host4=1.2.3.4/32 or any.or.host4=5.6.7.8/32)'],
  ['src host 1.2.3.4 and not 5.6.7.8', '(any.src.host4=1.2.3.4/32 and !any.src.host4=5.6.7.8/32)'],
  ['port 80 or 443', '(0.or.port=80 or 0.or.port=443)'],
  ['tcp dst port 80 or 443 or 8080', '((6.dst.port=80 or 6.dst.port=443) or 6.dst.port=8080)'],
  ['host 1.2.3.4 and port 80 or 443', '((any.or.host4=1.2.3.4/32 and 0.or.port=80) or 0.or.port=443)'],
  ['port 80 or (443 or 22)', '(0.or.port=80 or (0.or.port=443 or 0.or.port=22))'],
  ['host (1.2.3.4 or 5.6.7.8)', '(any.or.host4=1.2.3.4/32 or any.or.host4=5.6.7.8/32)'],
  // A parenthesised expression hands on the qualifiers that stood before its '('.
  ['port 80 or (host 1.2.3.4) or 443', '((0.or.port=80 or any.or.host4=1.2.3.4/32) or 0.or.port=443)'],
  // and/or have one precedence and group to the left, as in tcpdump.
  ['tcp or udp and icmp', '((any.proto=6 or any.proto=17) and ip.proto=1)'],
  ['not tcp and udp', '(!any.proto=6 and any.proto=17)'],
  ['! tcp && ! (udp || icmp)', '(!any.proto=6 and !(any.proto=17 or ip.proto=1))'],
  // tcpdump's short forms: a number is a host, `net 10` and dotted short forms are networks.
  ['host 10', 'any.or.host4=0.0.0.10/32'],
  ['net 10', 'any.or.host4=10.0.0.0/8'],
  ['net 10.1', 'any.or.host4=10.1.0.0/16'],
  ['host 10.1', 'any.or.host4=10.1.0.0/16'],
  ['net 192.168.0.0/16', 'any.or.host4=192.168.0.0/16'],
  ['net 172.16.0.0 mask 255.240.0.0', 'any.or.host4=172.16.0.0/12'],
  ['ip host 1.2.3.4', 'ip.or.host4=1.2.3.4/32'],
  ['arp src host 1.2.3.4', 'arp.src.host4=1.2.3.4/32'],
  ['ip6 host ::1', 'or.host6=0:0:0:1'],
  ['host fe80::1:2', 'or.host6=fe800000:0:0:10002'],
  ['net 2001:db8::/32', 'or.host6=20010db8:0:0:0'],
  ['host ::ffff:1.2.3.4', 'or.host6=0:0:ffff:1020304'],
  ['portrange 1000-2000', '0.or.port=1000-2000'],
  ['udp portrange 2000-1000', '17.or.port=1000-2000'],
  ['sctp src port 2905', '132.src.port=2905'],
  ['port 0x50', '0.or.port=80'],
  ['port 010', '0.or.port=8'],
  ['ip proto 47', 'ip.proto=47'],
  ['ip6 proto 17', 'ip6.proto=17'],
  ['proto \\udp', 'any.proto=17'],
  ['ip proto \\tcp', 'ip.proto=6'],
  ['ether host 00:11:22:33:44:55', 'or.ether=0:17:34:51:68:85'],
  ['ether src 0:1:2:3:4:5', 'src.ether=0:1:2:3:4:5'],
  ['ether dst 0a-0b-0c-0d-0e-0f', 'dst.ether=10:11:12:13:14:15'],
  ['ether host 0011.2233.4455', 'or.ether=0:17:34:51:68:85'],
  ['ether host 001122334455', 'or.ether=0:17:34:51:68:85'],
  ['greater 100 and less 1500', '(greater=100 and less=1500)'],
  // vlan moves the offsets of everything after it in the text, even across `or`.
  ['vlan and ip', '(vlan@0 and ip@1)'],
  ['ip or vlan 5 and ip', '((ip or vlan=5@0) and ip@1)'],
  ['vlan 100 and vlan 200 and host 1.2.3.4', '((vlan=100@0 and vlan=200@1) and any.or.host4=1.2.3.4/32@2)'],
  ['vlan (7)', 'vlan=7@0'],
  // Packet-data relations, with grammar.y's operator precedence.
  ['tcp[tcpflags] & tcp-syn != 0', '[(tcp[13:1] & 2) != 0]'],
  ['ip[2:2] - 20 > 100 * 2', '[(ip[2:2] - 20) > (100 * 2)]'],
  ['1 + 2 * 3 | 4 & 5 = 0', '[((1 + (2 * 3)) | (4 & 5)) = 0]'],
  ['1 % 2 + 3 = 0', '[(1 % (2 + 3)) = 0]'],
  ['(tcp[12] >> 4) * 4 >= 20', '[((tcp[12:1] >> 4) * 4) >= 20]'],
  ['len <= 64 or icmp[icmptype] == icmp-echo', '([len <= 64] or [icmp[0:1] = 8])'],
  ['port 80 and 5 > 3', '(0.or.port=80 and [5 > 3])'],
  ['ether[ip[0] & 1] = -1', '[ether[(ip[0:1] & 1):1] = -1]'],
  ['broadcast or ip multicast or ip6 multicast', '((ether.broadcast or ip.multicast) or ip6.multicast)'],
  ['ether proto 0x88cc or ether proto \\arp', '(ethertype=0x88cc or ethertype=0x806)'],
  ['inbound and not outbound', '(inbound and !outbound)'],
];

test('expressions parse to the primitives tcpdump builds, qualifiers inherited', () => {
  for (const [expr, want] of CASES) assert.equal(show(ast(expr)), want, expr);
});

test('every primitive records where it starts in the expression', () => {
  const n = ast('tcp and  host 10.0.0.1');
  assert.ok(n !== null && n.kind === 'and');
  assert.ok(n.left.kind === 'ipproto' && n.left.pos === 0);
  assert.ok(n.right.kind === 'host4' && n.right.pos === 14);
});
