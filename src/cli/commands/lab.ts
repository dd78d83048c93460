/** `netlab lab` (what `npm start` runs): the guided lab. */
import type { Command } from 'commander';
import { runEchoDemo } from '../../lab/demo.js';
import { Output, paint } from '../output.js';

export function registerLab(program: Command): void {
  program
    .command('lab')
    .summary('the guided lab: every server kind started on loopback and shown answering')
    .description(
      'Starts a tcp, tls, udp and ws server for each echo mode on free loopback ports, sends each one line, and shows the answers.\n' +
        'No root and no set-up needed.',
    )
    .option('--json', 'one JSON object per answer')
    .action(async (flags: { json?: boolean }) => {
      const out = new Output(flags);
      if (!out.json) {
        out.info(paint(process.stdout, 'bold', 'netlab lab: one question to every transport and echo mode'));
        out.info('');
      }
      await runEchoDemo((r) => {
        if (out.json) out.event(r);
        else out.info(`  ${r.transport.padEnd(4)} ${r.mode.padEnd(8)} 127.0.0.1:${String(r.port).padEnd(6)} ${JSON.stringify(r.sent)} -> ${JSON.stringify(r.answer)}`);
      });
      if (!out.json) {
        out.info('');
        out.info('Try one yourself:  netlab serve tcp -m upper   and in another terminal:  netlab connect tcp 127.0.0.1 5000');
      }
    });
}
