/** `netlab bench echo|handshake|chat`: the load generator. */
import { Command } from 'commander';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { runChatLoad, type ChatLoadOptions, type ChatLoadReport } from '../../load/chat-scenario.js';
import { runChatLoadInWorkers } from '../../load/chat-workers.js';
import { runEchoLoad, type EchoLoadOptions, type EchoLoadReport } from '../../load/echo-scenario.js';
import { runEchoLoadInWorkers, runHandshakeLoadInWorkers } from '../../load/workers.js';
import { HANDSHAKE_TLS_VERSIONS, runHandshakeLoad, type HandshakeLoadOptions, type HandshakeLoadReport, type HandshakeTlsVersion } from '../../load/handshake-scenario.js';
import { examples } from '../help.js';
import { readUserFile } from '../files.js';
import { LOAD_TRANSPORTS, type LoadTransport } from '../../load/links.js';
import type { LatencySummary } from '../../load/metrics.js';
import { Output } from '../output.js';
import { oneOf, parsePort, parseSeconds, positiveInteger } from '../parse.js';

interface EchoFlags {
  conns: number;
  size: number;
  duration: number;
  pipeline: number;
  timeout: number;
  workers: number;
  insecure?: boolean;
  servername?: string;
  json?: boolean;
}

interface HandshakeFlags {
  conns: number;
  duration: number;
  timeout: number;
  workers: number;
  insecure?: boolean;
  ca?: string;
  servername?: string;
  tlsVersion?: HandshakeTlsVersion;
  json?: boolean;
}

interface ChatFlags {
  clients: number;
  senders: number;
  rate?: number;
  inFlight?: number;
  workers: number;
  duration: number;
  alsoPort?: number[];
  json?: boolean;
}

/** `--also-port`, repeatable. */
function collectPorts(value: string, previous: number[] | undefined): number[] {
  return [...(previous ?? []), parsePort(value)];
}

/** Load CPU per process above which `bench handshake` says the client may be the limit. */
const LOAD_BOUND_PERCENT = 90;

