/** Capture-filter errors: the message, the 0-based position the CLI marks with a caret, what was expected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCaptureFilter } from '../../../../src/pcap/bpf/index.js';

function error(expr: string): { message: string; position: number; expected: string[] } {
  const r = compileCaptureFilter(expr);
  assert.ok(!r.ok, `'${expr}' should be refused`);
  return r.error;
}

/** [expression, position of the caret, a phrase the message contains, something in expected (or null)] */
const CASES: [string, number, RegExp, string | null][] = [
  ['host', 4, /ends where an address or number was expected/, 'an address'],
  ['tcp and', 7, /ends where a primitive was expected/, 'host'],
  ['and tcp', 0, /unexpected 'and'/, 'host'],
  ['tcp or or udp', 7, /unexpected 'or'/, 'port'],
  ['(tcp or udp', 11, /expected '\)'/, "')'"],
  ['tcp) and udp', 3, /unbalanced '\)'/, 'and'],
  ['1.2.3.4', 0, /needs a qualifier/, 'host'],
  ['tcp or 80', 7, /needs a qualifier/, 'port'],
  ['(port 80) or 443', 13, /needs a qualifier/, 'port'],
  ['port http', 5, /port numbers only.*port 80, not port http/, 'a port number'],
  ['host example.com', 5, /does not resolve host names/, 'an IPv4 or IPv6 address'],
  ['port 70000', 5, /illegal port number 70000 > 65535/, 'a port 0-65535'],
  ['portrange 10-70000', 10, /illegal port number 70000/, null],
  ['portrange a-b', 10, /numbers only/, 'a range such as 8000-8100'],
  ['tcp host 1.2.3.4', 9, /'tcp' modifier applied to host/, null],
  ['ip6 host 1.2.3.4', 9, /'ip6' modifier applied to ip host/, null],
  ['port 1.2.3.4', 5, /'port' modifier applied to ip host/, 'a number'],
  ['net 10.1.2.3/8', 4, /non-network bits set in "10.1.2.3\/8"/, null],
  ['net 10.0.0.0/33', 4, /mask length must be <= 32/, null],
  ['host 10.0.0.0/8', 5, /Mask syntax for networks only/, 'net'],
  ['host 1.2.3.256', 5, /invalid IPv4 address/, 'an IPv4 address'],
  ['host fe80::1::2', 5, /bogus IPv6/, null],
  ['net ::/129', 4, /mask length must be <= 128/, null],
  ['vlan 5000', 5, /VLAN tag 5000 greater than maximum 4095/, null],
  ['src proto 6', 4, /unexpected 'proto'|expected an address/, null],
  ['tcp proto 6', 10, /'tcp proto' is bogus/, null],
  ['ip proto \\nosuch', 9, /unknown ip proto 'nosuch'/, '\\tcp'],
  ['less', 4, /needs a length/, 'a number'],
  ['ether', 0, /link layer applied in wrong context/, null],
  ['esp[0] = 1', 0, /unsupported index operation/, 'tcp[...]'],
  ['tcp[13:3] = 1', 7, /data size must be 1, 2, or 4/, '2'],
  ['tcp[13] = ', 10, /expected a number, 'len' or proto\[offset\]/, 'len'],
  ['tcp[13 = 1', 7, /expected '\]'/, "']'"],
  ['ip[0] & 0xf', 11, /expected a comparison/, '>'],
  ['tcp port 80 and tcp broadcast', 20, /only link-layer\/IP broadcast/, 'ip broadcast'],
  ['ether proto 100', 12, /LLC or SNAP/, null],
  ['ether proto \\foo', 12, /unknown ether proto 'foo'/, 'a number'],
  ['tcp port 80 and gateway 1.2.3.4', 24, /'gateway' requires a name/, null],
  ['decnet host 1.2', 12, /'decnet' modifier applied to host/, null],
  ['port 08', 5, /non-octal digit/, 'a number'],
  ['port 99999999999', 5, /overflows 32 bits/, null],
  ['host 1.2.3.4 @', 13, /unexpected character '@'/, null],
  ['proto \\', 6, /backslash/, null],
];

test('a refused expression says what, where, and what was expected there', () => {
  for (const [expr, position, message, expected] of CASES) {
    const e = error(expr);
    assert.match(e.message, message, expr);
    assert.equal(e.position, position, `${expr}: ${e.message}`);
    assert.ok(e.position >= 0 && e.position <= expr.length, expr);
    if (expected !== null) assert.ok(e.expected.includes(expected), `${expr}: expected ${JSON.stringify(e.expected)}`);
  }
});

test('link-type refusals come from checkLinkType, with tcpdump\'s words', () => {
  const check = (expr: string, linkType: number): string | undefined => {
    const r = compileCaptureFilter(expr);
    assert.ok(r.ok, expr);
    return r.checkLinkType(linkType)?.message;
  };
  assert.equal(check('vlan and ip', 113), 'no VLAN support for Linux cooked v1');
  assert.equal(check('ether host 1:2:3:4:5:6', 101), 'ethernet addresses supported only on ethernet');
  assert.equal(check('host 1.2.3.4', 239), 'NFLOG link-layer type filtering not implemented');
  assert.equal(check('greater 100', 239), undefined);
  assert.equal(check('ip6', 228), 'expression rejects all packets');
  assert.equal(check('arp', 0), 'expression rejects all packets');
  assert.equal(check('tcp and udp', 1), 'expression rejects all packets');
  assert.equal(check('tcp or udp', 1), undefined);
  assert.equal(check('ip', 160), 'DLT 160 link-layer type filtering not implemented');
});
