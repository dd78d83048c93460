/** The TLS listener's handshake timeout and seats, with fake timers (no real 10 s wait). */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { tlsTransport } from '../../../src/transports/tls.js';
import { ConnectionSeats } from '../../../src/policies/max-connections.js';
import { createSelfSignedCertificate } from '../../../src/tls/certificate.js';
import { ERROR_CODES, type NetlabError } from '../../../src/errors.js';

test('a socket silent for the handshake timeout is closed and its seat given back', async (t) => {
  const made = await createSelfSignedCertificate();
  const seats = new ConnectionSeats(2);
  const taken = (): number => seats.taken;
  const listener = await tlsTransport.listen({ host: '127.0.0.1', port: 0, tls: { cert: made.certPem, key: made.keyPem }, seats, handshakeTimeoutMs: 10_000 });
  t.after(() => listener.close());
  const errors: NetlabError[] = [];
  listener.on('peerError', (err) => errors.push(err as NetlabError));
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const socket = net.connect({ host: '127.0.0.1', port: listener.address.port });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  for (let i = 0; i < 100 && taken() === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(taken(), 1, 'the handshaking socket holds a seat');
  mock.timers.tick(9_999);
  await new Promise((r) => setImmediate(r));
  assert.equal(socket.destroyed, false, 'not closed before the timeout');
  const closed = once(socket, 'close');
  mock.timers.tick(1);
  await closed;
  for (let i = 0; i < 100 && taken() !== 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(taken(), 0);
  assert.equal(errors[0]?.code, ERROR_CODES.HANDSHAKE_TIMEOUT);
});
