/**
 * netlab connect tls <-> netlab serve tls --keylog, captured on loopback:
 * the lab's own peers decrypt to what was sent and what was echoed, the same
 * as tshark decrypts. Needs dist/ (npm run build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, RunningProcess, runCli, runProcess } from '../../../helpers/cli.js';
import { tempDir } from '../../../helpers/temp.js';
import { clientPortOf, followRaw, startCapture, stopCapture, tsharkDecrypted } from '../../../helpers/tls-capture.js';
import { decryptTlsStreams, parseKeyLog } from '../../../../src/pcap/tls/index.js';

test('netlab connect tls -> netlab serve tls: decrypted both ways, as tshark does', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-tls-self-');
  const keys = join(dir, 'keys.log');
  const pcap = join(dir, 'netlab.pcap');
  const server = new RunningProcess(process.execPath, [CLI, 'serve', 'tls', '-p', '0', '--json', '--keylog', keys]);
  t.after(() => server.stop('SIGKILL', 5_000));
  await server.waitFor(/"event":"listening"/, 20_000, 'stdout');
  const port = Number(/"address":"127\.0\.0\.1:(\d+)"/.exec(server.stdout)?.[1]);
  assert.ok(port > 0, server.stdout);

  const capture = await startCapture(pcap, port);
  const lines = ['username=alice', 'password=hunter2', 'ssn=078-05-1120'];
  let result;
  try {
    result = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', ...lines.flatMap((l) => ['-m', l])], { timeoutMs: 30_000 });
  } finally {
    await server.stop('SIGINT');
    await stopCapture(capture, pcap);
  }
  assert.equal(result.code, 0, result.stderr);
  const expected = lines.map((l) => `${l}\n`).join('');

  const streams = await followRaw(pcap);
  const { summary, data } = decryptTlsStreams(streams.client, streams.server, parseKeyLog(readFileSync(keys)));
  const text = (d: 'client' | 'server'): string => Buffer.concat(data.filter((e) => e.direction === d).map((e) => e.data)).toString('utf8');
  const listing = async (): Promise<string> => (await runProcess('tshark', ['-r', pcap])).stdout;
  assert.equal(summary.status, 'decrypted', `${summary.reason ?? ''}\n${await listing()}\nserver: ${server.stdout}`);
  assert.equal(summary.version, 'TLS 1.3');
  assert.equal(text('client'), expected);
  assert.equal(text('server'), expected, 'the echo server answered the same bytes');
  assert.equal((await tsharkDecrypted(pcap, keys, await clientPortOf(pcap))).toString('utf8'), expected);
  assert.equal((await tsharkDecrypted(pcap, keys, port)).toString('utf8'), expected);
});
