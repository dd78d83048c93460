/** Expands `pcap stats FILE|DIR...` into capture files: a directory gives its capture files, sorted. */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../../errors.js';
import { detectFormat } from '../../pcap/read/format.js';

/** Whether the file starts with a pcap/pcapng magic number. */
async function looksLikeCapture(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    detectFormat(head.subarray(0, bytesRead), path);
    return true;
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

/**
 * @param args paths as given; "-" is standard input
 * @param skipped called with each non-capture file of a directory
 * @throws FileError when a path does not exist
 */
export async function expandInputs(args: readonly string[], skipped: (path: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push(arg);
      continue;
    }
    let st;
    try {
      st = await stat(arg);
    } catch (err) {
      throw new FileError(`cannot read ${arg} (${(err as { code?: string }).code ?? 'error'})`, { cause: err });
    }
    if (!st.isDirectory()) {
      out.push(arg);
      continue;
    }
    const names = (await readdir(arg, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    for (const name of names) {
      const path = join(arg, name);
      if (await looksLikeCapture(path)) out.push(path);
      else skipped(path);
    }
  }
  return out;
}
