/**
 * The package as users import it: `import ... from 'netlab'` resolves through
 * package.json "exports" to the built dist/, and its .d.ts carries the types
 * (this file is type-checked by `npm test` after the build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect,
  createServer,
  echoProtocol,
  exchange,
  ERROR_CODES,
  NetlabError,
  TRANSPORT_NAMES,
  type CloseRecord,
  type EchoMode,
  type Protocol,
  type ProtocolFactory,
  type Session,
  type TrafficRecord,
  captureReport,
  writeCaptureReport,
  type CaptureReport,
  type WrittenReport,
} from 'netlab';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp.js';

test('the package entry point exposes a typed server/client API', async (t) => {
  const mode: EchoMode = 'upper';
  const server = await createServer({ transport: 'tcp', host: '127.0.0.1', port: 0, protocol: echoProtocol({ mode }) });
  t.after(() => server.close());
  const records: TrafficRecord[] = [];
  server.on('traffic', (r) => records.push(r));
  const session: Session = await connect(`tcp://127.0.0.1:${server.address.port}`);
  const answers: Buffer[] = await exchange(session, ['typed']);
  assert.deepEqual(answers.map(String), ['TYPED']);
  session.end();
  await new Promise<void>((resolve) => session.once('close', () => resolve()));
  assert.deepEqual(TRANSPORT_NAMES, ['tcp', 'tls', 'udp', 'ws']);
  assert.equal(typeof ERROR_CODES.PORT_IN_USE, 'string');
  assert.ok(new NetlabError(ERROR_CODES.TIMEOUT, 'x') instanceof Error);
  const close: CloseRecord | undefined = records.find((r): r is CloseRecord => r.event === 'close');
  void close;
});

test('a custom protocol plugs into any transport through the same factory shape', async (t) => {
  // A "count the bytes" protocol written once, run over UDP and WebSocket.
  const counter: ProtocolFactory = (session): Protocol => {
    let total = 0;
    return {
      dataReceived(chunk) {
        total += chunk.length;
        session.write(Buffer.from(String(total)));
      },
    };
  };
  for (const transport of ['udp', 'ws'] as const) {
    const server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol: counter });
    t.after(() => server.close());
    const session = await connect({ transport, host: '127.0.0.1', port: server.address.port });
    t.after(() => session.destroy());
    assert.deepEqual((await exchange(session, ['abc', 'de'])).map(String), ['3', '5'], transport);
  }
});

test('the capture report is part of the public API: its data, and the page the lab writes beside a capture', async (t) => {
  const capture = fileURLToPath(new URL('../fixtures/pcap/tcpdump-tcp-handshake-nano.pcap', import.meta.url));
  const data: CaptureReport = await captureReport(capture, { local: ['127.0.0.0/8'], streams: 1 });
  assert.equal(data.format, 'pcap');
  assert.ok(data.streams.length <= 1);
  const out = join(tempDir(t), 'page.html');
  const written: WrittenReport = await writeCaptureReport(capture, out, { streams: 2 });
  assert.equal(written.output, out);
  assert.equal(written.bytes, readFileSync(out).length);
  assert.equal(written.report.packets, data.packets);
});
