/**
 * APP_FIELDS, the field list the filter compiler and `-e` get for the
 * application layers, against tshark's own field registry (`tshark -G
 * fields`: type and display base), and against what the dissectors emit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_FIELDS } from '../../../src/pcap/layers/app-fields.js';
import { dissectDns } from '../../../src/pcap/layers/dns.js';
import { HttpStream } from '../../../src/pcap/layers/http.js';
import type { ProtoField, ProtoLayer } from '../../../src/pcap/layers/tree.js';
import { tool } from '../../helpers/pcap.js';
import { buildDns } from '../../helpers/dns-build.js';

const KIND_OF_TYPE: Record<string, string> = {
  FT_BOOLEAN: 'bool',
  FT_UINT8: 'uint',
  FT_UINT16: 'uint',
  FT_UINT32: 'uint',
  FT_UINT64: 'uint',
  FT_STRING: 'string',
  FT_IPv4: 'ipv4',
  FT_IPv6: 'ipv6',
  FT_BYTES: 'bytes',
};
const HEX_DIGITS: Record<string, number> = { FT_UINT8: 2, FT_UINT16: 4, FT_UINT32: 8 };

test('every application field is one tshark knows, with the kind of its type and, when tshark prints it in hex, the width', () => {
  const registry = new Map<string, { type: string; base: string }>();
  for (const line of tool('tshark', ['-G', 'fields']).split('\n')) {
    const c = line.split('\t');
    if (c[0] === 'F') registry.set(c[2]!, { type: c[3]!, base: c[5]! });
  }
  const protocols = new Set(tool('tshark', ['-G', 'protocols']).split('\n').map((l) => l.split('\t')[2]));
  for (const f of APP_FIELDS) {
    if (f.kind === 'protocol') {
      assert.ok(protocols.has(f.name), `${f.name} is a tshark protocol`);
      continue;
    }
    const r = registry.get(f.name);
    assert.ok(r !== undefined, `${f.name} is a tshark field`);
    assert.equal(f.kind, KIND_OF_TYPE[r.type], `${f.name}: ${r.type}`);
    assert.equal(f.hexDigits, r.base === 'BASE_HEX' ? HEX_DIGITS[r.type] : undefined, `${f.name}: ${r.type} ${r.base}`);
  }
});

function walk(fields: readonly ProtoField[], visit: (f: ProtoField) => void): void {
  for (const f of fields) {
    visit(f);
    if (f.children !== undefined) walk(f.children, visit);
  }
}

test('every field the dissectors give a value to is listed, and its value has the listed kind', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  const layers: ProtoLayer[] = [];
  const http = new HttpStream();
  layers.push(...http.push(0, b('GET /x?a=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\nAccept: */*\r\nCookie: c=1\r\nX-Other: 1\r\n\r\n')));
  layers.push(...http.push(1, b('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nServer: s\r\nDate: d\r\n\r\nok')));
  const name = (n: string) => ({ name: n });
  layers.push(
    dissectDns(
      buildDns({
        id: 1,
        flags: 0x8180,
        questions: [{ name: 'a.b', type: 1 }],
        answers: [
          { name: 'a.b', type: 1, data: Uint8Array.from([1, 2, 3, 4]) },
          { name: 'a.b', type: 28, data: new Uint8Array(16) },
          { name: 'a.b', type: 5, data: name('c.d') },
          { name: 'a.b', type: 12, data: name('c.d') },
          { name: 'a.b', type: 15, data: { pref: 1, name: 'm.b' } },
          { name: 'a.b', type: 16, data: Uint8Array.from([1, 0x61]) },
          { name: 'a.b', type: 33, data: Uint8Array.from([0, 1, 0, 2, 0, 3, 0]) },
          { name: 'a.b', type: 6, data: Uint8Array.from([0, 0, ...new Array(20).fill(0)]) },
        ],
        authority: [{ name: 'b', type: 2, data: name('ns.b') }],
        additional: [{ name: '', type: 41, cls: 4096, ttl: 0x8000, data: Uint8Array.from([0, 10, 0, 2, 1, 2]) }],
      }),
    ),
  );
  const listed = new Map(APP_FIELDS.map((f) => [f.name, f]));
  const seen = new Set<string>();
  for (const l of layers) {
    assert.equal(l.malformed, undefined);
    walk(l.fields, (f) => {
      if (f.value === undefined || f.name === '') return;
      const info = listed.get(f.name);
      assert.ok(info !== undefined, `${f.name} is in APP_FIELDS`);
      seen.add(f.name);
      const v = f.value;
      if (info.kind === 'uint' || info.kind === 'bool') assert.equal(typeof v, 'number', f.name);
      if (info.kind === 'bool') assert.ok(v === 0 || v === 1, f.name);
      if (info.kind === 'string') assert.equal(typeof v, 'string', f.name);
      if (info.kind === 'ipv4') assert.ok(v instanceof Uint8Array && v.length === 4, f.name);
      if (info.kind === 'ipv6') assert.ok(v instanceof Uint8Array && v.length === 16, f.name);
      if (info.kind === 'bytes') assert.ok(v instanceof Uint8Array && !Buffer.isBuffer(v), f.name);
    });
  }
  for (const must of ['http.request', 'http.response', 'http.host', 'http.response.code', 'dns.a', 'dns.aaaa', 'dns.srv.port', 'dns.soa.minimum_ttl', 'dns.opt.data', 'dns.ns']) assert.ok(seen.has(must), must);
});
