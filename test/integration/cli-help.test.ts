/**
 * Every command's `--help`, found by walking the program's own command tree
 * (so a command added later is checked too): exit 0, an Examples section
 * whose netlab commands parse with the flags that exist, no line wider than
 * the help width, every text wrapped at word boundaries and filled greedily
 * (no line broken early, mid-sentence), and one capitalisation style.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { parseError, shellWords } from '../helpers/parse-only.js';

interface Entry {
  path: string[];
  command: Command;
}

function walk(command: Command, path: string[] = []): Entry[] {
  return [{ path, command }, ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()]))];
}

const program = await buildProgram();
const ENTRIES = walk(program);

const pagesAt = new Map<number, Promise<Map<string, CliResult>>>();

/** `--help` of every command at one width (run once per width). */
function helpPages(width: number): Promise<Map<string, CliResult>> {
  if (!pagesAt.has(width)) pagesAt.set(width, runHelpPages(width));
  return pagesAt.get(width)!;
}

/** Runs `--help` of every command, a few processes at a time. */
async function runHelpPages(width: number): Promise<Map<string, CliResult>> {
  const pages = new Map<string, CliResult>();
  const queue = [...ENTRIES];
  const worker = async () => {
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
      pages.set(e.path.join(' '), await runCli([...e.path, '--help'], { env: { COLUMNS: String(width) }, timeoutMs: 30_000 }));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return pages;
}

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The Examples section as shell commands, continuation lines joined. */
function exampleCommands(page: string): string[] {
  const m = /\nExamples:\n((?: {2}.*\n?)+)/.exec(page);
  if (m === null) return [];
  return m[1]!
    .replace(/ \\\n\s+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Lines of one page broken earlier than they had to be: a line followed by
 * another line of the same paragraph or item whose first word would have
 * fitted on it.
 */
function earlyBreaks(page: string, width: number): string[] {
  const lines = page.split('\n');
  const found: string[] = [];
  let column = -1; // where descriptions start in an Arguments/Options/Commands list; -1 in prose
  let inExamples = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\S.*:$/.test(line)) {
      inExamples = line === 'Examples:';
      column = -1;
      continue;
    }
    if (inExamples || line.startsWith('Usage:') || line === '') continue;
    const item = /^ {2}(\S.*?\S) {2,}(?=\S)/.exec(line);
    if (item !== null && column === -1) column = item[0].length;
    const next = lines[i + 1] ?? '';
    const continues = column === -1 ? next !== '' && !/^\S.*:$/.test(next) : next.length > column && next.slice(0, column).trim() === '';
    if (!continues) continue;
    const firstWord = next.trim().split(' ')[0]!;
    if (line.length + 1 + firstWord.length <= width) found.push(`${line} | ${firstWord}`);
  }
  return found;
}

/** A fragment's first word: lower case, or an acronym (TCP, NDJSON, PEM). */
function startsAsFragment(text: string): boolean {
  return /^[^A-Z]/.test(text) || /^[A-Z0-9]{2,}\b/.test(text);
}

for (const width of [80, 60]) {
  test(`every command's --help at ${width} columns: exit 0, Examples, within the width, wrapped at word boundaries`, async () => {
    const pages = await helpPages(width);
    assert.ok(ENTRIES.length >= 20, `${ENTRIES.length} commands found`);
    for (const { path, command } of ENTRIES) {
      const name = ['netlab', ...path].join(' ');
      const { code, stdout, stderr } = pages.get(path.join(' '))!;
      assert.equal(code, 0, `${name}: ${stderr}`);
      assert.equal(stderr, '', name);
      assert.match(stdout, new RegExp(`^Usage: ${name} `), name);
      assert.ok(exampleCommands(stdout).length > 0, `${name} has an Examples section:\n${stdout}`);
      for (const line of stdout.split('\n')) {
        // The Usage line is commander's and is never wrapped; everything else must fit.
        if (!line.startsWith('Usage:')) assert.ok(line.length <= width, `${name}: ${line.length} columns > ${width}:\n${line}`);
      }
      assert.deepEqual(earlyBreaks(stdout, width), [], `${name}: lines broken before the width`);
      // Commander only breaks at spaces: each source text, whitespace
      // normalised, is on the page as it is (no word split, none lost).
      const flat = normalise(stdout);
      const texts = [
        command.description(),
        ...command.options.map((o: Option) => o.description),
        ...command.registeredArguments.map((a) => a.description),
        ...command.commands.map((c) => c.summary() || c.description()),
      ];
      for (const text of texts) assert.ok(flat.includes(normalise(text)), `${name}: ${JSON.stringify(text)} is on the page whole`);
    }
  });
}

test('one capitalisation style: descriptions are sentences, summaries and option texts are fragments', () => {
  for (const { path, command } of ENTRIES) {
    const name = ['netlab', ...path].join(' ');
    const description = command.description();
    assert.match(description, /^[A-Z]/, `${name}: the description starts with a capital`);
    assert.match(description, /[.]$/, `${name}: the description ends with a full stop`);
    if (path.length > 0) {
      const summary = command.summary();
      assert.ok(summary !== '', `${name} has a summary for its parent's command list`);
      assert.ok(startsAsFragment(summary) && !summary.endsWith('.'), `${name}: the summary is a fragment: ${summary}`);
    }
    for (const o of command.options as Option[]) {
      assert.ok(startsAsFragment(o.description) && !o.description.endsWith('.'), `${name} ${o.flags}: ${o.description}`);
    }
    for (const a of command.registeredArguments) {
      assert.ok(startsAsFragment(a.description) && !a.description.endsWith('.'), `${name} <${a.name()}>: ${a.description}`);
    }
  }
});

test('every netlab example in the help parses with the flags and arguments that exist', async () => {
  const pages = await helpPages(80);
  let checked = 0;
  for (const { path } of ENTRIES) {
    for (const example of exampleCommands(pages.get(path.join(' '))!.stdout)) {
      const words = shellWords(example);
      if (words[0] === 'sudo') words.shift();
      if (words[0] !== 'netlab') continue; // telnet, openssl: other programs
      const argv = words.slice(1);
      // Only parsing is checked, including each option's and argument's own value parser.
      assert.equal(await parseError(argv), undefined, example);
      checked++;
    }
  }
  assert.ok(checked >= 50, `${checked} examples checked`);
});

test('the early-break check finds a sentence broken by a hard-coded line break, in prose and in an option list', () => {
  // What `connect --help` printed when its description held a "\n" mid-sentence.
  const prose = [
    'Usage: netlab connect [options] <transport> <host> <port>',
    '',
    'Connect to a server. Without -m it is interactive like ncat: standard input goes',
    'to the peer and the peer to standard output',
    'until both are done (end of input half-closes TCP/TLS).',
    '',
  ].join('\n');
  assert.deepEqual(earlyBreaks(prose, 80), ['to the peer and the peer to standard output | until']);
  const options = ['Options:', '  -m, --message <text>  send this line and print', '                        the answer', '  -h, --help            show help', ''].join('\n');
  assert.deepEqual(earlyBreaks(options, 80), ['  -m, --message <text>  send this line and print | the']);
  const greedy = ['Options:', '  -m, --message <text>  send this line and print the answer, then exit', '                        (repeatable)', ''].join('\n');
  assert.deepEqual(earlyBreaks(greedy, 80), []);
});
