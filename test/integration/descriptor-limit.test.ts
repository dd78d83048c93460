/**
 * The default --max-conns fitted to the open-file limit (issue 14 item 9):
 * under `prlimit --nofile=256:256` the server says it lowered the cap, and
 * peers past it get "server is full" rather than failed accepts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CLI, ndjson, RunningProcess, runProcess } from '../helpers/cli.js';
import { fitConnectionCap, openFileLimit } from '../../src/server/descriptor-limit.js';

const LIMIT = 256;
/** 256 less DEFAULTS.descriptorReserve (64). */
const FITS = 192;

function limited(args: string[]): RunningProcess {
  return new RunningProcess('prlimit', [`--nofile=${LIMIT}:${LIMIT}`, process.execPath, CLI, ...args]);
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Peer {
  socket: net.Socket;
  received: string;
  closed: boolean;
}

async function peer(t: TestContext, port: number): Promise<Peer> {
  const p: Peer = { socket: net.connect({ host: '127.0.0.1', port }), received: '', closed: false };
  p.socket.setEncoding('utf8');
  p.socket.on('data', (c: string) => (p.received += c));
  p.socket.on('error', () => undefined);
  p.socket.on('close', () => (p.closed = true));
  t.after(() => p.socket.destroy());
  await new Promise<void>((resolve) => {
    p.socket.once('connect', resolve);
    p.socket.once('close', resolve);
  });
  return p;
}

test('Node raises the soft open-file limit to the hard one, and openFileLimit() reads it', async () => {
  const result = await runProcess('prlimit', ['--nofile=1024:4096', process.execPath, '-e', "process.stdout.write(require('fs').readFileSync('/proc/self/limits','utf8'))"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(openFileLimit(result.stdout), 4096);
  assert.equal(openFileLimit('Max open files            unlimited            unlimited            files\n'), undefined);
  assert.equal(openFileLimit('no such line\n'), undefined);
  assert.equal(typeof openFileLimit(), 'number');
});

test('fitConnectionCap: a default that fits is kept, one that does not is lowered, an explicit one is kept with a warning', () => {
  assert.deepEqual(fitConnectionCap(1024, false, 1, 4096), { maxConnections: 1024 });
  assert.deepEqual(fitConnectionCap(1024, false, 1, undefined), { maxConnections: 1024 });
  const lowered = fitConnectionCap(1024, false, 1, 1024);
  assert.equal(lowered.maxConnections, 960);
  assert.equal(lowered.warning, '--max-conns lowered to 960: this process may open only 1024 files (ulimit -n)');
  assert.equal(fitConnectionCap(1024, false, 3, 1024).maxConnections, 320, 'three stream listeners share the limit');
  const explicit = fitConnectionCap(1000, true, 1, 256);
  assert.equal(explicit.maxConnections, 1000);
  assert.match(explicit.warning ?? '', /--max-conns 1000 does not fit: this process may open only 256 files/);
  assert.deepEqual(fitConnectionCap(5, false, 1, 100), { maxConnections: 5 }, 'a small cap that fits is kept');
  assert.equal(fitConnectionCap(1024, false, 1, 10).maxConnections, 1, 'at least one');
});

test(`serve tcp under ulimit -n ${LIMIT}: the default cap is lowered to ${FITS}, and 300 peers get sessions or "server is full", no failed accepts`, async (t) => {
  const proc = limited(['serve', 'tcp', '-p', '0', '--json']);
  t.after(() => proc.stop('SIGKILL'));
  const port = Number((await proc.waitFor(/"event":"listening".*"address":"127\.0\.0\.1:(\d+)"/, 15_000, 'stdout'))[1]);
  // stderr is a pipe of its own: wait for it rather than assume it came before stdout.
  await proc.waitFor(new RegExp(`--max-conns lowered to ${FITS}: this process may open only ${LIMIT} files \\(ulimit -n\\)`), 5000, 'stderr');

  const peers: Peer[] = [];
  for (let i = 0; i < 300; i += 1) peers.push(await peer(t, port));
  const full = (p: Peer): boolean => p.received.startsWith(`error: server is full (${FITS} connections`);
  await until('every peer over the cap told', () => peers.filter(full).length === 300 - FITS);
  // The seated ones are served: an echo from each of the first few.
  for (const p of peers.slice(0, 5)) p.socket.write('ping\n');
  await until('echoes', () => peers.slice(0, 5).every((p) => p.received === 'ping\n'));
  assert.equal(peers.filter((p) => p.closed && !full(p)).length, 0, 'no peer dropped without a word');

  for (const p of peers) p.socket.destroy();
  const exit = await proc.stop();
  assert.equal(exit.code, 0, proc.stderr);
  const records = ndjson(proc.stdout);
  assert.equal(records.filter((r) => r.event === 'peer_error').length, 0, 'no failed accept (EMFILE)');
  assert.equal(records.filter((r) => r.event === 'refused').length, 300 - FITS);
  assert.equal(records.filter((r) => r.event === 'connect').length, FITS);
});

test(`serve tcp under ulimit -n ${LIMIT}: an explicit --max-conns that does not fit is kept, with a warning`, async (t) => {
  const proc = limited(['serve', 'tcp', '-p', '0', '--json', '--max-conns', '1000']);
  t.after(() => proc.stop('SIGKILL'));
  await proc.waitFor(/"event":"listening"/, 15_000, 'stdout');
  await proc.waitFor(/warning: --max-conns 1000 does not fit: this process may open only 256 files \(ulimit -n\)/, 5000, 'stderr');
  assert.doesNotMatch(proc.stderr, /lowered/);
  const exit = await proc.stop();
  assert.equal(exit.code, 0);
});

test(`chat serve under ulimit -n ${LIMIT}: the cap is shared by its stream listeners, and UDP costs none`, async (t) => {
  const proc = limited(['chat', 'serve', '--tcp', '0', '--ws', '0', '--udp', '0', '--json']);
  t.after(() => proc.stop('SIGKILL'));
  await proc.waitFor(/"event":"listening"(.|\n)*"event":"listening"(.|\n)*"event":"listening"/, 15_000, 'stdout');
  await proc.waitFor(/--max-conns lowered to 96: this process may open only 256 files/, 5000, 'stderr');
  const exit = await proc.stop();
  assert.equal(exit.code, 0);
});
