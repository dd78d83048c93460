/** `netlab capture`: live capture through tcpdump/dumpcap, decoded by netlab's reader. */
import type { Command } from 'commander';
import { startLiveCapture } from '../../capture/capture.js';
import { LiveTlsDecryptor } from '../../capture/live-tls.js';
import { dissect } from '../../pcap/layers/dissect.js';
import { Dissection } from '../../pcap/layers/dissection.js';
import { PacketSummarizer, summaryLine } from '../../pcap/summary.js';
import { describePayload } from '../../util/payload-view.js';
import { examples } from '../help.js';
import { Output } from '../output.js';
import { parseSeconds, positiveInteger } from '../parse.js';
import { untilStopped } from '../signals.js';

interface CaptureFlags {
  interface: string;
  filter?: string;
  write?: string;
  count?: number;
  duration?: number;
  payload?: boolean;
  keylog?: string;
  json?: boolean;
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .summary('capture live traffic (tcpdump underneath) and print one line per packet')
    .description(
      'Live capture: tcpdump (or dumpcap) captures and writes pcap to a pipe; netlab decodes it and prints one line per packet, ' +
        'like tshark. Capturing needs root or CAP_NET_RAW; netlab says so when they are missing.',
    )
    .requiredOption('-i, --interface <name>', 'interface to capture on (lo, eth0, any)')
    .option('-f, --filter <bpf>', 'capture filter, e.g. "tcp port 5000"')
    .option('-w, --write <file>', 'also save the packets to a pcap file')
    .option('-c, --count <n>', 'stop after this many packets', positiveInteger('packet count'))
    .option('--duration <seconds>', 'stop after this long', parseSeconds)
    .option('--payload', 'show each packet\'s TCP/UDP payload, as text or a hex dump')
    .option('--keylog <file>', 'NSS key log (SSLKEYLOGFILE, may still be growing) to decrypt TLS 1.2/1.3 streams as they pass')
    .option('--json', 'one JSON object per packet on stdout')
    .addHelpText(
      'after',
      examples(
        'sudo netlab capture -i lo -f "tcp port 5000" --payload',
        'sudo netlab capture -i lo -f "tcp port 5443" --keylog keys.log',
        'sudo netlab capture -i any -c 100 -w trace.pcap',
      ),
    )
    .action(async (flags: CaptureFlags) => capture(flags));
}

async function capture(flags: CaptureFlags): Promise<void> {
  const out = new Output(flags);
  const { engine, source } = await startLiveCapture({ iface: flags.interface, filter: flags.filter, count: flags.count, writePath: flags.write });
  out.note(`capturing on ${flags.interface} with ${engine.name}${flags.filter ? ` (filter: ${flags.filter})` : ''}; Ctrl-C to stop`);

  const stopper = new AbortController();
  void untilStopped(stopper.signal).then(() => engine.stop());
  const timer = flags.duration === undefined ? undefined : setTimeout(() => engine.stop(), flags.duration * 1000);

  const summarizer = new PacketSummarizer();
  const dissection = new Dissection();
  const tls =
    flags.keylog === undefined
      ? undefined
      : new LiveTlsDecryptor({
          keyLogPath: flags.keylog,
          onData: (stream, direction, data) => {
            const from = direction === 'client' ? `${stream.client} → ${stream.server}` : `${stream.server} → ${stream.client}`;
            if (out.json) out.event({ tls_stream: stream.index, direction, from, data: data.toString('utf8') });
            else for (const line of describePayload(data)) out.info(`        [TLS decrypted, ${from}] ${line}`);
          },
        });
  let packets = 0;
  try {
    const info = await source.forEach((p) => {
      packets += 1;
      const summary = summarizer.summarize(p);
      if (tls !== undefined) tls.add(dissect(dissection, p), p.index);
      const payload = flags.payload === true ? payloadOf(dissection, p) : undefined;
      if (out.json) {
        out.event({ ...summary, ...(payload === undefined ? {} : { payload: Buffer.from(payload).toString('hex') }) });
        return;
      }
      out.info(summaryLine(summary));
      if (payload !== undefined && payload.length > 0) for (const line of describePayload(payload)) out.info(`        ${line}`);
    });
    for (const warning of info.warnings) out.warn(warning.message);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    stopper.abort();
    engine.stop();
    await engine.exited;
  }
  out.note(`${packets} packet${packets === 1 ? '' : 's'} captured${flags.write ? `, saved to ${flags.write}` : ''}`);
  for (const { stream, summary } of tls?.finish() ?? []) {
    out.note(`TLS stream ${stream.client} -> ${stream.server}: ${summary.version ?? 'TLS'} ${summary.cipherSuite ?? ''}: ${summary.status}${summary.reason ? ` (${summary.reason})` : ''}`);
  }
}

function payloadOf(d: Dissection, p: Parameters<typeof dissect>[1]): Uint8Array {
  dissect(d, p);
  return d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength);
}
