/**
 * The leaked-handle check preloaded by scripts/run-tests.mjs fails a test
 * file that leaves a server and a timer open, naming them, and passes the
 * same file when it closes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runWithCheck(fixture: string): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NETLAB_LEAK_CHECK: fixture };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/helpers/leak-check.ts', '--test', '--test-reporter=tap', fixture], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const output = `${r.stdout}${r.stderr}`;
  // Killed by the timeout would mean the leaking file hung the runner instead of failing.
  assert.notEqual(r.status, null, `the run did not end by itself: ${output}`);
  return { status: r.status, output };
}

test('a test file that leaves a listening server and a timer open fails, and the failure names both', () => {
  const started = Date.now();
  const { status, output } = runWithCheck('test/fixtures/leaks/leaky-server.fixture.ts');
  assert.notEqual(status, 0, output);
  assert.ok(Date.now() - started < 20_000, 'a leaking file fails promptly instead of hanging the run');
  assert.match(output, /leaky-server\.fixture\.ts left resources open after its tests/);
  assert.match(output, /TCPServerWrap x1/);
  assert.match(output, /Timeout x1/);
});

test('the same file closing what it opened passes the check', () => {
  const { status, output } = runWithCheck('test/fixtures/leaks/clean.fixture.ts');
  assert.equal(status, 0, output);
  assert.doesNotMatch(output, /left resources open/);
});
