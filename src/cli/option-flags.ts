/**
 * The library names options (`options.maxConnections`), the CLI names flags
 * (`--max-conns`). When a library error reaches the terminal, the option
 * names in its message are rewritten to the flags that set them, so a user
 * reads the flag they typed. Commands still check their own flags first where
 * they can (src/cli/parse.ts); this covers what only the library checks.
 */

/** Library option path -> the flag that sets it, as a user would type it. */
const FLAG_FOR_OPTION: Readonly<Record<string, string>> = Object.freeze({
  'options.port': '--port',
  'options.host': '--host',
  'options.transport': '--transport',
  'options.maxConnections': '--max-conns',
  'options.idleTimeoutSeconds': '--idle-timeout',
  'options.handshakeTimeoutSeconds': '--handshake-timeout',
  'options.partialLineIdleMs': '--line-idle-ms',
  'options.macOver': '--mac-over',
  'options.timeoutSeconds': '--timeout',
  'options.tls.cert': '--cert',
  'options.tls.key': '--key',
  'options.tls.ca': '--ca',
  'options.tls.servername': '--servername',
  'options.mode': '--mode',
  'options.reply': '--reply TEXT',
  'options.maxLineBytes': '--max-line',
  'options.maxFrameBytes': '--max-frame',
  'options.maxUsers': '--max-users',
  'options.maxUdpUsers': '--max-udp-users',
  'options.linesPerSecond': '--rate-limit',
  'options.confidentialityKey': '-c CONFKEY',
  'options.authenticityKey': '-a AUTHKEY',
  'options.suite': '--suite',
  'options.days': '--days',
  'options.commonName': '--cn',
  'options.subjectAltNames': '--san',
  'options.concurrency': '--concurrency',
  'options.retries': '--retries',
  'options.timeoutMs': '--timeout',
  'options.rate': '--rate',
  'options.bannerTimeoutMs': '--banner-timeout',
});

const OPTION_PATH = /\boptions(?:\.[A-Za-z_$][\w$]*)+/g;

/**
 * Rewrites the library option names in `message` to CLI flags; names with no
 * flag are left as they are.
 */
export function withFlagNames(message: string): string {
  return message.replace(OPTION_PATH, (path) => FLAG_FOR_OPTION[path] ?? path);
}
