/**
 * States that need a loopback of our own: a port behind a firewall DROP rule
 * (filtered), and a connect that reaches its own socket through TCP
 * simultaneous open (must not be reported open). Each test creates a private
 * network namespace and deletes it in teardown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createNetns, inNetns, netnsSupported } from '../../helpers/netns.js';
import { runCli } from '../../helpers/cli.js';
import { runNmap } from '../../helpers/nmap.js';

interface JsonReport {
  ports: { port: number; state: string }[];
  open: number;
  closed: number;
  filtered: number;
}

function hasCommand(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Drops every TCP SYN to `port` on the namespace's input path (nftables, else iptables). */
function dropPort(ns: string, port: number): void {
  if (hasCommand('nft')) {
    inNetns(ns, 'nft', ['add', 'table', 'inet', 'netlab_test']);
    inNetns(ns, 'nft', ['add', 'chain', 'inet', 'netlab_test', 'input', '{ type filter hook input priority 0; policy accept; }']);
    inNetns(ns, 'nft', ['add', 'rule', 'inet', 'netlab_test', 'input', 'tcp', 'dport', String(port), 'drop']);
  } else {
    inNetns(ns, 'iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', String(port), '-j', 'DROP']);
  }
}

test('a port behind a DROP rule is filtered (after a retry), a port without a listener is closed; nmap agrees', async (t) => {
  assert.ok(netnsSupported(), 'this test needs root and iproute2 (ip netns add)');
  const ns = createNetns(t, 'filter');
  const dropped = 20_000 + Math.floor(Math.random() * 10_000);
  const closed = dropped + 1;
  dropPort(ns, dropped);

  const result = await runCli(['scan', '127.0.0.1', '-p', `${dropped},${closed}`, '--all', '--json'], { netns: ns });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as JsonReport;
  assert.deepEqual(report.ports.map((p) => [p.port, p.state]), [
    [dropped, 'filtered'],
    [closed, 'closed'],
  ]);
  assert.equal(report.filtered, 1);
  assert.equal(report.closed, 1);

  const human = await runCli(['scan', '127.0.0.1', '-p', `${dropped},${closed}`, '--timeout', '150'], { netns: ns });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Not shown: 1 closed, 1 filtered tcp ports/);

  const nmap = await runNmap(['-sT', '-p', `${dropped},${closed}`, '-n', '-Pn', '127.0.0.1'], ns);
  assert.equal(nmap.get(dropped), 'filtered');
  assert.equal(nmap.get(closed), 'closed');
});

test('a loopback connect that reaches its own socket (TCP simultaneous open) is not reported open', async (t) => {
  assert.ok(netnsSupported(), 'this test needs root and iproute2 (ip netns add)');
  const ns = createNetns(t, 'selfconn');
  // With a one-port ephemeral range, connect() to 127.0.0.1:40000 must use
  // local port 40000 too: the SYN reaches the socket that sent it and the
  // handshake completes with itself (RFC 793, simultaneous open).
  inNetns(ns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_local_port_range=40000 40000']);
  const result = await runCli(['scan', '127.0.0.1', '-p', '40000', '--all', '--json', '--concurrency', '1'], { netns: ns });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as JsonReport;
  assert.deepEqual(report.ports.map((p) => [p.port, p.state]), [[40000, 'closed']]);
  assert.equal(report.open, 0);
  assert.match(result.stderr, /own socket/);
});

test('SIGINT stops a long scan cleanly: partial report, exit 0', async (t) => {
  assert.ok(netnsSupported(), 'this test needs root and iproute2 (ip netns add)');
  const ns = createNetns(t, 'sigint');
  // Ports above 60000 never answer, so with --timeout 20000 the scan would take 40 s or more.
  inNetns(ns, 'nft', ['add', 'table', 'inet', 'netlab_test']);
  inNetns(ns, 'nft', ['add', 'chain', 'inet', 'netlab_test', 'input', '{ type filter hook input priority 0; policy accept; }']);
  inNetns(ns, 'nft', ['add', 'rule', 'inet', 'netlab_test', 'input', 'tcp', 'dport', '60001-65535', 'drop']);
  const { spawn } = await import('node:child_process');
  const { CLI } = await import('../../helpers/cli.js');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'scan', '127.0.0.1', '-p-', '--timeout', '20000', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.after(() => clearTimeout(killer));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise((r) => setTimeout(r, 4000));
  child.kill('SIGINT');
  assert.equal(await closed, 0);
  const doc = JSON.parse(stdout) as { complete: boolean; open: number; closed: number; filtered: number; elapsed_ms: number };
  assert.equal(doc.complete, false);
  assert.ok(doc.open + doc.closed + doc.filtered < 65535);
  assert.ok(doc.elapsed_ms < 40_000);
});
