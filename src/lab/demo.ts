/**
 * The self-demo of `netlab lab`: every transport and every echo mode started
 * on a free loopback port and asked one question, so a student sees each
 * answer side by side before writing their own.
 */
import { connect } from '../client/connect.js';
import { exchange } from '../client/exchange.js';
import { ECHO_MODES, echoProtocol, type EchoMode } from '../protocols/echo/echo.js';
import { createServer } from '../server/server.js';
import { TRANSPORT_NAMES } from '../transports/registry.js';
import type { TransportName } from '../transports/session.js';

export interface DemoResult {
  transport: TransportName;
  mode: EchoMode;
  sent: string;
  answer: string;
  port: number;
}

const QUESTION = 'Hello, netlab! ¿Qué tal?';
const REPLY = 'pong';

/**
 * Runs each (transport, mode) pair in turn and reports what came back.
 * @param onResult called as each answer arrives
 */
export async function runEchoDemo(onResult: (result: DemoResult) => void = () => undefined): Promise<DemoResult[]> {
  const results: DemoResult[] = [];
  for (const transport of TRANSPORT_NAMES) {
    for (const mode of ECHO_MODES) {
      const server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol: echoProtocol({ mode, reply: REPLY }) });
      try {
        const session = await connect({ transport, host: '127.0.0.1', port: server.address.port, tls: { insecure: true } });
        const [answer] = await exchange(session, [QUESTION]);
        session.end();
        const result: DemoResult = { transport, mode, sent: QUESTION, answer: answer?.toString('utf8') ?? '', port: server.address.port };
        results.push(result);
        onResult(result);
      } finally {
        await server.close();
      }
    }
  }
  return results;
}
