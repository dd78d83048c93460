/** `netlab pcap packets FILE`: one line per packet, like tshark's default output. */
import type { Command } from 'commander';
import { openCapture } from '../../pcap/read/source.js';
import { PacketSummarizer, summaryLine } from '../../pcap/summary.js';
import { examples } from '../help.js';
import { Output } from '../output.js';
import { interruptSignal } from './interrupt.js';

/** Registers `pcap packets`. */
export function registerPackets(pcap: Command): void {
  pcap
    .command('packets')
    .summary('list packets one per line, like tshark')
    .description(
      'List the packets one per line, like tshark: number, time, source, destination, protocol, length and info ' +
        '(ports, TCP flags with relative sequence and acknowledgement numbers, payload length).',
    )
    .argument('<file>', 'capture file ("-" reads standard input)')
    .option('--json', 'one JSON object per packet (NDJSON)')
    .addHelpText('after', examples('netlab pcap packets traces/tcpdump-dns_udp.pcap', 'netlab pcap packets lab-tcp.pcap --json', 'netlab pcap packets - < lab-tls.pcap'))
    .action(async (file: string, flags: { json?: boolean }) => {
      const out = new Output({ json: flags.json });
      const source = await openCapture(file === '-' ? process.stdin : file, { name: 'stdin' });
      const summarizer = new PacketSummarizer();
      let lines: string[] = [];
      const flush = () => {
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
        lines = [];
      };
      const interrupt = interruptSignal();
      const info = await source
        .forEach(
          (p) => {
            const s = summarizer.summarize(p);
            lines.push(flags.json === true ? JSON.stringify(s) : summaryLine(s));
          },
          { onProgress: flush, signal: interrupt.signal, stopQuietly: true },
        )
        .finally(() => interrupt.dispose());
      flush();
      for (const w of info.warnings) out.warn(`${file}: ${w.message}`);
    });
}
