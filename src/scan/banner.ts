/**
 * Banner grabbing: connect to an open port and keep what the service says
 * first (SSH, SMTP, FTP, POP3 and IMAP all greet before the client speaks).
 * A fresh connection per port, after the connect scan, like nmap -sV's NULL
 * probe; nothing is sent.
 */
import net from 'node:net';
import type { ProbeTarget } from './probe.js';

export interface BannerOptions {
  /** How long to wait for the first bytes, in ms. */
  timeoutMs: number;
  /** Most bytes kept, in bytes. */
  maxBytes: number;
}

/** Printable ASCII (0x20-0x7e) is kept, anything else becomes \xNN; CR/LF and trailing space are dropped. */
export function sanitizeBanner(bytes: Buffer): string {
  let end = bytes.indexOf(0x0a);
  if (end === -1) end = bytes.length;
  let out = '';
  for (let i = 0; i < end; i++) {
    const b = bytes[i] as number;
    if (b === 0x0d && i === end - 1) break;
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out.trimEnd();
}

class BannerSocket extends net.Socket {
  chunks: Buffer[] = [];
  size = 0;
  timer: NodeJS.Timeout | undefined;
  resolve: ((banner: string | undefined) => void) | undefined;
  maxBytes = 0;
}

function finishBanner(socket: BannerSocket): void {
  const resolve = socket.resolve;
  if (resolve === undefined) return;
  socket.resolve = undefined;
  if (socket.timer !== undefined) clearTimeout(socket.timer);
  socket.destroy();
  const text = socket.size > 0 ? sanitizeBanner(Buffer.concat(socket.chunks, socket.size)) : '';
  resolve(text === '' ? undefined : text);
}

function onBannerData(this: BannerSocket, chunk: Buffer): void {
  const room = this.maxBytes - this.size;
  const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
  this.chunks.push(part);
  this.size += part.length;
  // The first line is the banner; stop once it is complete or the cap is hit.
  if (part.includes(0x0a) || this.size >= this.maxBytes) finishBanner(this);
}

function onBannerEnd(this: BannerSocket): void {
  finishBanner(this);
}

/**
 * Reads the first line a service sends after the handshake.
 *
 * @param target the address scanned
 * @param port an open TCP port
 * @returns the banner (printable, one line), or undefined when the service
 *   stayed silent for `timeoutMs`, closed, or refused this time
 */
export function grabBanner(target: ProbeTarget, port: number, options: BannerOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new BannerSocket();
    socket.resolve = resolve;
    socket.maxBytes = options.maxBytes;
    socket.timer = setTimeout(finishBanner, options.timeoutMs, socket);
    socket.on('data', onBannerData);
    socket.on('end', onBannerEnd);
    socket.on('error', onBannerEnd);
    socket.on('close', onBannerEnd);
    socket.connect({ port, host: target.address, family: target.family });
  });
}
