/**
 * A real redis-server for tests (Debian's /usr/bin/redis-server): started on
 * a free loopback port with persistence off, stopped in teardown. It can be
 * paused (SIGSTOP), resumed (SIGCONT), stopped and restarted on the same
 * port, all by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { TestContext } from 'node:test';
import { waitFor } from './wait.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** A port nothing listens on right now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One PING over a fresh connection: true if Redis answered +PONG within `timeoutMs`. */
export function ping(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(done, timeoutMs, false);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

export class RedisServer {
  readonly port: number;
  #child: ChildProcess | undefined;
  #paused = false;

  private constructor(port: number) {
    this.port = port;
  }

  /** `redis://127.0.0.1:PORT` (with `/DB` when given). */
  url(db?: number): string {
    return `redis://127.0.0.1:${this.port}${db === undefined ? '' : `/${db}`}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Starts redis-server on a free port; it is killed (by PID) in the test's teardown.
   * @param t the test (or suite) whose teardown stops it
   */
  static async start(t: Pick<TestContext, 'after'>): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    t.after(() => server.stop());
    await server.restart();
    return server;
  }

  /** (Re)starts redis-server on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) await this.stop();
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', '--dir', '/tmp'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    this.#child = child;
    this.#paused = false;
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port, 500))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} (port ${this.port} taken?)`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer PING within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGSTOP: the server keeps its sockets but answers nothing. */
  pause(): void {
    if (this.#child?.pid === undefined) throw new Error('redis-server is not running');
    process.kill(this.#child.pid, 'SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT: it answers again, in order. */
  resume(): void {
    if (this.#child?.pid === undefined) throw new Error('redis-server is not running');
    process.kill(this.#child.pid, 'SIGCONT');
    this.#paused = false;
  }

  /** Kills it (SIGKILL: no goodbye to clients, like a crash) and waits for the exit. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (this.#paused) child.kill('SIGCONT');
    child.kill('SIGKILL');
    await waitFor(`redis-server ${child.pid} to exit`, () => child.exitCode !== null || child.signalCode !== null, 10_000);
  }
}
