/** The help layout helpers: the width, reflowing source line breaks, and examples that stay pasteable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { examples, HELP_DEFAULT_WIDTH, HELP_MAX_WIDTH, helpConfiguration, helpWidth, reflow } from '../../../src/cli/help.js';

test('help width: $COLUMNS, else the terminal, else 80; never over 100', () => {
  assert.equal(helpWidth({}, { isTTY: false }), HELP_DEFAULT_WIDTH);
  assert.equal(helpWidth({}, { isTTY: true, columns: 72 }), 72);
  assert.equal(helpWidth({}, { isTTY: true, columns: 240 }), HELP_MAX_WIDTH);
  assert.equal(helpWidth({ COLUMNS: '64' }, { isTTY: true, columns: 120 }), 64);
  assert.equal(helpWidth({ COLUMNS: 'wide' }, { isTTY: false }), HELP_DEFAULT_WIDTH);
  assert.equal(helpWidth({ COLUMNS: '0' }, { isTTY: true, columns: 90 }), 90);
});

test('reflow joins single line breaks and keeps blank-line paragraphs', () => {
  assert.equal(reflow('goes to the peer\nuntil both are done.\nOver udp...'), 'goes to the peer until both are done. Over udp...');
  assert.equal(reflow('First paragraph\n  still first.\n\n\nSecond.\n'), 'First paragraph still first.\n\nSecond.');
  assert.equal(reflow('one line'), 'one line');
});

function helpOf(width: number, build: (c: Command) => void): string {
  const program = new Command('netlab').configureHelp(helpConfiguration(width)).configureOutput({ writeOut: () => undefined });
  build(program);
  let text = '';
  const cmd = program.commands[0] ?? program;
  cmd.configureOutput({ writeOut: (s) => void (text += s) });
  cmd.outputHelp();
  return text;
}

test('a description with a hard line break mid-sentence is wrapped as one paragraph', () => {
  const text = helpOf(40, (p) => p.command('x').description('Standard input goes to the peer\nuntil both are done, as ncat does it.'));
  assert.match(text, /\nStandard input goes to the peer until\nboth are done, as ncat does it\.\n/);
});

test('an example wider than the help is continued after a backslash, never inside quotes', () => {
  const text = helpOf(40, (p) => p.command('x').addHelpText('after', examples('netlab serve tcp -m reply --reply "HTTP/1.0 200 OK" --once', 'netlab lab')));
  const section = text.slice(text.indexOf('Examples:'));
  assert.equal(section, 'Examples:\n  netlab serve tcp -m reply --reply \\\n      "HTTP/1.0 200 OK" --once\n  netlab lab\n');
  for (const line of section.split('\n')) assert.ok(line.length <= 40, line);
});

test("a command list shows no [options] on each line; the command's own Usage line still does", () => {
  const root = new Command('netlab').configureHelp(helpConfiguration(80));
  root.command('serve').summary('run a server').option('-p <port>').argument('<transport>');
  assert.match(root.helpInformation(), /\n {2}serve <transport> {2,}run a server\n/);
  assert.match(helpOf(80, (p) => p.command('serve').option('-p <port>').argument('<transport>')), /^Usage: netlab serve \[options\] <transport>/);
});
