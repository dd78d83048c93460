/**
 * Hostile input: random strings, random token soup and mutated valid
 * expressions never make the compiler throw; every refusal has a message and
 * a position inside the expression; every compiled filter runs on random
 * frames of every link type without throwing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileCaptureFilter, parseCaptureFilter } from '../../../../src/pcap/bpf/index.js';
import { Dissection, dissectFrame } from '../../../../src/pcap/layers/dissect.js';

const LINK_TYPES = [0, 1, 9, 50, 101, 108, 113, 228, 229, 239, 276, 160];
const VALID = [
  'host 10.1.2.3 and port 80', 'tcp port 80 or 443', 'src net 10.0.0.0/8 and not dst net 10', 'ip6 host fe80::1 or ::1',
  'vlan 100 and (udp dst port 53 or icmp)', 'portrange 1000-2000 and ! arp', 'ether src 0:1:2:3:4:5 || greater 1000',
  'ip proto \\udp && less 64', 'host 1.2.3.4 or (5.6.7.8 or not 9.9.9.9)', 'net 192.168 mask 255.255.0.0',
];
const WORDS = [
  'host', 'net', 'port', 'portrange', 'src', 'dst', 'and', 'or', 'not', '!', '&&', '||', '(', ')', 'tcp', 'udp', 'icmp',
  'ip', 'ip6', 'arp', 'vlan', 'proto', 'mask', '/', 'less', 'greater', 'ether', '80', '0x50', '010', '10.1', '1.2.3.4',
  '::1', 'fe80::/10', '0:1:2:3:4:5', '80-90', '\\tcp', 'foo', '[', ']', '=', '-', ':', '255.0.0.0', '4096', '99999999999',
  '&', '>', '!=', '<<', '%', '^', 'len', 'tcp-syn', 'tcpflags', 'broadcast', 'multicast', 'tcp[13]', 'ip[2:2]',
];

function checkShape(expr: string): void {
  const r = compileCaptureFilter(expr);
  if (r.ok) {
    assert.equal(typeof r.filter, 'function');
    return;
  }
  assert.equal(typeof r.error.message, 'string');
  assert.ok(r.error.message.length > 0);
  assert.ok(Number.isInteger(r.error.position) && r.error.position >= 0 && r.error.position <= expr.length, `${JSON.stringify(expr)} -> ${r.error.position}`);
  assert.ok(Array.isArray(r.error.expected));
}

test('random strings never make the compiler throw', () => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), checkShape), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), checkShape), { numRuns: 1000 });
});

test('random token soup never makes the compiler throw', () => {
  const soup = fc.array(fc.constantFrom(...WORDS), { maxLength: 25 }).map((w) => w.join(' '));
  fc.assert(fc.property(soup, checkShape), { numRuns: 5000 });
});

test('mutated valid expressions never make the compiler throw', () => {
  const mutated = fc
    .tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 3 })), { maxLength: 4 }))
    .map(([e, edits]) => edits.reduce((s, [at, del, ins]) => { const i = at % (s.length + 1); return s.slice(0, i) + ins + s.slice(i + (del % 3)); }, e));
  fc.assert(fc.property(mutated, checkShape), { numRuns: 5000 });
});

test('hostile sizes are refused, not crashed on', () => {
  checkShape('('.repeat(100_000) + 'tcp' + ')'.repeat(100_000));
  checkShape('not '.repeat(50_000) + 'tcp');
  checkShape(Array(20_000).fill('tcp').join(' or '));
  checkShape('port ' + '('.repeat(50_000) + '80');
  assert.equal(parseCaptureFilter(42 as unknown as string).ok, false);
  // Just under the token limit: compiles, and runs.
  const long = compileCaptureFilter(Array(2000).fill('tcp').join(' or '));
  assert.ok(long.ok);
  const d = new Dissection();
  const frame = Uint8Array.from([...new Array<number>(12).fill(0), 8, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, ...new Array<number>(30).fill(0)]);
  assert.equal(long.filter(dissectFrame(d, frame, 0, frame.length, 1)), true);
});

test('compiled filters run on random frames of every link type without throwing', () => {
  const d = new Dissection();
  const frames = fc.tuple(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 120 }), fc.nat(2000));
  const filters = [...VALID, 'tcp', 'port 80', 'host 1.2.3.4', 'vlan and vlan and ip6', 'not ip', 'ip6 net ::/0'].map((e) => compileCaptureFilter(e));
  fc.assert(
    fc.property(frames, ([lt, bytes, wire]) => {
      dissectFrame(d, bytes, 0, bytes.length, lt);
      for (const f of filters) {
        assert.ok(f.ok);
        assert.equal(typeof f.filter(d, wire), 'boolean');
      }
    }),
    { numRuns: 3000 },
  );
});

test('a frame is filtered the same wherever it sits in the reader\'s window (offsets are from d.start, loads stop at d.end)', () => {
  const d = new Dissection();
  const exprs = ['tcp port 80', 'host 10.1.2.3 or arp', 'ip6 net fe80::/10', 'vlan and udp', 'tcp[13] & 2 != 0', 'ether[0] & 1 = 1', 'broadcast', 'less 60'];
  const filters = exprs.map((e) => compileCaptureFilter(e));
  const frame = fc.tuple(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 90 }), fc.nat(64), fc.uint8Array({ minLength: 0, maxLength: 64 }));
  fc.assert(
    fc.property(frame, ([lt, bytes, before, after]) => {
      const window = new Uint8Array(before + bytes.length + after.length);
      window.fill(0xff, 0, before);
      window.set(bytes, before);
      window.set(after, before + bytes.length);
      for (const f of filters) {
        assert.ok(f.ok);
        const alone = f.filter(dissectFrame(d, bytes, 0, bytes.length, lt), bytes.length);
        const inWindow = f.filter(dissectFrame(d, window, before, before + bytes.length, lt), bytes.length);
        assert.equal(inWindow, alone);
      }
    }),
    { numRuns: 2000 },
  );
});
