/**
 * Child process of the memory test: runs the packet view over one file with
 * the options given as JSON and prints the packets shown and the peak
 * resident set size (VmHWM) as JSON.
 */
import { readFileSync } from 'node:fs';
import { openCapture } from '../../src/pcap/read/source.js';
import { PacketView, type PacketViewOptions } from '../../src/pcap/view/packet-view.js';
import { createPacketView } from '../../src/cli/pcap/packet-view-flags.js';

const path = process.argv[2]!;
const flags = JSON.parse(process.argv[3] ?? '{}') as Parameters<typeof createPacketView>[0] & PacketViewOptions;
const view: PacketView = await createPacketView(flags);
const source = await openCapture(path);
let packets = 0;
let shown = 0;
await source.forEach((p) => {
  packets++;
  if (view.render(p) !== undefined) shown++;
});
view.finish();
const status = readFileSync('/proc/self/status', 'utf8');
const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]);
process.stdout.write(`${JSON.stringify({ packets, shown, hwm: hwmKb * 1024 })}\n`);
