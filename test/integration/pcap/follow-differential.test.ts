/**
 * `pcap follow` against tshark on every sample with TCP: the stream list
 * (numbering, client endpoint, packet counts) and each direction's
 * reassembled bytes equal `tshark -q -z follow,tcp,raw,N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { followTcpStream, listTcpStreams } from '../../../src/pcap/follow.js';
import { FIXTURES, sampleFiles } from '../../helpers/pcap.js';
import { tsharkFollowRaw, tsharkStreams } from '../../helpers/tshark-follow.js';

for (const name of sampleFiles()) {
  const file = join(FIXTURES, name);
  const ref = tsharkStreams(file);
  if (ref.size === 0) continue;
  test(`${name}: TCP stream list and reassembled bytes equal tshark's`, async () => {
    const { streams } = await listTcpStreams(file);
    assert.equal(streams.length, ref.size, 'number of tcp.stream values');
    for (const s of streams) {
      const r = ref.get(s.index);
      assert.ok(r, `tshark has stream ${s.index}`);
      assert.equal(s.client, r.client, `client of stream ${s.index}`);
      assert.equal(s.packets, r.packets, `packets of stream ${s.index}`);
      const raw = tsharkFollowRaw(file, s.index);
      const got = ['', ''];
      await followTcpStream(file, s.index, (side, data) => {
        got[side] += Buffer.from(data).toString('hex');
      });
      // tshark names the nodes only when the stream carried data (else ":0").
      if (raw.client !== ':0') assert.equal(raw.client, s.client, 'tshark node 0 is our client');
      assert.equal(got[0], raw.node0, `client bytes of stream ${s.index}`);
      assert.equal(got[1], raw.node1, `server bytes of stream ${s.index}`);
      assert.equal(s.bytesClient, raw.node0.length / 2);
      assert.equal(s.bytesServer, raw.node1.length / 2);
    }
  });
}
