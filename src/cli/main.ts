#!/usr/bin/env node
import { run } from './program.js';

const code = await run(process.argv.slice(2));
// Exit explicitly: an interactive session may leave stdin open, but once the
// command is done nothing else should keep the process alive. Waiting for the
// empty write lets buffered stdout reach a pipe first.
process.stdout.write('', () => process.exit(code));
