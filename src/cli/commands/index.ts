/** Every subcommand, registered in the order `netlab --help` lists them. */
import type { Command } from 'commander';
import { registerServe } from './serve.js';
import { registerConnect } from './connect.js';
import { registerCert } from './cert.js';
import { registerChat } from './chat.js';
import { registerIm } from './im.js';
import { registerScan } from './scan.js';
import { registerPcap } from './pcap.js';
import { registerCapture } from './capture.js';
import { registerLab } from './lab.js';
import { registerBench } from './bench.js';

export function registerCommands(program: Command): void {
  registerServe(program);
  registerConnect(program);
  registerCert(program);
  registerChat(program);
  registerIm(program);
  registerScan(program);
  registerPcap(program);
  registerCapture(program);
  registerLab(program);
  registerBench(program);
}
