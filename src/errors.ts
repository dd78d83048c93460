/**
 * The one place netlab's error codes are defined. Callers match on `code`,
 * never on message text; every code is documented in docs/errors.md (a test
 * keeps the two in step).
 */

import { formatHostPort } from './util/endpoint.js';

export const ERROR_CODES = {
  INVALID_ARGUMENT: 'NETLAB_ERR_INVALID_ARGUMENT',
  PORT_IN_USE: 'NETLAB_ERR_PORT_IN_USE',
  PERMISSION_DENIED: 'NETLAB_ERR_PERMISSION_DENIED',
  ADDRESS_NOT_AVAILABLE: 'NETLAB_ERR_ADDRESS_NOT_AVAILABLE',
  CONNECTION_REFUSED: 'NETLAB_ERR_CONNECTION_REFUSED',
  CONNECTION_RESET: 'NETLAB_ERR_CONNECTION_RESET',
  PEER_CLOSED: 'NETLAB_ERR_PEER_CLOSED',
  PROTOCOL_MISMATCH: 'NETLAB_ERR_PROTOCOL_MISMATCH',
  UNKNOWN_HOST: 'NETLAB_ERR_UNKNOWN_HOST',
  HOST_UNREACHABLE: 'NETLAB_ERR_HOST_UNREACHABLE',
  NETWORK: 'NETLAB_ERR_NETWORK',
  TIMEOUT: 'NETLAB_ERR_TIMEOUT',
  TLS_VERIFY: 'NETLAB_ERR_TLS_VERIFY',
  TLS_HANDSHAKE: 'NETLAB_ERR_TLS_HANDSHAKE',
  KEY_PASSPHRASE: 'NETLAB_ERR_KEY_PASSPHRASE',
  LINE_TOO_LONG: 'NETLAB_ERR_LINE_TOO_LONG',
  TOO_MANY_CONNECTIONS: 'NETLAB_ERR_TOO_MANY_CONNECTIONS',
  IDLE_TIMEOUT: 'NETLAB_ERR_IDLE_TIMEOUT',
  FILE: 'NETLAB_ERR_FILE',
  INTERNAL: 'NETLAB_ERR_INTERNAL',
  // chat and IM
  FRAME_TOO_LARGE: 'NETLAB_ERR_FRAME_TOO_LARGE',
  SLOW_READER: 'NETLAB_ERR_SLOW_READER',
  // pcap: capture files
  PCAP_NOT_CAPTURE: 'NETLAB_ERR_PCAP_NOT_CAPTURE',
  PCAP_TRUNCATED: 'NETLAB_ERR_PCAP_TRUNCATED',
  PCAP_CORRUPT: 'NETLAB_ERR_PCAP_CORRUPT',
  PCAP_RECORD_TOO_LARGE: 'NETLAB_ERR_PCAP_RECORD_TOO_LARGE',
  PCAP_NO_STREAM: 'NETLAB_ERR_PCAP_NO_STREAM',
  PCAP_REASSEMBLY_LIMIT: 'NETLAB_ERR_PCAP_REASSEMBLY_LIMIT',
  PCAP_INTERRUPTED: 'NETLAB_ERR_PCAP_INTERRUPTED',
  // TLS decryption from a key log (src/pcap/tls): reasons reported per stream
  KEYLOG_MALFORMED_LINE: 'NETLAB_ERR_KEYLOG_MALFORMED_LINE',
  KEYLOG_LINE_TOO_LONG: 'NETLAB_ERR_KEYLOG_LINE_TOO_LONG',
  TLS_NOT_TLS: 'NETLAB_ERR_TLS_NOT_TLS',
  TLS_RECORD_MALFORMED: 'NETLAB_ERR_TLS_RECORD_MALFORMED',
  TLS_RECORD_TOO_LARGE: 'NETLAB_ERR_TLS_RECORD_TOO_LARGE',
  TLS_HANDSHAKE_MALFORMED: 'NETLAB_ERR_TLS_HANDSHAKE_MALFORMED',
  TLS_HANDSHAKE_TOO_LARGE: 'NETLAB_ERR_TLS_HANDSHAKE_TOO_LARGE',
  TLS_UNSUPPORTED_VERSION: 'NETLAB_ERR_TLS_UNSUPPORTED_VERSION',
  TLS_UNSUPPORTED_CIPHER_SUITE: 'NETLAB_ERR_TLS_UNSUPPORTED_CIPHER_SUITE',
  TLS_KEYS_MISSING: 'NETLAB_ERR_TLS_KEYS_MISSING',
  TLS_DECRYPT_FAILED: 'NETLAB_ERR_TLS_DECRYPT_FAILED',
  TLS_EARLY_DATA: 'NETLAB_ERR_TLS_EARLY_DATA',
  TLS_PENDING_LIMIT: 'NETLAB_ERR_TLS_PENDING_LIMIT',
  TLS_INCOMPLETE: 'NETLAB_ERR_TLS_INCOMPLETE',
  // live capture
  CAPTURE_ENGINE_MISSING: 'NETLAB_ERR_CAPTURE_ENGINE_MISSING',
  CAPTURE_PERMISSION: 'NETLAB_ERR_CAPTURE_PERMISSION',
  CAPTURE_FAILED: 'NETLAB_ERR_CAPTURE_FAILED',
  OUT_OF_SOCKETS: 'NETLAB_ERR_OUT_OF_SOCKETS',
  // library misuse other than a bad argument (src/util/validate.ts has the argument checks)
  INVALID_STATE: 'NETLAB_ERR_INVALID_STATE',
  UNSUPPORTED: 'NETLAB_ERR_UNSUPPORTED',
  // servers under attack: TLS sockets that never finish their handshake
  HANDSHAKE_TIMEOUT: 'NETLAB_ERR_HANDSHAKE_TIMEOUT',
  // rooms across processes (--redis): the shared Redis link
  REDIS_UNREACHABLE: 'NETLAB_ERR_REDIS_UNREACHABLE',
  REDIS_BACKLOG: 'NETLAB_ERR_REDIS_BACKLOG',
  REDIS_MALFORMED: 'NETLAB_ERR_REDIS_MALFORMED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Base class of every error netlab raises on purpose. */
export class NetlabError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'NetlabError';
  }
}

