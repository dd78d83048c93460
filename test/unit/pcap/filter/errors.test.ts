/**
 * Filters that do not compile: each error says what is wrong, points at the
 * right character and says what was expected there; rendered for a terminal
 * with a caret; a usage error (exit 2) on the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDisplayFilter, DisplayFilterError, formatFilterError, type FilterError } from '../../../../src/pcap/filter/index.js';
import { ERROR_CODES, UsageError } from '../../../../src/errors.js';
import { exitCodeFor } from '../../../../src/cli/program.js';
import { fakeCatalog, TEST_KINDS } from '../../../helpers/fake-fields.js';

const catalog = fakeCatalog(TEST_KINDS);

function error(expr: string): FilterError {
  const r = compileDisplayFilter(expr, catalog);
  if (r.ok) assert.fail(`${JSON.stringify(expr)} compiled`);
  return r.error;
}

/** [expression, where the caret goes (the text from it on), message pattern, expected pattern] */
const BAD: [string, string, RegExp, RegExp][] = [
  ['tcp.prot == 80', 'tcp.prot == 80', /^unknown field "tcp\.prot" \(did you mean "tcp\.port"\?\)$/, /field name/],
  ['ttl > 3', 'ttl > 3', /unknown field "ttl" \(did you mean "ip\.ttl"\?\)/, /field name/],
  ['tcp.port ==', '', /unexpected end of the filter/, /a value/],
  ['tcp.port == && tcp', '&& tcp', /unexpected "&&"/, /a value/],
  ['(tcp.port == 80', '', /unexpected end/, /"\)"/],
  ['((tcp) && (udp)', '', /unexpected end/, /"\)"/],
  ['tcp.port == 80)', ')', /unexpected "\)"/, /end of the filter/],
  ['ip.addr == 1.2.3', '1.2.3', /^ip\.addr takes an IPv4 address like 192\.168\.0\.1 or 10\.0\.0\.0\/8$/, /IPv4 address/],
  ['ip.src == 10.0.0.0/33', '10.0.0.0/33', /prefix.*0 to 32/, /IPv4/],
  ['ipv6.src == 2001:db8::/129', '2001:db8::/129', /0 to 128/, /IPv6/],
  ['ipv6.src == 1.2.3.4', '1.2.3.4', /ipv6\.src takes an IPv6 address/, /IPv6/],
  ['eth.src == 00:11:22', '00:11:22', /Ethernet address/, /Ethernet/],
  ['tcp.port == 80 80', '80', /unexpected "80"/, /operator|&&/],
  ['tcp.port in {}', '}', /at least one element/, /value/],
  ['tcp.port in {80,}', '}', /unexpected "}"/, /value/],
  ['tcp.port in {80', '', /unexpected end/, /"}"/],
  ['tcp.port in 80', '80', /unexpected "80"/, /"\{"/],
  ['tcp.port in {1..}', '}', /unexpected "}"/, /value/],
  ['tcp.port in {80, "http"}', '"http"}', /tcp\.port takes an unsigned integer.*not a quoted string/, /unsigned integer/],
  ['http.host == "abc', '"abc', /closing quote/, /"/],
  ['http.host == "a\\qb"', '\\qb"', /\\q is not an escape/, /escape/],
  ['http.host matches "[a"', '"[a"', /invalid regular expression: .*character class/i, /regular expression/],
  ['http.host matches abc', 'abc', /double quotes/, /regular expression/],
  ['tcp.port contains 80', 'tcp.port contains 80', /contains works on strings, bytes and protocols/, /string, bytes or protocol/],
  ['ip.src matches "10"', 'ip.src matches "10"', /matches works on strings/, /string/],
  ['80 == tcp.port', '80 == tcp.port', /not a field name/, /field name/],
  ['"GET" == http.request.method', '"GET" == http.request.method', /field first/, /field name/],
  ['tcp.port == "80"', '"80"', /unsigned integer.*not a quoted string/, /unsigned integer/],
  ['tcp.len == -1', '-1', /cannot be negative/, /unsigned integer/],
  ['tcp.len == 1.5', '1.5', /not a fraction/, /unsigned integer/],
  ['tcp.len > 08', '08', /unsigned integer/, /unsigned integer/],
  ['tcp.flags.syn == yes', 'yes', /boolean/, /boolean/],
  ['frame.time_relative > .2', '.2', /number like 0\.5/, /number/],
  ['tcp.srcport < tcp.dsport', 'tcp.dsport', /^unknown field "tcp\.dsport" \(did you mean "tcp\.dstport"\?\)$/, /field name/],
  ['tcp.port in {80, tcp.srcport}', 'tcp.srcport}', /tcp\.srcport is a field: a set holds values/, /unsigned integer/],
  ['tcp.port == ip.src', 'ip.src', /cannot be compared with ip\.src/, /same kind/],
  ['tcp.port = 80', '= 80', /did you mean "=="/, /operator/],
  ['tcp && udp & ip', '& ip', /did you mean "&&"/, /operator/],
  ['tcp | udp', '| udp', /did you mean "\|\|"/, /operator/],
  ['&& tcp', '&& tcp', /unexpected "&&"/, /field name, "!" or "\("/],
  ['tcp &&', '', /unexpected end/, /field name/],
  ['!', '', /unexpected end/, /field name/],
  ['()', ')', /unexpected "\)"/, /field name/],
  ['tcp.port == 1 == 1', '== 1', /cannot be chained/, /&&/],
  ['tcp.payload[0:2] == 00', '[0:2] == 00', /slices/, /operator/],
  ["http.host == 'x'", "'x'", /double quotes/, /double-quoted/],
  ['tcp.payload matches "(?x)a"', '"(?x)a"', /\(\?x\) is not supported/, /regular expression/],
  ['tcp < 3', '< 3', /protocol/, /contains/],
  ['tcp.port not 3', 'not 3', /unexpected "not"/, /operator/],
  ['tcp.port == and', 'and', /unexpected "and"/, /value/],
  ['tcp.port EQ 80', 'EQ 80', /unexpected "EQ"/, /operator/],
  ['tcp.payload contains 0:1:zz', '0:1:zz', /bytes like 47:45:54/, /bytes/],
  ['tcp.port == 80 @', '@', /unexpected character "@"/, /operator/],
];

test('bad filters: message, caret position and what was expected', () => {
  for (const [expr, rest, message, expected] of BAD) {
    const e = error(expr);
    assert.match(e.message, message, expr);
    assert.match(e.expected, expected, `${expr}: expected`);
    assert.equal(e.position, expr.length - rest.length, `${expr}: caret at ${JSON.stringify(rest)}, got ${e.position}`);
  }
});

test('the error renders as the message, the expression and a caret under the position', () => {
  const expr = 'tcp.prot == 80';
  assert.equal(
    formatFilterError(expr, error(expr)),
    'display filter: unknown field "tcp.prot" (did you mean "tcp.port"?)\n  tcp.prot == 80\n  ^',
  );
  const later = 'tcp && ip.addr == 10.0.0.300';
  assert.equal(formatFilterError(later, error(later)).split('\n')[2], `  ${' '.repeat(later.indexOf('10.0'))}^`);
  const end = 'tcp.port ==';
  assert.equal(formatFilterError(end, error(end)).split('\n')[2], `  ${' '.repeat(end.length)}^`, 'the end of the filter is just past it');
});

test('tabs and line breaks in the expression are shown as spaces so the caret lines up', () => {
  const expr = 'tcp\t&&\nfoo.bar';
  const lines = formatFilterError(expr, error(expr)).split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[1], '  tcp && foo.bar');
  assert.equal(lines[2]!.indexOf('^'), lines[1]!.indexOf('foo'));
});

test('on the CLI a bad filter is a usage error: exit code 2, the rendered text as its message', () => {
  const expr = 'tcp.port == 80 80';
  const err = new DisplayFilterError(expr, error(expr));
  assert.ok(err instanceof UsageError);
  assert.equal(err.code, ERROR_CODES.INVALID_ARGUMENT);
  assert.equal(exitCodeFor(err), 2);
  assert.equal(err.message, formatFilterError(expr, err.filterError));
  assert.equal(err.expression, expr);
});
