/** tcp:// — plain TCP streams. */
import net from 'node:net';
import { waitUntilReady } from './connect-timeout.js';
import { RecordingSocket } from './recording-socket.js';
import { StreamListener, StreamSession } from './stream-session.js';
import type { TransportDriver } from './types.js';

export const tcpTransport: TransportDriver = {
  name: 'tcp',
  framing: 'stream',
  connectionless: false,

  async listen(options) {
    // allowHalfOpen: a peer's FIN ends its side only; we may still answer
    // (the reverse mode replies to a final unterminated line).
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    const listener = new StreamListener('tcp', server);
    const tap = options.tap;
    server.on('connection', (raw) => listener.adopt(tap === undefined ? raw : new RecordingSocket(raw, tap, false)));
    return listener.bind(options.host, options.port);
  },

  async connect(options) {
    const socket = net.connect({ host: options.host, port: options.port, allowHalfOpen: true, noDelay: true });
    await waitUntilReady(socket, 'connect', options.timeoutMs ?? 0, { action: 'connect', transport: 'tcp', host: options.host, port: options.port }, () =>
      socket.destroy(),
    );
    return new StreamSession('tcp', options.tap === undefined ? socket : new RecordingSocket(socket, options.tap, true));
  },
};
