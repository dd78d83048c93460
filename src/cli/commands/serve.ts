/** `netlab serve <tcp|tls|udp|ws>`: the echo-family server with connection logging. */
import { Command, Option } from 'commander';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { ECHO_MODES, echoProtocol, type EchoMode } from '../../protocols/echo/echo.js';
import { fitConnectionCap, openFileLimit } from '../../server/descriptor-limit.js';
import { TRANSPORT_NAMES, transportFor } from '../../transports/registry.js';
import { formatEndpoint } from '../../util/endpoint.js';
import { examples } from '../help.js';
import { Output, paint } from '../output.js';
import { oneOf, parsePort, parseSeconds, positiveInteger } from '../parse.js';
import { serveUntilSignal, type ServeSpec } from '../serve-until-signal.js';
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
  // A UDP listener is one descriptor whatever its peers; stream sessions are one each.
  const cap = driver.connectionless ? { maxConnections: flags.maxConns } : fitConnectionCap(flags.maxConns, explicitCap, 1, openFileLimit());
  if (cap.warning !== undefined) (explicitCap ? out.warn(cap.warning) : out.note(cap.warning));
  const { tls, keylog } = driver.name === 'tls' ? tlsOptionsFrom(flags) : { tls: undefined, keylog: undefined };
  const spec: ServeSpec = {
    transport: driver.name,
    host: flags.host,
    port: flags.port,
    protocol: echoProtocol({ mode, reply: flags.reply, once: flags.once, maxLineBytes: flags.maxLine, partialLineIdleMs: flags.lineIdleMs }),
    maxConnections: cap.maxConnections,
    idleTimeoutSeconds: flags.idleTimeout,
    handshakeTimeoutSeconds: flags.handshakeTimeout,
    tls,
  };
  await serveUntilSignal(out, [spec], {
    banner: (server) => `netlab ${server.transport} ${mode} server listening on ${paint(process.stdout, 'bold', formatEndpoint(server.address))} (Ctrl-C to stop)`,
    listening: () => ({ mode }),
    insecureHint: (server) => `netlab connect tls ${server.address.address} ${server.address.port} --insecure`,
    announceTo: 'log',
    pcap: flags.pcap,
    keylog,
    summaryLabels: { transport: driver.name },
  });
}
