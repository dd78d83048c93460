/** TLS key-log parser: random and mutated SSLKEYLOGFILE text never throws and stays within its caps. */
import { ERROR_CODES } from '../../src/errors.js';
import { parseKeyLog } from '../../src/pcap/tls/keylog.js';
import * as v from '../../test/fixtures/tls/rfc8448.js';
import { input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const CODES = new Set<string>(Object.values(ERROR_CODES));
const SEEDS = [
  Buffer.from(v.KEY_LOG),
  Buffer.from(`# comment\r\nCLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}\n\nRSA 00 11\nBOGUS x y\n`),
];

export const tlsKeylog: FuzzTarget = {
  name: 'tls/keylog',
  run(rng) {
    const text = input(rng, SEEDS, 2048);
    const maxLineBytes = rng.pick([16, 200, 1024]);
    const log = parseKeyLog(rng.chance(0.5) ? text : text.toString('latin1'), { maxLineBytes, maxProblems: 5 });
    const stats = log.stats;
    check(log.problems.length <= 5, 'more problems kept than maxProblems');
    for (const p of log.problems) check(CODES.has(p.code), `uncatalogued problem code ${p.code}`);
    check(stats.secrets <= stats.lines && log.size <= stats.lines, 'more secrets than lines');
  },
};