/** Largest UDP payload over IPv4 (65535 - 8 UDP - 20 IP header bytes). */
const MAX_UDP_PAYLOAD = 65507;

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .summary('load generator: echo round trips, TLS handshakes and chat fan-out')
    .description('Load generator: round trips/s, MB/s, TLS handshakes/s and latency percentiles (HDR histogram) against an echo server, a TLS server or a chat room.')
    .addHelpText('after', examples('netlab bench echo tcp 127.0.0.1 5000 -c 50 -d 5', 'netlab bench handshake 127.0.0.1 5443 --insecure -c 50', 'netlab bench chat 127.0.0.1 1234 -c 100 --senders 10'));

  bench
    .command('echo')
    .summary('closed-loop echo load over tcp, tls, udp or ws')
    .description(
      'Opens CONNS connections and keeps PIPELINE messages of SIZE bytes in flight on each for SECONDS; ' +
        'reports round trips/s, MB/s (echoed bytes received, 10^6 bytes), latency p50/p99/p999/max in µs, errors and timeouts.',
    )
    .argument('<transport>', `one of ${LOAD_TRANSPORTS.join(', ')}`, oneOf('transport', LOAD_TRANSPORTS))
    .argument('<host>', 'server address')
    .argument('<port>', 'server port', parsePort)
    .option('-c, --conns <n>', 'concurrent connections', positiveInteger('connection count'), DEFAULTS.benchConnections)
    .option('-s, --size <bytes>', 'bytes per message', positiveInteger('message size'), DEFAULTS.benchMessageBytes)
    .option('-d, --duration <seconds>', 'how long to measure', parseSeconds, DEFAULTS.benchSeconds)
    .option('--pipeline <k>', 'messages in flight per connection (1: strict ping-pong)', positiveInteger('pipeline depth'), DEFAULTS.benchPipeline)
    .option('--timeout <seconds>', 'a reply later than this counts as a timeout', parseSeconds, DEFAULTS.benchReplyTimeoutSeconds)
    .option('--workers <n>', 'split the connections over this many load processes', positiveInteger('worker count'), 1)
    .option('--insecure', 'tls: do not verify the server certificate (lab use only)')
    .option('--servername <name>', 'tls: SNI name and the name the certificate must match')
    .option('--json', 'one JSON report on stdout')
    .addHelpText(
      'after',
      examples(
        'netlab bench echo tcp 127.0.0.1 5000 -c 50 -d 5',
        'netlab bench echo tcp 127.0.0.1 5000 -c 50 --pipeline 16 --json',
        'netlab bench echo tcp 127.0.0.1 5000 -c 1000 --workers 2',
        'netlab bench echo tls 127.0.0.1 5443 --insecure -s 16384',
      ),
    )
    .action(async (transport: LoadTransport, host: string, port: number, flags: EchoFlags) => benchEcho(transport, host, port, flags));

  bench
    .command('handshake')
    .summary('full TLS handshakes per second against any TLS server (like openssl s_time -new)')
    .description(
      'CONNS slots each loop for SECONDS: TCP connect, full TLS handshake (never resumed), close_notify and close. ' +
        'Reports handshakes/s, handshake latency p50/p99/p999/max in µs (connect to handshake done), errors and timeouts. ' +
        'The client side of a handshake costs CPU too: with one load process near 100 % of a CPU, add --workers.',
    )
    .argument('<host>', 'server address')
    .argument('<port>', 'server port', parsePort)
    .option('-c, --conns <n>', 'handshakes in flight at once', positiveInteger('connection count'), DEFAULTS.benchConnections)
    .option('-d, --duration <seconds>', 'how long to measure', parseSeconds, DEFAULTS.benchSeconds)
    .option('--timeout <seconds>', 'a handshake longer than this counts as a timeout', parseSeconds, DEFAULTS.benchReplyTimeoutSeconds)
    .option('--workers <n>', 'split the connections over this many load processes', positiveInteger('worker count'), 1)
    .option('--tls-version <version>', `pin the TLS version (${HANDSHAKE_TLS_VERSIONS.join(' or ')}; default: what the server picks)`, oneOf('TLS version', HANDSHAKE_TLS_VERSIONS))
    .option('--insecure', 'do not verify the server certificate (lab use only)')
    .option('--ca <file>', 'PEM CA certificate to trust for this server')
    .option('--servername <name>', 'SNI name and the name the certificate must match')
    .option('--json', 'one JSON report on stdout')
    .addHelpText(
      'after',
      examples(
        'netlab bench handshake 127.0.0.1 5443 --insecure -c 50 -d 5',
        'netlab bench handshake 127.0.0.1 5443 --insecure --tls-version 1.2 --json',
        'netlab bench handshake 127.0.0.1 5443 --ca cert.pem -c 100 --workers 2',
      ),
    )
    .action(async (host: string, port: number, flags: HandshakeFlags) => benchHandshake(host, port, flags));

  bench
    .command('chat')
    .summary('chat fan-out load against netlab chat serve (tcp)')
    .description(
      'CLIENTS users join the room; the first SENDERS send lines for SECONDS: RATE lines a second each (open loop), ' +
        'or with --in-flight K as fast as the room delivers them (closed loop: a sender sends its next line when one ' +
        'of its at most K lines in flight has been delivered to the "watcher", the last user this process joined). ' +
        'Reports sent and delivered lines/s (every line should reach CLIENTS-1 users) and delivery latency in µs. ' +
        'Start the server with `chat serve --rate-limit 0 --max-users N` for rates over 20 lines/s per sender.',
    )
    .argument('<host>', 'chat server address')
    .argument('<port>', 'chat server TCP port', parsePort)
    .requiredOption('-c, --clients <n>', 'users in the room (at least 2)', positiveInteger('client count', 2))
    .requiredOption('--senders <r>', 'how many of them send', positiveInteger('sender count'))
    .option('--rate <n>', `open loop: lines a second per sender (default ${DEFAULTS.benchChatRate}; the server throttles above 20 unless --rate-limit)`, positiveInteger('rate'))
    .option('--in-flight <k>', 'closed loop: lines each sender may have in flight', positiveInteger('in-flight count'))
    .option('-d, --duration <seconds>', 'how long to send', parseSeconds, DEFAULTS.benchSeconds)
    .option('--workers <n>', 'split the users (and senders) over this many load processes', positiveInteger('worker count'), 1)
    .option('--also-port <port>', 'another node of the same room (chat serve --redis) on HOST: users are spread over PORT and these in turn (repeatable)', collectPorts)
    .option('--json', 'one JSON report on stdout')
    .addHelpText(
      'after',
      examples(
        'netlab bench chat 127.0.0.1 1234 -c 100 --senders 10 --rate 5',
        'netlab bench chat 127.0.0.1 1234 --also-port 1235 -c 100 --senders 10 --in-flight 64',
        'netlab chat serve --tcp 1234 --rate-limit 0 --max-users 6000 --max-conns 6000',
        'netlab bench chat 127.0.0.1 1234 -c 500 --senders 10 --in-flight 64',
      ),
    )
    .action(async (host: string, port: number, flags: ChatFlags) => benchChat(host, port, flags));
}

