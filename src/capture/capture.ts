/**
 * A live capture as a PacketSource: the engine's pcap pipe, optionally
 * copied byte for byte into a file as it is read (-w).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { FileError } from '../errors.js';
import { openCapture, type PacketSource } from '../pcap/read/source.js';
import { CaptureEngine, type CaptureEngineOptions } from './engine.js';

/** Copies every chunk to `path` (respecting the file's backpressure) while passing it on. */
async function* teeToFile(stream: Readable, path: string): AsyncGenerator<Uint8Array> {
  const file = createWriteStream(path, { mode: 0o644 });
  const failed = once(file, 'error').then(([err]) => {
    throw new FileError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  });
  failed.catch(() => undefined);
  try {
    for await (const chunk of stream) {
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
      yield chunk as Uint8Array;
    }
  } finally {
    await new Promise<void>((resolve) => file.end(() => resolve()));
  }
}

export interface LiveCapture {
  engine: CaptureEngine;
  source: PacketSource;
}

/**
 * Starts the engine and opens its output with netlab's reader.
 * @param writePath also save the raw pcap there (-w)
 * @throws NetlabError from the engine (missing, permission, failed)
 */
export async function startLiveCapture(options: CaptureEngineOptions & { writePath?: string }): Promise<LiveCapture> {
  const engine = await CaptureEngine.start(options);
  try {
    const input = options.writePath === undefined ? engine.output : teeToFile(engine.output, options.writePath);
    const source = await openCapture(input, { name: `${engine.name} on ${options.iface}` });
    return { engine, source };
  } catch (err) {
    engine.stop();
    throw err;
  }
}
