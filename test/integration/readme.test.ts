/**
 * The README's examples against the CLI: every netlab command in its shell
 * blocks parses with today's flags, and the capture-analysis examples run as
 * written, from a copy of the repository's top directory, on the shipped
 * traces/ and the files `npm start` (netlab lab) writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_SECRETS } from '../../src/client/demo-secrets.js';
import { STATS_CSV_HEADER } from '../../src/cli/pcap/stats-output.js';
import { runCli } from '../helpers/cli.js';
import { parseError, shellWords } from '../helpers/parse-only.js';
import { tempDir } from '../helpers/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The netlab command lines of the README's ```sh blocks, comments removed, `sudo` dropped. */
function readmeCommands(): string[] {
  const lines: string[] = [];
  for (const block of README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const raw of block[1]!.split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').trim().replace(/^sudo /, '');
      if (line.startsWith('netlab ')) lines.push(line);
    }
  }
  return lines;
}

test("every netlab command in the README's shell blocks parses with the CLI's flags and arguments", async () => {
  const commands = readmeCommands();
  assert.ok(commands.length >= 40, `${commands.length} README commands found`);
  for (const line of commands) assert.equal(await parseError(shellWords(line).slice(1)), undefined, line);
});

test("the README's pcap examples work as written, in the top directory with traces/ and npm start's files", async (t) => {
  const pcapLines = readmeCommands().filter((l) => l.startsWith('netlab pcap '));
  const stats = pcapLines.find((l) => l.startsWith('netlab pcap stats traces/'));
  assert.equal(stats, 'netlab pcap stats traces/ --local 192.168.0.0/16 --csv stats.csv');
  const dir = tempDir(t);
  cpSync(join(ROOT, 'traces'), join(dir, 'traces'), { recursive: true });
  const lab = await runCli(['lab'], { cwd: dir, timeoutMs: 60_000 }); // what npm start runs
  assert.equal(lab.code, 0, lab.stderr);

  const results = new Map<string, Awaited<ReturnType<typeof runCli>>>();
  for (const line of pcapLines) {
    const result = await runCli(shellWords(line).slice(1), { cwd: dir });
    assert.equal(result.code, 0, `${line}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /warning|netlab:/, line);
    results.set(line, result);
  }
  assert.equal(pcapLines.length, 5, pcapLines.join('\n'));

  // One CSV row per file of traces/, each with packets both in and out.
  const csv = readFileSync(join(dir, 'stats.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], STATS_CSV_HEADER);
  assert.deepEqual(
    csv.slice(1).map((row) => row.split(',').slice(0, 5).join(',')),
    ['traces/tcpdump-dns_tcp.pcap,5,6,520,402', 'traces/tcpdump-dns_udp.pcap,1,1,266,98'],
  );
  assert.match(results.get(stats)!.stdout, /traces\/tcpdump-dns_udp\.pcap {2}\(pcap, Ethernet\)/);

  const packets = results.get('netlab pcap packets traces/tcpdump-dns_tcp.pcap')!.stdout.trimEnd().split('\n');
  assert.equal(packets.length, 11);
  assert.match(packets[0]!, /^ +1 +0\.000000 192\.168\.1\.11 → 209\.87\.249\.18 TCP 74 33779 → 53 \[SYN\]/);
  assert.match(results.get('netlab pcap follow traces/tcpdump-dns_tcp.pcap --list')!.stdout, /^ *0 {2}192\.168\.1\.11:33779 -> 209\.87\.249\.18:53 {2}11 packets/m);
  const decrypted = results.get('netlab pcap follow lab-tls.pcap --stream 0 --keylog lab-keys.log')!;
  for (const secret of DEMO_SECRETS) assert.ok(decrypted.stdout.includes(secret), `decrypted stream shows ${secret}`);

  const page = readFileSync(join(dir, 'lab-tls.html'), 'utf8');
  assert.match(page, /data-tls-version="TLS 1\.3" data-tls-status="decrypted"/, 'the report page shows the TLS stream decrypted');
});