async function benchEcho(transport: LoadTransport, host: string, port: number, flags: EchoFlags): Promise<void> {
  if (flags.size > DEFAULTS.benchMaxMessageBytes) throw new UsageError(`-s ${flags.size} is too large; at most ${DEFAULTS.benchMaxMessageBytes} bytes`);
  if (transport === 'udp' && flags.size > MAX_UDP_PAYLOAD) throw new UsageError(`-s ${flags.size} does not fit in one UDP datagram; at most ${MAX_UDP_PAYLOAD} bytes`);
  if (transport !== 'tls' && (flags.insecure === true || flags.servername !== undefined)) throw new UsageError('--insecure and --servername go with tls');
  if (flags.workers > flags.conns) throw new UsageError(`--workers ${flags.workers} is more than the ${flags.conns} connection(s); each worker needs one`);
  const out = new Output(flags);
  out.note(
    `bench echo ${transport} ${host}:${port}: ${flags.conns} connection(s), ${flags.size} B, pipeline ${flags.pipeline}, ${flags.duration} s` +
      (flags.workers > 1 ? `, ${flags.workers} workers` : ''),
  );
  const options: EchoLoadOptions = {
    transport,
    host,
    port,
    connectTimeoutMs: DEFAULTS.clientTimeoutSeconds * 1000,
    insecure: flags.insecure,
    servername: flags.servername,
    connections: flags.conns,
    size: flags.size,
    seconds: flags.duration,
    pipeline: flags.pipeline,
    replyTimeoutMs: flags.timeout * 1000,
  };
  const report = flags.workers > 1 ? await runEchoLoadInWorkers(options, flags.workers) : await runEchoLoad(options);
  if (out.json) out.event(report);
  else printEcho(out, report);
}

async function benchHandshake(host: string, port: number, flags: HandshakeFlags): Promise<void> {
  if (flags.workers > flags.conns) throw new UsageError(`--workers ${flags.workers} is more than the ${flags.conns} connection(s); each worker needs one`);
  if (flags.insecure === true && flags.ca !== undefined) throw new UsageError('--insecure and --ca contradict each other; give one');
  const out = new Output(flags);
  out.note(
    `bench handshake ${host}:${port}: ${flags.conns} at once, TLS ${flags.tlsVersion ?? '1.2 or 1.3'}, ${flags.duration} s` + (flags.workers > 1 ? `, ${flags.workers} workers` : ''),
  );
  const options: HandshakeLoadOptions = {
    host,
    port,
    connections: flags.conns,
    seconds: flags.duration,
    handshakeTimeoutMs: flags.timeout * 1000,
    insecure: flags.insecure,
    servername: flags.servername,
    // A string, not a Buffer: the options travel to --workers children as JSON.
    ...(flags.ca !== undefined ? { ca: readUserFile(flags.ca, '--ca').toString('utf8') } : {}),
    ...(flags.tlsVersion !== undefined ? { tlsVersion: flags.tlsVersion } : {}),
  };
  const report = flags.workers > 1 ? await runHandshakeLoadInWorkers(options, flags.workers) : await runHandshakeLoad(options);
  if (out.json) out.event(report);
  else printHandshake(out, report);
}

