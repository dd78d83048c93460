/**
 * Byte inputs the capture reader pulls from: a file (read straight into the
 * reader's window, no intermediate copy) or any stream/async iterable of
 * chunks (a pipe from tcpdump, stdin, a socket).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FileError } from '../../errors.js';

export interface ByteInput {
  /** Human name for messages (file path or "stdin"/"stream"). */
  readonly name: string;
  /** Total size in bytes when known (regular files), for progress. */
  readonly size: number | undefined;
  /** Reads up to `length` bytes into `buf` at `offset`; resolves 0 at end of input. */
  read(buf: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/** A regular file or a named pipe opened by path. */
export class FileInput implements ByteInput {
  readonly name: string;
  readonly size: number | undefined;
  readonly #fh: FileHandle;

  private constructor(name: string, fh: FileHandle, size: number | undefined) {
    this.name = name;
    this.#fh = fh;
    this.size = size;
  }

  /**
   * @param path file to read
   * @throws FileError NETLAB_ERR_FILE when it cannot be opened or is a directory
   */
  static async open(path: string): Promise<FileInput> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      throw new FileError(`cannot open capture ${path} (${code})`, { cause: err });
    }
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new FileError(`${path} is a directory, not a capture file`);
    }
    return new FileInput(path, fh, st.isFile() ? st.size : undefined);
  }

  async read(buf: Uint8Array, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.#fh.read(buf, offset, length, null);
    return bytesRead;
  }

  async close(): Promise<void> {
    await this.#fh.close();
  }
}

/** Chunks from a Readable or any async iterable of bytes (copied once into the window). */
export class StreamInput implements ByteInput {
  readonly name: string;
  readonly size: number | undefined = undefined;
  readonly #it: AsyncIterator<Uint8Array | string>;
  #chunk: Uint8Array | null = null;
  #pos = 0;
  #done = false;

  /**
   * @param source a Readable (tcpdump's stdout, process.stdin) or async iterable of chunks
   * @param name how messages name it
   */
  constructor(source: AsyncIterable<Uint8Array | string>, name = 'stream') {
    this.name = name;
    this.#it = source[Symbol.asyncIterator]();
  }

  async read(buf: Uint8Array, offset: number, length: number): Promise<number> {
    while (this.#chunk === null || this.#pos >= this.#chunk.length) {
      if (this.#done) return 0;
      const next = await this.#it.next();
      if (next.done === true) {
        this.#done = true;
        return 0;
      }
      this.#chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value;
      this.#pos = 0;
    }
    const n = Math.min(length, this.#chunk.length - this.#pos);
    buf.set(this.#chunk.subarray(this.#pos, this.#pos + n), offset);
    this.#pos += n;
    return n;
  }

  async close(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      // Not awaited: with a read still pending (an interrupted pipe) the
      // iterator settles only once that read does.
      void this.#it.return?.()?.catch(() => {});
    }
  }
}
