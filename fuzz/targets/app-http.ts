/**
 * pcap/http: HttpStream over mutated and random request/response streams on
 * both sides, in random chunks. Never throws, and what it holds stays under
 * HTTP_LIMITS whatever the input.
 */
import { HTTP_LIMITS, HttpStream } from '../../src/pcap/layers/http.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const SEEDS = [
  'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x/1\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext\r\nhello\r\n0\r\nTrailer: 1\r\n\r\n',
  'POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcHEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.0 200 OK\r\n\r\nto the close',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello',
].map((s) => Buffer.from(s, 'latin1'));

const BOUND = 2 * (HTTP_LIMITS.maxHeadBytes + HTTP_LIMITS.maxChunkLineBytes + HTTP_LIMITS.maxBodyKeptBytes);

export const appHttp: FuzzTarget = {
  name: 'pcap/http',
  run(rng) {
    const s = new HttpStream();
    const pushes = 1 + rng.below(4);
    for (let i = 0; i < pushes; i++) {
      const side = rng.chance(0.5) ? 0 : 1;
      for (const c of chunk(rng, input(rng, SEEDS, 400))) {
        for (const l of s.push(side, c)) check(l.name === 'http' && typeof l.info === 'string', 'a layer that is not HTTP');
        check(s.bufferedBytes <= BOUND, `holds ${s.bufferedBytes} bytes`);
      }
    }
    s.end(0);
    s.end(1);
    check(!s.pending(0) && !s.pending(1), 'pending after both ends');
  },
};
