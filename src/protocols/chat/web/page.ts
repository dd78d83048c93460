/**
 * The chat page of `chat serve --web`: one HTML document, its style and
 * script inline (no framework, no CDN, no font download), so the room works
 * offline and a strict Content-Security-Policy can allow exactly these two
 * blocks by hash (CSP Level 3 §8.3 "hash-source").
 *
 * Everything a user typed (names, lines) reaches the document through
 * textContent / text nodes only, never as markup.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; --bg: #fafafa; --fg: #1b1b1b; --muted: #5a5a5a; --panel: #ffffff; --border: #c8c8c8; --accent: #0b57d0; --notice: #2e6b30; --error: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171a; --fg: #e6e6e6; --muted: #a0a4aa; --panel: #1e2125; --border: #3a3f45; --accent: #8ab4f8; --notice: #81c995; --error: #f28b82; }
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { background: var(--bg); color: var(--fg); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; display: flex; flex-direction: column; }
header { padding: .5rem 1rem; border-bottom: 1px solid var(--border); display: flex; gap: 1rem; align-items: baseline; }
h1 { font-size: 1.1rem; margin: 0; }
#status { color: var(--muted); font-size: .9rem; }
#status.bad { color: var(--error); }
main { flex: 1; display: flex; min-height: 0; }
#log { flex: 1; overflow-y: auto; margin: 0; padding: .5rem 1rem; list-style: none; }
#log li { padding: .1rem 0; overflow-wrap: anywhere; white-space: pre-wrap; }
#log time { color: var(--muted); font-variant-numeric: tabular-nums; font-size: .85rem; margin-right: .5rem; }
#log .nick { font-weight: 600; color: var(--accent); }
#log .mine .nick { color: var(--fg); }
#log .notice { color: var(--notice); font-style: italic; }
#log .system { color: var(--muted); }
aside { width: 12rem; border-left: 1px solid var(--border); padding: .5rem 1rem; background: var(--panel); overflow-y: auto; }
aside h2 { font-size: .95rem; margin: 0 0 .3rem; }
#users { list-style: none; margin: 0; padding: 0; }
#users li { overflow-wrap: anywhere; }
form { display: flex; gap: .5rem; padding: .5rem 1rem; border-top: 1px solid var(--border); background: var(--panel); align-items: center; flex-wrap: wrap; }
label { font-weight: 600; }
input { flex: 1; min-width: 10rem; font: inherit; padding: .4rem .5rem; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 4px; }
button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
#reason { flex-basis: 100%; color: var(--error); margin: 0; }
#reason:empty { display: none; }
[hidden] { display: none !important; }
@media (max-width: 40rem) { aside { display: none; } }
`;

const SCRIPT = `
'use strict';
(function () {
  var log = document.getElementById('log');
  var users = document.getElementById('users');
  var statusEl = document.getElementById('status');
  var nameForm = document.getElementById('name-form');
  var nameInput = document.getElementById('name');
  var reason = document.getElementById('reason');
  var sayForm = document.getElementById('say-form');
  var line = document.getElementById('line');
  var ws = null;
  var state = 'connecting';
  var myName = '';
  var wanted = '';
  var everJoined = false;
  var retryMs = 500;
  var names = [];
  /** /who answers the user typed for (shown in the log); the page's own /who only fills the list. */
  var whoAsked = 0;

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function now() { var d = new Date(); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
  function add(kind, nick, text) {
    var li = document.createElement('li');
    li.className = kind;
    var t = document.createElement('time');
    t.textContent = now();
    li.appendChild(t);
    if (nick !== null) {
      var b = document.createElement('span');
      b.className = 'nick';
      b.textContent = nick;
      li.appendChild(b);
      li.appendChild(document.createTextNode(': '));
    }
    li.appendChild(document.createTextNode(text));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }
  function setStatus(text, bad) { statusEl.textContent = text; statusEl.className = bad ? 'bad' : ''; }
  function drawUsers() {
    names.sort(function (a, b) { return a.toLowerCase() < b.toLowerCase() ? -1 : 1; });
    users.replaceChildren();
    names.forEach(function (n) { var li = document.createElement('li'); li.textContent = n; users.appendChild(li); });
  }
  function addUser(n) { if (names.indexOf(n) < 0) names.push(n); drawUsers(); }
  function removeUser(n) { names = names.filter(function (x) { return x !== n; }); drawUsers(); }
  function askName(why) {
    state = 'naming';
    sayForm.hidden = true;
    nameForm.hidden = false;
    reason.textContent = why || '';
    if (!nameInput.value) nameInput.value = wanted;
    nameInput.focus();
  }
  function joined() {
    state = 'chatting';
    everJoined = true;
    myName = wanted;
    nameForm.hidden = true;
    reason.textContent = '';
    sayForm.hidden = false;
    line.focus();
    setStatus('Connected as ' + myName, false);
    send('/who');
  }
  function send(text) { if (ws && ws.readyState === 1) ws.send(text); }
  function onLine(text) {
    var m;
    if (state === 'naming' || state === 'connecting') {
      if (text.indexOf('Welcome to the chat ') === 0) { add('system', null, text); joined(); return; }
      if (text === 'Welcome to the server, what is your name?') { askName(''); return; }
      askName(text);
      return;
    }
    if ((m = /^(\\S+) has entered the chat$/.exec(text))) { add('notice', null, text); addUser(m[1]); return; }
    if ((m = /^(\\S+) has left the chat$/.exec(text))) { add('notice', null, text); removeUser(m[1]); return; }
    if ((m = /^Users: (.*)$/.exec(text))) {
      names = m[1] === '' ? [] : m[1].split(', ');
      drawUsers();
      if (whoAsked > 0) { whoAsked -= 1; add('system', null, text); }
      return;
    }
    var colon = text.indexOf(': ');
    if (colon > 0 && text.slice(0, colon).indexOf(' ') < 0) { add('said', text.slice(0, colon), text.slice(colon + 2)); return; }
    add('system', null, text);
  }
  function connect() {
    state = 'connecting';
    setStatus(everJoined ? 'Reconnecting…' : 'Connecting…', everJoined);
    ws = new WebSocket('ws://' + location.host + '/ws');
    ws.onopen = function () { retryMs = 500; setStatus(everJoined ? 'Reconnected; please give your name again' : 'Connected', false); };
    ws.onmessage = function (e) { if (typeof e.data === 'string') onLine(e.data); };
    ws.onclose = function () {
      ws = null;
      names = [];
      drawUsers();
      if (state === 'left') { setStatus('You left the chat. Reload the page to join again.', false); return; }
      if (state === 'chatting') add('system', null, 'Connection lost; reconnecting…');
      everJoined = everJoined || state === 'chatting';
      sayForm.hidden = true;
      setStatus('Connection lost; reconnecting…', true);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }
  nameForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var n = nameInput.value.trim();
    if (state !== 'naming') return;
    wanted = n;
    nameInput.value = '';
    send(n);
  });
  sayForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = line.value;
    if (text === '' || state !== 'chatting') return;
    line.value = '';
    var cmd = text.trim();
    if (cmd === '!Q' || cmd === '/quit') { state = 'left'; sayForm.hidden = true; send(text); return; }
    send(text);
    if (cmd === '/who') whoAsked += 1;
    else add('said mine', myName, text);
  });
  connect();
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** CSP hash-sources of the inline style and script, computed once at start-up. */
export const PAGE_STYLE_HASH = sha256(STYLE);
export const PAGE_SCRIPT_HASH = sha256(SCRIPT);

/** The whole page, as sent. */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>netlab chat</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>netlab chat</h1><span id="status" role="status">Connecting…</span></header>
<main>
<ol id="log" aria-live="polite" aria-label="Conversation" tabindex="0"></ol>
<aside aria-labelledby="users-title"><h2 id="users-title">In the room</h2><ul id="users" aria-labelledby="users-title"></ul></aside>
</main>
<form id="name-form" hidden>
<label for="name">Your name</label>
<input id="name" name="name" autocomplete="nickname" maxlength="64" required aria-describedby="reason">
<button type="submit">Join</button>
<p id="reason" role="alert"></p>
</form>
<form id="say-form" hidden>
<label for="line">Message</label>
<input id="line" name="line" autocomplete="off" aria-describedby="hint">
<button type="submit">Send</button>
<span id="hint" hidden>Enter sends; /who lists the users; !Q leaves.</span>
</form>
<script>${SCRIPT}</script>
</body>
</html>
`;
