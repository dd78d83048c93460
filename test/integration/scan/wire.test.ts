/**
 * What a connect scan puts on the wire, as tcpdump sees it on lo (root): the
 * open port gets SYN, SYN/ACK, ACK and then the scanner's RST (nmap -sT's
 * pattern, and the lab's `scan` explains it), never a FIN from the scanner;
 * a closed port gets SYN and the kernel's RST. Both TCP drivers. Runs as root (CI does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { scan } from '../../../src/scan/scanner.js';
import { nativeTcpDriverAvailable } from '../../../src/scan/tcp-connect.js';
import { runProcess } from '../../helpers/cli.js';
import { startTcpdump } from '../../helpers/tcpdump.js';
import { tempDir } from '../../helpers/temp.js';

const drivers = nativeTcpDriverAvailable() ? (['native', 'socket'] as const) : (['socket'] as const);

/** tcp.flags.str of each packet with tcp.srcport, in capture order. */
async function flagsFrom(file: string, srcPort: number | 'not', port: number): Promise<string[]> {
  const filter = srcPort === 'not' ? `tcp.dstport == ${port}` : `tcp.srcport == ${port}`;
  const r = await runProcess('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'tcp.flags.str']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/·/g, '').trim());
}

for (const driver of drivers) {
  test(`connect scan on the wire (${driver} driver): SYN, SYN/ACK, ACK, RST for the open port; SYN and RST for a closed one`, async (t) => {
    // A service that keeps its side open: whatever closes the connection is the scanner.
    const kept: net.Socket[] = [];
    const server = net.createServer((c) => {
      kept.push(c);
      c.on('error', () => {});
    });
    t.after(() => {
      for (const c of kept) c.destroy();
      server.close();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const open = (server.address() as net.AddressInfo).port;
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closed = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const file = join(tempDir(t), 'scan.pcap');
    const tcpdump = await startTcpdump(['-i', 'lo', '--immediate-mode', '-U', '-w', file, `tcp port ${open} or tcp port ${closed}`]);
    t.after(() => tcpdump.stop());
    const report = await scan({ host: '127.0.0.1', ports: [open, closed], driver });
    assert.deepEqual(report.ports.filter((p) => p.state === 'open').map((p) => p.port), [open]);
    // The server side saw the reset: its socket errors or closes, then the capture is complete.
    for (let waited = 0; waited < 3000 && !kept.some((c) => c.destroyed); waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    await tcpdump.stop();

    const scanner = await flagsFrom(file, 'not', open);
    const service = await flagsFrom(file, open, open);
    assert.equal(scanner[0], 'S', `the scanner's first packet is a SYN: ${scanner.join(' | ')}`);
    assert.deepEqual(service.slice(0, 1), ['AS'], `the service answers SYN/ACK: ${service.join(' | ')}`);
    assert.equal(scanner[1], 'A', `then the scanner's ACK: ${scanner.join(' | ')}`);
    assert.match(scanner.at(-1) ?? '', /R/, `the scanner ends with a RST: ${scanner.join(' | ')}`);
    assert.ok(!scanner.some((f) => f.includes('F')), `the scanner sends no FIN: ${scanner.join(' | ')}`);
    assert.deepEqual(await flagsFrom(file, 'not', closed), ['S']);
    assert.match((await flagsFrom(file, closed, closed)).join(','), /^AR$/);
  });
}
