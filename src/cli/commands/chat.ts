/**
 * `netlab chat serve` (one room over TCP, TLS, UDP and WebSocket at once) and
 * `netlab chat join` (the interactive client, over any of them).
 */
import type { Command } from 'commander';
import { fitConnectionCap, openFileLimit } from '../../server/descriptor-limit.js';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { connect } from '../../client/connect.js';
import { CHAT_EOLS, ChatReceiver, typedLineBytes, type ChatEol } from '../../protocols/chat/client.js';
import { ChatServer } from '../../protocols/chat/server.js';
import { SharedRoom } from '../../protocols/chat/shared-room.js';
import { openRedisLink, type RedisLink } from '../../redis/link.js';
import { parseRedisUrl } from '../../redis/url.js';
import { roomName } from '../../redis/room-name.js';
import { RedisChatBus } from '../../redis/chat-room-bus.js';
import { reportRedisLink } from '../redis-log.js';
import { CHAT_WS_PATH, chatPageHooks } from '../../protocols/chat/web/http.js';
import type { Server } from '../../server/server.js';
import { TRANSPORT_NAMES } from '../../transports/registry.js';
import type { Session, TransportName } from '../../transports/session.js';
import { formatEndpoint } from '../../util/endpoint.js';
import { examples } from '../help.js';
import { withServerHint } from '../refused-hint.js';
import { LineConsole } from '../line-console.js';
import { Output } from '../output.js';
import { oneOf, parsePort, parseSeconds, positiveInteger } from '../parse.js';
import { serveUntilSignal, type ServeSpec } from '../serve-until-signal.js';
import { tlsOptionsFrom, type TlsFlags } from '../tls-flags.js';

interface ServeFlags extends TlsFlags {
  tcp?: number;
  tls?: number;
  udp?: number;
  ws?: number;
  web?: number;
  host: string;
  udpIdle: number;
  maxUsers: number;
  maxUdpUsers: number;
  maxConns: number;
  handshakeTimeout?: number;
  rateLimit: number;
  lineIdleMs: number;
  redis?: string;
  room?: string;
  json?: boolean;
  pcap?: string;
}

interface JoinFlags extends TlsFlags {
  port: number;
  nick?: string;
  transport: TransportName;
  eol: ChatEol;
  timeout: number;
}

