/** A chat server on every transport (127.0.0.1, port 0) and users of each kind. */
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { ChatServer, type ChatServerOptions } from '../../src/protocols/chat/server.js';
import { createServer, type Server } from '../../src/server/server.js';
import type { TransportName } from '../../src/transports/session.js';
import { LineCollector, waitFor } from './wait.js';

export interface RunningChat {
  chat: ChatServer;
  ports: Partial<Record<TransportName, number>>;
  servers: Server[];
}

export async function startChat(t: TestContext, transports: TransportName[], options: ChatServerOptions & { udpIdleSeconds?: number } = {}): Promise<RunningChat> {
  // udpIdleSeconds is the UDP listener's, not the room's: ChatServer refuses options it does not know.
  const { udpIdleSeconds, ...chatOptions } = options;
  const chat = new ChatServer(chatOptions);
  const servers: Server[] = [];
  const ports: Partial<Record<TransportName, number>> = {};
  for (const transport of transports) {
    const server = await createServer({
      transport,
      host: '127.0.0.1',
      port: 0,
      protocol: chat.protocol,
      idleTimeoutSeconds: transport === 'udp' ? udpIdleSeconds : undefined,
      maxMessageBytes: transport === 'ws' ? 64 * 1024 : undefined,
    });
    servers.push(server);
    ports[transport] = server.address.port;
  }
  t.after(() => Promise.all(servers.map((s) => s.close())));
  return { chat, ports, servers };
}

/** What every kind of test user offers: lines in, lines out, a way to vanish. */
export interface ChatPeer {
  readonly name: string;
  readonly out: LineCollector;
  send(line: string): void;
  /** Drops the connection without a word (kill, destroy). */
  vanish(): void;
  closed(): boolean;
}

export async function tcpUser(t: TestContext, port: number, name = 'tcp'): Promise<ChatPeer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  let closed = false;
  socket.on('close', () => (closed = true));
  const out = new LineCollector(socket);
  await waitFor('tcp connect', () => socket.readyState === 'open' || closed);
  t.after(() => socket.destroy());
  return { name, out, send: (l) => socket.write(`${l}\r\n`), vanish: () => socket.destroy(), closed: () => closed };
}

/** A TLS user through `openssl s_client -quiet` (the lab's own tool). */
export function opensslUser(t: TestContext, port: number, name = 'tls'): ChatPeer {
  const child = spawn('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => undefined);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    name,
    out: new LineCollector(child.stdout),
    send: (l) => child.stdin.write(`${l}\n`),
    vanish: () => child.kill('SIGKILL'),
    closed: () => child.exitCode !== null || child.signalCode !== null,
  };
}

const UDP_CLIENT = fileURLToPath(new URL('../fixtures/udp_line_client.py', import.meta.url));

/** A UDP user: a Python socket, one datagram per line. */
export async function udpUser(t: TestContext, port: number, name = 'udp'): Promise<ChatPeer> {
  const child = spawn('/usr/bin/python3', [UDP_CLIENT, '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => undefined);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const out = new LineCollector(child.stdout);
  await out.waitForLine('READY');
  out.lines.shift();
  return {
    name,
    out,
    send: (l) => child.stdin.write(`${l}\n`),
    vanish: () => child.kill('SIGKILL'),
    closed: () => child.exitCode !== null,
  };
}

/** A WebSocket user: one message per line. */
export async function wsUser(t: TestContext, port: number, name = 'ws'): Promise<ChatPeer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.on('error', () => undefined);
  let closed = false;
  ws.on('close', () => (closed = true));
  const out = new LineCollector();
  ws.on('message', (data) => out.add(data.toString()));
  await waitFor('ws open', () => ws.readyState === WebSocket.OPEN || closed);
  t.after(() => ws.terminate());
  return { name, out, send: (l) => ws.send(l), vanish: () => ws.terminate(), closed: () => closed };
}
