/** Raw Node sockets as independent peers (no netlab code on the client side). */
import net from 'node:net';
import dgram from 'node:dgram';

/**
 * Connects a plain TCP socket and collects everything it receives until close.
 * Like most clients it closes its side when the server closes; it may still
 * half-close first itself with socket.end().
 */
export function rawTcp(port: number): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve({ socket, received: () => Buffer.concat(chunks), closed });
    });
  });
}

/** Sends one datagram from a fresh socket and waits for one answer (or times out). */
export function udpRoundTrip(port: number, payload: Buffer, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no UDP answer'));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(payload, port, '127.0.0.1');
  });
}