/** A bad flag, option or argument: the caller's mistake (CLI exit code 2). */
export class UsageError extends NetlabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.INVALID_ARGUMENT, message, options);
    this.name = 'UsageError';
  }
}

/** A socket, DNS or TLS failure while talking to a peer. */
export class NetworkError extends NetlabError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'NetworkError';
  }
}

/** A wait that ran out (connect, reply, handshake, idle). */
export class TimeoutError extends NetlabError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? ERROR_CODES.TIMEOUT, message, options);
    this.name = 'TimeoutError';
  }
}

/** A peer went over a documented limit (line length, connection count). */
export class LimitError extends NetlabError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'LimitError';
  }
}

/**
 * A peer sent bytes that do not decode (a malformed frame, a protobuf that
 * does not parse): that peer's fault, handled by closing that one session.
 */
export class ProtocolError extends NetlabError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** A file netlab needed could not be read or written. */
export class FileError extends NetlabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.FILE, message, options);
    this.name = 'FileError';
  }
}

/**
 * A file or stream that is not a pcap/pcapng capture, or one whose header is
 * unusable. Corruption found after a valid header is not an error but a
 * {@link CaptureWarning}-style warning: the packets before it are still used.
 */
export class CaptureFormatError extends NetlabError {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;

  constructor(code: ErrorCode, message: string, offset = 0, options?: { cause?: unknown }) {
    super(code, message, options);
    this.offset = offset;
    this.name = 'CaptureFormatError';
  }
}

/**
 * Bad bytes in a capture or key log: a TLS record, handshake message or
 * key-log line that cannot be what it claims. Never thrown out of a decoder's
 * push(); decoders hand it to their error callback and the stream's summary
 * reports it.
 */
export class TlsDecodeError extends NetlabError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TlsDecodeError';
  }
}

interface SystemErrorLike {
  code?: string;
  message: string;
}

function systemCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as SystemErrorLike).code : undefined;
}

/** Where a system error happened, so the message can say what to do next. */
export interface ErrorContext {
  action: 'listen' | 'connect';
  transport: string;
  host: string;
  port: number;
}

/**
 * Turns a Node system error (EADDRINUSE, ECONNREFUSED, ENOTFOUND, TLS
 * verification codes...) into a NetlabError whose message a student can act on.
 * Errors that already are NetlabErrors pass through unchanged.
 */
