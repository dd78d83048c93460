/**
 * `netlab lab tls` (the default, `npm start`): the plaintext-vs-TLS echo
 * lab. The same sensitive lines go through a TCP echo server and a TLS echo
 * server on loopback; the captures are read back the way an eavesdropper
 * would (reader and TCP reassembly), and the TLS stream is decrypted again
 * with the key log, as Wireshark does when given the (Pre)-Master-Secret log.
 */
import { resolve } from 'node:path';
import { DEMO_SECRETS } from '../../client/demo-secrets.js';
import { createSelfSignedCertificate } from '../../tls/certificate.js';
import { describePayload, hexdump } from '../../util/payload-view.js';
import { decryptLabStream, followLabStream, readLabCapture } from '../capture-reading.js';
import type { LabContext } from '../context.js';
import type { Lab } from '../lab.js';
import { packetsCarrying, recordEchoExchange } from '../steps.js';

/** Ciphertext shown per direction before "... more bytes". */
const CIPHERTEXT_PREVIEW_BYTES = 160;

async function run(ctx: LabContext): Promise<void> {
  const tcpPcap = await recordEchoExchange(ctx, 'lab-tcp.pcap', { transport: 'tcp' }, DEMO_SECRETS);
  const keyLog = await ctx.keyLog('lab-keys.log');
  const keyLogPath = keyLog.path;
  const cert = await createSelfSignedCertificate();
  let tlsPcap: string;
  try {
    const tls = {
      server: { cert: cert.certPem, key: cert.keyPem, onKeylog: (line: string) => keyLog.write(line) },
      // The client verifies the lab's certificate like a browser would a real one.
      client: { ca: cert.certPem, servername: 'localhost' },
    };
    tlsPcap = await recordEchoExchange(ctx, 'lab-tls.pcap', { transport: 'tls', tls }, DEMO_SECRETS);
  } finally {
    keyLog.close();
  }

  const recorder = ctx.recordedWith === 'socket tap' ? 'the socket tap (no root needed)' : `a live ${ctx.recordedWith} capture of loopback`;
  ctx.intro(`netlab lab: the same ${DEMO_SECRETS.length} secret lines sent over TCP and over TLS, recorded with ${recorder}.`);
  await plaintextSection(ctx, tcpPcap);
  await ciphertextSection(ctx, tlsPcap);
  await decryptedSection(ctx, tlsPcap, keyLogPath);

  ctx.hint(`(in Wireshark: Analyze > Follow > TCP Stream shows what each side sent)`);
  ctx.hint(`for ${tlsPcap}: Preferences > Protocols > TLS > (Pre)-Master-Secret log filename: ${resolve(keyLogPath)}`);
  ctx.hint(`wireshark -o tls.keylog_file:${resolve(keyLogPath)} ${resolve(tlsPcap)}     (the same tls.keylog_file preference, for one run)`);
  ctx.hint(`tshark -r ${tlsPcap} -o tls.keylog_file:${keyLogPath} -x`);
  // The TLS capture is ciphertext until the key log is given.
  ctx.hint(`netlab pcap follow ${tlsPcap} --stream 0 --keylog ${keyLogPath}`);
}

async function plaintextSection(ctx: LabContext, tcpPcap: string): Promise<void> {
  const section = ctx.section(`TCP: what an eavesdropper reads in ${tcpPcap}`);
  const wire = await followLabStream(tcpPcap, 0);
  section.say('client -> server:').say(describePayload(wire.client).map((l) => `  ${l}`), 'alert');
  section.say('server -> client (the echo):').say(describePayload(wire.server).map((l) => `  ${l}`));
  const reading = await readLabCapture(tcpPcap);
  section.say('Each secret, and the packet that carries it:');
  let readable = 0;
  for (const secret of DEMO_SECRETS) {
    const carrier = packetsCarrying(reading.packets, secret).find((p) => p.fromClient);
    if (carrier === undefined) continue;
    readable += 1;
    section.packet(carrier, { secret }, 'alert');
  }
  section.count('readable_secrets', readable, 'secrets an eavesdropper reads');
  section.say('Every secret is readable by anyone who can capture this traffic.');
}

async function ciphertextSection(ctx: LabContext, tlsPcap: string): Promise<void> {
  const section = ctx.section(`TLS: what an eavesdropper reads in ${tlsPcap}`);
  const wire = await followLabStream(tlsPcap, 0);
  section.say(`client -> server (${wire.client.length} bytes: handshake, then encrypted records):`);
  section.say(hexdump(wire.client, CIPHERTEXT_PREVIEW_BYTES).map((l) => `  ${l}`));
  section.say(`server -> client (${wire.server.length} bytes):`);
  section.say(hexdump(wire.server, CIPHERTEXT_PREVIEW_BYTES).map((l) => `  ${l}`));
  const reading = await readLabCapture(tlsPcap);
  section.say('The packets that carry TLS records, as Wireshark names them:');
  for (const p of reading.packets) if (p.payload.length > 0) section.packet(p, { info: p.info });
  const leaked = DEMO_SECRETS.filter((s) => wire.client.includes(s) || wire.server.includes(s));
  section.count('secrets_found', leaked.length, 'secrets found in these bytes');
  section.say(leaked.length === 0 ? 'None of the secrets appears anywhere in these bytes.' : `Found in the clear: ${leaked.join(', ')}`, leaked.length === 0 ? 'plain' : 'alert');
}

async function decryptedSection(ctx: LabContext, tlsPcap: string, keyLogPath: string): Promise<void> {
  const section = ctx.section(`TLS decrypted with the key log ${keyLogPath}`);
  const decrypted = await decryptLabStream(tlsPcap, 0, keyLogPath);
  const s = decrypted.summary;
  section.fact({ version: s.version, cipher_suite: s.cipherSuite, status: s.status, reason: s.reason }, (f) => `${f.version ?? 'TLS'} ${f.cipher_suite ?? ''}: ${f.status}${f.reason ? ` (${f.reason})` : ''}`);
  section.say('client -> server:').say(describePayload(decrypted.client).map((l) => `  ${l}`), 'good');
  section.say('server -> client:').say(describePayload(decrypted.server).map((l) => `  ${l}`));
  const reading = await readLabCapture(tlsPcap, { keyLogPath });
  section.say('Each secret, and the packet whose record decrypts to it:');
  for (const secret of DEMO_SECRETS) {
    const carrier = reading.packets.find((p) => p.fromClient && p.decrypted.some((d) => d.includes(secret)));
    const record = carrier?.decrypted.find((d) => d.includes(secret));
    if (carrier !== undefined && record !== undefined) section.packet(carrier, { secret, decrypted: record.toString('utf8') }, 'good');
  }
  section.say('Whoever holds the session keys reads everything again: guard key logs like passwords.');
}

export const tlsLab: Lab = {
  name: 'tls',
  summary: 'plaintext vs TLS: the same secrets through a TCP and a TLS echo server; readable, then ciphertext, then decrypted with the key log',
  sheet: 'the plaintext-vs-TLS echo lab (Wireshark)',
  run,
};
