/**
 * Plain-socket peers: ncat as a TCP and UDP client, and the classic Python
 * UDPClient of the socket-programming labs against `serve udp -m upper`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunningProcess, runProcess, startServeCli } from '../helpers/cli.js';

test('ncat as a TCP client: every byte mode answers, and ncat half-closes on end of input', async (t) => {
  for (const [mode, input, expected] of [
    ['echo', 'Hello ncat\n', 'Hello ncat\n'],
    ['upper', 'Hello ncat\n', 'HELLO NCAT\n'],
    ['rot13', 'Hello ncat\n', 'Uryyb apng\n'],
    ['reverse', 'one\r\ntwo\nlast', 'eno\r\nowt\ntsal'],
  ] as const) {
    const { proc, port } = await startServeCli(['tcp', '-m', mode]);
    t.after(() => proc.stop());
    const result = await runProcess('ncat', ['127.0.0.1', String(port)], { input });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, expected, `mode ${mode}`);
  }
});

test('ncat -u as a UDP client gets each datagram answered', async (t) => {
  const { proc, port } = await startServeCli(['udp', '-m', 'rot13']);
  t.after(() => proc.stop());
  // ncat -u may quit at end of input before the answer is back, so keep
  // its input open, as a user typing would, until the answer is printed.
  const client = new RunningProcess('ncat', ['-u', '127.0.0.1', String(port)]);
  t.after(() => client.stop());
  client.child.stdin.write('Hello UDP\n');
  await client.waitFor(/Uryyb HQC\n/, 10_000, 'stdout');
  client.child.stdin.write('Second\n');
  await client.waitFor(/Frpbaq\n/, 10_000, 'stdout');
  assert.equal(client.stdout, 'Uryyb HQC\nFrpbaq\n');
});

test('the Python UDPClient lab against serve udp -m upper', async (t) => {
  const { proc, port } = await startServeCli(['udp', '-m', 'upper']);
  t.after(() => proc.stop());
  const client = `
from socket import socket, AF_INET, SOCK_DGRAM
s = socket(AF_INET, SOCK_DGRAM)
s.settimeout(5)
for message in ['hello world', 'Mixed Case 123', 'ünïcode stays']:
    s.sendto(message.encode(), ('127.0.0.1', ${port}))
    modified, server = s.recvfrom(2048)
    print(modified.decode())
s.close()
`;
  const result = await runProcess('/usr/bin/python3', ['-c', client]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'HELLO WORLD\nMIXED CASE 123\nüNïCODE STAYS\n');
  // The server logged the Python peer as a UDP session.
  await proc.waitFor(/"event":"connect","transport":"udp","peer":"127\.0\.0\.1:\d+"/, 5_000, 'stdout');
});

test('a Python TCP client gets binary data echoed exactly', async (t) => {
  const { proc, port } = await startServeCli(['tcp']);
  t.after(() => proc.stop());
  const client = `
import socket, sys
data = bytes(range(256)) * 64
s = socket.create_connection(('127.0.0.1', ${port}), timeout=5)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = b''
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
print(len(got), got == data)
`;
  const result = await runProcess('/usr/bin/python3', ['-c', client]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), '16384 True');
});