export function registerChat(program: Command): void {
  const chat = program
    .command('chat')
    .summary('text chat: one room shared over tcp, tls, udp and ws')
    .description('Text chat: one room shared over tcp, tls, udp and ws, which telnet, nc, ncat and openssl s_client users join as well as netlab chat join.')
    .addHelpText('after', examples('netlab chat serve --tcp 1234 --tls 1235', 'netlab chat join 127.0.0.1 -n alice', 'telnet 127.0.0.1 1234'));

  chat
    .command('serve')
    .summary('run a chat room on one or more transports at once')
    .description(
      `Run a chat room on one or more transports at once, all feeding the same room; with no listener flag it listens on --tcp ${DEFAULTS.chatPort}. ` +
        'Users are asked their name, then each line they send is said to the room; !Q or /quit leaves, /who lists the users. ' +
        'Ctrl-C tells every user the server is shutting down, closes, and prints the totals.',
    )
    .option('--tcp <port>', 'listen for TCP users on this port', parsePort)
    .option('--tls <port>', 'listen for TLS users on this port', parsePort)
    .option('--udp <port>', 'listen for UDP users on this port (a user is an address)', parsePort)
    .option('--ws <port>', 'listen for WebSocket users on this port', parsePort)
    .option('--web <port>', 'serve the chat page to browsers on this port (http://HOST:PORT/, its WebSocket on /ws)', parsePort)
    .option('--host <address>', 'address to listen on', DEFAULTS.host)
    .option('--udp-idle <seconds>', 'forget UDP users silent this long', parseSeconds, DEFAULTS.udpPeerIdleSeconds)
    .option('--max-users <n>', 'users in the room at once', positiveInteger('user count'), DEFAULTS.chatMaxUsers)
    .option('--max-udp-users <n>', 'udp: users in the room at once over UDP, within --max-users (UDP sources can be forged)', positiveInteger('user count'), DEFAULTS.chatMaxUdpUsers)
    .option(
      '--rate-limit <n>',
      'lines a second each user may send (bursts of twice as many); faster senders are throttled; 0: no limit',
      positiveInteger('rate limit', 0),
      DEFAULTS.chatLinesPerSecond,
    )
    .option('--max-conns <n>', 'connections per listener (named or not)', positiveInteger('connection count'), DEFAULTS.maxConnections)
    .option('--handshake-timeout <seconds>', `tls: close a connection that has not finished its handshake by then (default ${DEFAULTS.tlsHandshakeTimeoutMs / 1000} s)`, parseSeconds)
    .option(
      '--line-idle-ms <ms>',
      'tcp/tls: take a partial line as a line after the user sends nothing for this long (for clients that send no line end); 0: wait for the line end',
      positiveInteger('number of milliseconds', 0),
      DEFAULTS.partialLineIdleMs,
    )
    .option('--cert <file>', 'tls: PEM certificate (default: an ephemeral self-signed one)')
    .option('--key <file>', 'tls: PEM private key of --cert')
    .option('--key-pass <source>', 'tls: passphrase of an encrypted --key: env:VAR, file:PATH or pass:TEXT (default: ask on the terminal)')
    .option('--keylog <file>', 'tls: append NSS key-log lines for Wireshark (default: $SSLKEYLOGFILE)')
    .option('--redis <url>', 'serve one room with every process given the same redis://HOST:PORT[/DB] and --room, on this machine or others')
    .option('--room <name>', `with --redis: the room's name (default ${DEFAULTS.room})`)
    .option('--pcap <file>', 'write what crosses every listener\'s sockets to one pcap file for Wireshark (no root needed)')
    .option('--json', 'NDJSON events on stdout (listening, connect, close, joined, left, summary; with --redis also redis_connected, redis_down, redis_up, redis_reclaimed...)')
    .addHelpText(
      'after',
      examples(
        'netlab chat serve',
        'netlab chat serve --tcp 1234 --tls 1235 --udp 1236 --ws 8080',
        'netlab chat serve --tcp 1234 --web 8081',
        'netlab chat serve --tls 1235 --cert cert.pem --key key.pem',
        'netlab chat serve --tcp 1234 --udp 1236 --max-udp-users 16',
        'netlab chat serve --tcp 1234 --redis redis://10.0.0.5:6379 --room class1',
        'netlab chat serve --tcp 1234 --tls 1235 --udp 1236 --pcap chat.pcap --keylog keys.log',
        'telnet 127.0.0.1 1234',
        'openssl s_client -quiet -connect 127.0.0.1:1235',
      ),
    )
    .action(async (flags: ServeFlags, command: Command) => serveChat(flags, command.getOptionValueSource('maxConns') !== 'default'));

  chat
    .command('join')
    .summary('join a chat room: say what you type, see what others say')
    .description(
      'Join a chat room: each line you type is said to the room, and what the others say is printed as it comes, above the line you are typing. ' +
        'Type !Q or /quit (or press Ctrl-D) to leave; /who lists the users.',
    )
    .argument('<host>', 'server host')
    .option('-p, --port <port>', 'server port', parsePort, DEFAULTS.chatPort)
    .option('-n, --nick <name>', 'your nickname (otherwise you are asked)')
    .option('--transport <name>', `one of ${TRANSPORT_NAMES.join(', ')}`, oneOf('transport', TRANSPORT_NAMES), 'tcp')
    .option(
      '--eol <eol>',
      `tcp/tls: what ends each line sent, one of ${CHAT_EOLS.join(', ')}; none: each line is sent as it is and each chunk received is printed on its own line (for servers that take every write as one message, like the Twisted lab's)`,
      oneOf('line end', CHAT_EOLS),
      'lf',
    )
    .option('--insecure', 'tls: do not verify the server certificate (lab use only)')
    .option('--ca <file>', 'tls: trust this PEM certificate/CA instead of the system store')
    .option('--servername <name>', 'tls: SNI name and the name the certificate must match')
    .option('--timeout <seconds>', 'connect timeout', parseSeconds, DEFAULTS.clientTimeoutSeconds)
    .addHelpText(
      'after',
      examples(
        'netlab chat join 127.0.0.1 -n alice',
        'netlab chat join 127.0.0.1 -p 1235 --transport tls --insecure -n bob',
        'netlab chat join 127.0.0.1 -p 8080 --transport ws -n carol',
        'netlab chat join 127.0.0.1 -p 8000 -n dave --eol none',
      ),
    )
    .action(async (host: string, flags: JoinFlags) => joinChat(host, flags));
}

