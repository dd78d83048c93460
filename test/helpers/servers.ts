/** Library-level servers for tests: port 0 on loopback, closed in teardown. */
import type { TestContext } from 'node:test';
import { createServer, type Server, type ServerOptions } from '../../src/server/server.js';
import { echoProtocol, type EchoOptions } from '../../src/protocols/echo/echo.js';
import type { TransportName } from '../../src/transports/session.js';

export async function startEcho(
  t: TestContext,
  transport: TransportName,
  echo: EchoOptions = {},
  extra: Partial<ServerOptions> = {},
): Promise<Server> {
  const server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol: echoProtocol(echo), ...extra });
  t.after(() => server.close());
  return server;
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
