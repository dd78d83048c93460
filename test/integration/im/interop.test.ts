/**
 * Interop with the Python reference client (protoc-generated modules,
 * pycryptodome), both directions, plain and encrypted, through the relay.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { ImClient } from '../../../src/protocols/im/client.js';
import { CourseCipher, createImCipher } from '../../../src/protocols/im/crypto.js';
import type { ChatMessage } from '../../../src/protocols/im/messages.js';
import { startRelay } from '../../helpers/im-relay.js';
import { prepareReference, type PythonReference } from '../../helpers/python-im.js';
import { LineCollector, waitFor, waitForExit } from '../../helpers/wait.js';

let py: PythonReference;
before(() => {
  py = prepareReference();
});
after(() => py.dispose());

function track(t: import('node:test').TestContext, child: ChildProcess): LineCollector {
  t.after(() => {
    if (child.exitCode === null && child.pid !== undefined) child.kill();
  });
  return new LineCollector(child.stdout!);
}

test('the Python reference still produces the committed fixed-key, fixed-IV vector', () => {
  const v = JSON.parse(readFileSync(new URL('../../fixtures/im/course-vector.json', import.meta.url), 'utf8')) as Record<string, string>;
  const hex = py.run(['seal', '--conf', v.confkey!, '--auth', v.authkey!, '--iv', v.iv!, '--nick', v.nickname!, '--msg', v.message!]);
  assert.equal(hex, v.payload);
  assert.equal(new CourseCipher(v.confkey!, v.authkey!).seal({ nickname: v.nickname!, message: v.message! }, Buffer.from(v.iv!, 'hex')).toString('hex'), hex);
});

test('Python opens what netlab seals, and says the uniform notice under wrong keys', () => {
  const payload = new CourseCipher('k1', 'k2').seal({ nickname: 'netlab', message: 'ciao ✓' }).toString('hex');
  assert.equal(py.run(['open', '--conf', 'k1', '--auth', 'k2', '--payload', payload]), 'netlab: ciao ✓');
  assert.equal(py.run(['open', '--conf', 'k1', '--auth', 'WRONG', '--payload', payload]), 'message could not be authenticated');
  assert.equal(py.run(['open', '--conf', 'WRONG', '--auth', 'k2', '--payload', payload]), 'message could not be authenticated');
});

for (const mode of ['plain', 'encrypted'] as const) {
  test(`${mode}: Python -> netlab and netlab -> Python through the relay`, async (t) => {
    const server = await startRelay();
    t.after(() => server.close());
    const keys = mode === 'encrypted' ? { confidentialityKey: 'conf key', authenticityKey: 'auth key' } : {};
    const client = await ImClient.connect({ host: '127.0.0.1', port: server.port, nickname: 'netlab', cipher: createImCipher(keys) });
    t.after(() => client.session.destroy());
    const received: ChatMessage[] = [];
    client.on('message', (m) => received.push(m));
    await waitFor('netlab client in the relay', () => server.relay.stats.clients === 1);

    const keyArgs = mode === 'encrypted' ? ['--conf', 'conf key', '--auth', 'auth key'] : [];
    const child = py.spawn(['client', '--port', String(server.port), '--nick', 'python', ...keyArgs, '--send', 'hello from python ✓', '--send', 'second', '--expect', '2']);
    const out = track(t, child);
    await out.waitForLine('READY');
    await waitFor('netlab to receive both Python messages', () => received.length === 2);
    assert.deepEqual(received, [
      { nickname: 'python', message: 'hello from python ✓' },
      { nickname: 'python', message: 'second' },
    ]);
    client.send('hello from netlab');
    client.send('ünïcode 🙂');
    await out.waitForCount(3);
    assert.deepEqual(out.lines.slice(1, 3), ['netlab: hello from netlab', 'netlab: ünïcode 🙂']);
    assert.equal(await waitForExit(child), 0);
  });
}
