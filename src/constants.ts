/**
 * Every default limit and timeout in one object. Units are in the names.
 * docs/limits.md documents each one.
 */
export const DEFAULTS = Object.freeze({
  /** Ports `netlab serve` listens on per transport. */
  ports: Object.freeze({ tcp: 5000, tls: 5443, udp: 5000, ws: 8080 }),
  /** Listen address: loopback unless --host says otherwise (safe default). */
  host: '127.0.0.1',
  /** Concurrent sessions per server before new ones are refused (--max-conns). */
  maxConnections: 1024,
  /** Longest line the line modes accept, in bytes (--max-line). */
  maxLineBytes: 65536,
  /** Largest WebSocket message a server or client accepts, in bytes. */
  maxWebSocketMessageBytes: 16 * 1024 * 1024,
  /** A UDP peer with no traffic for this long is forgotten, in seconds. */
  udpPeerIdleSeconds: 300,
  /** Client waits (connect, each reply) unless --timeout says otherwise, in seconds. */
  clientTimeoutSeconds: 5,
  /** Bytes a session may queue for a slow reader before write() says "stop". */
  writeHighWaterMarkBytes: 64 * 1024,
  /** Validity of generated certificates, in days (--days). */
  certificateDays: 365,
  /**
   * TLS decryption from a key log (src/pcap/tls). A TLS 1.2 record carries at
   * most 2^14 + 2048 bytes of ciphertext (RFC 5246 §6.2.3); TLS 1.3 at most
   * 2^14 + 256 (RFC 8446 §5.2). Longer declared lengths are record_overflow.
   */
  tlsMaxRecordBytes: 2 ** 14 + 2048,
  tls13MaxRecordBytes: 2 ** 14 + 256,
  /**
   * Largest handshake message netlab buffers to parse (ClientHello,
   * ServerHello, Finished, KeyUpdate), in bytes. Others (certificates) are
   * skipped by length without being held in memory.
   */
  tlsMaxHandshakeMessageBytes: 128 * 1024,
  /**
   * Records of one direction held while waiting for the other direction's
   * hello (the suite or the randoms), in bytes of ciphertext.
   */
  tlsMaxPendingBytes: 1024 * 1024,
  /** Longest key-log line read, in bytes; longer lines are skipped and counted. */
  keyLogMaxLineBytes: 1024,
});
