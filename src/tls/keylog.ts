/**
 * NSS key-log files (the SSLKEYLOGFILE format Wireshark reads): one line per
 * secret, `LABEL <client_random hex> <secret hex>`. Node hands us the lines;
 * we append them, creating the file 0600 since the secrets decrypt traffic.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { FileError } from '../errors.js';

export class KeyLogWriter {
  readonly path: string;
  #fd: number | undefined;

  /**
   * Opens `path` for appending.
   * @throws FileError when the file cannot be opened
   */
  constructor(path: string) {
    this.path = path;
    try {
      this.#fd = openSync(path, 'a', 0o600);
    } catch (err) {
      throw new FileError(`cannot open key log ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Appends one line. Written synchronously, so the keys are on disk before
   * the first record they protect is sent (a capture running alongside can be
   * decrypted at once).
   */
  write(line: string): void {
    if (this.#fd !== undefined) writeSync(this.#fd, `${line}\n`);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/**
 * The key-log path to use: --keylog wins, else the SSLKEYLOGFILE environment
 * variable that OpenSSL, NSS, curl and browsers honour.
 */
export function keyLogPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env.SSLKEYLOGFILE;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}
