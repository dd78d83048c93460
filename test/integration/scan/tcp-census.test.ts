/**
 * The headline test: listeners on random loopback ports, `netlab scan -p-`
 * finds exactly them, and nmap -sT -p- -n -Pn agrees. It runs in a private
 * network namespace so nothing else on the machine can listen on its loopback
 * meanwhile (an exact answer is only possible there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createNetns, netnsSupported } from '../../helpers/netns.js';
import { runCli } from '../../helpers/cli.js';
import { openPorts, runNmap } from '../../helpers/nmap.js';

/** Listens on 127.0.0.1 at each port given (0 = kernel's pick), prints the ports as JSON, exits when stdin ends. */
const LISTENER_SCRIPT = `
const net = require('node:net');
const wanted = process.argv.slice(1).map(Number);
const ports = [];
for (const want of wanted) {
  const server = net.createServer((c) => c.destroy());
  server.listen(want, '127.0.0.1', () => {
    ports.push(server.address().port);
    if (ports.length === wanted.length) console.log(JSON.stringify(ports));
  });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** 10 distinct random ports below the ephemeral range, plus 10 picked by the kernel (ephemeral ones). */
function pickPorts(): number[] {
  const fixed = new Set<number>();
  while (fixed.size < 10) fixed.add(1 + Math.floor(Math.random() * 32000));
  return [...fixed, ...Array<number>(10).fill(0)];
}

interface JsonReport {
  ports: { port: number; state: string; proto: string }[];
  open: number;
  closed: number;
  filtered: number;
  elapsed_ms: number;
}

test('scan -p- finds exactly the open listeners, as nmap -sT -p- does (private netns)', async (t) => {
  assert.ok(netnsSupported(), 'this test needs root and iproute2 (ip netns add) for a private loopback');
  const ns = createNetns(t, 'census');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LISTENER_SCRIPT, ...pickPorts().map(String)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.stdout.setEncoding('utf8');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [line] = (await once(child.stdout, 'data')) as [string];
  clearTimeout(timer);
  const listeners = (JSON.parse(line) as number[]).sort((a, b) => a - b);
  assert.equal(listeners.length, 20);

  const result = await runCli(['scan', '127.0.0.1', '-p-', '--json'], { netns: ns });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as JsonReport;
  assert.deepEqual(report.ports.map((p) => p.port), listeners);
  assert.ok(report.ports.every((p) => p.state === 'open' && p.proto === 'tcp'));
  assert.equal(report.open, 20);
  assert.equal(report.closed, 65535 - 20);
  assert.equal(report.filtered, 0);
  assert.equal(report.open + report.closed + report.filtered, 65535);

  const nmap = await runNmap(['-sT', '-p-', '-n', '-Pn', '127.0.0.1'], ns);
  assert.deepEqual(openPorts(nmap), listeners);
  child.stdin.end();
});
