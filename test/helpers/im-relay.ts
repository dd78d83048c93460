/** An in-process IM relay on 127.0.0.1 port 0, for integration tests. */
import { attachProtocol } from '../../src/protocols/protocol.js';
import { ImRelay, type ImRelayOptions } from '../../src/protocols/im/relay.js';
import { TRANSPORTS } from '../../src/transports/registry.js';
import type { Listener } from '../../src/transports/types.js';

export interface RunningRelay {
  relay: ImRelay;
  listener: Listener;
  port: number;
  close(): Promise<void>;
}

export async function startRelay(options: ImRelayOptions = {}): Promise<RunningRelay> {
  const relay = new ImRelay(options);
  const listener = await TRANSPORTS.tcp.listen({ host: '127.0.0.1', port: 0 });
  listener.on('session', (session) => attachProtocol(session, relay.protocol));
  return { relay, listener, port: listener.address.port, close: () => listener.close() };
}
