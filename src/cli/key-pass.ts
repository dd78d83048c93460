/**
 * The passphrase of an encrypted `--key`, from `--key-pass SOURCE` in
 * openssl's `-passin` forms (`env:VAR`, `file:PATH`, `pass:TEXT`) or, on a
 * terminal, asked for without echo.
 */
import { readSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { readUserFile } from './files.js';

/**
 * @param source the `--key-pass` value
 * @returns the passphrase it names
 * @throws UsageError for an unknown form or an unset variable; FileError for an unreadable file
 */
export function passphraseFrom(source: string): string {
  const colon = source.indexOf(':');
  const kind = colon < 0 ? source : source.slice(0, colon);
  const rest = colon < 0 ? '' : source.slice(colon + 1);
  switch (kind) {
    case 'pass':
      return rest;
    case 'env': {
      const value = process.env[rest];
      if (rest === '' || value === undefined) throw new UsageError(`--key-pass ${source}: the environment variable ${rest || '(none)'} is not set`);
      return value;
    }
    case 'file':
      // openssl reads the first line of the file.
      return readUserFile(rest, '--key-pass').toString('utf8').split(/\r?\n/, 1)[0] ?? '';
    default:
      throw new UsageError(`--key-pass ${source}: write it as env:VAR, file:PATH or pass:TEXT, as openssl's -passin takes`);
  }
}

/**
 * Asks on the terminal with echo off, reading standard input synchronously
 * a byte at a time up to Enter (Ctrl-C and Ctrl-D give up).
 *
 * @returns the passphrase, or undefined when standard input is not a terminal
 */
export function promptPassphrase(prompt: string): string | undefined {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return undefined;
  // Echo off before the prompt shows: what is typed after seeing it is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(0, one, 0, 1, null);
      } catch (err) {
        // A non-blocking descriptor with nothing typed yet.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw err;
      }
      const byte = one[0]!;
      if (n === 0 || byte === 0x03 || byte === 0x04) throw new UsageError('no passphrase given for the key');
      if (byte === 0x0d || byte === 0x0a) break;
      if (byte === 0x7f || byte === 0x08) bytes.pop();
      else bytes.push(byte);
    }
  } finally {
    stdin.setRawMode(false);
    process.stderr.write('\n');
  }
  return Buffer.from(bytes).toString('utf8');
}
