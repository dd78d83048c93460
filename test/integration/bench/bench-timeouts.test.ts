/**
 * Replies that never come are counted as timeouts: a UDP echo that drops
 * every other datagram, and a TCP server that accepts but never answers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { runCli } from '../../helpers/cli.js';

interface Report {
  round_trips: number;
  timeouts: number;
  errors: number;
  bytes_sent: number;
  size: number;
}

async function bench(args: string[]): Promise<Report> {
  const result = await runCli(['bench', 'echo', ...args, '--json'], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Report;
}

describe('netlab bench echo timeouts', () => {
  it('counts lost UDP datagrams as timeouts and keeps going', async (t) => {
    const server = dgram.createSocket('udp4');
    let n = 0;
    server.on('message', (msg, rinfo) => {
      n += 1;
      if (n % 2 === 0) server.send(msg, rinfo.port, rinfo.address);
    });
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const r = await bench(['udp', '127.0.0.1', String(server.address().port), '-c', '2', '-d', '0.6', '--timeout', '0.05']);
    assert.ok(r.timeouts > 0, `timeouts ${r.timeouts}`);
    assert.ok(r.round_trips > 0, `round trips ${r.round_trips}`);
    assert.equal(r.errors, 0);
    assert.ok(r.bytes_sent >= (r.round_trips + r.timeouts) * r.size);
  });

  it('gives up a TCP connection whose reply does not come, counting one timeout each', async (t) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const r = await bench(['tcp', '127.0.0.1', String((server.address() as net.AddressInfo).port), '-c', '3', '-d', '0.6', '--timeout', '0.1']);
    assert.equal(r.round_trips, 0);
    assert.equal(r.timeouts, 3);
    assert.equal(r.errors, 0);
  });
});
