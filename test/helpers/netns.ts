/**
 * Private network namespaces for tests that need a loopback nobody else uses
 * (an exact port census, a firewall rule, a narrowed ephemeral port range).
 * Each namespace gets a unique name, its loopback is brought up, and it is
 * deleted in teardown even when the test fails. Needs root and iproute2.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';

let cachedSupport: boolean | undefined;

/** True when this process may create network namespaces (root + iproute2). */
export function netnsSupported(): boolean {
  if (cachedSupport !== undefined) return cachedSupport;
  const name = uniqueName('probe');
  const added = spawnSync('ip', ['netns', 'add', name], { stdio: 'ignore', timeout: 10_000 });
  cachedSupport = added.status === 0;
  if (cachedSupport) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
  return cachedSupport;
}

function uniqueName(tag: string): string {
  return `nl-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Runs a command inside the namespace; returns stdout. Throws on a non-zero exit. */
export function inNetns(name: string, command: string, args: string[], timeoutMs = 60_000): string {
  return execFileSync('ip', ['netns', 'exec', name, command, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Creates a namespace with loopback up; deleted by `t.after`.
 * @param tag a word naming the test, part of the unique name
 */
export function createNetns(t: TestContext, tag: string): string {
  const name = uniqueName(tag);
  execFileSync('ip', ['netns', 'add', name], { timeout: 10_000 });
  // Registered before anything else can fail, so the namespace never outlives the test.
  t.after(() => {
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
  });
  inNetns(name, 'ip', ['link', 'set', 'lo', 'up']);
  return name;
}
