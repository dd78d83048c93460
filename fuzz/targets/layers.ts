/**
 * Layer dissection: dissectFrame over mutated Ethernet / raw IP / cooked
 * frames under every link type netlab knows (and some it does not). A
 * malformed frame must be reported in the record, never thrown, and every
 * offset must stay inside the captured bytes.
 */
import { Dissection, dissectFrame } from '../../src/pcap/layers/dissect.js';
import { LINKTYPE } from '../../src/pcap/layers/linktypes.js';
import { nflogFrame, nflogTlv } from '../../test/helpers/nflog.js';
import { tcpFrame, udpFrame } from '../../test/helpers/pcap.js';
import { input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const ETHER = [
  udpFrame('10.0.0.1', '10.0.0.2', 5353, 53, Buffer.from('query')),
  tcpFrame('192.168.1.2', '93.184.216.34', 40000, 443, 1, 0, 0x02),
  tcpFrame('192.168.1.2', '93.184.216.34', 40000, 443, 100, 200, 0x18, Buffer.from('GET / HTTP/1.1\r\n\r\n')),
];
/** The same packets without their Ethernet header (raw IP link types). */
const RAW = ETHER.map((f) => f.subarray(14));
const IPV6 = Buffer.from(
  '6000000000081140fe800000000000000000000000000001fe80000000000000000000000000000214e914e900080000',
  'hex',
);
/** NFLOG (239): a packet header TLV, a prefix (padded), then the IP packet. */
const NFLOG = RAW.map((ip) => nflogFrame(2, [nflogTlv(1, Buffer.from([8, 0, 1, 0])), nflogTlv(10, Buffer.from('log\0')), nflogTlv(9, ip)]));
const SEEDS = [...ETHER, ...RAW, IPV6, ...NFLOG];
const LINK_TYPES = [...Object.values(LINKTYPE), 9, 105, 127, 160, 239, 0xffff, 0xffffffff];
const d = new Dissection();

export const layers: FuzzTarget = {
  name: 'pcap/layers',
  run(rng) {
    const frame = input(rng, SEEDS, 256);
    // Sometimes the frame sits inside a larger window, as it does in the reader.
    const pad = rng.chance(0.3) ? rng.below(32) : 0;
    const buf = Buffer.concat([rng.bytes(pad), frame, rng.bytes(pad)]);
    const start = pad;
    const end = pad + frame.length;
    dissectFrame(d, buf, start, end, rng.pick(LINK_TYPES));
    check(d.start === start && d.end === end, 'the record does not describe the frame');
    check(d.payloadLength === 0 || (d.payloadOffset >= start && d.payloadOffset + d.payloadLength <= end), `payload [${d.payloadOffset}+${d.payloadLength}] outside [${start}, ${end})`);
    if (d.ipVersion !== 0) check(d.ipOffset >= start && d.ipEnd <= end && d.ipOffset <= d.ipEnd, 'IP header outside the frame');
  },
};
