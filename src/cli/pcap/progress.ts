/** A byte progress bar on stderr for big inputs, only on a TTY (cli-progress). */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { DEFAULTS } from '../../constants.js';

export interface Progress {
  update(bytes: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/**
 * @param label shown before the bar (the file name)
 * @param total input size in bytes; no bar when unknown or small
 */
export function byteProgress(label: string, total: number | undefined): Progress {
  if (!process.stderr.isTTY || total === undefined || total < DEFAULTS.pcapProgressMinBytes) return NONE;
  // Loaded only when a bar is shown: most runs never need it.
  const lib = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
  const bar = new lib.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} MB | {eta}s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    lib.Presets.shades_classic,
  );
  const mb = (n: number) => Math.round(n / 1e6);
  bar.start(mb(total), 0);
  return {
    update: (bytes) => bar.update(mb(bytes)),
    stop: () => bar.stop(),
  };
}
