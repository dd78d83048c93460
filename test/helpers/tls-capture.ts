/**
 * Real TLS captures made inside a test: tcpdump on loopback records a
 * conversation between real peers (openssl s_client/s_server, netlab), and
 * tshark gives each direction's TCP bytes and its own decryption to compare
 * with. Every wait is bounded; every process is ended by its PID.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RunningProcess, runProcess } from './cli.js';
import { EVERY_PORT_AS_TLS, tsharkFollowTcp } from './tshark.js';

const WAIT_MS = 20_000;

/** A TCP port free on 127.0.0.1 right now (bound on port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * tcpdump on lo for one port, writing packets as they come (-U).
 * --immediate-mode: without it Linux hands packets over a ring block at a
 * time, and a SIGINT soon after the traffic drops the unfinished block.
 */
export async function startCapture(file: string, port: number): Promise<RunningProcess> {
  const tool = new RunningProcess('tcpdump', ['-i', 'lo', '-U', '--immediate-mode', '-w', file, `tcp port ${port}`]);
  await tool.waitFor('listening on', WAIT_MS, 'stderr');
  return tool;
}

/**
 * Stops tcpdump with SIGINT so it flushes and closes the file. First waits
 * (bounded) until the file holds the end of the TCP connection, a FIN from
 * each side or a RST: tcpdump reads packets asynchronously, and a SIGINT that
 * comes before it has read the last ones loses them (seen on a loaded machine).
 */
export async function stopCapture(tool: RunningProcess, file?: string): Promise<void> {
  if (file !== undefined) await waitForConnectionEnd(file);
  await tool.stop('SIGINT', WAIT_MS);
}

