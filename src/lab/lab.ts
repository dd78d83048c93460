/**
 * The lab framework. A lab is a short description of its steps (see
 * docs/labs.md): it starts the servers and clients of its lab sheet on
 * loopback, records the wire (`ctx.record`), reads the capture back
 * (capture-reading.ts) and states what the capture shows in sections of
 * prose and facts (`ctx.section`). `runLab` runs one, stops its recordings
 * whatever happens, adds a report page of each capture when asked, and the
 * closing "Look at it yourself" section naming every file.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FileError } from '../errors.js';
import { LabContext, type LabFile } from './context.js';
import type { RecorderName } from './recorder.js';
import { LabSection, type Fact } from './section.js';

/** One lab: what `netlab lab NAME` runs. */
export interface Lab {
  /** The NAME of `netlab lab NAME`. */
  readonly name: string;
  /** One line for `netlab lab --list`. */
  readonly summary: string;
  /** The lab sheet it follows, in the course's words. */
  readonly sheet: string;
  /**
   * Runs the lab: start, record, read back, state. Throw NetlabErrors; the
   * runner stops the recordings either way.
   */
  run(ctx: LabContext): Promise<void>;
}

export interface RunLabOptions {
  /** Where the files are written (created if missing). Default the current directory. */
  outDir?: string;
  /** Record with tcpdump on lo instead of the socket tap (needs root). Default false. */
  liveCapture?: boolean;
  /**
   * Writes a report page of one capture and returns its path (undefined:
   * none written). Called once for each capture the lab registered, after
   * the lab has run. Default: none.
   */
  reportCapture?: (capture: string) => Promise<string | undefined>;
}

/** A lab that has run: what the CLI prints, as text or as `--json`. */
export interface LabResult {
  lab: string;
  recordedWith: RecorderName;
  files: readonly LabFile[];
  /** Lines before the first section. */
  intro: readonly string[];
  /** The lab's sections, then "Look at it yourself". */
  sections: readonly LabSection[];
}

/** The title of the closing section every lab ends with. */
export const LOOK_SECTION_TITLE = 'Look at it yourself';

/**
 * Runs one lab.
 * @throws FileError when the directory cannot be created; whatever the lab throws (NetlabErrors)
 */
export async function runLab(lab: Lab, options: RunLabOptions = {}): Promise<LabResult> {
  const outDir = options.outDir ?? '.';
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new FileError(`cannot write the lab files into ${outDir}: ${(err as Error).message}`, { cause: err });
  }
  const ctx = new LabContext({ outDir, liveCapture: options.liveCapture === true });
  try {
    await lab.run(ctx);
  } finally {
    await ctx.stopRecordings();
  }
  const files: LabFile[] = [...ctx.files];
  // The one place where each capture gets its report page (PRODUCT.md: "with a pcap report page of each").
  if (options.reportCapture !== undefined) {
    for (const file of ctx.files) {
      if (file.kind !== 'capture') continue;
      const page = await options.reportCapture(file.path);
      if (page !== undefined) files.push({ path: page, kind: 'other' });
    }
  }
  return { lab: lab.name, recordedWith: ctx.recordedWith, files, intro: ctx.introLines, sections: [...ctx.sections, lookSection(files, ctx.hints)] };
}

/** How to open every capture in Wireshark, then the lab's own hints. */
function lookSection(files: readonly LabFile[], hints: readonly string[]): LabSection {
  const section = new LabSection(LOOK_SECTION_TITLE);
  for (const file of files) {
    if (file.kind !== 'capture') continue;
    section.fact({ capture: file.path, open: `wireshark ${resolve(file.path)}` } satisfies Fact, (f) => `  ${f.open}`);
  }
  for (const file of files) {
    if (file.kind === 'other') section.fact({ file: file.path }, (f) => `  also written: ${f.file}`);
  }
  for (const hint of hints) section.say(`  ${hint}`);
  return section;
}

/** The `--json` document of a lab (PRODUCT.md: `{"lab", "files", "sections":[{"title","text","facts"}]}`). */
export function labJson(result: LabResult): object {
  return {
    lab: result.lab,
    recorded_with: result.recordedWith,
    files: result.files.map((f) => f.path),
    sections: result.sections.map((s) => ({ title: s.title, text: s.lines.map((l) => l.text).join('\n'), facts: s.facts })),
  };
}
