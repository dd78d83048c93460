/**
 * `pcap packets -V` and `-x` against what tshark shows: the details lines
 * of the header layers read as tshark's `-V` lines (same label, same value),
 * and the hex dump gives back the captured frame byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, readAll, sampleFiles, tool } from '../../helpers/pcap.js';
import { viewLines } from '../../helpers/packet-view.js';

/** tshark -V of a file, split by frame: each frame's lines, trimmed. */
function tsharkDetails(file: string): string[][] {
  const text = tool('tshark', ['-r', file, '-V'], true);
  const frames: string[][] = [];
  for (const line of text.split('\n')) {
    if (/^Frame \d+: /.test(line)) frames.push([]);
    frames[frames.length - 1]?.push(line.trim());
  }
  return frames;
}

/**
 * Details lines whose value tshark prints the same way (labels of the header
 * layers). Ethernet addresses are left out: tshark prefixes them with the
 * vendor's name from its OUI table ("CIMSYS_33:44:66 (00:11:22:33:44:66)").
 */
const CHECKED = /^(Source Port|Destination Port|\[Stream index|\[TCP Segment Len|Sequence Number|Sequence Number \(raw\)|Acknowledgment Number|Acknowledgment number \(raw\)|Header Length|Flags: 0x|Window|Urgent Pointer|Length|Total Length|Identification|Time to Live|Protocol|Source Address|Destination Address|Fragment Offset|Type: \d|Code|Frame Number|Frame Length|Capture Length|Epoch Time|Next Header|Hop Limit|Payload Length|MSS Value)/;

for (const name of ['tcpdump-dns_tcp.pcap', 'tcpdump-dns_udp.pcap', 'tcpdump-icmp-length-zero.pcapng', 'tcpdump-tcp-handshake-nano.pcap', 'tcpdump-ipv6-routing-header.pcap', 'tcpdump-802.1ad_QinQ.pcap']) {
  test(`${name}: -V header lines read as tshark -V prints them`, async () => {
    const file = join(FIXTURES, name);
    const theirs = tsharkDetails(file);
    const ours = await viewLines(file, { details: true });
    assert.equal(ours.length, theirs.length);
    let checked = 0;
    ours.forEach((text, i) => {
      const lines = text.split('\n').slice(1).map((l) => l.trim());
      const tshark = theirs[i]!;
      for (const line of lines) {
        if (!CHECKED.test(line)) continue;
        // tshark puts bit patterns before some labels ("0100 .... = Version: 4").
        assert.ok(tshark.some((t) => t === line || t.endsWith(`= ${line}`)), `frame ${i + 1}: "${line}" is not a tshark -V line:\n${tshark.join('\n')}`);
        checked++;
      }
    });
    assert.ok(checked >= ours.length * 5, `${checked} lines checked`);
  });
}

test('-x: the dump gives back every captured byte of every frame, 16 a line with an ASCII column', async () => {
  for (const name of sampleFiles()) {
    const file = join(FIXTURES, name);
    const { packets } = await readAll(file);
    const dumps = await viewLines(file, { hex: true });
    assert.equal(dumps.length, packets.length, name);
    dumps.forEach((text, i) => {
      const rows = text.split('\n').filter((l) => /^[0-9a-f]{4,}  /.test(l));
      const width = rows[0]?.indexOf(' ') ?? 4;
      const bytes = rows.flatMap((row, r) => {
        assert.equal(parseInt(row.slice(0, width), 16), r * 16, `${name} frame ${i + 1} offset column`);
        const hex = row.slice(width + 2, width + 2 + 16 * 3 - 1).trim();
        const ascii = row.slice(width + 2 + 16 * 3 + 2);
        const values = hex === '' ? [] : hex.split(' ').map((h) => parseInt(h, 16));
        assert.equal(ascii, values.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''), `${name} frame ${i + 1} ASCII column`);
        return values;
      });
      assert.deepEqual(Buffer.from(bytes), Buffer.from(packets[i]!.data), `${name} frame ${i + 1}`);
    });
  }
});

test('-x lines are laid out as tshark -x lays them out', async () => {
  const file = join(FIXTURES, 'tcpdump-dns_tcp.pcap');
  const theirs = tool('tshark', ['-r', file, '-x'])
    .split('\n\n')
    .map((block) => block.trim())
    .filter((b) => b !== '');
  const ours = (await viewLines(file, { hex: true })).map((t) => t.split('\n').slice(1).join('\n').trim());
  assert.deepEqual(ours, theirs);
});
