/**
 * Runs tcpdump (as root) for a test: starts it, waits until it says it is
 * listening, and stops it with SIGINT by its PID, waiting for it to exit.
 * Pass --immediate-mode: without it TPACKET_V3 holds packets in blocks for
 * up to a second and a prompt SIGINT loses them.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Tcpdump {
  child: ChildProcess;
  /** Stops the capture (SIGINT) and waits for tcpdump to exit (bounded). */
  stop(): Promise<void>;
  /** Packets tcpdump reported as dropped by the kernel (after stop()). */
  dropped(): number;
}

/**
 * @param args tcpdump arguments, e.g. ['-i', 'lo', '-U', '-w', file, 'port 5000']
 * @param timeoutMs how long to wait for "listening"
 */
export async function startTcpdump(args: string[], timeoutMs = 15_000): Promise<Tcpdump> {
  const child = spawn('tcpdump', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start listening within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump could not run (apt-get install tcpdump): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited early (${code}): ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    dropped: () => Number(/(\d+) packets? dropped by kernel/.exec(stderr)?.[1] ?? 0),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
