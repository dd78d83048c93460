/**
 * Leaked-handle check, preloaded into every test process by
 * scripts/run-tests.mjs (`--import ./test/helpers/leak-check.ts`). Under
 * `node --test` each test file runs in its own child process; there this
 * module registers a root-level after() hook that, once the file's tests are
 * done, waits up to LEAK_GRACE_MS for handles to close and then fails the
 * file if any socket, server, child process, timer or other resource is
 * still active beyond what the process had before the file started (stdio
 * pipes and TTYs, and the runner's own handles, are in that baseline).
 *
 * Scope: files under test/integration/ (NETLAB_LEAK_CHECK=all extends it to
 * every file; =off disables it). LEAK_ALLOW lists files not yet clean.
 */
import { after } from 'node:test';

/** How long closes in flight get to finish before remaining handles count as leaks. */
export const LEAK_GRACE_MS = 500;
const POLL_MS = 20;
/** Time given to the reporter to send a leak failure before the process exits. */
const EXIT_AFTER_REPORT_MS = 1000;

/**
 * Integration files that still leave handles open, to be fixed; the check
 * covers every other file. Paths are relative to the repository, with '/'.
 */
export const LEAK_ALLOW: readonly string[] = [];

/** Resource types the runner or stdio hold in any test process; never a test's leak. */
const IGNORED = new Set(['TTYWrap']);

/** Counts of each active resource type. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (IGNORED.has(type)) continue;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** What `now` has beyond `baseline`, e.g. ["TCPServerWrap x1", "Timeout x2"]. */
export function leaksSince(baseline: Map<string, number>, now: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [type, n] of now) {
    const more = n - (baseline.get(type) ?? 0);
    if (more > 0) extra.push(`${type} x${more}`);
  }
  return extra.sort();
}

/** Waits up to `graceMs` for resources beyond `baseline` to go; returns those that stayed. */
export async function waitForLeaks(baseline: Map<string, number>, graceMs = LEAK_GRACE_MS): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  let leaks = leaksSince(baseline, activeResources());
  while (leaks.length > 0 && Date.now() < deadline) {
    // The poll timer has fired (and is no longer active) when the list is read again.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    leaks = leaksSince(baseline, activeResources());
  }
  return leaks;
}

function testFile(): string | undefined {
  const file = process.argv[1];
  if (file === undefined) return undefined;
  const rel = file.replaceAll('\\', '/');
  const at = rel.lastIndexOf('/test/');
  return at === -1 ? undefined : rel.slice(at + 1);
}

function shouldCheck(file: string | undefined): boolean {
  const mode = process.env.NETLAB_LEAK_CHECK ?? 'integration';
  if (mode === 'off' || file === undefined) return false;
  if (LEAK_ALLOW.includes(file)) return false;
  return mode === 'all' || file.startsWith('test/integration/') || mode === file;
}

// Only in a test file's own process: the orchestrating `node --test` process
// (and any CLI a test spawns with this flag inherited) has no tests of its own.
const file = testFile();
if (process.env.NODE_TEST_CONTEXT !== undefined && shouldCheck(file)) {
  const baseline = activeResources();
  after(async () => {
    const leaks = await waitForLeaks(baseline);
    if (leaks.length > 0) {
      // The leaked handles would keep this process (and the runner waiting
      // on it) alive: exit once the failure has been reported.
      setTimeout(() => process.exit(1), EXIT_AFTER_REPORT_MS).unref();
      throw new Error(`${file} left resources open after its tests (still active ${LEAK_GRACE_MS} ms later): ${leaks.join(', ')}. Close every server, socket, child process and timer a test opens in its teardown.`);
    }
  });
}
