/**
 * ncat-style interactive piping: input to the peer, the peer to output, with
 * backpressure both ways. On TCP/TLS the end of input half-closes our side
 * (FIN / close_notify) and we keep printing until the peer closes, as ncat
 * does. On UDP/WebSocket each input line is one datagram/message; at the end
 * of input we wait until every message has had an answer (or the peer has
 * been quiet for the linger time), then close.
 */
import type { Readable, Writable } from 'node:stream';
import { LineSplitter } from '../codec/line-splitter.js';
import { DEFAULTS } from '../constants.js';
import type { NetlabError } from '../errors.js';
import type { Session } from '../transports/session.js';

export interface InteractiveOptions {
  input: Readable;
  output: Writable;
  /** Message transports: how long to wait for answers after input ends, in seconds. Default 5. */
  lingerSeconds?: number;
}

/**
 * @returns resolves when both directions are done; rejects with the session's error
 */
export function runInteractive(session: Session, options: InteractiveOptions): Promise<void> {
  const { input, output } = options;
  const lingerMs = (options.lingerSeconds ?? DEFAULTS.clientTimeoutSeconds) * 1000;
  const isStream = session.framing === 'stream';
  let sent = 0;
  let received = 0;
  let inputEnded = false;
  let lingerTimer: NodeJS.Timeout | undefined;

  return new Promise<void>((resolve, reject) => {
    const send = (data: Buffer): void => {
      sent += 1;
      if (!session.write(data)) {
        input.pause();
        session.once('drain', () => input.resume());
      }
    };
    const lines = isStream
      ? undefined
      : new LineSplitter({
          maxLineBytes: DEFAULTS.maxWebSocketMessageBytes,
          onLine: (line) => send(Buffer.from(line)),
          onError: (error) => session.destroy(error),
        });

    const finishMessages = (): void => {
      if (lingerTimer !== undefined) clearTimeout(lingerTimer);
      session.end();
    };
    const armLinger = (): void => {
      if (!inputEnded || isStream) return;
      if (received >= sent) finishMessages();
      else {
        if (lingerTimer !== undefined) clearTimeout(lingerTimer);
        lingerTimer = setTimeout(finishMessages, lingerMs);
      }
    };

    const onInput = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (lines) lines.push(bytes);
      else send(bytes);
    };
    const onInputEnd = (): void => {
      inputEnded = true;
      lines?.finish();
      if (isStream) session.end();
      else armLinger();
    };

    input.on('data', onInput);
    input.once('end', onInputEnd);
    // A closed stdout (e.g. piped into `head`) must not crash the client.
    output.on('error', () => session.destroy());

    session.on('data', (chunk) => {
      received += 1;
      const ok = isStream || chunk[chunk.length - 1] === 0x0a ? output.write(chunk) : output.write(Buffer.concat([chunk, Buffer.from('\n')]));
      if (!ok) {
        session.pause();
        output.once('drain', () => session.resume());
      }
      armLinger();
    });
    // The peer closed its side: like ncat, stop sending and finish.
    session.once('end', () => session.end());

    session.once('close', ({ error }: { error: NetlabError | undefined }) => {
      if (lingerTimer !== undefined) clearTimeout(lingerTimer);
      input.off('data', onInput);
      input.off('end', onInputEnd);
      input.pause();
      if (error !== undefined) reject(error);
      else resolve();
    });
  });
}
