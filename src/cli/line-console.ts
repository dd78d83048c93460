/**
 * The terminal side of the interactive clients (`chat join`, `im join`):
 * lines typed are handed on while incoming lines are printed above the
 * prompt, so what arrives never garbles what is being typed. Without a TTY
 * (a pipe) it is a plain line reader and writer.
 */
import readline from 'node:readline';

export interface LineConsoleOptions {
  /** Each line typed (without its ending). */
  onLine: (line: string) => void;
  /** Stdin ended (Ctrl-D, or the end of a pipe) or Ctrl-C was pressed. */
  onClose: () => void;
  prompt?: string;
}

export class LineConsole {
  readonly #rl: readline.Interface;
  readonly #tty: boolean;
  #closed = false;

  constructor(options: LineConsoleOptions) {
    this.#tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    this.#rl = readline.createInterface({ input: process.stdin, output: this.#tty ? process.stdout : undefined, terminal: this.#tty });
    this.#rl.setPrompt(options.prompt ?? '> ');
    this.#rl.on('line', (line) => {
      options.onLine(line);
      if (this.#tty && !this.#closed) this.#rl.prompt();
    });
    this.#rl.on('close', () => {
      this.#closed = true;
      options.onClose();
    });
    if (this.#tty) this.#rl.prompt();
  }

  /** Prints one incoming line above the prompt, keeping what is being typed. */
  print(line: string): void {
    if (!this.#tty || this.#closed) {
      process.stdout.write(`${line}\n`);
      return;
    }
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
    process.stdout.write(`${line}\n`);
    this.#rl.prompt(true);
  }

  close(): void {
    if (!this.#closed) this.#rl.close();
  }
}
