/**
 * The live-capture engine: tcpdump (or Wireshark's dumpcap) run as a child
 * process writing pcap to a pipe, which netlab's own reader decodes. Capturing
 * needs privileges netlab does not have itself; the engine has them (root,
 * CAP_NET_RAW) or says so, and we turn what it says into a clear message.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DEFAULTS } from '../constants.js';
import { ERROR_CODES, NetlabError } from '../errors.js';

export interface CaptureEngineOptions {
  /** Interface name (`lo`, `eth0`, `any`). */
  iface: string;
  /** BPF filter expression, e.g. `tcp port 5000`. */
  filter?: string;
  /** Stop after this many packets. */
  count?: number;
  /** How long to wait for the engine to start capturing, in ms. Default 10 s. */
  startTimeoutMs?: number;
}

interface EngineCommand {
  name: 'tcpdump' | 'dumpcap';
  args: string[];
}

function commands(options: CaptureEngineOptions): EngineCommand[] {
  const count = options.count === undefined ? [] : ['-c', String(options.count)];
  const filter = options.filter === undefined || options.filter === '' ? [] : [options.filter];
  return [
    // --immediate-mode: hand each packet over as it arrives (libpcap otherwise
    // holds packets until a buffer block fills or times out); -U: flush each
    // one to the pipe; -w -: pcap on stdout. -B: in immediate mode libpcap's
    // ring has fixed frames of the snapshot length (256 KiB), so its default
    // 2 MiB holds about 8 packets and a burst (a connect scan's SYN/RST
    // pairs) is dropped by the kernel while the pipe is read; see
    // DEFAULTS.captureBufferKiB.
    { name: 'tcpdump', args: ['-i', options.iface, '--immediate-mode', '-B', String(DEFAULTS.captureBufferKiB), '-U', '-w', '-', ...count, ...filter] },
    // -P: classic pcap (not pcapng); -q: no packet counter on stderr; -B in MiB.
    {
      name: 'dumpcap',
      args: ['-i', options.iface, '-P', '-q', '-B', String(Math.ceil(DEFAULTS.captureBufferKiB / 1024)), '-w', '-', ...count, ...(filter.length ? ['-f', filter[0] as string] : [])],
    },
  ];
}

/** What the engine printed that tells us it is capturing. */
const STARTED = /listening on|Capturing on/i;
const NO_PERMISSION = /permission|not permitted|Operation not permitted|You don't have permission/i;

/** A running capture: pcap bytes on `output` until stop() or the count is reached. */
export class CaptureEngine {
  readonly name: 'tcpdump' | 'dumpcap';
  readonly #child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  #stderr = '';

  private constructor(name: 'tcpdump' | 'dumpcap', child: ChildProcessWithoutNullStreams) {
    this.name = name;
    this.#child = child;
    child.stderr.on('data', (c: Buffer) => {
      // Keep the tail only: it is for messages, not a log.
      this.#stderr = (this.#stderr + c.toString()).slice(-4096);
    });
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** The pcap byte stream. */
  get output(): Readable {
    return this.#child.stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Asks the engine to finish (SIGINT: it flushes and closes the pipe). */
  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT');
  }

  /**
   * Starts tcpdump, or dumpcap when tcpdump is not installed, and waits until
   * it is capturing.
   * @throws NetlabError NETLAB_ERR_CAPTURE_ENGINE_MISSING, NETLAB_ERR_CAPTURE_PERMISSION or NETLAB_ERR_CAPTURE_FAILED
   */
  static async start(options: CaptureEngineOptions): Promise<CaptureEngine> {
    for (const command of commands(options)) {
      const engine = await CaptureEngine.#tryStart(command, options.startTimeoutMs ?? 10_000);
      if (engine !== undefined) return engine;
    }
    throw new NetlabError(
      ERROR_CODES.CAPTURE_ENGINE_MISSING,
      'live capture needs tcpdump (or Wireshark\'s dumpcap) and neither is installed; install one, e.g.: apt-get install tcpdump',
    );
  }

  /** @returns undefined when the program is not installed */
  static async #tryStart(command: EngineCommand, timeoutMs: number): Promise<CaptureEngine | undefined> {
    const child = spawn(command.name, command.args, { stdio: ['ignore', 'pipe', 'pipe'] }) as unknown as ChildProcessWithoutNullStreams;
    const engine = new CaptureEngine(command.name, child);
    const outcome = await new Promise<'started' | 'missing' | 'exited' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      const done = (why: 'started' | 'missing' | 'exited'): void => {
        clearTimeout(timer);
        resolve(why);
      };
      child.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT' ? 'missing' : 'exited'));
      child.stderr.on('data', () => {
        if (STARTED.test(engine.#stderr)) done('started');
      });
      child.once('close', () => done('exited'));
    });
    if (outcome === 'started') return engine;
    if (outcome === 'missing') return undefined;
    engine.stop();
    const said = engine.#stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-2).join(' / ');
    if (NO_PERMISSION.test(said)) {
      throw new NetlabError(
        ERROR_CODES.CAPTURE_PERMISSION,
        `${command.name} may not capture here (${said}); capturing needs root or CAP_NET_RAW: run with sudo, or allow it once with: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v ${command.name})"`,
      );
    }
    const why = outcome === 'timeout' ? `it did not start within ${timeoutMs / 1000} s` : said || 'it exited at once';
    throw new NetlabError(ERROR_CODES.CAPTURE_FAILED, `${command.name} could not start capturing: ${why}`);
  }
}
