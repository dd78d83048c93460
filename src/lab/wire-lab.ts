/**
 * The plaintext-vs-TLS lab: the same sensitive lines sent through a TCP echo
 * server and a TLS echo server on loopback, recorded as pcap files, then read
 * back the way an eavesdropper would (netlab's own pcap reader and TCP
 * reassembly), and the TLS stream decrypted again with the key log, as
 * Wireshark does when given the (Pre)-Master-Secret log.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { FileError } from '../errors.js';
import { join } from 'node:path';
import { connect } from '../client/connect.js';
import { DEMO_SECRETS } from '../client/demo-secrets.js';
import { exchange } from '../client/exchange.js';
import { startLiveCapture, type LiveCapture } from '../capture/capture.js';
import { echoProtocol } from '../protocols/echo/echo.js';
import { createServer, type Server } from '../server/server.js';
import { followTcpStream } from '../pcap/follow.js';
import { parseKeyLog } from '../pcap/tls/keylog.js';
import { TlsStreamDecryptor, type TlsStreamSummary } from '../pcap/tls/decrypt.js';
import { PcapTap } from '../pcap/write/tap.js';
import { createSelfSignedCertificate } from '../tls/certificate.js';
import { KeyLogWriter } from '../tls/keylog.js';
import type { Session } from '../transports/session.js';
import type { TlsOptions, WireTap } from '../transports/types.js';

export interface WireLabOptions {
  /** Where lab-tcp.pcap, lab-tls.pcap and lab-keys.log are written. */
  outDir: string;
  /** Record with a real tcpdump capture of loopback instead of the socket tap (needs root). */
  liveCapture?: boolean;
  /** The lines to send. Default DEMO_SECRETS. */
  secrets?: readonly string[];
}

/** One direction-split view of a TCP stream. */
export interface StreamBytes {
  client: Buffer;
  server: Buffer;
}

export interface WireLabResult {
  files: { tcpPcap: string; tlsPcap: string; keyLog: string };
  secrets: readonly string[];
  /** What crossed the wire on TCP: the secrets in the clear. */
  tcp: StreamBytes;
  /** What crossed the wire on TLS: records of ciphertext. */
  tls: StreamBytes;
  /** The TLS application data, decrypted from the capture with the key log. */
  decrypted: StreamBytes;
  tlsSummary: TlsStreamSummary;
  /** How the traffic was recorded. */
  recordedWith: 'socket tap' | 'tcpdump' | 'dumpcap';
}

/** Sends the secrets through one server and waits until everything is recorded. */
async function sendThrough(server: Server, tls: TlsOptions | undefined, secrets: readonly string[]): Promise<void> {
  const session: Session = await connect({ transport: server.transport, host: '127.0.0.1', port: server.address.port, tls });
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  await exchange(session, secrets);
  session.end();
  await closed;
}

/** Reads stream 0 of a capture back, split by direction. */
async function readBack(file: string, onChunk?: (side: 0 | 1, data: Uint8Array) => void): Promise<StreamBytes> {
  const client: Buffer[] = [];
  const server: Buffer[] = [];
  await followTcpStream(file, 0, (side, data) => {
    (side === 0 ? client : server).push(Buffer.from(data));
    onChunk?.(side, data);
  });
  return { client: Buffer.concat(client), server: Buffer.concat(server) };
}

/**
 * Records one exchange per transport, either through the socket tap or a
 * live capture on lo, into `file`.
 */
async function record(
  transport: 'tcp' | 'tls',
  file: string,
  options: WireLabOptions,
  tls: { server?: TlsOptions; client?: TlsOptions },
  secrets: readonly string[],
): Promise<'socket tap' | 'tcpdump' | 'dumpcap'> {
  const tap = options.liveCapture === true ? undefined : new PcapTap(file);
  const server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol: echoProtocol(), tls: tls.server, tap: tap as WireTap | undefined });
  let live: LiveCapture | undefined;
  try {
    if (options.liveCapture !== true) {
      await sendThrough(server, tls.client, secrets);
    } else {
      live = await startLiveCapture({ iface: 'lo', filter: `tcp port ${server.address.port}`, writePath: file });
      let lastPacketAt = Date.now();
      const drained = live.source.forEach(() => {
        lastPacketAt = Date.now();
      });
      await sendThrough(server, tls.client, secrets);
      // The connection's last FIN/ACK may still be on its way to the capture:
      // stop once it has been quiet for a moment (bounded).
      for (let waited = 0; waited < 3000 && Date.now() - lastPacketAt < 300; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      live.engine.stop();
      await drained;
      await live.engine.exited;
    }
  } finally {
    live?.engine.stop();
    await server.close();
    await tap?.whenIdle(1000);
    tap?.close();
  }
  return live?.engine.name ?? 'socket tap';
}

/**
 * Runs the whole lab.
 * @throws NetlabError when a file cannot be written or (with liveCapture) capturing is not allowed
 */
export async function runWireLab(options: WireLabOptions): Promise<WireLabResult> {
  const secrets = options.secrets ?? DEMO_SECRETS;
  const files = {
    tcpPcap: join(options.outDir, 'lab-tcp.pcap'),
    tlsPcap: join(options.outDir, 'lab-tls.pcap'),
    keyLog: join(options.outDir, 'lab-keys.log'),
  };
  try {
    await mkdir(options.outDir, { recursive: true });
    // The key log only ever appends: start this run's afresh.
    await rm(files.keyLog, { force: true });
  } catch (err) {
    throw new FileError(`cannot write the lab files into ${options.outDir}: ${(err as Error).message}`, { cause: err });
  }

  const recordedWith = await record('tcp', files.tcpPcap, options, {}, secrets);

  const cert = await createSelfSignedCertificate();
  const keyLog = new KeyLogWriter(files.keyLog);
  try {
    await record(
      'tls',
      files.tlsPcap,
      options,
      // The client verifies the lab's certificate like a browser would a real one.
      { server: { cert: cert.certPem, key: cert.keyPem, onKeylog: (line) => keyLog.write(line) }, client: { ca: cert.certPem, servername: 'localhost' } },
      secrets,
    );
  } finally {
    keyLog.close();
  }

  const tcp = await readBack(files.tcpPcap);
  const clientPlain: Buffer[] = [];
  const serverPlain: Buffer[] = [];
  const decryptor = new TlsStreamDecryptor({
    keyLog: parseKeyLog(await readFile(files.keyLog)),
    onData: (event) => (event.direction === 'client' ? clientPlain : serverPlain).push(event.data),
  });
  const tls = await readBack(files.tlsPcap, (side, data) => (side === 0 ? decryptor.pushClient(data) : decryptor.pushServer(data)));
  const tlsSummary = decryptor.finish();
  const decrypted = { client: Buffer.concat(clientPlain), server: Buffer.concat(serverPlain) };
  return { files, secrets, tcp, tls, decrypted, tlsSummary, recordedWith };
}
