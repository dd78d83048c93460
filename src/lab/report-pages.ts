/**
 * The report page of each capture a lab makes (`pcap report`), written
 * beside it: lab-tls.pcap gets lab-tls.html, its TLS streams decrypted with
 * the lab's key logs.
 */
import { readFile } from 'node:fs/promises';
import { FileError } from '../errors.js';
import { writeCaptureReport } from '../pcap/report/index.js';
import { parseKeyLog } from '../pcap/tls/keylog.js';

/**
 * A lab runs on loopback, where client and server share an address: the
 * whole 127.0.0.0/8 counts as local, so the page's "out" side is every
 * packet the lab sent rather than nothing.
 */
const LAB_LOCAL_NETWORKS = ['127.0.0.0/8', '::1/128'];

/**
 * Writes the report page of one capture and returns its path.
 * @param capture the lab's capture file
 * @param keyLogs the lab's NSS key logs (may be empty)
 * @throws FileError when a key log cannot be read or the page cannot be written
 */
export async function writeLabReport(capture: string, keyLogs: readonly string[]): Promise<string> {
  const output = `${capture.replace(/\.pcap(ng)?$/, '')}.html`;
  let keyLog;
  if (keyLogs.length > 0) {
    try {
      keyLog = parseKeyLog(Buffer.concat(await Promise.all(keyLogs.map((file) => readFile(file)))));
    } catch (err) {
      throw new FileError(`cannot read the lab's key log: ${(err as Error).message}`, { cause: err });
    }
  }
  await writeCaptureReport(capture, output, { local: LAB_LOCAL_NETWORKS, keyLog });
  return output;
}
