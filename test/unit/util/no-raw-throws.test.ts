import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));
/** `throw new Error(`, `throw new RangeError(`, `throw new TypeError(` (any spacing). */
const RAW_THROW = /throw\s+new\s+(?:Range|Type)?Error\s*\(/;

function sources(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sources(path));
    else if (name.endsWith('.ts')) found.push(path);
  }
  return found;
}

test('src/ throws no raw Error, RangeError or TypeError: every failure is a catalogued NetlabError', () => {
  const files = sources(SRC);
  assert.ok(files.length > 50, `found the source tree (${files.length} files)`);
  const offenders: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (RAW_THROW.test(line)) offenders.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});

test('the raw-throw pattern catches what it should', () => {
  for (const line of ["throw new Error('x')", 'throw new RangeError(`y`)', 'throw  new TypeError (z)']) assert.match(line, RAW_THROW);
  for (const line of ["throw new UsageError('x')", "throw new NetlabError(ERROR_CODES.INTERNAL, 'x')", 'throw invalidOption(name, e, v)']) assert.doesNotMatch(line, RAW_THROW);
});