/** @param explicitCap whether --max-conns was given (a default cap is fitted to `ulimit -n`, a given one only warned about) */
async function serveChat(flags: ServeFlags, explicitCap: boolean): Promise<void> {
  const out = new Output({ json: flags.json });
  const ports: Partial<Record<TransportName, number>> = { tcp: flags.tcp, tls: flags.tls, udp: flags.udp, ws: flags.ws };
  if (Object.values(ports).every((p) => p === undefined) && flags.web === undefined) ports.tcp = DEFAULTS.chatPort;
  if (flags.tls === undefined && (flags.cert !== undefined || flags.key !== undefined)) throw new UsageError('--cert and --key go with --tls PORT');
  if (flags.tls === undefined && flags.handshakeTimeout !== undefined) throw new UsageError('--handshake-timeout goes with --tls PORT');
  if (flags.room !== undefined && flags.redis === undefined) throw new UsageError('--room goes with --redis URL');
  // Keys and passphrases are checked before Redis is dialled: a bad --key leaves no link open behind it.
  const { tls, keylog } = ports.tls === undefined ? { tls: undefined, keylog: undefined } : tlsOptionsFrom(flags);
  const shared = flags.redis === undefined ? undefined : await sharedRoom(out, flags.redis, flags.room, flags.maxUsers);
  const chat = new ChatServer({
    room: shared?.room,
    maxUsers: flags.maxUsers,
    maxUdpUsers: flags.maxUdpUsers,
    linesPerSecond: flags.rateLimit,
    // The default pair is 20/s with bursts of 40: keep that shape for any rate.
    lineBurst: flags.rateLimit > 0 ? flags.rateLimit * 2 : undefined,
    partialLineIdleMs: flags.lineIdleMs,
  });
  let joined = 0;
  chat.on('joined', (nickname, session) => {
    joined += 1;
    if (out.json) out.event({ event: 'joined', nickname, transport: session.transport, peer: session.peer, time: new Date().toISOString() });
    else out.info(`${new Date().toISOString()} joined  ${nickname} (${session.transport} ${session.peer})`);
  });
  chat.on('left', (nickname, session) => {
    if (out.json) out.event({ event: 'left', nickname, transport: session.transport, peer: session.peer, time: new Date().toISOString() });
    else out.info(`${new Date().toISOString()} left    ${nickname} (${session.transport} ${session.peer})`);
  });
  chat.on('dropped', (session, error) => {
    if (out.json) out.event({ event: 'dropped', transport: session.transport, peer: session.peer, code: error.code, reason: error.message, time: new Date().toISOString() });
    else out.info(`${new Date().toISOString()} dropped ${session.transport} ${session.peer}: ${error.message}`);
  });
  // Each stream listener may hold --max-conns descriptors; the UDP one holds one whatever its users.
  const streamListeners = (['tcp', 'tls', 'ws'] as const).filter((name) => ports[name] !== undefined).length + (flags.web === undefined ? 0 : 1);
  const cap = streamListeners === 0 ? { maxConnections: flags.maxConns } : fitConnectionCap(flags.maxConns, explicitCap, streamListeners, openFileLimit());
  if (cap.warning !== undefined) (explicitCap ? out.warn(cap.warning) : out.note(cap.warning));
  const specs: ServeSpec[] = (Object.entries(ports) as [TransportName, number | undefined][])
    .filter((entry): entry is [TransportName, number] => entry[1] !== undefined)
    .map(([transport, port]) => ({
      transport,
      host: flags.host,
      port,
      protocol: chat.protocol,
      maxConnections: transport === 'udp' ? flags.maxConns : cap.maxConnections,
      idleTimeoutSeconds: transport === 'udp' ? flags.udpIdle : undefined,
      // A UDP user takes a connection seat only once it has sent a valid nickname.
      udpProof: transport === 'udp' ? ('protocol' as const) : undefined,
      handshakeTimeoutSeconds: transport === 'tls' ? flags.handshakeTimeout : undefined,
      tls: transport === 'tls' ? tls : undefined,
      // A WebSocket message is a line or a few: no need to accept 16 MiB ones.
      maxMessageBytes: transport === 'ws' ? DEFAULTS.chatMaxWebSocketMessageBytes : undefined,
    }));
  if (flags.web !== undefined) {
    // The page and its WebSocket share one port: a browser user is a ws user like any other.
    specs.push({
      transport: 'ws',
      host: flags.host,
      port: flags.web,
      protocol: chat.protocol,
      maxConnections: cap.maxConnections,
      maxMessageBytes: DEFAULTS.chatMaxWebSocketMessageBytes,
      http: chatPageHooks(),
    });
  }
  // Banners come in the order of specs: the last one is the page's when --web is given.
  let bannered = 0;
  const banner = (server: Server): string => {
    bannered += 1;
    if (flags.web !== undefined && bannered === specs.length) {
      return `chat page on http://${formatEndpoint(server.address)}/ (WebSocket on ${CHAT_WS_PATH}); Ctrl-C to stop`;
    }
    return `chat room listening on ${formatEndpoint(server.address)} (${server.transport}); Ctrl-C to stop`;
  };
  try {
    await serveUntilSignal(out, specs, {
      banner,
      insecureHint: (server) => `netlab chat join ${server.address.address} -p ${server.address.port} --transport tls --insecure`,
      pcap: flags.pcap,
      keylog,
      beforeClose: async () => {
        // The other nodes hear this node's users left, then the users here are told goodbye.
        await shared?.room.close();
        await chat.shutdown();
      },
      summary: () => ({ users_joined: joined }),
    });
  } finally {
    await shared?.link.close();
  }
}

