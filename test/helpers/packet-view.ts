/** Runs netlab's packet view in-process over a capture, as `pcap packets` does. */
import { openCapture } from '../../src/pcap/read/source.js';
import { PacketView, type PacketViewOptions } from '../../src/pcap/view/packet-view.js';

/** What `pcap packets FILE ...options` prints, one entry per shown packet. */
export async function viewLines(file: string, options: PacketViewOptions): Promise<string[]> {
  const view = new PacketView(options);
  const lines: string[] = [];
  const source = await openCapture(file);
  await source.forEach((p) => {
    const shown = view.render(p);
    if (shown !== undefined) lines.push(shown);
  });
  view.finish();
  return lines;
}

/** tshark's -T fields rows of `fields` (default separators: tab between fields, comma between occurrences). */
export function tsharkArgs(file: string, fields: readonly string[], extra: readonly string[] = []): string[] {
  const args = ['-r', file, '-T', 'fields', ...extra];
  for (const f of fields) args.push('-e', f);
  return args;
}