async function benchChat(host: string, port: number, flags: ChatFlags): Promise<void> {
  if (flags.senders > flags.clients) throw new UsageError(`--senders ${flags.senders} is more than the ${flags.clients} clients`);
  if (flags.rate !== undefined && flags.inFlight !== undefined) throw new UsageError('--rate (open loop) and --in-flight (closed loop) exclude each other');
  if (flags.workers * 2 > flags.clients) throw new UsageError(`--workers ${flags.workers} needs at least ${flags.workers * 2} clients (two users per worker)`);
  // Each worker's watcher must be one of its receivers: fewer senders than users in every worker.
  if (flags.inFlight !== undefined && Math.ceil(flags.senders / flags.workers) >= Math.floor(flags.clients / flags.workers)) {
    throw new UsageError(`--in-flight needs a receiver that does not send in every worker: use fewer --senders than clients per worker`);
  }
  const rate = flags.rate ?? DEFAULTS.benchChatRate;
  const out = new Output(flags);
  const how = flags.inFlight !== undefined ? `at most ${flags.inFlight} line(s) in flight each` : `${rate} lines/s each`;
  out.note(
    `bench chat ${host}:${port}: ${flags.clients} users, ${flags.senders} sending ${how}, ${flags.duration} s` + (flags.workers > 1 ? `, ${flags.workers} workers` : ''),
  );
  const options: ChatLoadOptions = {
    host,
    port,
    clients: flags.clients,
    senders: flags.senders,
    rate,
    inFlight: flags.inFlight,
    seconds: flags.duration,
    connectTimeoutMs: DEFAULTS.clientTimeoutSeconds * 1000,
    drainTimeoutMs: DEFAULTS.benchChatDrainSeconds * 1000,
    ...(flags.alsoPort !== undefined ? { alsoPorts: flags.alsoPort } : {}),
  };
  const report = flags.workers > 1 ? await runChatLoadInWorkers(options, flags.workers) : await runChatLoad(options);
  if (out.json) out.event(report);
  else printChat(out, report);
}

function latencyLine(l: LatencySummary): string {
  return `latency µs: p50 ${l.p50}  p99 ${l.p99}  p999 ${l.p999}  max ${l.max}  (mean ${l.mean})`;
}

function printEcho(out: Output, r: EchoLoadReport): void {
  out.info(`${r.round_trips} round trips in ${r.duration_s} s: ${r.round_trips_per_s} round trips/s, ${r.mb_per_s} MB/s`);
  out.info(latencyLine(r.latency_us));
  out.info(`bytes sent ${r.bytes_sent}, received ${r.bytes_received}; errors ${r.errors}, timeouts ${r.timeouts}`);
}

function printHandshake(out: Output, r: HandshakeLoadReport): void {
  out.info(`${r.handshakes} full handshakes in ${r.duration_s} s: ${r.handshakes_per_s} handshakes/s (${r.protocol ?? 'none completed'}${r.cipher !== null ? `, ${r.cipher}` : ''})`);
  out.info(`handshake ${latencyLine(r.latency_us)}`);
  out.info(`errors ${r.errors}, timeouts ${r.timeouts}`);
  const perWorker = r.load_cpu_percent / r.workers;
  out.info(
    `load CPU ${r.load_cpu_percent} % of one core${r.workers > 1 ? ` over ${r.workers} workers` : ''}` +
      (perWorker >= LOAD_BOUND_PERCENT ? ': the load generator may be the limit; try --workers (one per free CPU)' : ''),
  );
}

function printChat(out: Output, r: ChatLoadReport): void {
  out.info(`${r.sent} lines sent (${r.sent_per_s}/s), ${r.delivered} of ${r.expected_deliveries} deliveries (${r.delivered_per_s}/s), ${r.missing} missing`);
  out.info(`delivery ${latencyLine(r.latency_us)}`);
  out.info(`errors ${r.errors}, timeouts ${r.timeouts}`);
}
