/**
 * Reading NSS key-log files (the SSLKEYLOGFILE format that OpenSSL, NSS,
 * curl, browsers, Node and Wireshark share) into a lookup by client random.
 *
 * Format (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/):
 * one secret per line, `LABEL <client_random: 64 hex> <secret: hex>`, lines
 * starting with `#` are comments. The client random is the 32-byte
 * `Random` of the ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), which is
 * how a captured connection finds its secrets.
 *
 * A key log is a file the user hands us: bad lines are counted and reported
 * with their line numbers, never thrown.
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES, type ErrorCode } from '../../errors.js';
import { positiveInteger } from '../../util/validate.js';

/** The secrets logged for one connection (one client random). */
export interface TlsSecrets {
  /** TLS 1.2 and older: `CLIENT_RANDOM`, the 48-byte master secret. */
  masterSecret?: Buffer;
  /** TLS 1.3: `CLIENT_HANDSHAKE_TRAFFIC_SECRET`. */
  clientHandshakeTrafficSecret?: Buffer;
  /** TLS 1.3: `SERVER_HANDSHAKE_TRAFFIC_SECRET`. */
  serverHandshakeTrafficSecret?: Buffer;
  /** TLS 1.3: `CLIENT_TRAFFIC_SECRET_0`, the first client application secret. */
  clientTrafficSecret0?: Buffer;
  /** TLS 1.3: `SERVER_TRAFFIC_SECRET_0`. */
  serverTrafficSecret0?: Buffer;
  /** TLS 1.3: `EXPORTER_SECRET` (kept for completeness; not needed to decrypt). */
  exporterSecret?: Buffer;
}

/** Line counts of a parsed key log: what was used and what was skipped. */
export interface KeyLogStats {
  /** Lines read (a final line without a newline counts). */
  lines: number;
  /** Secret lines stored. */
  secrets: number;
  /** Comment lines (`#...`). */
  comments: number;
  /** Empty or whitespace-only lines. */
  blank: number;
  /** Well-formed lines with a label netlab does not use (0-RTT secrets, `RSA`). */
  ignored: number;
  /** Lines whose label no key-log writer uses. */
  unknownLabel: number;
  /** Lines that are not `LABEL <64 hex> <hex>`. */
  malformed: number;
  /** Lines longer than the cap; skipped unread. */
  tooLong: number;
}

/** One skipped line, for telling the user where their file is wrong. */
export interface KeyLogProblem {
  /** 1-based line number. */
  line: number;
  code: ErrorCode;
  message: string;
}

/** Options of {@link parseKeyLog}. */
export interface KeyLogOptions {
  /** Longest line read, in bytes (default `DEFAULTS.keyLogMaxLineBytes`, 1024). */
  maxLineBytes?: number;
  /** Problems kept in `problems` (default 100); all are still counted. */
  maxProblems?: number;
}

/** Which field each used label fills. */
const LABEL_FIELDS: Readonly<Record<string, keyof TlsSecrets>> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
  CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
  SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
  EXPORTER_SECRET: 'exporterSecret',
};

/**
 * Labels writers emit that netlab does not need: 0-RTT secrets (early data is
 * not decrypted) and `RSA` lines, which are keyed by encrypted pre-master
 * secret rather than by client random.
 */
const IGNORED_LABELS = new Set(['CLIENT_EARLY_TRAFFIC_SECRET', 'EARLY_EXPORTER_SECRET', 'RSA', 'PMS_CLIENT_RANDOM']);

const HEX = /^[0-9a-fA-F]+$/;
const CLIENT_RANDOM_HEX_LENGTH = 64;
/** TLS 1.2 master secrets are 48 bytes (RFC 5246 §8.1). */
const MASTER_SECRET_BYTES = 48;
/** TLS 1.3 secrets are Hash.length bytes: 32 (SHA-256) or 48 (SHA-384). */
const TRAFFIC_SECRET_BYTES = new Set([32, 48]);

/**
 * Secrets from a key log, looked up by client random. Build one with
 * {@link parseKeyLog}; more text can be added with {@link KeyLog.add}.
 */
export class KeyLog {
  readonly #byRandom = new Map<string, TlsSecrets>();
  readonly #maxLineBytes: number;
  readonly #maxProblems: number;
  readonly #stats: KeyLogStats = { lines: 0, secrets: 0, comments: 0, blank: 0, ignored: 0, unknownLabel: 0, malformed: 0, tooLong: 0 };
  readonly #problems: KeyLogProblem[] = [];

  /**
   * @param options caps; see {@link KeyLogOptions}
   * @throws RangeError when a cap is not a positive integer (a programmer error)
   */
  constructor(options: KeyLogOptions = {}) {
    this.#maxLineBytes = positive(options.maxLineBytes ?? DEFAULTS.keyLogMaxLineBytes, 'options.maxLineBytes');
    this.#maxProblems = positive(options.maxProblems ?? 100, 'options.maxProblems');
  }

