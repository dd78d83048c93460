/** `netlab connect <tcp|tls|udp|ws> HOST PORT`: an ncat/openssl s_client-style client. */
import type { Command } from 'commander';
import { connect } from '../../client/connect.js';
import { PcapTap } from '../../pcap/write/tap.js';
import { DEMO_SECRETS } from '../../client/demo-secrets.js';
import { exchange } from '../../client/exchange.js';
import { runInteractive } from '../../client/interactive.js';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { TRANSPORT_NAMES, transportFor } from '../../transports/registry.js';
import type { Session } from '../../transports/session.js';
import { StreamSession } from '../../transports/stream-session.js';
import { tlsDetails } from '../../transports/tls.js';
import { examples } from '../help.js';
import { collect, oneOf, parsePort, parseSeconds } from '../parse.js';
import { untilStopped } from '../signals.js';
import { rejectTlsFlags, tlsOptionsFrom, type TlsFlags } from '../tls-flags.js';

interface ConnectFlags extends TlsFlags {
  message?: string[];
  demoSecrets?: boolean;
  http?: string | true;
  timeout: number;
  verbose?: boolean;
  pcap?: string;
}

export function registerConnect(program: Command): void {
  program
    .command('connect')
    .summary('connect to a tcp, tls, udp or ws server (like ncat / openssl s_client)')
    .description(
      'Connect to a server. Without -m it is interactive like ncat: standard input goes to the peer and the peer to standard output ' +
        'until both are done (end of input, Ctrl-D, half-closes TCP/TLS). Over udp and ws each input line is one datagram/message.',
    )
    .argument('<transport>', `one of ${TRANSPORT_NAMES.join(', ')}`, oneOf('transport', TRANSPORT_NAMES))
    .argument('<host>', 'server name or address')
    .argument('<port>', 'server port', parsePort)
    .option('-m, --message <text>', 'send this line and print the answer, then exit (repeatable)', collect)
    .option('--demo-secrets', 'send sample sensitive lines (username, password, ssn, api_key) for the plaintext-vs-TLS lab')
    .option('--http [path]', 'send a raw HTTP/1.1 GET for PATH (default /) and print the response (tcp, tls)')
    .option('--timeout <seconds>', 'wait this long to connect and for each answer', parseSeconds, DEFAULTS.clientTimeoutSeconds)
    .option('--insecure', 'tls: do not verify the server certificate (lab use only)')
    .option('--ca <file>', 'tls: trust this PEM certificate/CA instead of the system store')
    .option('--servername <name>', 'tls: SNI and the name the certificate must carry (default: HOST)')
    .option('--keylog <file>', 'tls: append NSS key-log lines for Wireshark (default: $SSLKEYLOGFILE)')
    .option('--pcap <file>', 'write what crosses the socket to a pcap file for Wireshark (no root needed)')
    .option('-v, --verbose', 'print connection details (addresses, TLS version and cipher) to stderr')
    .addHelpText(
      'after',
      examples(
        'netlab connect tcp 127.0.0.1 5000',
        'netlab connect udp 127.0.0.1 5000 -m hello',
        'netlab connect tls localhost 5443 --ca cert.pem --demo-secrets',
        'netlab connect tls 127.0.0.1 5443 --insecure -v --keylog keys.log -m hi',
        'netlab connect tcp 127.0.0.1 8000 --http /index.html',
      ),
    )
    .action(async (transport: string, host: string, port: number, flags: ConnectFlags) => runConnect(transport, host, port, flags));
}

async function runConnect(transportName: string, host: string, port: number, flags: ConnectFlags): Promise<void> {
  const driver = transportFor(transportName);
  const oneShots = [flags.message !== undefined, flags.demoSecrets === true, flags.http !== undefined].filter(Boolean).length;
  if (oneShots > 1) throw new UsageError('choose one of -m, --demo-secrets and --http');
  if (flags.http !== undefined && driver.framing !== 'stream') throw new UsageError(`--http needs a stream transport (tcp or tls), not ${driver.name}`);
  if (driver.name !== 'tls') rejectTlsFlags(driver.name, flags);
  const { tls, keylog } = driver.name === 'tls' ? tlsOptionsFrom(flags) : { tls: undefined, keylog: undefined };
  const tap = flags.pcap === undefined ? undefined : new PcapTap(flags.pcap);

  try {
    const session = await connect({ transport: driver.name, host, port, tls, timeoutSeconds: flags.timeout, tap });
    if (flags.verbose === true) describeSession(session);
    const messages = flags.demoSecrets === true ? DEMO_SECRETS : flags.message;
    if (messages !== undefined) await sendMessages(session, messages, flags.timeout);
    else if (flags.http !== undefined) await httpGet(session, host, flags.http === true ? '/' : flags.http, flags.timeout);
    else {
      // Ctrl-C ends an interactive session cleanly (exit 0), like every long-running command.
      const stopper = new AbortController();
      void untilStopped(stopper.signal).then((why) => {
        if (why !== 'abort') session.destroy();
      });
      try {
        await runInteractive(session, { input: process.stdin, output: process.stdout, lingerSeconds: flags.timeout });
      } finally {
        stopper.abort();
      }
    }
  } finally {
    keylog?.close();
    if (tap !== undefined) {
      // Let the connection's last FINs reach the file before it is closed.
      await tap.whenIdle(1000);
      tap.close();
    }
  }
}

function describeSession(session: Session): void {
  process.stderr.write(`connected to ${session.peer} from ${session.local.address}:${session.local.port} over ${session.transport}\n`);
  const details = session instanceof StreamSession ? tlsDetails(session) : undefined;
  if (details !== undefined) {
    process.stderr.write(`${details.protocol ?? 'TLS'}, cipher ${details.cipher}`);
    process.stderr.write(details.peerFingerprint256 ? `, server certificate SHA-256 ${details.peerFingerprint256}\n` : '\n');
  }
}

async function sendMessages(session: Session, messages: readonly string[], timeoutSeconds: number): Promise<void> {
  try {
    await exchange(session, messages, {
      timeoutSeconds,
      onReply: (reply) => {
        process.stdout.write(reply);
        process.stdout.write('\n');
      },
    });
  } finally {
    session.end();
  }
}

/** A raw GET, as students type it into telnet: request line, Host, blank line. */
function httpGet(session: Session, host: string, path: string, timeoutSeconds: number): Promise<void> {
  const target = path.startsWith('/') || path === '*' ? path : `/${path}`;
  session.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: netlab\r\nConnection: close\r\n\r\n`));
  return new Promise<void>((resolve, reject) => {
    // A server that ignores "Connection: close" would leave us waiting: stop after a quiet spell.
    const timer = setTimeout(() => session.destroy(), timeoutSeconds * 1000);
    session.on('data', (chunk) => {
      timer.refresh();
      process.stdout.write(chunk);
    });
    session.once('end', () => session.end());
    session.once('close', ({ error }) => {
      clearTimeout(timer);
      if (error !== undefined) reject(error);
      else resolve();
    });
  });
}
