/**
 * `pcap report`: a picture of a capture. {@link captureReport} reads the
 * capture once and returns the report's data (the `pcap stats --json` file
 * object plus series, histograms, hierarchy, talkers and streams);
 * {@link writeCaptureReport} writes it as one self-contained HTML page.
 */
import { writeFile } from 'node:fs/promises';
import { FileError } from '../../errors.js';
import { openCapture, type CaptureInput, type CaptureOptions } from '../read/source.js';
import { ReportCollector, type ReportOptions } from './collector.js';
import { renderReportPage } from './page/document.js';
import type { CaptureReport } from './types.js';

/** Options of {@link captureReport}: those of the collector, plus the reader's and the pass's. */
export interface CaptureReportOptions extends ReportOptions {
  capture?: CaptureOptions;
  /** Stops reading; the report then covers the packets read so far (with a NETLAB_ERR_PCAP_INTERRUPTED warning). */
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}

/**
 * Reads a capture in one streaming pass and returns the report's data.
 * @param input file path or stream
 * @param options local networks, key log, streams drawn (default 10), reader limits
 * @param file the name reported (default: the path, or "stream")
 * @throws CaptureFormatError NETLAB_ERR_PCAP_NOT_CAPTURE when the input is not a capture
 * @throws FileError NETLAB_ERR_FILE when it cannot be read
 */
export async function captureReport(input: CaptureInput, options: CaptureReportOptions = {}, file?: string): Promise<CaptureReport> {
  const source = await openCapture(input, options.capture);
  const collector = new ReportCollector(options);
  const info = await source.forEach((p) => collector.add(p), { signal: options.signal, onProgress: options.onProgress, stopQuietly: true });
  return collector.result(file ?? source.name, info);
}

/** What {@link writeCaptureReport} wrote. */
export interface WrittenReport {
  /** The page's path. */
  output: string;
  /** Its size in bytes. */
  bytes: number;
  report: CaptureReport;
}

/**
 * Reads a capture and writes its report page (the lab writes one beside each capture it makes).
 * @param input capture file
 * @param output the HTML file to write
 * @param options local networks, key log, streams drawn
 * @throws CaptureFormatError NETLAB_ERR_PCAP_NOT_CAPTURE when the input is not a capture
 * @throws FileError NETLAB_ERR_FILE when the capture cannot be read or the page cannot be written
 */
export async function writeCaptureReport(input: string, output: string, options: CaptureReportOptions = {}): Promise<WrittenReport> {
  const report = await captureReport(input, options);
  return { output, bytes: await writeReportPage(report, output), report };
}

/**
 * Writes the page of a report's data.
 * @param report what {@link captureReport} returned
 * @param output the HTML file to write
 * @returns the page's size in bytes
 * @throws FileError NETLAB_ERR_FILE when the page cannot be written
 */
export async function writeReportPage(report: CaptureReport, output: string): Promise<number> {
  const html = renderReportPage(report);
  try {
    await writeFile(output, html);
  } catch (err) {
    throw new FileError(`cannot write the report ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return Buffer.byteLength(html);
}

export { renderReportPage };
export type { ReportOptions };
export type * from './types.js';
