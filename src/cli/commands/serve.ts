/** `netlab serve <tcp|tls|udp|ws>`: the echo-family server with connection logging. */
import { Command, Option } from 'commander';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { ECHO_MODES, echoProtocol, type EchoMode } from '../../protocols/echo/echo.js';
import { PcapTap } from '../../pcap/write/tap.js';
import { fitConnectionCap, openFileLimit } from '../../server/descriptor-limit.js';
import { createServer, type Server } from '../../server/server.js';
import { TRANSPORT_NAMES, transportFor } from '../../transports/registry.js';
import { formatEndpoint } from '../../util/endpoint.js';
import { examples } from '../help.js';
import { Output, paint } from '../output.js';
import { oneOf, parsePort, parseSeconds, positiveInteger } from '../parse.js';
import { untilStopped } from '../signals.js';
import { describeTotals, describeTraffic, listeningEvent } from '../traffic-format.js';
import { rejectTlsFlags, tlsOptionsFrom, type TlsFlags } from '../tls-flags.js';

interface ServeFlags extends TlsFlags {
  port?: number;
  host: string;
  mode?: EchoMode;
  reply?: string;
  once?: boolean;
  maxConns: number;
  idleTimeout?: number;
  handshakeTimeout?: number;
  maxLine: number;
  lineIdleMs: number;
  json?: boolean;
  pcap?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .summary('run an echo-family server over tcp, tls, udp or ws')
    .description(
      'Run an echo-family server: echo (bytes back unchanged), upper, rot13, reverse (each line by character) or reply (a fixed answer). ' +
        'Logs every peer: connect time, address, and on close its duration, bytes and reads/writes. Ctrl-C prints totals.',
    )
    .argument('<transport>', `one of ${TRANSPORT_NAMES.join(', ')}`, oneOf('transport', TRANSPORT_NAMES))
    .option('-p, --port <port>', `port to listen on (default tcp ${DEFAULTS.ports.tcp}, tls ${DEFAULTS.ports.tls}, udp ${DEFAULTS.ports.udp}, ws ${DEFAULTS.ports.ws}; 0 picks a free one)`, parsePort)
    .option('--host <address>', 'address to listen on (0.0.0.0 or :: for every interface)', DEFAULTS.host)
    .addOption(new Option('-m, --mode <mode>', 'what to answer').choices(ECHO_MODES))
    .option('--reply <text>', 'the answer of reply mode (implies -m reply)')
    .option('--once', 'reply mode: close a connection after its first answer')
    .option('--max-conns <n>', 'sessions at once before new peers are refused', positiveInteger('connection count'), DEFAULTS.maxConnections)
    .option('--idle-timeout <seconds>', `close a session after this long without traffic (udp peers: ${DEFAULTS.udpPeerIdleSeconds} s by default)`, parseSeconds)
    .option('--handshake-timeout <seconds>', `tls: close a connection that has not finished its handshake by then (default ${DEFAULTS.tlsHandshakeTimeoutMs / 1000} s)`, parseSeconds)
    .option('--max-line <bytes>', 'longest line of the reverse and reply modes', positiveInteger('byte count'), DEFAULTS.maxLineBytes)
    .option(
      '--line-idle-ms <ms>',
      'reverse and reply over tcp/tls: answer a partial line after the peer sends nothing for this long (for clients that send no line end); 0: wait for the line end',
      positiveInteger('number of milliseconds', 0),
      DEFAULTS.partialLineIdleMs,
    )
    .option('--cert <file>', 'tls: PEM certificate (default: an ephemeral self-signed one)')
    .option('--key <file>', 'tls: PEM private key of --cert')
    .option('--key-pass <source>', 'tls: passphrase of an encrypted --key: env:VAR, file:PATH or pass:TEXT (default: ask on the terminal)')
    .option('--keylog <file>', 'tls: append NSS key-log lines for Wireshark (default: $SSLKEYLOGFILE)')
    .option('--pcap <file>', 'write what crosses every socket to a pcap file for Wireshark (no root needed)')
    .option('--json', 'NDJSON events on stdout (listening, connect, close, summary)')
    .addHelpText(
      'after',
      examples(
        'netlab serve tcp -p 5000',
        'netlab serve udp -m upper',
        'netlab serve tls --keylog keys.log --pcap server.pcap',
        'netlab serve tls --cert domain.crt --key domain.key --key-pass env:KEY_PASS',
        'netlab serve tcp -p 8000 -m reply --reply "HTTP/1.0 200 OK" --once',
      ),
    )
    .action(async (transport: string, flags: ServeFlags, command: Command) => serve(transport, flags, command.getOptionValueSource('maxConns') !== 'default'));
}

