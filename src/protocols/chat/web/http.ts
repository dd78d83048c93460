/**
 * The HTTP side of `chat serve --web`: the page on GET / and the WebSocket
 * upgrade on /ws, on one listener (the ws transport's HTTP hooks).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHooks } from '../../../transports/types.js';
import { CHAT_PAGE, PAGE_SCRIPT_HASH, PAGE_STYLE_HASH } from './page.js';

/** Where the page's script opens its WebSocket. */
export const CHAT_WS_PATH = '/ws';

const PAGE_BYTES = Buffer.from(CHAT_PAGE, 'utf8');

/**
 * A Host header as RFC 9110 §7.2 allows it (reg-name / IPv4 / [IPv6], optional
 * port), checked before it goes into the CSP: nothing that could end or extend the header.
 */
const HOST_RE = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function hostOf(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  return host !== undefined && HOST_RE.test(host) ? host : undefined;
}

function contentSecurityPolicy(host: string): string {
  return [
    "default-src 'none'",
    `script-src ${PAGE_SCRIPT_HASH}`,
    `style-src ${PAGE_STYLE_HASH}`,
    // Only this page's own WebSocket: the page can talk to nothing else.
    `connect-src ws://${host}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...extra });
  res.end(`${text}\n`);
}

function servePage(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/' && path !== '/index.html') return plain(res, 404, 'Not found');
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
  const host = hostOf(req);
  if (host === undefined) return plain(res, 400, 'Bad Host header');
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(PAGE_BYTES.byteLength),
    'content-security-policy': contentSecurityPolicy(host),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : PAGE_BYTES);
}

/**
 * A browser always sends Origin on a WebSocket upgrade (RFC 6455 §4.1 item 8):
 * only the page's own origin may join, so a page on another site cannot put
 * a visitor's browser in the room (cross-site WebSocket hijacking).
 * Non-browser clients send none and are let in like telnet users.
 */
function checkOrigin(req: IncomingMessage): number | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const host = hostOf(req);
  return host !== undefined && origin === `http://${host}` ? undefined : 403;
}

/** The hooks that make a ws listener serve the chat page. */
export function chatPageHooks(): HttpHooks {
  return { onRequest: servePage, upgradePath: CHAT_WS_PATH, checkUpgrade: checkOrigin };
}
