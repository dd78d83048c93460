/** `netlab capture`: live capture through tcpdump/dumpcap, decoded by netlab's reader. */
import type { Command } from 'commander';
import { DEFAULTS } from '../../constants.js';
import { startLiveCapture } from '../../capture/capture.js';
import { LiveTlsDecryptor } from '../../capture/live-tls.js';
import { describePayload } from '../../util/payload-view.js';
import { examples } from '../help.js';
import { Output } from '../output.js';
import { parseSeconds } from '../parse.js';
import { addPacketViewOptions, createPacketView, type PacketViewFlags } from '../pcap/packet-view-flags.js';
import { untilStopped } from '../signals.js';

interface CaptureFlags extends PacketViewFlags {
  interface: string;
  filter?: string;
  write?: string;
  duration?: number;
  payload?: boolean;
}

export function registerCapture(program: Command): void {
  const command = program
    .command('capture')
    .summary('capture live traffic (tcpdump underneath) and print one line per packet')
    .description(
      'Live capture: tcpdump (or dumpcap) captures and writes pcap to a pipe; netlab decodes it and prints one line per packet, ' +
        'like tshark. Capturing needs root or CAP_NET_RAW; netlab says so when they are missing.',
    )
    .requiredOption('-i, --interface <name>', 'interface to capture on (lo, eth0, any)')
    .option('-f, --filter <bpf>', 'capture filter, e.g. "tcp port 5000"')
    .option('-w, --write <file>', 'also save the packets to a pcap file')
    .option('--duration <seconds>', 'stop after this long', parseSeconds)
    .option('--payload', 'show each packet\'s TCP/UDP payload, as text or a hex dump');
  addPacketViewOptions(command, { captureFilter: false })
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
  const view = await createPacketView(flags, { retainStreams: DEFAULTS.liveRetainedTcpStreams, payload: flags.payload, liveKeyLog: true });
  // Without -Y every packet is shown, so the engine can count; with it, the view counts what it shows.
  const engineCount = flags.displayFilter === undefined ? flags.count : undefined;
  const { engine, source } = await startLiveCapture({ iface: flags.interface, filter: flags.filter, count: engineCount, writePath: flags.write });
  out.note(`capturing on ${flags.interface} with ${engine.name}${flags.filter ? ` (filter: ${flags.filter})` : ''}; Ctrl-C to stop`);

  const stopper = new AbortController();
  void untilStopped(stopper.signal).then(() => engine.stop());
  const timer = flags.duration === undefined ? undefined : setTimeout(() => engine.stop(), flags.duration * 1000);

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
  const header = view.headerLine();
  if (header !== undefined) process.stdout.write(`${header}\n`);
  try {
    const info = await source.forEach((p) => {
      packets += 1;
      if (view.done) return;
      const shown = view.render(p);
      // The view has dissected the packet already; live decryption reads the same dissection.
      if (tls !== undefined) tls.add(view.packet.d, p.index);
      if (shown !== undefined) process.stdout.write(`${shown}\n`);
      if (view.done) engine.stop();
    });
    view.finish();
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
