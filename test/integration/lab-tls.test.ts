/**
 * `netlab lab tls` through the framework: its --json facts (the packets that
 * carry each secret, the TLS records, the decrypted records) checked against
 * tshark's reading of the captures, with the key log for the decrypted ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEMO_SECRETS } from '../../src/client/demo-secrets.js';
import { runCli } from '../helpers/cli.js';
import { checkPacketFacts, checkTextPackets, runLabJson, textHeadings, type LabDoc, withReportPages } from '../helpers/lab-facts.js';
import { tempDir } from '../helpers/temp.js';

function checkTlsLab(doc: LabDoc, dir: string): void {
  const [tcpPcap, tlsPcap, keyLog] = ['lab-tcp.pcap', 'lab-tls.pcap', 'lab-keys.log'].map((f) => join(dir, f)) as [string, string, string];
  assert.deepEqual([...doc.files].sort(), [...withReportPages([tcpPcap, tlsPcap]), keyLog].sort());
  const frames = checkPacketFacts(doc, dir, { [tlsPcap]: keyLog });
  const [plain, cipher, decrypted] = doc.sections;
  // Section 1 names the packet of each secret; tshark reads the secret in that packet's payload.
  assert.deepEqual(plain!.facts.filter((f) => 'secret' in f).map((f) => f.secret), [...DEMO_SECRETS]);
  assert.equal(plain!.facts.find((f) => 'readable_secrets' in f)?.readable_secrets, DEMO_SECRETS.length);
  // Section 2: every packet with a payload is listed, none readable, no secret in the text.
  const tlsFrames = [...frames.get(tlsPcap)!.values()];
  const listed = cipher!.facts.filter((f) => f.capture === tlsPcap).map((f) => f.packet);
  assert.deepEqual(listed, tlsFrames.filter((f) => f.payloadLength > 0).map((f) => f.number));
  assert.ok(cipher!.facts.filter((f) => f.capture === tlsPcap).every((f) => f.readable === false), 'no TLS packet reads as text');
  assert.equal(cipher!.facts.find((f) => 'secrets_found' in f)?.secrets_found, 0);
  for (const secret of DEMO_SECRETS) assert.ok(!cipher!.text.includes(secret), `section 2 hides ${secret}`);
  // Section 3: each secret found in a record tshark decrypts in the same packet.
  assert.deepEqual(decrypted!.facts.filter((f) => 'secret' in f).map((f) => f.secret), [...DEMO_SECRETS]);
  assert.equal(decrypted!.facts.find((f) => 'status' in f)?.status, 'decrypted');
}

for (const mode of ['socket tap', 'live capture'] as const) {
  test(`lab tls --json (${mode}): the secret packets, the TLS records and the decrypted records, as tshark reads them`, async (t) => {
    const dir = tempDir(t);
    const { doc } = await runLabJson(['tls', ...(mode === 'live capture' ? ['--capture'] : [])], dir);
    assert.equal(doc.lab, 'tls');
    assert.equal(doc.recorded_with, mode === 'socket tap' ? 'socket tap' : 'tcpdump');
    checkTlsLab(doc, dir);
  });
}

test('lab (no NAME, text): runs tls, its packet lines are frames tshark reads, and it ends by naming the other labs', async (t) => {
  const dir = tempDir(t);
  const result = await runCli(['lab'], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const headings = textHeadings(result.stdout);
  assert.deepEqual(headings.slice(0, 4), ['1. TCP: what an eavesdropper reads in lab-tcp.pcap', '2. TLS: what an eavesdropper reads in lab-tls.pcap', '3. TLS decrypted with the key log lab-keys.log', 'Look at it yourself']);
  assert.equal(headings.at(-1), 'Other labs');
  assert.ok(checkTextPackets(result.stdout, dir, ['lab-tcp.pcap', 'lab-tls.pcap']) >= 12);
  const list = await runCli(['lab', '--list', '--json']);
  const others = (JSON.parse(list.stdout) as { name: string }[]).map((l) => l.name).filter((n) => n !== 'tls');
  const tail = result.stdout.slice(result.stdout.lastIndexOf('== Other labs =='));
  for (const name of others) assert.match(tail, new RegExp(`netlab lab ${name} `));
});
