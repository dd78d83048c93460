#!/usr/bin/env node
// Runs every test file under test/ with Node's own runner, TypeScript loaded
// through tsx. Node 20's --test does not expand globs, so we find files here.
// test/helpers/leak-check.ts is preloaded into every test file's process: it
// fails an integration file that leaves a socket, server, child or timer open.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filter = process.argv.slice(2);
const files = findTests('test').filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)));
if (files.length === 0) {
  console.error(`no test files match ${filter.join(' ')}`);
  process.exit(1);
}
const leakCheck = pathToFileURL(fileURLToPath(new URL('../test/helpers/leak-check.ts', import.meta.url))).href;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--import', leakCheck, '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=180000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
