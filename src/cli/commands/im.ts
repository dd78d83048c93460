/**
 * `netlab im serve` (the blind relay) and `netlab im join` (the client with
 * the course's flags -s -p -n -c -a, plus --suite etm).
 */
import type { Command } from 'commander';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { createImCipher, type ImMacOver, type ImSuite } from '../../protocols/im/crypto.js';
import { imNicknameProblem } from '../../protocols/im/nickname.js';
import { escapeControls } from '../../util/terminal-text.js';
import { ImClient } from '../../protocols/im/client.js';
import { ImRelay } from '../../protocols/im/relay.js';
import { RedisRelayBus } from '../../redis/im-relay-bus.js';
import { openRedisLink, type RedisLink } from '../../redis/link.js';
import { parseRedisUrl } from '../../redis/url.js';
import { roomName } from '../../redis/room-name.js';
import { reportRedisLink } from '../redis-log.js';
import { examples } from '../help.js';
import { withServerHint } from '../refused-hint.js';
import { LineConsole } from '../line-console.js';
import { Output } from '../output.js';
import { oneOf, parsePort, positiveInteger } from '../parse.js';
import { serveUntilSignal } from '../serve-until-signal.js';
import { formatEndpoint } from '../../util/endpoint.js';

interface ServeFlags {
  port: number;
  host: string;
  maxFrame: number;
  maxConns: number;
  redis?: string;
  room: string;
  json?: boolean;
  pcap?: string;
}

interface JoinFlags {
  server: string;
  port: number;
  nickname: string;
  confkey?: string;
  authkey?: string;
  suite: ImSuite;
  macOver: ImMacOver;
  maxFrame: number;
  json?: boolean;
}

