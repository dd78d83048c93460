/** `netlab lab [NAME]` (what `npm start` runs): the guided labs, and `--list`. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { runEchoDemo } from '../../lab/demo.js';
import { labJson, runLab, type LabResult } from '../../lab/lab.js';
import { DEFAULT_LAB, findLab, LABS } from '../../lab/labs/index.js';
import { examples } from '../help.js';
import { Output, paint } from '../output.js';

interface LabFlags {
  out: string;
  capture?: boolean;
  modes?: boolean;
  list?: boolean;
  json?: boolean;
}

const TONE_COLOUR = { alert: 'red', good: 'green' } as const;

export function registerLab(program: Command): void {
  program
    .command('lab')
    .argument('[name]', `the lab to run: ${LABS.map((l) => l.name).join(', ')} (default ${DEFAULT_LAB})`)
    .summary('guided labs on loopback: run the servers and clients, record the wire, and explain the capture')
    .description(
      'Runs one lab of a networking course on loopback in one command, no root and no set-up: starts its servers and clients, ' +
        'records the wire (the socket tap, or tcpdump with --capture), reads the capture back and explains what it shows, ' +
        'answering the lab sheet\'s questions by pointing at the packets. Every fact printed is read from the capture just made. ' +
        `Without NAME it runs the ${DEFAULT_LAB} lab (what npm start runs). Writes the captures (and key logs) for Wireshark.`,
    )
    .option('--list', 'name every lab with one line about it')
    .option('--out <dir>', 'where to write the capture and key-log files', '.')
    .option('--capture', 'record with a real tcpdump capture of loopback instead of the socket tap (needs root)')
    .option('--modes', 'instead: start every transport with every echo mode and show each answering')
    .option('--json', 'one JSON document: the lab, its files, and its sections with their facts')
    .addHelpText(
      'after',
      examples('netlab lab', 'netlab lab --list', 'netlab lab udp', 'netlab lab http --out /tmp/lab', 'sudo netlab lab tls --capture', 'netlab lab udp --json', 'netlab lab --modes'),
    )
    .action(async (name: string | undefined, flags: LabFlags) => {
      if (flags.list === true) return listLabs(flags);
      if (flags.modes === true) return runModes(flags);
      return runNamedLab(name, flags);
    });
}

function listLabs(flags: LabFlags): void {
  const out = new Output(flags);
  if (out.json) {
    out.event(LABS.map((lab) => ({ name: lab.name, summary: lab.summary, sheet: lab.sheet, command: `netlab lab ${lab.name}` })));
    return;
  }
  const width = Math.max(...LABS.map((lab) => lab.name.length));
  for (const lab of LABS) out.info(`${lab.name.padEnd(width)}  ${lab.summary}`);
}

async function runNamedLab(name: string | undefined, flags: LabFlags): Promise<void> {
  const lab = findLab(name ?? DEFAULT_LAB);
  if (lab === undefined) throw new UsageError(`unknown lab ${JSON.stringify(name)}; the labs are ${LABS.map((l) => l.name).join(', ')} (see netlab lab --list)`);
  const out = new Output(flags);
  // A report page of each capture (PRODUCT.md) is runLab's reportCapture hook: pass it here once `pcap report` exists.
  const result = await runLab(lab, { outDir: flags.out, liveCapture: flags.capture === true });
  if (out.json) {
    out.event(labJson(result));
    return;
  }
  printLab(out, result);
  // npm start runs `netlab lab` with no NAME: point at the other labs.
  if (name === undefined && LABS.length > 1) {
    heading(out, 'Other labs');
    for (const other of LABS) if (other !== lab) out.info(`  netlab lab ${other.name.padEnd(6)} ${other.summary}`);
  }
}

function heading(out: Output, text: string): void {
  out.info('');
  out.info(paint(process.stdout, 'bold', `== ${text} ==`));
}

/** The text of a lab: the same section objects as --json, line by line. */
function printLab(out: Output, result: LabResult): void {
  for (const line of result.intro) out.info(line);
  for (const section of result.sections) {
    heading(out, section.title);
    for (const line of section.lines) out.info(line.tone === 'plain' ? line.text : paint(process.stdout, TONE_COLOUR[line.tone], line.text));
  }
}

async function runModes(flags: LabFlags): Promise<void> {
  const out = new Output(flags);
  if (!out.json) out.info(paint(process.stdout, 'bold', 'netlab lab --modes: one question to every transport and echo mode'));
  await runEchoDemo((r) => {
    if (out.json) out.event(r);
    else out.info(`  ${r.transport.padEnd(4)} ${r.mode.padEnd(8)} 127.0.0.1:${String(r.port).padEnd(6)} ${JSON.stringify(r.sent)} -> ${JSON.stringify(r.answer)}`);
  });
  if (!out.json) out.info('Try one yourself:  netlab serve tcp -m upper   and in another terminal:  netlab connect tcp 127.0.0.1 5000');
}
