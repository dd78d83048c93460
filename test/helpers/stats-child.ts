/**
 * Child process of the memory test: computes `pcap stats` of one file and
 * prints the packet count and the peak resident set size (VmHWM) as JSON.
 */
import { readFileSync } from 'node:fs';
import { captureStats } from '../../src/pcap/stats.js';

const path = process.argv[2]!;
const stats = await captureStats(path);
const status = readFileSync('/proc/self/status', 'utf8');
const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]);
process.stdout.write(`${JSON.stringify({ packets: stats.packets, bytes: stats.bytes, hwm: hwmKb * 1024 })}\n`);
