/** `netlab pcap packets FILE`: the packet list, details and bytes, with tshark's flags. */
import type { Command } from 'commander';
import { openCapture } from '../../pcap/read/source.js';
import { examples } from '../help.js';
import { Output } from '../output.js';
import { interruptSignal } from './interrupt.js';
import { addPacketViewOptions, createPacketView, type PacketViewFlags } from './packet-view-flags.js';

/** Registers `pcap packets`. */
export function registerPackets(pcap: Command): void {
  const command = pcap
    .command('packets')
    .summary('the packet list, details (-V) and bytes (-x), with display filters (-Y), like tshark')
    .description(
      "What Wireshark's three panes show, in the terminal, with tshark's flags: one line per packet (number, time, source, destination, protocol, length, info), " +
        'the details tree of each (-V), its bytes (-x), or chosen fields (-e). -Y keeps the packets a Wireshark display filter selects, -f those a tcpdump filter selects.',
    )
    .argument('<file>', 'capture file ("-" reads standard input)');
  addPacketViewOptions(command)
    .addHelpText(
      'after',
      examples(
        'netlab pcap packets traces/tcpdump-dns_udp.pcap',
        "netlab pcap packets lab-tcp.pcap -Y 'tcp.port == 5000 && tcp.len > 0' -V",
        'netlab pcap packets lab-tcp.pcap -f "host 127.0.0.1 and port 5000" -x -c 3',
        'netlab pcap packets lab-tcp.pcap -T fields -e frame.number -e tcp.stream -e tcp.flags -E header=y',
        'netlab pcap packets lab-tls.pcap --keylog lab-keys.log -Y http.request',
      ),
    )
    .action(async (file: string, flags: PacketViewFlags) => {
      const out = new Output({ json: flags.json });
      const view = await createPacketView(flags);
      const source = await openCapture(file === '-' ? process.stdin : file, { name: 'stdin' });
      let text = '';
      // Written once per window of records; when stdout is full (a slow pipe), reading waits for it to drain.
      const flush = (): Promise<void> | undefined => {
        if (text === '') return undefined;
        const full = !process.stdout.write(text);
        text = '';
        return full ? new Promise((resolve) => process.stdout.once('drain', resolve)) : undefined;
      };
      const header = view.headerLine();
      if (header !== undefined) text += `${header}\n`;
      const interrupt = interruptSignal();
      const stop = new AbortController();
      const info = await source
        .forEach(
          (p) => {
            const shown = view.render(p);
            if (shown !== undefined) text += `${shown}\n`;
            if (view.done) stop.abort();
          },
          { onProgress: flush, signal: AbortSignal.any([interrupt.signal, stop.signal]), stopQuietly: true },
        )
        .finally(() => interrupt.dispose());
      view.finish();
      await flush();
      for (const w of info.warnings) if (!(view.done && w.code === 'NETLAB_ERR_PCAP_INTERRUPTED')) out.warn(`${file}: ${w.message}`);
    });
}
