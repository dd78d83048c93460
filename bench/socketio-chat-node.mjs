// The anchor the multi-node chat benchmark compares with: what a Node
// developer would reach for to spread one chat room over processes,
// socket.io with @socket.io/redis-adapter (here on ioredis). One room, the
// same fan-out as `netlab chat serve`: each line a user sends goes to every
// other user, on every node, as `NAME: TEXT`. The name comes with the
// handshake (auth.name). WebSocket transport only, no long-polling, no
// compression: the cheapest socket.io there is.
//
//   node bench/socketio-chat-node.mjs PORT [redis://HOST:PORT]
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';

const [port, redisUrl] = process.argv.slice(2);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 64 * 1024 });
if (redisUrl !== undefined) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  await Promise.all([new Promise((resolve) => pub.once('ready', resolve)), new Promise((resolve) => sub.once('ready', resolve))]);
  io.adapter(createAdapter(pub, sub));
}
io.on('connection', (socket) => {
  const name = String(socket.handshake.auth.name);
  socket.on('line', (text) => socket.broadcast.emit('line', `${name}: ${text}`));
});
http.listen(Number(port), '127.0.0.1', 1024);
process.on('SIGTERM', () => process.exit(0));