  /** Number of connections (client randoms) with at least one secret. */
  get size(): number {
    return this.#byRandom.size;
  }

  /** Line counts so far (a copy). */
  get stats(): KeyLogStats {
    return { ...this.#stats };
  }

  /** The first skipped lines with reasons (at most `maxProblems`). */
  get problems(): readonly KeyLogProblem[] {
    return this.#problems;
  }

  /**
   * The secrets logged for a connection.
   * @param clientRandom the 32-byte random of its ClientHello
   * @returns the secrets, or undefined when the log has none for it
   */
  get(clientRandom: Uint8Array): Readonly<TlsSecrets> | undefined {
    return this.#byRandom.get(Buffer.from(clientRandom.buffer, clientRandom.byteOffset, clientRandom.byteLength).toString('hex'));
  }

  /**
   * Reads more key-log text (e.g. a second file). Never throws on content:
   * bad lines are counted in {@link stats} and listed in {@link problems}.
   * @param text the file's contents, as a string or bytes (UTF-8/ASCII)
   */
  add(text: string | Uint8Array): this {
    const source = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('latin1');
    let start = 0;
    // A bounded loop: every pass consumes at least one character.
    while (start < source.length) {
      let end = source.indexOf('\n', start);
      if (end === -1) end = source.length;
      this.#line(source, start, end);
      start = end + 1;
    }
    return this;
  }

  #line(source: string, start: number, end: number): void {
    const lineNo = ++this.#stats.lines;
    if (end - start > this.#maxLineBytes) {
      this.#stats.tooLong++;
      this.#problem(lineNo, ERROR_CODES.KEYLOG_LINE_TOO_LONG, `line is longer than ${this.#maxLineBytes} bytes; skipped`);
      return;
    }
    const line = source.slice(start, end).trim();
    if (line === '') {
      this.#stats.blank++;
      return;
    }
    if (line.startsWith('#')) {
      this.#stats.comments++;
      return;
    }
    const fields = line.split(/\s+/);
    const [label, randomHex, secretHex] = fields;
    if (fields.length !== 3 || label === undefined || randomHex === undefined || secretHex === undefined) {
      this.#malformed(lineNo, `expected "LABEL <client random> <secret>", found ${fields.length} field(s)`);
      return;
    }
    const field = LABEL_FIELDS[label];
    if (field === undefined) {
      if (IGNORED_LABELS.has(label)) {
        this.#stats.ignored++;
      } else {
        this.#stats.unknownLabel++;
        this.#problem(lineNo, ERROR_CODES.KEYLOG_MALFORMED_LINE, `unknown label ${JSON.stringify(label.slice(0, 40))}; skipped`);
      }
      return;
    }
    if (randomHex.length !== CLIENT_RANDOM_HEX_LENGTH || !HEX.test(randomHex)) {
      this.#malformed(lineNo, `client random must be ${CLIENT_RANDOM_HEX_LENGTH} hex digits (32 bytes)`);
      return;
    }
    if (secretHex.length % 2 !== 0 || !HEX.test(secretHex)) {
      this.#malformed(lineNo, 'secret is not an even number of hex digits');
      return;
    }
    const secretBytes = secretHex.length / 2;
    if (field === 'masterSecret' ? secretBytes !== MASTER_SECRET_BYTES : !TRAFFIC_SECRET_BYTES.has(secretBytes)) {
      this.#malformed(lineNo, `a ${label} secret cannot be ${secretBytes} bytes long`);
      return;
    }
    const key = randomHex.toLowerCase();
    let secrets = this.#byRandom.get(key);
    if (secrets === undefined) {
      secrets = {};
      this.#byRandom.set(key, secrets);
    }
    // A repeated line (a log appended twice) replaces the earlier one.
    secrets[field] = Buffer.from(secretHex, 'hex');
    this.#stats.secrets++;
  }

  #malformed(line: number, message: string): void {
    this.#stats.malformed++;
    this.#problem(line, ERROR_CODES.KEYLOG_MALFORMED_LINE, message);
  }

  #problem(line: number, code: ErrorCode, message: string): void {
    if (this.#problems.length < this.#maxProblems) this.#problems.push({ line, code, message: `key log line ${line}: ${message}` });
  }
}

/**
 * Parses NSS key-log text.
 * @param text the file's contents
 * @param options caps (line length, problems kept)
 * @returns a {@link KeyLog}; check `stats`/`problems` for skipped lines
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT only for invalid options
 */
export function parseKeyLog(text: string | Uint8Array, options: KeyLogOptions = {}): KeyLog {
  return new KeyLog(options).add(text);
}

function positive(value: number, name: string): number {
  return positiveInteger(value, name);
}
