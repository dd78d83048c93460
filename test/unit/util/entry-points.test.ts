/**
 * Issue 14 item 8: every library entry point checks its options once and
 * fails with a catalogued NetlabError naming the option, never a TypeError,
 * Node's ERR_SOCKET_BAD_PORT, or silence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, NetlabError } from '../../../src/errors.js';
import { createServer, type ServerOptions } from '../../../src/server/server.js';
import { connect } from '../../../src/client/connect.js';
import { exchange } from '../../../src/client/exchange.js';
import { echoProtocol, type EchoOptions } from '../../../src/protocols/echo/echo.js';
import { createImCipher } from '../../../src/protocols/im/crypto.js';
import { ChatServer, type ChatServerOptions } from '../../../src/protocols/chat/server.js';
import { ImRelay, type ImRelayOptions } from '../../../src/protocols/im/relay.js';
import { LocalRoom } from '../../../src/protocols/chat/room.js';
import { scan, type ScanOptions } from '../../../src/scan/scanner.js';
import { openCapture } from '../../../src/pcap/read/source.js';
import { runEchoLoad, type EchoLoadOptions } from '../../../src/load/echo-scenario.js';
import { runChatLoad, type ChatLoadOptions } from '../../../src/load/chat-scenario.js';
import { TlsStreamDecryptor } from '../../../src/pcap/tls/index.js';
import { MemorySession } from '../../helpers/memory-session.js';

/** A NetlabError with `code` whose message matches `message`. */
function fails(message: RegExp, code: string = ERROR_CODES.INVALID_ARGUMENT): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof NetlabError, `a NetlabError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  };
}

const echo = echoProtocol();

test('createServer: a bad port is NETLAB_ERR_INVALID_ARGUMENT naming options.port, not ERR_SOCKET_BAD_PORT', async () => {
  for (const port of [-1, Number.NaN, 'abc', 70000]) {
    await assert.rejects(
      createServer({ transport: 'tcp', host: '127.0.0.1', port: port as number, protocol: echo }),
      fails(/^options\.port must be an integer 0-65535, got /),
      String(port),
    );
  }
});

test('createServer: no protocol, no options, bad limits and misspelt options are refused before listening', async () => {
  await assert.rejects(createServer({ transport: 'tcp', port: 0 } as ServerOptions), fails(/^options\.protocol must be a function, got undefined$/));
  await assert.rejects(createServer(undefined as unknown as ServerOptions), fails(/^options must be an object, got undefined$/));
  await assert.rejects(createServer({ transport: 'quic', port: 0, protocol: echo } as unknown as ServerOptions), fails(/^options\.transport must be one of "tcp", "tls", "udp", "ws", got "quic"$/));
  await assert.rejects(createServer({ transport: 'tcp', port: 0, protocol: echo, maxConnections: 0 }), fails(/^options\.maxConnections must be an integer 1 or more, got 0$/));
  await assert.rejects(createServer({ transport: 'tcp', port: 0, protocol: echo, idleTimeoutSeconds: Number.NaN }), fails(/^options\.idleTimeoutSeconds must be a number of 0 or more seconds, got NaN$/));
  await assert.rejects(
    createServer({ transport: 'tcp', port: 0, protocol: echo, idleTimeout: Number.NaN } as unknown as ServerOptions),
    fails(/^options\.idleTimeout is not an option; did you mean options\.idleTimeoutSeconds\?$/),
  );
  await assert.rejects(createServer({ transport: 'tls', port: 0, protocol: echo, tls: { cert: 'x' } }), fails(/^options\.tls\.cert and options\.tls\.key go together/));
});

test('createServer: valid options still start a server', async (t) => {
  const server = await createServer({ transport: 'tcp', host: '127.0.0.1', port: 0, protocol: echo, maxConnections: 3, idleTimeoutSeconds: 0 });
  t.after(() => server.close());
  assert.ok(server.address.port > 0);
});

test('echoProtocol: maxLineBytes -1 and NaN, and a misspelt maxLine, throw synchronously', () => {
  for (const maxLineBytes of [-1, Number.NaN, 1.5, '100']) {
    assert.throws(() => echoProtocol({ maxLineBytes: maxLineBytes as number }), fails(/^options\.maxLineBytes must be an integer 1 or more, got /));
  }
  assert.throws(() => echoProtocol({ maxLine: -1 } as unknown as EchoOptions), fails(/^options\.maxLine is not an option; did you mean options\.maxLineBytes\?$/));
  assert.throws(() => echoProtocol({ mode: 'shout' as never }), fails(/^options\.mode must be one of /));
  assert.throws(() => echoProtocol({ mode: 'reply' }), fails(/needs the answer text: options\.reply$/));
});

test('createImCipher: an unknown suite is refused instead of falling back to the course cipher', () => {
  const keys = { confidentialityKey: 'c', authenticityKey: 'a' };
  assert.throws(() => createImCipher({ ...keys, suite: 'aes' as never }), fails(/^options\.suite must be one of "course", "etm", got "aes"$/));
  assert.throws(() => createImCipher({ ...keys, suite: 'ETM' as never }), fails(/options\.suite/));
  assert.throws(() => createImCipher({ suite: 'etm' }), fails(/options\.suite "etm" is an encrypted suite/));
  assert.throws(() => createImCipher({ confidentialityKey: 'c' }), fails(/needs both keys: options\.confidentialityKey and options\.authenticityKey$/));
  assert.throws(() => createImCipher({ ...keys, confidentialityKey: 42 as never }), fails(/^options\.confidentialityKey must be a string, got 42$/));
  assert.throws(() => createImCipher(null as never), fails(/^options must be an object, got null$/));
  assert.equal(createImCipher({ ...keys, suite: 'etm' }).suite, 'etm');
  assert.equal(createImCipher(keys).suite, 'course');
  assert.equal(createImCipher({ suite: 'course' }).suite, 'plain');
});

test('ChatServer: rate limit "fast", NaN limits and misspelt options throw; valid options are kept, frozen', () => {
  assert.throws(() => new ChatServer({ linesPerSecond: 'fast' as never }), fails(/^options\.linesPerSecond must be a number of 0 or more lines a second, got "fast"$/));
  assert.throws(() => new ChatServer({ rateLimit: 'fast' } as unknown as ChatServerOptions), fails(/^options\.rateLimit is not an option; known options: /));
  assert.throws(() => new ChatServer({ maxLineBytes: Number.NaN }), fails(/^options\.maxLineBytes must be an integer 1 or more, got NaN$/));
  assert.throws(() => new ChatServer({ maxUsers: 1.5 }), fails(/^options\.maxUsers must be an integer 1 or more, got 1\.5$/));
  assert.throws(() => new ChatServer({ drainTimeoutMs: -1 }), fails(/^options\.drainTimeoutMs must be a number of 0 or more ms, got -1$/));
  const now = (): number => 5;
  const chat = new ChatServer({ maxUsers: 7, maxLineBytes: 100, linesPerSecond: 0, drainTimeoutMs: 0, now });
  assert.ok(Object.isFrozen(chat.options));
  assert.equal(chat.options.maxUsers, 7);
  assert.equal(chat.options.maxLineBytes, 100);
  assert.equal(chat.options.linesPerSecond, 0);
  assert.equal(chat.options.drainTimeoutMs, 0);
  assert.equal(chat.options.now, now);
  assert.equal((chat.room as LocalRoom).maxUsers, 7);
});

test('ImRelay: frame and queue limits out of range throw, naming the option', () => {
  assert.throws(() => new ImRelay({ maxFrameBytes: 0 }), fails(/^options\.maxFrameBytes must be an integer 1-4294967295, got 0$/));
  assert.throws(() => new ImRelay({ maxFrameBytes: 2 ** 32 }), fails(/^options\.maxFrameBytes must be/));
  assert.throws(() => new ImRelay({ maxQueuedBytes: 1.5 }), fails(/^options\.maxQueuedBytes must be an integer 1 or more, got 1\.5$/));
  assert.throws(() => new ImRelay({ drainTimeoutMs: Number.NaN }), fails(/^options\.drainTimeoutMs must be/));
  assert.throws(() => new ImRelay({ maxFrame: 10 } as unknown as ImRelayOptions), fails(/did you mean options\.maxFrameBytes\?/));
  assert.equal(new ImRelay({ maxFrameBytes: 10 }).maxFrameBytes, 10);
});

test('connect: no target, a bad port or a bad timeout is refused before any socket opens', async () => {
  await assert.rejects(connect(undefined as never), fails(/^options must be an object, got undefined$/));
  await assert.rejects(connect({ transport: 'tcp', host: '127.0.0.1', port: 70000 }), fails(/^options\.port must be an integer 0-65535, got 70000$/));
  await assert.rejects(connect({ transport: 'tcp', host: '', port: 1 }), fails(/^options\.host must be a non-empty string/));
  await assert.rejects(connect('tcp://127.0.0.1:1', { timeoutSeconds: -1 }), fails(/^options\.timeoutSeconds must be a number greater than 0 seconds, got -1$/));
  await assert.rejects(connect('tcp://127.0.0.1:1', { timeout: 1 } as never), fails(/^options\.timeout is not an option; did you mean options\.timeoutSeconds\?$/));
});

test('exchange: a null session or non-string messages are NETLAB_ERR_INVALID_ARGUMENT, not a TypeError', async () => {
  await assert.rejects(exchange(null as never, ['hi']), fails(/^session must be a Session \(from connect\(\)\), got null$/));
  const session = new MemorySession();
  await assert.rejects(exchange(session, 'hi' as never), fails(/^messages must be an array, got "hi"$/));
  await assert.rejects(exchange(session, [1] as never), fails(/^messages\[0\] must be a string, got 1$/));
  await assert.rejects(exchange(session, ['hi'], { timeoutSeconds: 0 }), fails(/^options\.timeoutSeconds must be a number greater than 0 seconds, got 0$/));
  assert.equal(session.written.length, 0, 'nothing was sent');
});

test('scan: bad and misspelt options are refused before resolving the host', async () => {
  await assert.rejects(scan({ host: '' }), fails(/^options\.host must be a non-empty string, got ""$/));
  await assert.rejects(scan({ host: '127.0.0.1', ports: [] }), fails(/^options\.ports must be a non-empty array/));
  await assert.rejects(scan({ host: '127.0.0.1', ports: [22, 70000] }), fails(/^options\.ports\[1\] must be an integer 1-65535, got 70000$/));
  await assert.rejects(scan({ host: '127.0.0.1', proto: 'sctp' as never }), fails(/^options\.proto must be one of "tcp", "udp"/));
  await assert.rejects(scan({ host: '127.0.0.1', concurency: 4 } as unknown as ScanOptions), fails(/did you mean options\.concurrency\?|known options/));
  await assert.rejects(scan(undefined as never), fails(/^options must be an object, got undefined$/));
});

test('openCapture: a missing input or misspelt option is NETLAB_ERR_INVALID_ARGUMENT', async () => {
  const fixture = fileURLToPath(new URL('../../fixtures/pcap/tcpdump-ssh.pcap', import.meta.url));
  await assert.rejects(openCapture(null as never), fails(/^input must be a file path or an async iterable of bytes, got null$/));
  await assert.rejects(openCapture(fixture, { maxRecord: 1 } as never), fails(/did you mean options\.maxRecordBytes\?/));
  await assert.rejects(openCapture(fixture, { maxRecordBytes: -1 }), fails(/^options\.maxRecordBytes must be an integer 64 or more, got -1$/));
  const source = await openCapture(fixture, { maxWarnings: 0 });
  await source.close();
});

test('load runners: bad options are refused before any connection is made', async () => {
  const echoLoad: EchoLoadOptions = { transport: 'tcp', host: '127.0.0.1', port: 1, connectTimeoutMs: 100, connections: 1, size: 16, seconds: 1, pipeline: 1, replyTimeoutMs: 100 };
  await assert.rejects(runEchoLoad({ ...echoLoad, port: 'abc' as never }), fails(/^options\.port must be an integer 0-65535, got "abc"$/));
  await assert.rejects(runEchoLoad({ ...echoLoad, connections: 0 }), fails(/^options\.connections must be an integer 1 or more, got 0$/));
  await assert.rejects(runEchoLoad({ ...echoLoad, transport: 'quic' as never }), fails(/^options\.transport must be one of /));
  const chatLoad: ChatLoadOptions = { host: '127.0.0.1', port: 1, clients: 2, senders: 1, rate: 1, seconds: 1, connectTimeoutMs: 100, drainTimeoutMs: 100 };
  await assert.rejects(runChatLoad({ ...chatLoad, clients: 1 }), fails(/^options\.clients must be an integer 2 or more, got 1$/));
});

test('TlsStreamDecryptor: push() after finish() is NETLAB_ERR_INVALID_STATE', () => {
  const decryptor = new TlsStreamDecryptor();
  decryptor.finish();
  assert.throws(() => decryptor.push('client', Buffer.from([22])), fails(/push\(\) after finish\(\)/, ERROR_CODES.INVALID_STATE));
});
