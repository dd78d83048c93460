/** Reading the files users name on the command line, with errors that say which flag. */
import { readFileSync } from 'node:fs';
import { FileError } from '../errors.js';

/**
 * @param flag the option the path came from, for the message (e.g. `--cert`)
 * @throws FileError when the file cannot be read
 */
export function readUserFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new FileError(`cannot read ${flag} file ${path}: ${why}`, { cause: err });
  }
}
