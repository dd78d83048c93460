/**
 * `chat serve --web`: the page in a real Chromium (Debian's, driven by
 * playwright-core, which downloads no browser) sharing one room with TCP,
 * UDP and WebSocket users; its safety (text only, CSP, Origin check) and its
 * reconnect after a server restart.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { DEFAULTS } from '../../../src/constants.js';
import { createServer, type Server } from '../../../src/server/server.js';
import { ChatServer } from '../../../src/protocols/chat/server.js';
import { chatPageHooks } from '../../../src/protocols/chat/web/http.js';
import { tcpUser, udpUser } from '../../helpers/chat.js';
import { spawnCli } from '../../helpers/spawn-cli.js';
import { tempDir } from '../../helpers/temp.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
/** Every browser wait is bounded by this. */
const WAIT_MS = 10_000;

/** One Chromium per test, closed in its teardown (never a downloaded browser: Debian's). */
const browsers = new WeakMap<TestContext, Browser>();
async function browserFor(t: TestContext): Promise<Browser> {
  let browser = browsers.get(t);
  if (browser === undefined) {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
    const launched = browser;
    t.after(() => launched.close());
    browsers.set(t, browser);
  }
  return browser;
}

interface Room {
  chat: ChatServer;
  webPort: number;
  tcpPort: number;
  udpPort: number;
  web: Server;
}

async function webServer(chat: ChatServer, port: number): Promise<Server> {
  return createServer({ transport: 'ws', host: '127.0.0.1', port, protocol: chat.protocol, maxMessageBytes: DEFAULTS.chatMaxWebSocketMessageBytes, http: chatPageHooks() });
}

async function startRoom(t: TestContext): Promise<Room> {
  const chat = new ChatServer();
  const web = await webServer(chat, 0);
  const tcp = await createServer({ transport: 'tcp', host: '127.0.0.1', port: 0, protocol: chat.protocol });
  const udp = await createServer({ transport: 'udp', host: '127.0.0.1', port: 0, protocol: chat.protocol, udpProof: 'protocol' });
  const room = { chat, web, webPort: web.address.port, tcpPort: tcp.address.port, udpPort: udp.address.port };
  t.after(() => Promise.all([room.web.close(), tcp.close(), udp.close()]));
  return room;
}

/** A browser tab on the page, recording console errors and every request it makes. */
interface Tab {
  page: Page;
  errors: string[];
  requests: string[];
}

