/**
 * Capture filters (`-f`): tcpdump's filter language over capture files,
 * with the meaning `tcpdump -r FILE EXPR` gives it on the same file.
 */
import type { Dissection } from '../layers/dissection.js';
import type { CaptureFilterError, FilterNode } from './ast.js';
import { compileForLinkType } from './compile.js';
import { FilterContext, type Test } from './link-model.js';
import { parseCaptureFilter } from './parser.js';

export type { Arith, ArithOp, CaptureFilterError, Direction, FilterNode, LinkProto, RelOp } from './ast.js';
export { parseCaptureFilter } from './parser.js';

/**
 * A compiled capture filter.
 *
 * `filter(d, wireLength)` says whether the dissected frame `d` passes; it
 * reads `d.buf[d.start, d.end)` and `d.linkType` (the BPF offsets, not the
 * dissection's fields: tcpdump's meaning is that of fixed offsets). It
 * allocates nothing per packet. `wireLength` is the frame's length on the
 * wire (PacketRecord.origLen), used by `greater`/`less`; it defaults to the
 * captured length. On a link type the filter cannot be compiled for, it
 * passes nothing: ask `checkLinkType` first to report why.
 */
export interface CaptureFilter {
  filter: (d: Dissection, wireLength?: number) => boolean;
  /** The parsed expression (null for an empty filter, which passes everything). */
  ast: FilterNode | null;
  /**
   * The error tcpdump gives for this filter on `linkType` (e.g. `ether host`
   * on raw IP, `vlan` on Linux cooked, anything but `greater`/`less` on
   * NFLOG, "expression rejects all packets"), or null when it compiles.
   */
  checkLinkType: (linkType: number) => CaptureFilterError | null;
}

/**
 * Compiles a tcpdump capture filter.
 * @param expr the expression, e.g. `host 127.0.0.1 and port 5000`
 * @returns the filter, or the first error with its 0-based position in
 *   `expr` and what was expected there. Never throws, whatever `expr` is.
 */
export function compileCaptureFilter(expr: string): { ok: true; filter: CaptureFilter['filter']; ast: FilterNode | null; checkLinkType: CaptureFilter['checkLinkType'] } | { ok: false; error: CaptureFilterError } {
  const parsed = parseCaptureFilter(expr);
  if (!parsed.ok) return parsed;
  const ast = parsed.ast;
  const ctx = new FilterContext();
  // One compiled test per link type met, built on first sight.
  const tests = new Map<number, Test>();
  const errors = new Map<number, CaptureFilterError | null>();
  const forLink = (linkType: number): Test => {
    let t = tests.get(linkType);
    if (t === undefined) {
      let p: ReturnType<typeof compileForLinkType>;
      try {
        p = compileForLinkType(ast, linkType);
      } catch (e) {
        // Not reachable by any input the tests found; kept so a bug cannot throw out of a packet loop.
        p = { ok: false, error: { message: `internal error: ${String(e)}`, position: 0, expected: [] } };
      }
      t = p.ok ? p.test : false;
      tests.set(linkType, t);
      errors.set(linkType, p.ok ? null : p.error);
    }
    return t;
  };
  let lastLink = -1;
  let lastTest: Test = false;
  const filter = (d: Dissection, wireLength?: number): boolean => {
    if (d.linkType !== lastLink) {
      lastTest = forLink(d.linkType);
      lastLink = d.linkType;
    }
    const t = lastTest;
    if (typeof t === 'boolean') return t;
    ctx.buf = d.buf;
    ctx.start = d.start;
    ctx.capLen = d.end - d.start;
    ctx.wireLen = wireLength ?? ctx.capLen;
    return t(ctx) === 1;
  };
  const checkLinkType = (linkType: number): CaptureFilterError | null => {
    forLink(linkType);
    return errors.get(linkType) ?? null;
  };
  return { ok: true, filter, ast, checkLinkType };
}
