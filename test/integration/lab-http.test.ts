/**
 * `netlab lab http`: the GET typed line by line, each line's packet and
 * offset checked in the capture's bytes, and the server's log against what
 * tshark's HTTP dissector reads from the same capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { checkHintsRun, checkPacketFacts, checkTextPackets, runLabJson, textHeadings, withReportPages } from '../helpers/lab-facts.js';
import { tsharkFields } from '../helpers/pcap.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkComplaints, netlabDissectors } from '../helpers/tshark.js';

for (const mode of ['socket tap', 'live capture'] as const) {
  test(`lab http --json (${mode}): each typed line at its packet and offset, and the server log, as tshark reads the capture`, async (t) => {
    const dir = tempDir(t);
    const { doc } = await runLabJson(['http', ...(mode === 'live capture' ? ['--capture'] : [])], dir);
    const pcap = join(dir, 'lab-http.pcap');
    assert.deepEqual(doc.files, withReportPages([pcap]));
    if (mode === 'socket tap') assert.equal(await tsharkComplaints(pcap), '');
    checkPacketFacts(doc, dir);

    const facts = doc.sections.flatMap((s) => s.facts);
    const line = (field: string) => facts.find((f) => f.field === field);
    assert.match(String(line('request line')?.text), /^GET \/ HTTP\/1\.1$/);
    // tshark's HTTP dissector reads the same Host and User-Agent from the reassembled request.
    const [http] = tsharkFields(pcap, ['http.host', 'http.user_agent', 'http.request.method'], [...netlabDissectors(), '-Y', 'http.request']);
    assert.equal(line('Host')?.text, `Host: ${http![0]}`);
    assert.equal(line('User-Agent')?.text, `User-Agent: ${http![1]}`);
    const ua = facts.find((f) => 'user_agent' in f);
    assert.equal(ua?.user_agent, http![1], "the server's log has the User-Agent tshark reads");
    assert.equal(ua?.same, true);
    const log = facts.find((f) => 'server_log' in f)?.server_log as string;
    assert.ok(log.includes(`"${http![1]}"`) && log.includes('"GET / HTTP/1.1" 200'), log);
    const from = facts.find((f) => 'client_port' in f);
    const [client] = tsharkFields(pcap, ['tcp.srcport'], ['-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0']);
    assert.equal(from?.client_port, Number(client![0]), "the server logs the capture's client port");
    assert.equal(from?.src_port, Number(client![0]));
    const status = line('status line');
    const [response] = tsharkFields(pcap, ['frame.number', 'http.response.code'], [...netlabDissectors(), '-Y', 'http.response']);
    assert.equal(status?.text, 'HTTP/1.1 200 OK');
    assert.equal(response![1], '200');
  });
}

test('lab http (text): packet lines are frames tshark reads, and the server log line is printed', async (t) => {
  const dir = tempDir(t);
  const result = await runCli(['lab', 'http'], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(textHeadings(result.stdout), ['1. The connection in lab-http.pcap, packet by packet', '2. The request as the capture shows it', "3. The server's log of the same request", 'Look at it yourself']);
  assert.ok(checkTextPackets(result.stdout, dir, ['lab-http.pcap']) >= 8);
  // The closing hints run as printed, in the directory the lab wrote to.
  assert.equal(await checkHintsRun(result.stdout, dir), 2);
  const [ua] = tsharkFields(join(dir, 'lab-http.pcap'), ['http.user_agent'], [...netlabDissectors(), '-Y', 'http.request']);
  assert.match(result.stdout, new RegExp(`^ {2}127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET / HTTP/1\\.1" 200 \\d+ "-" "${ua![0]!.replace(/[()./]/g, '\\$&')}"$`, 'm'));
});
