/**
 * TLS decryption from an NSS key log, for captured connections: the public
 * surface of src/pcap/tls. Feed a {@link TlsStreamDecryptor} the two
 * reassembled directions of one TCP connection and it hands back the
 * decrypted application data plus a per-stream summary.
 */
export { KeyLog, parseKeyLog, type KeyLogOptions, type KeyLogProblem, type KeyLogStats, type TlsSecrets } from './keylog.js';
export { TlsRecordDecoder, CONTENT_TYPE, type TlsRecord, type TlsRecordDecoderOptions } from './record.js';
export {
  HandshakeReassembler,
  parseClientHello,
  parseServerHello,
  versionName,
  HANDSHAKE_TYPE,
  HELLO_RETRY_REQUEST_RANDOM,
  TLS_VERSION,
  type ClientHello,
  type ServerHello,
  type HandshakeMessage,
  type HandshakeReassemblerOptions,
} from './handshake.js';
export { cipherSuiteName, supportedSuite, supportedSuites, type SupportedSuite, type AeadName } from './suites.js';
export { hkdfExpandLabel, tls12Prf, tls12KeyBlock, tls13TrafficKeys, nextTrafficSecret, type TrafficKeys } from './key-schedule.js';
export { Tls13RecordOpener, Tls12RecordOpener, type OpenResult, type ProtectedRecord } from './record-protection.js';
export { alertName } from './alerts.js';
export {
  TlsStreamDecryptor,
  decryptTlsStreams,
  type Direction,
  type TlsAlert,
  type TlsDataEvent,
  type TlsDecryption,
  type TlsDirectionCounts,
  type TlsProblem,
  type TlsStreamDecryptorOptions,
  type TlsStreamStatus,
  type TlsStreamSummary,
} from './decrypt.js';
export { TlsConnection, splitHandshakes, type TlsChunkReport, type TlsConnectionOptions, type TlsHandshakeView, type TlsRecordView, type TlsSide } from './connection.js';
export { TlsStreamConsumer, type TlsStreamConsumerOptions } from './stream-consumer.js';
export type { TlsRecordDone, TlsRecordOutcome, TlsWireRecord } from './types.js';