async function openTab(t: TestContext, port: number, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Tab> {
  const context = await (await browserFor(t)).newContext({ colorScheme: options.colorScheme ?? 'light', viewport: { width: 900, height: 500 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const tab: Tab = { page, errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') tab.errors.push(m.text());
  });
  page.on('pageerror', (e) => tab.errors.push(e.message));
  page.on('request', (r) => tab.requests.push(r.url()));
  await page.goto(`http://127.0.0.1:${port}/`);
  return tab;
}

async function join(tab: Tab, name: string): Promise<void> {
  const { page } = tab;
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Your name').press('Enter');
}

async function say(tab: Tab, text: string): Promise<void> {
  await tab.page.getByLabel('Message').fill(text);
  await tab.page.getByLabel('Message').press('Enter');
}

/** The conversation's entries as text (time stripped). */
async function logLines(page: Page): Promise<string[]> {
  return page.locator('#log li').evaluateAll((items) => items.map((li) => [...li.childNodes].filter((n) => n.nodeName !== 'TIME').map((n) => n.textContent).join('')));
}

async function waitForLog(page: Page, line: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const lines = await logLines(page);
    if (lines.includes(line)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(line)} on the page (has ${JSON.stringify(lines)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function userList(page: Page): Promise<string[]> {
  return page.locator('#users li').allTextContents();
}

async function waitForUsers(page: Page, names: string[]): Promise<void> {
  const want = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await userList(page);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for users ${JSON.stringify(want)} (has ${JSON.stringify(got)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function assertClean(tab: Tab, port: number): void {
  assert.deepEqual(tab.errors, [], 'no console errors');
  const origin = `http://127.0.0.1:${port}`;
  const foreign = tab.requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith(`ws://127.0.0.1:${port}/`));
  assert.deepEqual(foreign, [], 'no request to another origin');
}

test('a browser user and a raw TCP user talk both ways; /who; !Q is announced', async (t) => {
  const room = await startRoom(t);
  const alice = await tcpUser(t, room.tcpPort, 'alice/tcp');
  await alice.out.waitForLine('Welcome to the server, what is your name?');
  alice.send('alice');
  await alice.out.waitForLine('Welcome to the chat alice. Please type !Q to quit.');

  const tab = await openTab(t, room.webPort);
  // Keyboard alone: the name field has the focus on arrival, the message field once joined.
  await tab.page.getByLabel('Your name').waitFor({ state: 'visible' });
  assert.equal(await tab.page.evaluate('document.activeElement.id'), 'name');
  await tab.page.keyboard.type('bob');
  await tab.page.keyboard.press('Enter');
  await waitForLog(tab.page, 'Welcome to the chat bob. Please type !Q to quit.');
  assert.equal(await tab.page.evaluate('document.activeElement.id'), 'line');
  assert.equal(await tab.page.getByRole('list', { name: 'Conversation' }).getAttribute('aria-live'), 'polite', 'new messages are announced');
  await alice.out.waitForLine('bob has entered the chat');
  await waitForUsers(tab.page, ['alice', 'bob']);

  alice.send('hello from telnet');
  await waitForLog(tab.page, 'alice: hello from telnet');
  await say(tab, 'hello from the browser ✓');
  await alice.out.waitForLine('bob: hello from the browser ✓');
  await waitForLog(tab.page, 'bob: hello from the browser ✓'); // own line shown too

  await say(tab, '/who');
  await waitForLog(tab.page, 'Users: alice, bob');

  alice.send('!Q');
  await waitForLog(tab.page, 'alice has left the chat');
  await waitForUsers(tab.page, ['bob']);
  const notice = tab.page.locator('#log li.notice', { hasText: 'alice has left the chat' });
  assert.equal(await notice.count(), 1, 'the leave notice is styled as a notice');

  await say(tab, '!Q');
  await waitFor('bob to leave the room', () => room.chat.connections === 0);
  assertClean(tab, room.webPort);
});

test('two browser users and a UDP user share the room; user lists stay current', async (t) => {
  const room = await startRoom(t);
  const a = await openTab(t, room.webPort);
  await join(a, 'ann');
  await waitForLog(a.page, 'Welcome to the chat ann. Please type !Q to quit.');
  const b = await openTab(t, room.webPort);
  await join(b, 'ben');
  await waitForLog(a.page, 'ben has entered the chat');
  await waitForUsers(b.page, ['ann', 'ben']);

  const carol = await udpUser(t, room.udpPort, 'carol/udp');
  carol.send('carol');
  await carol.out.waitForLine('Welcome to the chat carol. Please type !Q to quit.');
  await waitForUsers(a.page, ['ann', 'ben', 'carol']);
  await waitForUsers(b.page, ['ann', 'ben', 'carol']);

  carol.send('over udp');
  await waitForLog(a.page, 'carol: over udp');
  await waitForLog(b.page, 'carol: over udp');
  await say(a, 'from ann');
  await waitForLog(b.page, 'ann: from ann');
  await carol.out.waitForLine('ann: from ann');

  carol.send('!Q');
  await waitForLog(a.page, 'carol has left the chat');
  await waitForUsers(b.page, ['ann', 'ben']);
  assertClean(a, room.webPort);
  assertClean(b, room.webPort);
});

test('a taken nickname is refused with the server\'s reason on the page, then another is taken', async (t) => {
  const room = await startRoom(t);
  const alice = await tcpUser(t, room.tcpPort);
  alice.send('alice');
  await alice.out.waitForLine(/^Welcome to the chat alice/);
  const tab = await openTab(t, room.webPort);
  await join(tab, 'ALICE');
  await tab.page.locator('#reason', { hasText: 'The name ALICE is already taken; what is your name?' }).waitFor();
  assert.equal(await tab.page.getByLabel('Your name').isVisible(), true, 'asked again');
  await join(tab, 'alice2');
  await alice.out.waitForLine('alice2 has entered the chat');
  // The page clears the reason when its own welcome arrives, which may be after the TCP user's notice.
  await waitForLog(tab.page, 'Welcome to the chat alice2. Please type !Q to quit.');
  assert.equal(await tab.page.locator('#reason').textContent(), '');
  assertClean(tab, room.webPort);
});

test('names and lines carrying markup are shown as text and run nothing', async (t) => {
  const room = await startRoom(t);
  const tab = await openTab(t, room.webPort);
  await join(tab, 'viewer');
  await waitForLog(tab.page, 'Welcome to the chat viewer. Please type !Q to quit.');

  // Names cannot hold spaces: the markup a name can carry has none.
  const evilName = '<img/src=x/onerror=__pwned=1>';
  const img = '<img src=x onerror=window.__pwned=1>';
  const script = '<script>window.__pwned=1</script>';
  const mallory = await tcpUser(t, room.tcpPort);
  mallory.send(evilName);
  await mallory.out.waitForLine(`Welcome to the chat ${evilName}. Please type !Q to quit.`);
  mallory.send(img);
  mallory.send(script);
  await waitForLog(tab.page, `${evilName} has entered the chat`);
  await waitForLog(tab.page, `${evilName}: ${img}`);
  await waitForLog(tab.page, `${evilName}: ${script}`);
  await waitForUsers(tab.page, [evilName, 'viewer']);

  assert.equal(await tab.page.evaluate('typeof window.__pwned'), 'undefined', 'no injected script ran');
  assert.equal(await tab.page.locator('#log img, #log script, #users img').count(), 0, 'no element made from text');
  const nick = tab.page.locator('#log li.said .nick').first();
  assert.equal(await nick.textContent(), evilName);
  assert.deepEqual(tab.errors, []);
});

test('the page comes with a strict CSP and only GET / serves it', async (t) => {
  const room = await startRoom(t);
  const base = `http://127.0.0.1:${room.webPort}`;
  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const part of ["default-src 'none'", `connect-src ws://127.0.0.1:${room.webPort}`, "img-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(part), `CSP has ${part}: ${csp}`);
  }
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'/);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/]+=*'/);
  // The hashes are those of the inline blocks the page carries (Chromium running the page proves it too).
  const html = await res.text();
  const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  assert.ok(csp.includes(`script-src ${hash(script)}`), 'script hash');
  assert.ok(csp.includes(`style-src ${hash(style)}`), 'style hash');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal((await fetch(`${base}/index.html`)).status, 200);
  assert.equal((await fetch(`${base}/other`)).status, 404);
  assert.equal((await fetch(`${base}/`, { method: 'POST', body: 'x' })).status, 405);
  // A Host that could smuggle text into the CSP header is refused, not echoed.
  const raw = await rawRequest(room.webPort, 'GET / HTTP/1.1\r\nHost: a; script-src *\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 400 /);
});

/** Sends one raw HTTP request and resolves with the whole answer. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, WAIT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(request);
  });
}

/** Opens a WebSocket to the page's /ws; resolves with the first message, or the refusing HTTP status. */
function tryUpgrade(port: number, origin: string | undefined): Promise<{ status?: number; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, origin === undefined ? {} : { origin });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('upgrade timed out'));
    }, WAIT_MS);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.on('message', (data) => {
      clearTimeout(timer);
      resolve({ first: data.toString() });
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

test('a WebSocket upgrade from a foreign Origin is refused; the page\'s own or none works', async (t) => {
  const room = await startRoom(t);
  assert.deepEqual(await tryUpgrade(room.webPort, 'http://evil.example'), { status: 403 });
  assert.deepEqual(await tryUpgrade(room.webPort, `http://127.0.0.1:${room.webPort + 1}`), { status: 403 });
  assert.deepEqual(await tryUpgrade(room.webPort, `http://127.0.0.1:${room.webPort}`), { first: 'Welcome to the server, what is your name?' });
  assert.deepEqual(await tryUpgrade(room.webPort, undefined), { first: 'Welcome to the server, what is your name?' });
});

test('after the server restarts on the same port the page says it is reconnecting, asks the name again and works', async (t) => {
  const room = await startRoom(t);
  const alice = await tcpUser(t, room.tcpPort);
  alice.send('alice');
  await alice.out.waitForLine(/^Welcome to the chat alice/);
  const tab = await openTab(t, room.webPort);
  await join(tab, 'bob');
  await alice.out.waitForLine('bob has entered the chat');

  await room.web.close();
  await tab.page.locator('#status', { hasText: 'reconnecting' }).waitFor();
  room.web = await webServer(room.chat, room.webPort);
  await tab.page.getByLabel('Your name').waitFor({ state: 'visible' });
  await join(tab, 'bob');
  await alice.out.waitForLine(/^bob has entered the chat$/);
  await waitFor('bob to enter twice', () => alice.out.lines.filter((l) => l === 'bob has entered the chat').length === 2);
  await say(tab, 'back again');
  await alice.out.waitForLine('bob: back again');
  // The restart's dropped connection is an error in Chromium's console; nothing else may be.
  assert.deepEqual(tab.errors.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
});

test('light and dark mode screenshots', async (t) => {
  const room = await startRoom(t);
  const dir = tempDir(t, 'netlab-web-');
  const alice = await tcpUser(t, room.tcpPort);
  alice.send('alice');
  await alice.out.waitForLine(/^Welcome to the chat alice/);
  for (const scheme of ['light', 'dark'] as const) {
    const tab = await openTab(t, room.webPort, { colorScheme: scheme });
    await join(tab, `me-${scheme}`);
    await waitForLog(tab.page, `Welcome to the chat me-${scheme}. Please type !Q to quit.`);
    alice.send(`hello ${scheme} mode`);
    await waitForLog(tab.page, `alice: hello ${scheme} mode`);
    await say(tab, 'hi alice');
    const background = await tab.page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, scheme === 'light' ? 'rgb(250, 250, 250)' : 'rgb(21, 23, 26)');
    const file = path.join(dir, `chat-${scheme}.png`);
    await tab.page.screenshot({ path: file });
    if (process.env.NETLAB_KEEP_SCREENSHOTS !== undefined) await tab.page.screenshot({ path: path.join(process.env.NETLAB_KEEP_SCREENSHOTS, `chat-${scheme}.png`) });
    await say(tab, '!Q');
    assertClean(tab, room.webPort);
  }
});

test('netlab chat serve --web: the browser user is a ws user in the log, the --json events and the totals', async (t) => {
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--web', '0', '--json']);
  await waitFor('two listeners', () => serve.stdout.lines.filter((l) => l.includes('"event":"listening"')).length === 2);
  const ports: Record<string, number> = {};
  for (const l of serve.stdout.lines.filter((x) => x.includes('"event":"listening"'))) {
    const r = JSON.parse(l) as { transport: string; address: string };
    ports[r.transport] = Number(r.address.split(':').pop());
  }
  const alice = await tcpUser(t, ports.tcp!);
  alice.send('alice');
  await alice.out.waitForLine(/^Welcome to the chat alice/);
  const tab = await openTab(t, ports.ws!);
  await join(tab, 'webby');
  await alice.out.waitForLine('webby has entered the chat');
  await say(tab, 'from the cli-served page');
  await alice.out.waitForLine('webby: from the cli-served page');

  serve.child.kill('SIGINT');
  await tab.page.locator('#log li', { hasText: 'The server is shutting down. Goodbye!' }).waitFor();
  assert.equal(await waitForExit(serve.child), 0);
  const events = serve.stdout.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(events.some((e) => e.event === 'joined' && e.nickname === 'webby' && e.transport === 'ws'), 'joined event with transport ws');
  assert.ok(events.some((e) => e.event === 'connect' && e.transport === 'ws'), 'connect record with transport ws');
  const summary = events.find((e) => e.event === 'summary');
  assert.equal(summary?.users_joined, 2);
  assertClean(tab, ports.ws!);
});

test('a page user\'s WebSocket has the chat limits: a message over 64 KiB closes it with 1009, a long line gets the notice', async (t) => {
  const room = await startRoom(t);
  const ws = new WebSocket(`ws://127.0.0.1:${room.webPort}/ws`);
  ws.on('error', () => undefined);
  t.after(() => ws.terminate());
  const got: string[] = [];
  let closeCode: number | undefined;
  ws.on('message', (d) => got.push(d.toString()));
  ws.on('close', (code) => (closeCode = code));
  await waitFor('the greeting', () => got.length === 1);
  ws.send('sizer');
  await waitFor('the welcome', () => got.includes('Welcome to the chat sizer. Please type !Q to quit.'));
  ws.send('x'.repeat(5000));
  await waitFor('the long-line notice', () => got.includes('Your line was longer than 4096 bytes and was not sent.'));
  ws.send('y'.repeat(65 * 1024));
  await waitFor('the close', () => closeCode !== undefined);
  assert.equal(closeCode, 1009);
});
