/**
 * The CLI contract: help on every command, --version, exit codes (0 ok,
 * 1 runtime, 2 usage), errors that teach, connection logs and totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { ndjson, RunningProcess, CLI, runCli, startServeCli } from '../helpers/cli.js';

const COMMANDS = ['serve', 'connect', 'cert', 'chat', 'im', 'scan', 'pcap', 'capture', 'bench', 'lab'];

test('--help works for the program and every command', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
  for (const command of COMMANDS) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^Usage: netlab ${command}`), command);
  }
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const result = await runCli(['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), pkg.version);
});

test('usage errors exit 2 with a one-line reason and a pointer to --help', async () => {
  const cases: [string[], RegExp][] = [
    [['serve', 'tcp', '-p', '70000'], /"70000" is not a port/],
    [['serve', 'tcp', '-p', 'http'], /"http" is not a port/],
    [['serve', 'quic'], /"quic" is not a transport/],
    [['serve', 'tcp', '--frobnicate'], /unknown option '--frobnicate'/],
    [['serve', 'tcp', '-m', 'shout'], /Allowed choices are echo, upper, rot13, reverse, reply/],
    [['serve', 'tcp', '-m', 'reply'], /needs the answer: --reply TEXT/],
    [['serve', 'tcp', '--max-conns', '0'], /not a valid connection count/],
    [['serve', 'tcp', '--cert', 'x.pem'], /--cert only applies to the tls transport/],
    [['connect', 'tcp', '127.0.0.1'], /missing required argument 'port'/],
    [['connect', 'udp', '127.0.0.1', '5000', '--http'], /--http needs a stream transport/],
    [['connect', 'tcp', '127.0.0.1', '5000', '--timeout', '-1'], /not a duration/],
    [['cert', '--ec', '--rsa'], /choose one of --ec and --rsa/],
    [['nonsense'], /unknown command 'nonsense'/],
    // Only the named command is loaded; a misspelt one still gets a suggestion.
    [['serv', 'tcp'], /unknown command 'serv'[\s\S]*Did you mean serve\?/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ];
  for (const [args, reason] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, reason, args.join(' '));
    assert.match(result.stderr, /--help/, args.join(' '));
    assert.equal(result.stdout, '', args.join(' '));
  }
});

async function closedTcpPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

test('connection refused is exit 1 with a hint to start a server', async () => {
  const port = await closedTcpPort();
  const result = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'hi']);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `netlab: connection refused by 127.0.0.1:${port} (ECONNREFUSED); is a server listening there? Start one with: netlab serve tcp --port ${port}\n`,
  );
});

test('UDP to a closed port is refused too (ICMP port unreachable)', async () => {
  const port = await closedTcpPort();
  const result = await runCli(['connect', 'udp', '127.0.0.1', String(port), '-m', 'hi']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /connection refused/);
});

test('a peer that never answers is exit 1 after --timeout', async (t) => {
  const silent = dgram.createSocket('udp4');
  silent.bind(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => silent.close());
  const result = await runCli(['connect', 'udp', '127.0.0.1', String(silent.address().port), '-m', 'anyone?', '--timeout', '0.3']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no answer from 127\.0\.0\.1:\d+ within 0\.3 s/);
});

test('serve --json logs connect and close events with traffic counters, and totals on SIGTERM', async () => {
  const { proc, port } = await startServeCli(['tcp', '-m', 'upper']);
  const result = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'abc', '-m', 'defg']);
  assert.equal(result.stdout, 'ABC\nDEFG\n');
  await proc.waitFor(/"event":"close"/, 10_000, 'stdout');
  const exit = await proc.stop('SIGTERM');
  assert.equal(exit.code, 0);
  const events = ndjson(proc.stdout);
  assert.deepEqual(events.map((e) => e.event), ['listening', 'connect', 'close', 'summary']);
  const [, connectEvent, closeEvent, summary] = events as Record<string, unknown>[];
  assert.equal(connectEvent?.transport, 'tcp');
  assert.match(String(connectEvent?.peer), /^127\.0\.0\.1:\d+$/);
  assert.ok(!Number.isNaN(Date.parse(String(connectEvent?.time))));
  assert.equal(closeEvent?.peer, connectEvent?.peer);
  assert.equal(closeEvent?.bytes_in, 9);
  assert.equal(closeEvent?.bytes_out, 9);
  assert.equal(closeEvent?.reads, 2);
  assert.equal(closeEvent?.writes, 2);
  assert.equal(typeof closeEvent?.duration_ms, 'number');
  assert.equal(summary?.connections, 1);
  assert.equal(summary?.bytes_in, 9);
  // --json keeps stdout pure JSON: the banner went to stderr.
  assert.match(proc.stderr, /tcp upper server listening on 127\.0\.0\.1:\d+/);
});

test('serve without --json prints a human log and totals on SIGINT', async () => {
  const proc = new RunningProcess(process.execPath, [CLI, 'serve', 'udp', '-p', '0', '-m', 'rot13']);
  const match = await proc.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 15_000, 'stdout');
  const result = await runCli(['connect', 'udp', '127.0.0.1', String(match[1]), '-m', 'hello']);
  assert.equal(result.stdout, 'uryyb\n');
  await proc.waitFor(/connect +udp 127\.0\.0\.1:\d+/, 10_000, 'stdout');
  const exit = await proc.stop('SIGINT');
  assert.equal(exit.code, 0);
  // A UDP peer's session ends with the server: its close line and the totals.
  assert.match(proc.stdout, /close +udp 127\.0\.0\.1:\d+ after \d+ ms: 5 B in, 5 B out, 1 reads, 1 writes/);
  assert.match(proc.stdout, /stopped \(SIGINT\): 1 connection \(0 refused\), 5 B in, 5 B out, 1 reads, 1 writes/);
});

test('interactive connect pipes stdin to the peer and exits 0 once both sides are done', async (t) => {
  for (const transport of ['tcp', 'tls', 'udp', 'ws'] as const) {
    const { proc, port } = await startServeCli([transport, '-m', 'upper']);
    t.after(() => proc.stop());
    const args = ['connect', transport, '127.0.0.1', String(port)];
    if (transport === 'tls') args.push('--insecure');
    const result = await runCli(args, { input: 'first line\nsecond line\n' });
    assert.equal(result.code, 0, `${transport}: ${result.stderr}`);
    assert.equal(result.stdout, 'FIRST LINE\nSECOND LINE\n', transport);
  }
});

test('connect --http sends a raw GET with a Host header and prints the response', async (t) => {
  const server = net.createServer((socket) => {
    let request = '';
    socket.on('data', (c) => {
      request += c.toString();
      if (request.includes('\r\n\r\n')) {
        const host = /\r\nHost: ([^\r]+)\r\n/.exec(request)?.[1] ?? '';
        const first = request.split('\r\n')[0];
        socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${first} for ${host}\n`);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const result = await runCli(['connect', 'tcp', 'localhost', String(port), '--http', '/index.html']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(result.stdout, /GET \/index\.html HTTP\/1\.1 for localhost\n$/);
});

test('connect --demo-secrets sends the sample secrets and prints the answers', async (t) => {
  const { proc, port } = await startServeCli(['tcp']);
  t.after(() => proc.stop());
  const result = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '--demo-secrets']);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0] as string, /^username=/);
  assert.match(lines[1] as string, /^password=/);
  assert.match(lines[2] as string, /^ssn=/);
  assert.match(lines[3] as string, /^api_key=/);
});

test('netlab lab --modes shows every transport and mode answering, then exits 0', async () => {
  const result = await runCli(['lab', '--modes', '--json'], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const answers = ndjson(result.stdout);
  assert.equal(answers.length, 20);
  const upperTls = answers.find((a) => a.transport === 'tls' && a.mode === 'upper');
  assert.equal(upperTls?.answer, String(upperTls?.sent).replace(/[a-z]/g, (c) => c.toUpperCase()));
});

test('Ctrl-C (SIGINT) ends an interactive connect cleanly with exit 0', async (t) => {
  const { proc, port } = await startServeCli(['tcp']);
  t.after(() => proc.stop());
  const client = new RunningProcess(process.execPath, [CLI, 'connect', 'tcp', '127.0.0.1', String(port)]);
  client.child.stdin.write('still typing\n');
  await client.waitFor(/still typing/, 10_000, 'stdout');
  const exit = await client.stop('SIGINT');
  assert.equal(exit.code, 0);
  await proc.waitFor(/"event":"close"/, 10_000, 'stdout');
});
