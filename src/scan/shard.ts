/**
 * One shard of a scan: a ScanEngine over a subset of the ports, with its own
 * driver, RTT estimator and rate limiter. A scan runs one shard on the main
 * thread and, for large TCP scans, more in worker threads (shard-worker.ts),
 * so the per-connect work of the kernel and of libuv is spread over the CPUs.
 */
import { ScanEngine, type EngineCounters } from './engine.js';
import { PortSource, type SharedPorts } from './port-source.js';
import type { ProbeTarget } from './probe.js';
import { RateLimiter } from './rate-limiter.js';
import { RttEstimator, type RttOptions } from './rtt.js';
import type { ScanProto } from './services.js';
import { createTcpDriver, type TcpDriverName } from './tcp-connect.js';
import { createUdpDriver } from './udp-probe.js';

/** Everything a shard needs; structured-clonable so it can cross to a worker. */
export interface ShardParams {
  proto: ScanProto;
  driver: TcpDriverName;
  target: ProbeTarget;
  /** Ports shared by every shard of the scan (sharePorts()). */
  ports: SharedPorts;
  concurrency: number;
  retries: number;
  rtt: RttOptions;
  fixedTimeoutMs: number | undefined;
  /** Attempts per second for this shard, or undefined for no cap. */
  rate: number | undefined;
  sweepIntervalMs: number;
}

export interface ShardResult {
  /** State code per port number (see STATE_BY_CODE); only the ports this shard scanned are set. */
  states: Uint8Array;
  counters: EngineCounters;
  /** Flattened [port, local port] pairs of open connections to this very host. */
  loopbackOpens: number[];
  aborted: boolean;
  driverName: string;
  srttMs: number | undefined;
}

/** A shard ready to run; `counters()` may be read while it runs. */
export class Shard {
  readonly #engine: ScanEngine;
  readonly #rtt: RttEstimator;
  readonly driverName: string;

  /**
   * @throws Error when the native driver is asked for and missing
   */
  constructor(params: ShardParams, signal: AbortSignal | undefined) {
    const driver = params.proto === 'udp' ? createUdpDriver() : createTcpDriver(params.driver);
    this.driverName = driver.name;
    this.#rtt = new RttEstimator(params.rtt);
    this.#engine = new ScanEngine({
      driver,
      target: params.target,
      source: new PortSource(params.ports),
      concurrency: params.concurrency,
      retries: params.retries,
      rtt: this.#rtt,
      fixedTimeoutMs: params.fixedTimeoutMs,
      limiter: params.rate === undefined ? undefined : new RateLimiter(params.rate, performance.now()),
      sweepIntervalMs: params.sweepIntervalMs,
      signal,
    });
  }

  counters(): EngineCounters {
    return this.#engine.counters();
  }

  /** @throws LimitError NETLAB_ERR_OUT_OF_SOCKETS (see ScanEngine.run) */
  async run(): Promise<ShardResult> {
    await this.#engine.run();
    return {
      states: this.#engine.states,
      counters: this.#engine.counters(),
      loopbackOpens: this.#engine.loopbackOpens,
      aborted: this.#engine.aborted,
      driverName: this.driverName,
      srttMs: this.#rtt.srttMs,
    };
  }
}
