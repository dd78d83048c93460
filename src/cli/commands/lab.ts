/** `netlab lab` (what `npm start` runs): the guided plaintext-vs-TLS lab. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { runEchoDemo } from '../../lab/demo.js';
import { runWireLab, type WireLabResult } from '../../lab/wire-lab.js';
import { describePayload, hexdump } from '../../util/payload-view.js';
import { examples } from '../help.js';
import { Output, paint } from '../output.js';

interface LabFlags {
  out: string;
  capture?: boolean;
  modes?: boolean;
  json?: boolean;
}

/** Ciphertext shown per direction before "... more bytes". */
const CIPHERTEXT_PREVIEW_BYTES = 160;

export function registerLab(program: Command): void {
  program
    .command('lab')
    .summary('the guided lab: what an eavesdropper sees on TCP, on TLS, and TLS decrypted with the key log')
    .description(
      'Starts a TCP and a TLS echo server on loopback, sends the same sample secrets through each, records the wire bytes, ' +
        'and shows what an eavesdropper sees: plaintext on TCP, ciphertext on TLS, and the TLS bytes decrypted again with ' +
        'the key log. Writes lab-tcp.pcap, lab-tls.pcap and lab-keys.log for Wireshark. No root and no set-up needed.',
    )
    .option('--out <dir>', 'where to write the capture and key-log files', '.')
    .option('--capture', 'record with a real tcpdump capture of loopback instead of the socket tap (needs root)')
    .option('--modes', 'instead: start every transport with every echo mode and show each answering')
    .option('--json', 'one JSON document with the three views')
    .addHelpText('after', examples('netlab lab', 'netlab lab --out /tmp/lab', 'sudo netlab lab --capture', 'netlab lab --modes'))
    .action(async (flags: LabFlags) => (flags.modes === true ? runModes(flags) : runLab(flags)));
}

async function runLab(flags: LabFlags): Promise<void> {
  const out = new Output(flags);
  const result = await runWireLab({ outDir: flags.out, liveCapture: flags.capture === true });
  if (out.json) {
    out.event({
      files: result.files,
      recorded_with: result.recordedWith,
      tcp: { client: result.tcp.client.toString('utf8'), server: result.tcp.server.toString('utf8') },
      tls: { client: result.tls.client.toString('hex'), server: result.tls.server.toString('hex') },
      decrypted: { client: result.decrypted.client.toString('utf8'), server: result.decrypted.server.toString('utf8') },
      tls_summary: result.tlsSummary,
    });
    return;
  }
  printLab(out, result);
}

function heading(out: Output, text: string): void {
  out.info('');
  out.info(paint(process.stdout, 'bold', `== ${text} ==`));
}

function printLab(out: Output, r: WireLabResult): void {
  const recorder = r.recordedWith === 'socket tap' ? 'the socket tap (no root needed)' : `a live ${r.recordedWith} capture of loopback`;
  out.info(`netlab lab: the same ${r.secrets.length} secret lines sent over TCP and over TLS, recorded with ${recorder}.`);

  heading(out, `1. TCP: what an eavesdropper reads in ${r.files.tcpPcap}`);
  out.info('client -> server:');
  for (const line of describePayload(r.tcp.client)) out.info(`  ${paint(process.stdout, 'red', line)}`);
  out.info('server -> client (the echo):');
  for (const line of describePayload(r.tcp.server)) out.info(`  ${line}`);
  out.info('Every secret is readable by anyone who can capture this traffic.');

  heading(out, `2. TLS: what an eavesdropper reads in ${r.files.tlsPcap}`);
  out.info(`client -> server (${r.tls.client.length} bytes: handshake, then encrypted records):`);
  for (const line of hexdump(r.tls.client, CIPHERTEXT_PREVIEW_BYTES)) out.info(`  ${line}`);
  out.info(`server -> client (${r.tls.server.length} bytes):`);
  for (const line of hexdump(r.tls.server, CIPHERTEXT_PREVIEW_BYTES)) out.info(`  ${line}`);
  const leaked = r.secrets.filter((s) => r.tls.client.includes(s) || r.tls.server.includes(s));
  out.info(leaked.length === 0 ? 'None of the secrets appears anywhere in these bytes.' : `Found in the clear: ${leaked.join(', ')}`);

  heading(out, `3. TLS decrypted with the key log ${r.files.keyLog}`);
  const s = r.tlsSummary;
  out.info(`${s.version ?? 'TLS'} ${s.cipherSuite ?? ''}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`);
  out.info('client -> server:');
  for (const line of describePayload(r.decrypted.client)) out.info(`  ${paint(process.stdout, 'green', line)}`);
  out.info('server -> client:');
  for (const line of describePayload(r.decrypted.server)) out.info(`  ${line}`);
  out.info('Whoever holds the session keys reads everything again: guard key logs like passwords.');

  heading(out, 'Look at it yourself');
  out.info(`  wireshark ${resolve(r.files.tcpPcap)}     (Analyze > Follow > TCP Stream)`);
  out.info(`  wireshark ${resolve(r.files.tlsPcap)}     then Preferences > Protocols > TLS > (Pre)-Master-Secret log filename: ${resolve(r.files.keyLog)}`);
  out.info(`  wireshark -o tls.keylog_file:${resolve(r.files.keyLog)} ${resolve(r.files.tlsPcap)}     (the same tls.keylog_file preference, for one run)`);
  out.info(`  tshark -r ${r.files.tlsPcap} -o tls.keylog_file:${r.files.keyLog} -x`);
  // The TLS capture is ciphertext until the key log is given.
  out.info(`  netlab pcap follow ${r.files.tlsPcap} --stream 0 --keylog ${r.files.keyLog}`);
}

async function runModes(flags: LabFlags): Promise<void> {
  const out = new Output(flags);
  if (!out.json) out.info(paint(process.stdout, 'bold', 'netlab lab --modes: one question to every transport and echo mode'));
  await runEchoDemo((r) => {
    if (out.json) out.event(r);
    else out.info(`  ${r.transport.padEnd(4)} ${r.mode.padEnd(8)} 127.0.0.1:${String(r.port).padEnd(6)} ${JSON.stringify(r.sent)} -> ${JSON.stringify(r.answer)}`);
  });
  if (!out.json) out.info('Try one yourself:  netlab serve tcp -m upper   and in another terminal:  netlab connect tcp 127.0.0.1 5000');
}