async function waitForConnectionEnd(file: string, ms = 15_000): Promise<void> {
  const started = Date.now();
  // Each pass runs tshark once; bounded by `ms`.
  while (Date.now() - started < ms) {
    const result = await runProcess('tshark', ['-r', file, '-Y', 'tcp.flags.fin==1 || tcp.flags.reset==1', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.flags.reset']);
    const rows = result.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
    const finPorts = new Set(rows.filter((r) => r[1] !== '1' && r[1] !== 'True').map((r) => r[0]));
    if (finPorts.size >= 2 || rows.some((r) => r[1] === '1' || r[1] === 'True')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A self-signed RSA and an EC P-256 certificate for s_server (-cert/-dcert), made with openssl. */
export async function makeCertificates(dir: string): Promise<{ rsaCert: string; rsaKey: string; ecCert: string; ecKey: string }> {
  const files = { rsaCert: join(dir, 'rsa.pem'), rsaKey: join(dir, 'rsa.key'), ecCert: join(dir, 'ec.pem'), ecKey: join(dir, 'ec.key') };
  const common = ['req', '-x509', '-nodes', '-subj', '/CN=localhost', '-days', '2'];
  const rsa = await runProcess('openssl', [...common, '-newkey', 'rsa:2048', '-keyout', files.rsaKey, '-out', files.rsaCert]);
  const ec = await runProcess('openssl', [...common, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', files.ecKey, '-out', files.ecCert]);
  if (rsa.code !== 0 || ec.code !== 0) throw new Error(`openssl req failed: ${rsa.stderr} ${ec.stderr}`);
  return files;
}

/** The two directions of TCP stream 0 as tshark reassembles them: Node 0 (listed first) is the client. */
export async function followRaw(file: string): Promise<{ client: Buffer; server: Buffer }> {
  const streams = await tsharkFollowTcp(file, 0);
  if (streams.client.length === 0 && streams.server.length === 0) {
    const listing = await runProcess('tshark', ['-r', file]);
    throw new Error(`tshark found no TCP payload in ${file}:\npackets:\n${listing.stdout}${listing.stderr}`);
  }
  return streams;
}

/**
 * What tshark itself decrypts from the packets sent from `srcPort`: the
 * `data.data` fields (HTTP dissection off so payloads stay raw data); all
 * packets when no port is given.
 * tshark 4.0's `follow,tls` mislabels directions, so it is not used.
 */
export async function tsharkDecrypted(file: string, keyLog: string, srcPort?: number): Promise<Buffer> {
  const result = await runProcess('tshark', [
    '-r', file,
    '-o', `tls.keylog_file:${keyLog}`,
    ...EVERY_PORT_AS_TLS,
    '--disable-protocol', 'http',
    '-Y', srcPort === undefined ? 'data.data' : `tcp.srcport==${srcPort}`,
    '-T', 'fields',
    '-e', 'data.data',
  ]);
  if (result.code !== 0) throw new Error(`tshark decrypt failed: ${result.stderr}`);
  const parts = result.stdout
    .split('\n')
    .flatMap((line) => line.trim().split(','))
    .filter((hex) => hex !== '');
  return Buffer.concat(parts.map((hex) => Buffer.from(hex.replace(/:/g, ''), 'hex')));
}

/** One step of a scripted openssl conversation. */
export type Step = { from: 'client' | 'server'; line: string } | { keyUpdate: true };

/**
 * Runs s_server and s_client on 127.0.0.1:port with -keylogfile, captured by
 * tcpdump, playing `steps` in order: each line is written to one peer's
 * stdin and awaited on the other's stdout, so the conversation is
 * deterministic. `{ keyUpdate: true }` types "K" at s_server (a TLS 1.3
 * KeyUpdate asking the client to update too).
 */
export async function opensslConversation(options: ConversationOptions): Promise<Conversation> {
  // The free port is found by binding and releasing it; if something else
  // takes it before s_server binds, try another (at most 3 times).
  for (let attempt = 1; ; attempt++) {
    try {
      return await conversationOnce(options, await freePort());
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

interface ConversationOptions {
  dir: string;
  certs: { rsaCert: string; rsaKey: string; ecCert: string; ecKey: string };
  serverArgs: string[];
  clientArgs: string[];
  steps: Step[];
}

interface Conversation {
  pcap: string;
  keyLog: string;
  port: number;
  clientPort: number;
}

class PortTakenError extends Error {}

async function conversationOnce(options: ConversationOptions, port: number): Promise<Conversation> {
  const { dir, certs } = options;
  const pcap = join(dir, `capture-${port}.pcap`);
  const keyLog = join(dir, `keys-${port}.log`);
  const capture = await startCapture(pcap, port);
  const tools: RunningProcess[] = [capture];
  try {
    const server = new RunningProcess('openssl', [
      's_server', '-accept', String(port), '-naccept', '1',
      '-cert', certs.rsaCert, '-key', certs.rsaKey, '-dcert', certs.ecCert, '-dkey', certs.ecKey,
      '-keylogfile', keyLog, ...options.serverArgs,
    ]);
    tools.push(server);
    try {
      await server.waitFor('ACCEPT', WAIT_MS, 'stdout');
    } catch (err) {
      if (/Address already in use/i.test(server.stderr)) throw new PortTakenError(`port ${port} was taken`);
      throw err;
    }
    const client = new RunningProcess('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...options.clientArgs]);
    tools.push(client);
    for (const step of options.steps) {
      if ('keyUpdate' in step) {
        // s_server must read "K" on its own, not merged with the next line:
        // wait until its KeyUpdate record is on the wire (in the capture).
        const before = await payloadPackets(pcap, port);
        server.write('K\n');
        await waitForPayloadPackets(pcap, port, before + 1);
        continue;
      }
      const [writer, reader] = step.from === 'client' ? [client, server] : [server, client];
      writer.write(`${step.line}\n`);
      await reader.waitFor(step.line, WAIT_MS, 'stdout');
    }
    await client.close();
    await server.stop(null, WAIT_MS);
    await stopCapture(capture, pcap);
  } finally {
    for (const tool of tools.slice(1)) await tool.stop('SIGKILL', 5_000);
    await stopCapture(capture);
  }
  return { pcap, keyLog, port, clientPort: await clientPortOf(pcap) };
}

/** TCP segments with payload sent from `port` so far. */
async function payloadPackets(pcap: string, port: number): Promise<number> {
  const result = await runProcess('tshark', ['-r', pcap, '-Y', `tcp.srcport==${port} && tcp.len>0`, '-T', 'fields', '-e', 'frame.number']);
  return result.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

async function waitForPayloadPackets(pcap: string, port: number, count: number, ms = WAIT_MS): Promise<void> {
  const started = Date.now();
  // Each pass runs tshark once; bounded by `ms`.
  while ((await payloadPackets(pcap, port)) < count) {
    if (Date.now() - started > ms) throw new Error(`no new packet from port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The client's port: Node 0 of tshark's follow output. */
export async function clientPortOf(pcap: string): Promise<number> {
  const follow = await runProcess('tshark', ['-r', pcap, '-q', '-z', 'follow,tcp,raw,0']);
  const port = Number(/^Node 0: .*:(\d+)$/m.exec(follow.stdout)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`no TCP stream in ${pcap}: ${follow.stderr}`);
  return port;
}