function resolveMode(flags: ServeFlags): EchoMode {
  const mode = flags.mode ?? (flags.reply !== undefined ? 'reply' : 'echo');
  if (mode === 'reply' && flags.reply === undefined) throw new UsageError('-m reply needs the answer: --reply TEXT');
  if (flags.reply !== undefined && mode !== 'reply') throw new UsageError(`--reply goes with -m reply, not -m ${mode}`);
  if (flags.once === true && mode !== 'reply') throw new UsageError('--once goes with -m reply');
  return mode;
}

/** @param explicitCap whether --max-conns was given (a default cap is fitted to `ulimit -n`, a given one only warned about) */
async function serve(transportName: string, flags: ServeFlags, explicitCap: boolean): Promise<void> {
  const driver = transportFor(transportName);
  const mode = resolveMode(flags);
  const out = new Output(flags);
  if (driver.name !== 'tls') rejectTlsFlags(driver.name, flags);
  if (driver.name !== 'tls' && flags.handshakeTimeout !== undefined) throw new UsageError(`--handshake-timeout only applies to the tls transport, not ${driver.name}`);
  const { tls, keylog } = driver.name === 'tls' ? tlsOptionsFrom(flags) : { tls: undefined, keylog: undefined };
  // A UDP listener is one descriptor whatever its peers; stream sessions are one each.
  const cap = driver.connectionless ? { maxConnections: flags.maxConns } : fitConnectionCap(flags.maxConns, explicitCap, 1, openFileLimit());
  if (cap.warning !== undefined) (explicitCap ? out.warn(cap.warning) : out.note(cap.warning));
  const tap = flags.pcap === undefined ? undefined : new PcapTap(flags.pcap);

  let server: Server;
  try {
    server = await createServer({
      transport: driver.name,
      host: flags.host,
      port: flags.port,
      protocol: echoProtocol({ mode, reply: flags.reply, once: flags.once, maxLineBytes: flags.maxLine, partialLineIdleMs: flags.lineIdleMs }),
      maxConnections: cap.maxConnections,
      idleTimeoutSeconds: flags.idleTimeout,
      handshakeTimeoutSeconds: flags.handshakeTimeout,
      tls,
      tap,
    });
  } catch (err) {
    keylog?.close();
    tap?.close();
    throw err;
  }

  server.on('traffic', (record) => (out.json ? out.event(record) : out.info(describeTraffic(record))));
  announce(out, server, mode, keylog?.path, tap?.path);

  const why = await untilStopped();
  await server.close();
  keylog?.close();
  tap?.close();
  const t = server.totals;
  if (out.json) out.event({ event: 'summary', transport: server.transport, signal: why, ...t });
  else out.info(describeTotals(why, t));
}

function announce(out: Output, server: Server, mode: EchoMode, keylogPath: string | undefined, pcapPath: string | undefined): void {
  const address = formatEndpoint(server.address);
  if (out.json) out.event(listeningEvent(server, { mode }));
  const say = (text: string): void => (out.json ? out.note(text) : out.info(text));
  say(`netlab ${server.transport} ${mode} server listening on ${paint(process.stdout, 'bold', address)} (Ctrl-C to stop)`);
  if (server.certificate !== undefined) {
    const kind = server.certificate.ephemeral ? 'ephemeral self-signed certificate' : 'certificate';
    say(`${kind}, SHA-256 fingerprint ${server.certificate.fingerprint256}`);
    if (server.certificate.ephemeral) say(`clients must skip verification: netlab connect tls ${server.address.address} ${server.address.port} --insecure`);
  }
  if (keylogPath !== undefined) say(`TLS keys are appended to ${keylogPath} (Wireshark: Preferences > Protocols > TLS > (Pre)-Master-Secret log filename)`);
  if (pcapPath !== undefined) say(`traffic is written to ${pcapPath} (open it with Wireshark, or: tshark -r ${pcapPath})`);
}

