/**
 * One-line packet summaries like tshark's default output, for callers that
 * only want the packet list: a PacketViewer (header layers only) and its
 * columns. `pcap packets` and `capture` use the viewer directly.
 */
import type { PacketRecord } from './read/packet.js';
import { columnsLine, packetColumns, type PacketColumns } from './view/columns.js';
import { PacketViewer } from './view/viewer.js';

export type PacketSummary = PacketColumns;

export class PacketSummarizer {
  readonly #viewer = new PacketViewer();

  /** Summarises one packet (the reader's reused record). */
  summarize(p: PacketRecord): PacketSummary {
    return packetColumns(this.#viewer.next(p));
  }
}

/** The tshark-like text line of a summary. */
export const summaryLine = columnsLine;