export function explainSystemError(err: unknown, context: ErrorContext): NetlabError {
  if (err instanceof NetlabError) return err;
  const code = systemCode(err);
  const where = formatHostPort(context.host, context.port);
  const detail = err instanceof Error ? err.message : String(err);
  const cause = { cause: err };
  switch (code) {
    case 'EADDRINUSE':
      return new NetworkError(
        ERROR_CODES.PORT_IN_USE,
        `port ${context.port} is already in use (EADDRINUSE); pick another with --port`,
        cause,
      );
    case 'EACCES':
    case 'EPERM':
      return new NetworkError(
        ERROR_CODES.PERMISSION_DENIED,
        context.action === 'listen'
          ? `not allowed to listen on port ${context.port} (${code}); ports below 1024 need root, pick another with --port`
          : `not allowed to connect to ${where} (${code})`,
        cause,
      );
    case 'EADDRNOTAVAIL':
      return new NetworkError(
        ERROR_CODES.ADDRESS_NOT_AVAILABLE,
        `address ${context.host} is not on this machine (EADDRNOTAVAIL); use --host 127.0.0.1 or one of your interfaces`,
        cause,
      );
    case 'ECONNREFUSED':
      return new NetworkError(
        ERROR_CODES.CONNECTION_REFUSED,
        `connection refused by ${where} (ECONNREFUSED); is a server listening there? Start one with: netlab serve ${context.transport} --port ${context.port}`,
        cause,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return new NetworkError(ERROR_CODES.CONNECTION_RESET, `connection to ${where} was reset by the peer (${code})`, cause);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new NetworkError(
        ERROR_CODES.UNKNOWN_HOST,
        `unknown host ${context.host} (${code}); check the spelling or use an IP address such as 127.0.0.1`,
        cause,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new NetworkError(ERROR_CODES.HOST_UNREACHABLE, `no route to ${where} (${code})`, cause);
    case 'ETIMEDOUT':
      return new TimeoutError(`connecting to ${where} timed out (ETIMEDOUT)`, cause);
    default:
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
        const names = certificateNames(err);
        // The name checked is --servername when one was given, else the host.
        const checked = (err as { host?: string }).host ?? context.host;
        const has = names.length === 0 ? '' : `: it names ${names.join(', ')}`;
        const pick = names.find((n) => !n.includes('*')) ?? 'NAME';
        return new NetworkError(
          ERROR_CODES.TLS_VERIFY,
          `certificate of ${where} does not name ${checked}${has} (${code}); ` +
            `the certificate is trusted but issued for another name: connect with --servername ${pick}, or make a certificate that names ${checked}`,
          cause,
        );
      }
      if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
        return new NetworkError(
          ERROR_CODES.TLS_VERIFY,
          `certificate of ${where} could not be verified: ${detail} (${code}); ` +
            'trust it with --ca FILE, or skip verification with --insecure (lab use only)',
          cause,
        );
      }
      if (code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' || code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION') {
        return new NetworkError(ERROR_CODES.TLS_HANDSHAKE, `TLS handshake with ${where} failed: no TLS version in common; netlab needs TLS 1.2 or newer (${code})`, cause);
      }
      if (context.action === 'connect' && code !== undefined && NOT_TLS_CODES.has(code)) {
        return new NetworkError(
          ERROR_CODES.PROTOCOL_MISMATCH,
          `${where} did not answer with TLS (${code}); is it a plain TCP server? Connect to it with the tcp transport instead`,
          cause,
        );
      }
      if (context.action === 'connect' && context.transport === 'ws' && code?.startsWith('HPE_')) {
        return new NetworkError(
          ERROR_CODES.PROTOCOL_MISMATCH,
          `${where} did not answer the WebSocket handshake: its reply is not HTTP (${code}); is it a WebSocket server? A plain TCP server wants the tcp transport`,
          cause,
        );
      }
      if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) {
        // OpenSSL's `reason` is the readable part of its long error string.
        const reason = (err as { reason?: string }).reason ?? detail;
        return new NetworkError(ERROR_CODES.TLS_HANDSHAKE, `TLS handshake with ${where} failed: ${reason} (${code})`, cause);
      }
      return new NetworkError(ERROR_CODES.NETWORK, `${context.action} ${where} failed: ${detail}`, cause);
  }
}

/**
 * What OpenSSL reports when the bytes that answered a ClientHello are not a
 * TLS record at all (a plain server's text, or our own ClientHello echoed).
 */
const NOT_TLS_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_UNEXPECTED_MESSAGE',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
]);

/** The DNS names and IP addresses a peer certificate carries (SANs, else its CN). */
function certificateNames(err: unknown): string[] {
  const cert = (err as { cert?: { subjectaltname?: string; subject?: { CN?: string | string[] } } }).cert;
  const san = cert?.subjectaltname;
  if (san !== undefined && san !== '') return san.split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  const cn = cert?.subject?.CN;
  return cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
}

/** OpenSSL verification results Node reports as `err.code`. */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
]);
