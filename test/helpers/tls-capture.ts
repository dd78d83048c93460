/**
 * Real TLS captures made inside a test: tcpdump on loopback records a
 * conversation between real peers (openssl s_client/s_server, netlab), and
 * tshark gives each direction's TCP bytes and its own decryption to compare
 * with. Every wait is bounded; every process is ended by its PID.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runProcess } from './cli.js';
import { tsharkFollowTcp } from './tshark.js';

const WAIT_MS = 20_000;

/** A spawned program with its output collected and bounded waits on it. */
export class Tool {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { env: { ...process.env, NO_COLOR: '1' } });
    this.child.stdout.setEncoding('latin1');
    this.child.stderr.setEncoding('latin1');
    this.child.stdout.on('data', (c: string) => (this.stdout += c));
    this.child.stderr.on('data', (c: string) => (this.stderr += c));
    this.child.stdin.on('error', () => {}); // the peer may exit first
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Resolves when stdout (or stderr) matches; rejects after `ms` or if the program exits first. */
  async waitFor(pattern: RegExp | string, where: 'stdout' | 'stderr' = 'stdout', ms = WAIT_MS): Promise<void> {
    const test = (): boolean => (typeof pattern === 'string' ? this[where].includes(pattern) : pattern.test(this[where]));
    const started = Date.now();
    let exited = false;
    void this.exited.then(() => (exited = true));
    // Polls every 20 ms until `ms` has passed: bounded in count and time.
    while (!test()) {
      if (exited) throw new Error(`${this.child.spawnfile} exited before printing ${pattern}; stdout: ${this.stdout.slice(-500)} stderr: ${this.stderr.slice(-500)}`);
      if (Date.now() - started > ms) throw new Error(`timed out waiting for ${pattern} from ${this.child.spawnfile}; stderr: ${this.stderr.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  /** Ends stdin and waits for exit; kills by PID after `ms`. */
  async close(ms = WAIT_MS): Promise<number | null> {
    this.child.stdin.end();
    return this.stop(undefined, ms);
  }

  /** Sends `signal` (if given), waits for exit, SIGKILLs after `ms`. */
  async stop(signal?: NodeJS.Signals, ms = WAIT_MS): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    if (signal !== undefined) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

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
export async function startCapture(file: string, port: number): Promise<Tool> {
  const tool = new Tool('tcpdump', ['-i', 'lo', '-U', '--immediate-mode', '-w', file, `tcp port ${port}`]);
  await tool.waitFor('listening on', 'stderr');
  return tool;
}

/**
 * Stops tcpdump with SIGINT so it flushes and closes the file. First waits
 * (bounded) until the file holds the end of the TCP connection, a FIN from
 * each side or a RST: tcpdump reads packets asynchronously, and a SIGINT that
 * comes before it has read the last ones loses them (seen on a loaded machine).
 */
export async function stopCapture(tool: Tool, file?: string): Promise<void> {
  if (file !== undefined) await waitForConnectionEnd(file);
  await tool.stop('SIGINT');
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
  const tools: Tool[] = [capture];
  try {
    const server = new Tool('openssl', [
      's_server', '-accept', String(port), '-naccept', '1',
      '-cert', certs.rsaCert, '-key', certs.rsaKey, '-dcert', certs.ecCert, '-dkey', certs.ecKey,
      '-keylogfile', keyLog, ...options.serverArgs,
    ]);
    tools.push(server);
    try {
      await server.waitFor('ACCEPT');
    } catch (err) {
      if (/Address already in use/i.test(server.stderr)) throw new PortTakenError(`port ${port} was taken`);
      throw err;
    }
    const client = new Tool('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...options.clientArgs]);
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
      await reader.waitFor(step.line);
    }
    await client.close();
    await server.stop(undefined);
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