export function registerIm(program: Command): void {
  const im = program
    .command('im')
    .summary('instant messaging over Protocol Buffers: a blind relay and a client')
    .description('Protocol Buffers instant messaging, as in the course lab: a blind relay (im serve) and a client (im join), plain or encrypted.')
    .addHelpText('after', examples('netlab im serve -p 9999', 'netlab im join -s 127.0.0.1 -p 9999 -n alice -c confkey -a authkey'));

  im.command('serve')
    .summary('relay every length-prefixed frame to every other client')
    .description(
      'Relay every frame (a 4-byte big-endian length, then that many bytes) to every other connected client, unchanged: ' +
        'the relay never needs the keys. A frame longer than --max-frame, or a length that cannot be one, disconnects its sender only. ' +
        'Ctrl-C stops the relay and prints the totals.',
    )
    .option('-p, --port <port>', 'TCP port to listen on', parsePort, DEFAULTS.imPort)
    .option('--host <host>', 'address to listen on', DEFAULTS.host)
    .option('--max-frame <bytes>', 'largest frame relayed; a longer one disconnects its sender', positiveInteger('frame size'), DEFAULTS.maxFrameBytes)
    .option('--max-conns <n>', 'clients at once before new ones are refused', positiveInteger('connection count'), DEFAULTS.maxConnections)
    .option('--redis <url>', 'share one relay with every im serve on this Redis (redis://HOST:PORT[/DB]) and --room')
    .option('--room <name>', 'with --redis: which relay of that Redis to serve', DEFAULTS.room)
    .option('--pcap <file>', 'write every frame as it crossed the sockets to a pcap file for Wireshark (no root needed)')
    .option('--json', 'connection log as NDJSON events on stdout')
    .addHelpText(
      'after',
      examples('netlab im serve', 'netlab im serve -p 9999 --max-frame 4096 --json', 'netlab im serve -p 9999 --pcap im.pcap', 'netlab im serve -p 9999 --redis redis://127.0.0.1:6379 --room lab1'),
    )
    .action(async (flags: ServeFlags) => {
      const out = new Output({ json: flags.json });
      // Checked before anything starts: a bad URL is a usage error, not a reconnect loop.
      const endpoint = flags.redis === undefined ? undefined : parseRedisUrl(flags.redis, '--redis');
      const room = roomName(flags.room, '--room');
      let link: RedisLink | undefined;
      if (endpoint !== undefined) {
        link = await openRedisLink({ url: endpoint });
        reportRedisLink(link, out, `IM relay ${room}`);
      }
      const bus = link === undefined ? undefined : new RedisRelayBus(link, room);
      const relay = new ImRelay({ maxFrameBytes: flags.maxFrame, bus });
      relay.on('dropped', (session, error) => {
        if (out.json) out.event({ event: 'dropped', transport: session.transport, peer: session.peer, code: error.code, reason: error.message, time: new Date().toISOString() });
        else out.info(`dropped ${session.peer}: ${error.message}`);
      });
      await serveUntilSignal(
        out,
        [{ transport: 'tcp', host: flags.host, port: flags.port, protocol: relay.protocol, maxConnections: flags.maxConns }],
        {
          banner: (server) =>
            `IM relay listening on ${formatEndpoint(server.address)} (tcp, max frame ${flags.maxFrame} bytes` +
            `${endpoint === undefined ? '' : `, room ${room} on Redis at ${endpoint.label}`}); Ctrl-C to stop`,
          pcap: flags.pcap,
          summary: (): Record<string, number> => {
            const s = relay.stats;
            if (link === undefined) return { frames_in: s.framesIn, frames_out: s.framesOut };
            const l = link.stats;
            return {
              frames_in: s.framesIn,
              frames_out: s.framesOut,
              frames_from_nodes: s.framesFromNodes,
              frames_refused_from_nodes: s.framesRefusedFromNodes,
              frames_to_nodes: l.sentRecords,
              frames_not_sent_to_nodes: l.droppedRecords,
            };
          },
          beforeClose: () => link?.close(),
        },
      ).catch(async (err: unknown) => {
        await link?.close();
        throw err;
      });
    });

  im.command('join')
    .summary('join an IM relay: each line typed is sent, each message received printed')
    .description(
      'Join an IM relay: each line you type is sent, and each message received is printed as NICK: TEXT. ' +
        'Press Ctrl-D (end of input) or Ctrl-C to leave.\n\n' +
        'Framing: every message on the wire is a 4-byte big-endian length, then that many bytes of protobuf (proto2).\n\n' +
        'Plain mode (no keys): the protobuf is a Message {nickname = 1, message = 2}.\n\n' +
        'Encrypted mode (-c CONFKEY and -a AUTHKEY, the course clients\' flags): the protobuf is an EncryptedPackage of the course\'s ' +
        'encrypted_package.proto, AES-256-CBC with HMAC-SHA256, keys the SHA-256 of -c and -a; both ends need the same two keys. ' +
        'A message that fails to decrypt or authenticate is one notice, never a crash. --suite etm is a hardened variant ' +
        '(encrypt-then-MAC, HKDF keys, replay protection) that only netlab speaks.',
    )
    .requiredOption('-s, --server <host>', 'relay host')
    .option('-p, --port <port>', 'relay port', parsePort, DEFAULTS.imPort)
    .requiredOption('-n, --nickname <nick>', 'your nickname')
    .option('-c, --confkey <key>', 'confidentiality key (encrypted mode; needs -a too)')
    .option('-a, --authkey <key>', 'authenticity key (encrypted mode; needs -c too)')
    .option('--suite <suite>', 'encrypted mode: course (wire-compatible with the course clients) or etm (hardened)', oneOf('suite', ['course', 'etm'] as const), 'course')
    .option('--mac-over <what>', 'course suite: what the MAC of sent messages covers, im (the IM bytes) or padded (PKCS#7(IM bytes, 16)); both are accepted on receipt', oneOf('MAC kind', ['im', 'padded'] as const), 'im')
    .option('--max-frame <bytes>', 'largest frame accepted from the relay', positiveInteger('frame size'), DEFAULTS.maxFrameBytes)
    .option('--json', 'print received messages as NDJSON events')
    .addHelpText(
      'after',
      examples(
        'netlab im join -s 127.0.0.1 -n alice',
        'netlab im join -s 127.0.0.1 -p 9999 -n bob -c confkey -a authkey',
        'netlab im join -s 127.0.0.1 -p 9999 -n bob -c confkey -a authkey --suite etm',
        'netlab im join -s 127.0.0.1 -p 9999 -n bob -c confkey -a authkey --mac-over padded',
      ),
    )
    .action(async (flags: JoinFlags) => {
      if ((flags.confkey === undefined) !== (flags.authkey === undefined)) {
        throw new UsageError('the encrypted mode needs both keys: -c CONFKEY and -a AUTHKEY');
      }
      if (flags.suite === 'etm' && flags.confkey === undefined) throw new UsageError('--suite etm is an encrypted mode: give -c CONFKEY and -a AUTHKEY too');
      const nicknameProblem = imNicknameProblem(flags.nickname);
      if (nicknameProblem !== undefined) throw new UsageError(`-n ${JSON.stringify(flags.nickname)}: ${nicknameProblem}`);
      const out = new Output({ json: flags.json });
      const cipher = createImCipher({ confidentialityKey: flags.confkey, authenticityKey: flags.authkey, suite: flags.suite, macOver: flags.macOver });
      const client = await ImClient.connect({ host: flags.server, port: flags.port, nickname: flags.nickname, cipher, maxFrameBytes: flags.maxFrame }).catch((err: unknown) => {
        throw withServerHint(err, flags.server, flags.port, 'an IM relay', `netlab im serve -p ${flags.port}`);
      });
      out.note(`connected to ${client.session.peer} as ${flags.nickname} (${cipher.suite === 'plain' ? 'plain' : `encrypted, ${cipher.suite}`}); Ctrl-D to leave`);
      await new Promise<void>((resolve, reject) => {
        let leaving = false;
        const console = new LineConsole({
          onLine: (line) => {
            if (line.length > 0) client.send(line);
          },
          onClose: () => {
            leaving = true;
            client.end();
          },
        });
        const show = (line: string, record: Record<string, unknown>): void => {
          if (out.json) out.event(record);
          else console.print(line);
        };
        // Peer text never drives the terminal: CR, LF, ESC... are shown as \xHH,
        // so a message cannot forge a line or retitle the window.
        client.on('message', (m) => show(`${escapeControls(m.nickname)}: ${escapeControls(m.message)}`, { event: 'message', nickname: m.nickname, message: m.message }));
        client.on('notice', (text) => show(text, { event: 'notice', notice: text }));
        client.once('close', (error) => {
          if (!leaving && error === undefined) out.note('the relay closed the connection');
          console.close();
          if (error !== undefined) reject(error);
          else resolve();
        });
      });
    });
}
