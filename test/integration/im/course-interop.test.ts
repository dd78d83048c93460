/**
 * `netlab im join` against the Python reference client built from the
 * course's field numbers, with each kind of course MAC: the MAC over the IM
 * bytes and the MAC over the padded IM bytes. Receipt accepts both kinds;
 * `--mac-over` picks what netlab sends, and only a reference client of the
 * same kind accepts it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bannerPort, spawnCli } from '../../helpers/spawn-cli.js';
import { prepareReference, type PythonReference } from '../../helpers/python-im.js';
import { LineCollector, waitFor, waitForExit } from '../../helpers/wait.js';

let py: PythonReference;
before(() => {
  py = prepareReference();
});
after(() => py.dispose());

const cases = [
  { join: 'im', python: 'im', netlabToPython: 'cli: hi python' },
  { join: 'padded', python: 'padded', netlabToPython: 'cli: hi python' },
  // Receipt takes either kind; sending one kind to a client of the other fails its MAC check.
  { join: 'im', python: 'padded', netlabToPython: 'message could not be authenticated' },
  { join: 'padded', python: 'im', netlabToPython: 'message could not be authenticated' },
] as const;

for (const c of cases) {
  test(`im join --mac-over ${c.join} with a reference client that MACs ${c.python === 'im' ? 'the IM bytes' : 'the padded IM bytes'}`, async (t) => {
    const serve = spawnCli(t, ['im', 'serve', '-p', '0']);
    const port = await bannerPort(serve);
    const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'cli', '-c', 'conf', '-a', 'auth', '--mac-over', c.join]);
    await join.stderr.waitForLine(/^connected to .* \(encrypted, course\)/);
    await waitFor('the client in the relay log', () => serve.stdout.lines.some((l) => / connect tcp /.test(l)));

    const child = py.spawn(['client', '--port', String(port), '--nick', 'python', '--conf', 'conf', '--auth', 'auth', '--mac-over', c.python, '--send', 'hi cli', '--expect', '1']);
    t.after(() => {
      if (child.exitCode === null) child.kill();
    });
    const pyOut = new LineCollector(child.stdout!);
    await pyOut.waitForLine('READY');
    await join.stdout.waitForLine('python: hi cli');
    join.child.stdin!.write('hi python\n');
    await pyOut.waitForCount(2);
    assert.equal(pyOut.lines[1], c.netlabToPython);
    assert.equal(await waitForExit(child), 0);
    assert.deepEqual(join.stdout.lines, ['python: hi cli']);
  });
}

test('im join --mac-over takes im or padded only (usage error, exit 2)', async (t) => {
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', '9', '-n', 'x', '-c', 'c', '-a', 'a', '--mac-over', 'both']);
  assert.equal(await waitForExit(join.child), 2);
  assert.match(await join.stderr.waitForLine(/MAC kind/), /choose one of im, padded/);
});
