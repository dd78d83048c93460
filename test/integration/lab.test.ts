/**
 * `netlab lab` (npm start): the plaintext-vs-TLS lab end to end, run as a
 * student would run it, its three views checked, its files opened by tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SECRETS } from '../../src/client/demo-secrets.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkComplaints, tsharkFrameCount } from '../helpers/tshark.js';
import { tsharkDecrypted } from '../helpers/tls-capture.js';

/** The text under each `== N. ... ==` heading. */
function sections(output: string): Map<string, string> {
  const parts = output.split(/^== (\d)\. .*==$/m);
  const map = new Map<string, string>();
  for (let i = 1; i + 1 < parts.length; i += 2) map.set(parts[i] as string, parts[i + 1] as string);
  return map;
}

for (const mode of ['socket tap', 'live capture'] as const) {
  test(`lab (${mode}): secrets readable on TCP, absent from TLS ciphertext, readable again once decrypted`, async (t) => {
    const dir = tempDir(t);
    const args = ['lab', '--out', dir, ...(mode === 'live capture' ? ['--capture'] : [])];
    const result = await runCli(args, { timeoutMs: 60_000, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const views = sections(result.stdout);
    assert.deepEqual([...views.keys()], ['1', '2', '3']);
    for (const secret of DEMO_SECRETS) {
      assert.ok(views.get('1')?.includes(secret), `TCP view shows ${secret}`);
      assert.ok(!views.get('2')?.includes(secret), `TLS view hides ${secret}`);
      assert.ok(views.get('3')?.includes(secret), `decrypted view shows ${secret}`);
    }
    assert.match(views.get('2') ?? '', /None of the secrets appears anywhere in these bytes/);
    assert.match(views.get('3') ?? '', /TLS 1\.3 TLS_\w+: decrypted/);
    assert.match(result.stdout, /Pre\)-Master-Secret log/);

    const files = ['lab-tcp.pcap', 'lab-tls.pcap', 'lab-keys.log'].map((f) => join(dir, f));
    for (const f of files) assert.ok(existsSync(f), f);
    for (const f of files.slice(0, 2)) {
      // A real loopback capture has the kernel's unfilled (offloaded) checksums;
      // the tap's synthesised frames must be flawless.
      if (mode === 'socket tap') assert.equal(await tsharkComplaints(f), '', f);
      else assert.ok((await tsharkFrameCount(f)) >= 10, f);
    }
    const decrypted = (await tsharkDecrypted(files[1] as string, files[2] as string)).toString();
    for (const secret of DEMO_SECRETS) assert.ok(decrypted.includes(secret), `tshark decrypts ${secret} too`);
  });
}

test('lab writes into the current directory by default, as npm start does', async (t) => {
  const dir = tempDir(t);
  const result = await runCli(['lab'], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  for (const f of ['lab-tcp.pcap', 'lab-tls.pcap', 'lab-keys.log']) assert.ok(existsSync(join(dir, f)), f);
});

test("lab's closing hints decrypt the TLS capture: the netlab hint runs as printed and shows the secrets", async (t) => {
  const dir = tempDir(t);
  const result = await runCli(['lab'], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const from = result.stdout.indexOf('== Look at it yourself ==');
  const next = result.stdout.indexOf('\n== ', from);
  const hints = result.stdout.slice(from, next === -1 ? undefined : next);
  assert.match(hints, /wireshark -o tls\.keylog_file:\S*lab-keys\.log \S*lab-tls\.pcap/);
  const last = hints.trimEnd().split('\n').at(-1)!.trim();
  assert.equal(last, 'netlab pcap follow lab-tls.pcap --stream 0 --keylog lab-keys.log');
  const follow = await runCli(last.split(' ').slice(1), { cwd: dir });
  assert.equal(follow.code, 0, follow.stderr);
  for (const secret of DEMO_SECRETS) assert.ok(follow.stdout.includes(secret), `the hint shows ${secret}`);
  assert.match(follow.stderr, /stream 0: TLS 1\.3 \S+: decrypted/);
});
