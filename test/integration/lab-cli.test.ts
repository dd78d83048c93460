/** `netlab lab --list` and the lab names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

test('lab --list: one line a lab, each naming a lab that runs; --json gives the same names', async () => {
  const text = await runCli(['lab', '--list']);
  assert.equal(text.code, 0, text.stderr);
  const json = await runCli(['lab', '--list', '--json']);
  const labs = JSON.parse(json.stdout) as { name: string; summary: string; sheet: string; command: string }[];
  for (const name of ['tls', 'udp', 'http']) assert.ok(labs.some((l) => l.name === name), name);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, labs.length);
  lines.forEach((line, i) => assert.ok(line.startsWith(`${labs[i]!.name} `) && line.includes(labs[i]!.summary), line));
  for (const lab of labs) assert.equal(lab.command, `netlab lab ${lab.name}`);
});

test('lab NAME that does not exist: a usage error naming the labs', async () => {
  const result = await runCli(['lab', 'nosuchlab']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown lab "nosuchlab"; the labs are tls, udp, /);
  assert.equal(result.stdout, '');
});
