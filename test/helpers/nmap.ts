/** Runs nmap (a test dependency, installed by .ci/run) and reads its XML port states. */
import { execFile } from 'node:child_process';

/**
 * @param args nmap arguments; `-oX -` is added
 * @param netns run inside this network namespace
 * @returns port -> state for every port nmap listed (it folds the most common state away)
 */
export function runNmap(args: string[], netns?: string): Promise<Map<number, string>> {
  const argv = [...args, '-oX', '-'];
  const [command, ...rest] = netns === undefined ? ['nmap', ...argv] : ['ip', 'netns', 'exec', netns, 'nmap', ...argv];
  return new Promise((resolve, reject) => {
    execFile(command as string, rest, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) {
        reject(err);
        return;
      }
      const states = new Map<number, string>();
      for (const m of stdout.matchAll(/<port protocol="(?:tcp|udp)" portid="(\d+)"><state state="([^"]+)"/g)) {
        states.set(Number(m[1]), m[2] as string);
      }
      resolve(states);
    });
  });
}

/** Ports nmap reported open, ascending. */
export function openPorts(states: Map<number, string>): number[] {
  return [...states].filter(([, s]) => s === 'open').map(([p]) => p).sort((a, b) => a - b);
}
