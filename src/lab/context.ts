/**
 * What a running lab is handed: where its files go, how it records, and
 * where its sections and hints are collected. Every file a lab writes is
 * registered here (`capture`, `file`), so the runner can list them, write a
 * report page of each capture, and say how to open them.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../errors.js';
import { KeyLogWriter } from '../tls/keylog.js';
import { Recording, type RecorderName } from './recorder.js';
import { LabSection } from './section.js';

export interface LabContextOptions {
  /** Where the lab's files are written (created if missing). */
  outDir: string;
  /** Record with tcpdump on lo instead of the socket tap (needs root). */
  liveCapture: boolean;
}

/** A file the lab wrote. */
export interface LabFile {
  path: string;
  /** A capture (pcap), a key log, a capture's report page, or another file. */
  kind: 'capture' | 'keylog' | 'report' | 'other';
}

export class LabContext {
  readonly outDir: string;
  readonly liveCapture: boolean;
  readonly #files: LabFile[] = [];
  readonly #sections: LabSection[] = [];
  readonly #recordings: Recording[] = [];
  readonly #hints: string[] = [];
  readonly #intro: string[] = [];

  constructor(options: LabContextOptions) {
    this.outDir = options.outDir;
    this.liveCapture = options.liveCapture;
  }

  /**
   * The path of capture file `name` in the lab's directory, registered as
   * one of the lab's captures (listed, given a report page, named in the
   * Wireshark hints).
   */
  capture(name: string): string {
    return this.#register(name, 'capture');
  }

  /**
   * The path of another file the lab writes (a key log), registered.
   * @param kind `keylog` for an NSS key log (Wireshark's (Pre)-Master-Secret log)
   */
  file(name: string, kind: 'keylog' | 'other' = 'other'): string {
    return this.#register(name, kind);
  }

  /**
   * A fresh NSS key log `name` in the lab's directory, registered as by
   * `file(name, 'keylog')`: a key log only ever appends, so an earlier
   * run's is removed first. Close it once the TLS exchange is over.
   * @throws FileError when the file cannot be removed or created
   */
  async keyLog(name: string): Promise<KeyLogWriter> {
    const path = this.file(name, 'keylog');
    try {
      await rm(path, { force: true });
    } catch (err) {
      throw new FileError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
    return new KeyLogWriter(path);
  }

  /**
   * Starts recording capture `name` (registered as by `capture`) with the
   * lab's recorder; see Recording for the calls that follow. The runner
   * stops every recording when the lab ends, even when it fails.
   * @throws FileError when the file cannot be created
   */
  record(name: string): Recording {
    const recording = new Recording(this.capture(name), this.liveCapture);
    this.#recordings.push(recording);
    return recording;
  }

  /** A new headed section; sections are numbered in the order they are opened. */
  section(title: string): LabSection {
    const section = new LabSection(`${this.#sections.length + 1}. ${title}`);
    this.#sections.push(section);
    return section;
  }

  /** A line printed before the first section (what the lab does). */
  intro(text: string): void {
    this.#intro.push(text);
  }

  /** A command or step for the closing "Look at it yourself" section, after the `wireshark FILE` lines. */
  hint(text: string): void {
    this.#hints.push(text);
  }

  /** What recorded the captures: the socket tap, or the live engine (tcpdump or dumpcap) the recordings used. */
  get recordedWith(): RecorderName {
    return this.#recordings.map((r) => r.recordedWith).find((name) => name !== 'socket tap') ?? 'socket tap';
  }

  get files(): readonly LabFile[] {
    return this.#files;
  }

  get sections(): readonly LabSection[] {
    return this.#sections;
  }

  get hints(): readonly string[] {
    return this.#hints;
  }

  get introLines(): readonly string[] {
    return this.#intro;
  }

  /** Stops every recording still running (the runner's cleanup). */
  async stopRecordings(): Promise<void> {
    for (const recording of this.#recordings) await recording.stop();
  }

  #register(name: string, kind: LabFile['kind']): string {
    const path = join(this.outDir, name);
    if (!this.#files.some((f) => f.path === path)) this.#files.push({ path, kind });
    return path;
  }
}