/**
 * The room shared with every process on the same Redis URL and room name,
 * with its link's and bus's changes in the log.
 * @throws UsageError for a bad URL or room name (before any connection is tried)
 */
async function sharedRoom(out: Output, url: string, room: string | undefined, maxUsers: number): Promise<{ room: SharedRoom; link: RedisLink }> {
  const endpoint = parseRedisUrl(url, '--redis');
  const name = room === undefined ? DEFAULTS.room : roomName(room, '--room');
  const link = await openRedisLink({ url: endpoint });
  reportRedisLink(link, out, `room ${name}`);
  const bus = new RedisChatBus({ link, room: name });
  bus.on('reclaimed', (claimed, lost) => {
    if (out.json) out.event({ event: 'redis_reclaimed', room: name, claimed, lost, time: new Date().toISOString() });
    else out.info(`room ${name}: ${claimed} name(s) of this server's users claimed again${lost.length === 0 ? '' : `; taken meanwhile on another server, so those users were told and closed: ${lost.join(', ')}`}`);
  });
  bus.on('rosterRead', (users) => {
    if (out.json) out.event({ event: 'room_synced', room: name, other_users: users, time: new Date().toISOString() });
    else out.info(`room ${name}: ${users} user(s) on other servers`);
  });
  return { room: new SharedRoom({ bus, maxUsers }), link };
}

async function joinChat(host: string, flags: JoinFlags): Promise<void> {
  const { tls, keylog } = flags.transport === 'tls' ? tlsOptionsFrom(flags) : { tls: undefined, keylog: undefined };
  let session: Session;
  try {
    session = await connect({ transport: flags.transport, host, port: flags.port, tls, timeoutSeconds: flags.timeout });
  } catch (err) {
    keylog?.close();
    throw withServerHint(err, host, flags.port, 'a chat server', `netlab chat serve --${flags.transport} ${flags.port}`);
  }
  const out = new Output({});
  const framing = session.framing;
  out.note(`connected to ${session.peer} over ${session.transport}; type !Q or /quit (or Ctrl-D) to leave`);
  const send = (line: string): void => {
    session.write(typedLineBytes(line, flags.eol, framing));
  };
  if (flags.nick !== undefined) send(flags.nick);
  else if (session.transport === 'udp') out.note('UDP: type your nickname first');

  await new Promise<void>((resolve) => {
    let leaving = false;
    const leave = (): void => {
      if (leaving) return;
      leaving = true;
      // UDP has no close to wait for; streams and WebSocket close from the server side.
      if (session.transport === 'udp') setTimeout(() => session.end(), 50);
      else setTimeout(() => session.destroy(), DEFAULTS.chatCloseTimeoutMs).unref();
    };
    const console = new LineConsole({
      prompt: '',
      onLine: (line) => {
        if (leaving) return;
        send(line);
        if (line.trim() === '!Q' || line.trim() === '/quit') leave();
      },
      onClose: () => {
        // Ctrl-D: leave the room properly rather than just dropping.
        if (!leaving && !session.closed) send('!Q');
        leave();
      },
    });
    // What arrives is shown escaped: no control character reaches the terminal.
    const received = new ChatReceiver({
      mode: framing === 'message' ? 'messages' : flags.eol === 'none' ? 'chunks' : 'lines',
      onLine: (line) => console.print(line),
    });
    session.on('data', (chunk) => received.push(chunk));
    session.on('end', () => session.end());
    session.once('close', () => {
      received.finish();
      if (!leaving) out.note('the server closed the connection');
      console.close();
      keylog?.close();
      resolve();
    });
  });
}
