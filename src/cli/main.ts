#!/usr/bin/env node
import { run } from './program.js';

// A reader that goes away (`netlab pcap packets big.pcap | head`) ends the
// output, as SIGPIPE ends tshark or tcpdump: quietly, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await run(process.argv.slice(2));
// Exit explicitly: an interactive session may leave stdin open, but once the
// command is done nothing else should keep the process alive. Waiting for the
// empty write lets buffered stdout reach a pipe first.
process.stdout.write('', () => process.exit(code));
