/**
 * netlab as a library: everything the CLI does, importable and typed.
 * Re-exports only; each feature lives in its own module.
 */

// errors and defaults
export * from './errors.js';
export { DEFAULTS } from './constants.js';
export { formatHostPort, type Endpoint } from './util/endpoint.js';

// transports: one session shape over tcp, tls, udp and ws
export { Session, type SessionEvents, type SessionStats, type SessionCloseInfo, type TransportName, type Framing } from './transports/session.js';
export type { TransportDriver, Listener, ListenerEvents, ListenOptions, ConnectOptions as TransportConnectOptions, TlsOptions, HttpHooks } from './transports/types.js';
export type { UdpProof } from './transports/types.js';
export { TRANSPORTS, TRANSPORT_NAMES, transportFor, parseTransportUrl, isTransportName, type TransportAddress } from './transports/registry.js';
export { StreamSession } from './transports/stream-session.js';
export { WebSocketSession } from './transports/ws.js';
export { tlsDetails, type TlsDetails } from './transports/tls.js';

// codecs
export { LineSplitter, type LineEnding, type LineSplitterOptions } from './codec/line-splitter.js';

// protocols and servers
export { attachProtocol, type Protocol, type ProtocolFactory } from './protocols/protocol.js';
export { writeOrPause } from './protocols/backpressure.js';
export { echoProtocol, ECHO_MODES, type EchoMode, type EchoOptions } from './protocols/echo/echo.js';
export { upperInPlace, rot13InPlace, reverseByCharacter } from './protocols/echo/transforms.js';
export { limitConnections } from './policies/max-connections.js';
export { idleTimeout } from './policies/idle-timeout.js';
export { logTraffic, type TrafficRecord, type ConnectRecord, type CloseRecord, type RefusedRecord, type PeerErrorRecord } from './policies/traffic-log.js';
export { createServer, Server, type ServerOptions, type ServerEvents, type ServerTotals, type ServerCertificate } from './server/server.js';

// clients
export { connect, type ConnectOptions } from './client/connect.js';
export { exchange, ReplyReader, encodeMessage } from './client/exchange.js';
export { runInteractive, type InteractiveOptions } from './client/interactive.js';
export { DEMO_SECRETS } from './client/demo-secrets.js';

// TLS material
export { createSelfSignedCertificate, writeCertificateFiles, fingerprint256, type CertificateOptions, type GeneratedCertificate, type KeyType } from './tls/certificate.js';
export { KeyLogWriter, keyLogPath } from './tls/keylog.js';

// the guided labs and their framework (docs/labs.md)
export { runEchoDemo, type DemoResult } from './lab/demo.js';
export { runLab, labJson, LOOK_SECTION_TITLE, type Lab, type LabResult, type RunLabOptions } from './lab/lab.js';
export { LabContext, type LabContextOptions, type LabFile } from './lab/context.js';
export { Recording, type RecorderName } from './lab/recorder.js';
export { LabSection, packetFact, packetLine, type Fact, type FactValue, type LineTone, type PacketNote, type SectionLine } from './lab/section.js';
export {
  readLabCapture,
  followLabStream,
  decryptLabStream,
  type LabPacket,
  type LabCaptureReading,
  type ReadLabCaptureOptions,
  type FollowedStream,
  type DecryptedStream,
} from './lab/capture-reading.js';
export { sendAndClose, recordEchoExchange, packetsCarrying, tcpRoles, TCP_ROLE_WORDS, type TcpRole, type EchoExchangeOptions } from './lab/steps.js';
export { LABS, DEFAULT_LAB, findLab } from './lab/labs/index.js';

// chat and IM
export { FrameDecoder, encodeFrame, FRAME_HEADER_BYTES, type FrameDecoderOptions } from './codec/length-prefixed.js';
export { OutboundQueue, type OutboundQueueOptions } from './protocols/outbound-queue.js';
export { ImRelay, type ImRelayOptions, type ImRelayEvents, type ImRelayStats } from './protocols/im/relay.js';
export { ImClient, NOT_DECODED_NOTICE, type ImClientEvents, type ImConnectOptions } from './protocols/im/client.js';
export { INVALID_NICKNAME_NOTICE } from './protocols/im/client.js';
export { imNicknameProblem } from './protocols/im/nickname.js';
export {
  CourseCipher,
  EtmCipher,
  PlainCipher,
  createImCipher,
  pkcs7Pad,
  pkcs7Unpad,
  NOT_AUTHENTICATED_NOTICE,
  type ImCipher,
  type ImSuite,
  type ImMacOver,
} from './protocols/im/crypto.js';
export { encodeChatMessage, decodeChatMessage, type ChatMessage } from './protocols/im/messages.js';
export { ChatServer, type ChatServerOptions, type ChatServerEvents } from './protocols/chat/server.js';
export { chatPageHooks, CHAT_WS_PATH } from './protocols/chat/web/http.js';
export { LocalRoom, type Room, type RoomMember, type JoinResult, type LocalRoomOptions } from './protocols/chat/room.js';
export { COMMANDS, commandFor, type CommandContext, type CommandHandler } from './protocols/chat/commands.js';
export { nicknameProblem, nicknameKey, type NicknameProblem } from './protocols/chat/nickname.js';
export { TokenBucket } from './protocols/chat/rate-limit.js';
/** netlab's library surface: re-exports only. */

// pcap: capture file reading and analysis
export { openCapture, PacketSource } from './pcap/read/source.js';
export type { CaptureInput, CaptureOptions, CapturedPacket, ForEachOptions } from './pcap/read/source.js';
export { PacketRecord, packetBytes, packetTime } from './pcap/read/packet.js';
export type { CaptureFormat, CaptureInfo, CaptureWarning } from './pcap/read/packet.js';
export { PcapDecoder } from './pcap/read/pcap.js';
export { PcapngDecoder } from './pcap/read/pcapng.js';
export type { RecordDecoder, DecoderContext } from './pcap/read/decoder.js';
export { detectFormat } from './pcap/read/format.js';
export { Dissection, L4, TCP_FLAGS, PROTO_KEY } from './pcap/layers/dissection.js';
export { dissect, dissectFrame, protocolKeyName } from './pcap/layers/dissect.js';
export { LINKTYPE, linkTypeName } from './pcap/layers/linktypes.js';
export { formatIp, formatIpv4, formatIpv6, formatEndpoint } from './pcap/layers/address.js';
export { NetworkSet } from './pcap/cidr.js';
export { captureStats, StatsAccumulator } from './pcap/stats.js';
export type { FileStats, PacketRow, StatsOptions, Direction } from './pcap/stats.js';
export type { IatSummary } from './pcap/direction.js';
export type { Conversation } from './pcap/conversations.js';
export { PacketSummarizer, summaryLine } from './pcap/summary.js';
export type { PacketSummary } from './pcap/summary.js';
export { followTcpStream, listTcpStreams } from './pcap/follow.js';
export type { FollowOptions } from './pcap/follow.js';
export { scanTcpStreams } from './pcap/follow.js';
export type { ListedTcpStream, TcpStreamList } from './pcap/follow.js';
export { TcpStreams } from './pcap/reassembly/tcp-streams.js';
export type { Side, StreamConsumer, TcpStreamInfo, TcpStreamsOptions } from './pcap/reassembly/tcp-streams.js';
export { HalfStream, ReassemblyBudget } from './pcap/reassembly/half-stream.js';
// pcap: the packet view (pcap packets / capture): fields, display and capture filters, details and bytes
export { PacketView } from './pcap/view/packet-view.js';
export type { PacketViewOptions, PacketPredicate } from './pcap/view/packet-view.js';
export { PacketViewer } from './pcap/view/viewer.js';
export type { PacketViewerOptions } from './pcap/view/viewer.js';
export { ViewPacket } from './pcap/view/packet.js';
export { VIEW_FIELDS } from './pcap/view/catalog.js';
export type { FieldCatalog, FieldKind, FieldSpec } from './pcap/view/field.js';
export { packetColumns, columnsLine } from './pcap/view/columns.js';
export type { PacketColumns } from './pcap/view/columns.js';
export { detailLayers } from './pcap/view/header-tree.js';
export { detailsText, hexDump, packetJson, FieldPrinter } from './pcap/view/render.js';
export { compileDisplayFilter, parseDisplayFilter, formatFilterError, DisplayFilterError } from './pcap/filter/index.js';
export type { CompiledFilter, FilterError } from './pcap/filter/index.js';
export { compileCaptureFilter, parseCaptureFilter } from './pcap/bpf/index.js';
export type { CaptureFilter, CaptureFilterError } from './pcap/bpf/index.js';
// pcap: application layers of the packet view (TLS, HTTP/1.x, DNS)
export type { ProtoField, ProtoLayer, FieldValue as ProtoFieldValue } from './pcap/layers/tree.js';
export type { AppContext, AppProtocol, StreamDissector, StreamSide } from './pcap/layers/app-protocol.js';
export { APP_PROTOCOLS, appTable, detectApp } from './pcap/layers/app-table.js';
export { TLS_FIELDS, TLS_PROTOCOL, createTlsStreamDissector, detectTls, tlsAppProtocol } from './pcap/layers/tls.js';
export type { TlsLayer, TlsDecryptedRecord, TlsStreamDissector } from './pcap/layers/tls.js';
export { tlsRow } from './pcap/layers/tls-application.js';
export { AppLayers, infoColumn, protocolColumn } from './pcap/layers/app-layers.js';
export type { AppLayerEvent, AppLayersOptions } from './pcap/layers/app-layers.js';
export { APP_FIELDS } from './pcap/layers/app-fields.js';
export type { AppFieldInfo } from './pcap/layers/app-fields.js';
export { DNS_APP, DNS_LIMITS, DnsStream, dissectDns, readDnsName } from './pcap/layers/dns.js';
export type { DnsName, DnsOptions } from './pcap/layers/dns.js';
export { HTTP_APP, HTTP_LIMITS, HttpStream } from './pcap/layers/http.js';
// pcap: TLS decryption from a key log (src/pcap/tls)
export {
  KeyLog,
  parseKeyLog,
  TlsStreamDecryptor,
  decryptTlsStreams,
  TlsRecordDecoder,
  HandshakeReassembler,
  parseClientHello,
  parseServerHello,
  Tls13RecordOpener,
  Tls12RecordOpener,
  hkdfExpandLabel,
  tls12Prf,
  tls12KeyBlock,
  tls13TrafficKeys,
  nextTrafficSecret,
  cipherSuiteName,
  supportedSuite,
  supportedSuites,
  versionName as tlsVersionName,
  alertName as tlsAlertName,
  CONTENT_TYPE as TLS_CONTENT_TYPE,
  HANDSHAKE_TYPE as TLS_HANDSHAKE_TYPE,
  TLS_VERSION,
  HELLO_RETRY_REQUEST_RANDOM,
  type KeyLogOptions,
  type KeyLogProblem,
  type KeyLogStats,
  type TlsSecrets,
  type Direction as TlsDirection,
  type TlsAlert,
  type TlsDataEvent,
  type TlsDecryption,
  type TlsDirectionCounts,
  type TlsProblem,
  type TlsStreamDecryptorOptions,
  type TlsStreamStatus,
  type TlsStreamSummary,
  type TlsRecord,
  type TlsRecordDecoderOptions,
  type ClientHello,
  type ServerHello,
  type HandshakeMessage,
  type HandshakeReassemblerOptions,
  type SupportedSuite,
  type AeadName,
  type TrafficKeys,
  type OpenResult,
  type ProtectedRecord,
} from './pcap/tls/index.js';

// scan
export { scan } from './scan/scanner.js';
export type { ScanOptions, ScanReport, ScanProgress, PortResult, PortState, ScanProto } from './scan/scanner.js';
export { parsePortSpec, formatPortSpec } from './scan/port-spec.js';
export { serviceName, topPorts } from './scan/services.js';
export { RttEstimator } from './scan/rtt.js';
export type { RttOptions } from './scan/rtt.js';
export { RateLimiter } from './scan/rate-limiter.js';
export { nativeTcpDriverAvailable } from './scan/tcp-connect.js';
export type { TcpDriverName } from './scan/tcp-connect.js';

// bench: the load generator (src/load)
export { runEchoLoad, prepareEchoLoad } from './load/echo-scenario.js';
export type { EchoLoadOptions, EchoLoadReport, PreparedEchoLoad } from './load/echo-scenario.js';
export { runEchoLoadInWorkers, runHandshakeLoadInWorkers } from './load/workers.js';
export { runHandshakeLoad, prepareHandshakeLoad, HANDSHAKE_TLS_VERSIONS } from './load/handshake-scenario.js';
export type { HandshakeLoadOptions, HandshakeLoadReport, HandshakeTlsVersion, PreparedHandshakeLoad } from './load/handshake-scenario.js';
export { runChatLoad } from './load/chat-scenario.js';
export type { ChatLoadOptions, ChatLoadReport } from './load/chat-scenario.js';
export { LoadMetrics } from './load/metrics.js';
export type { LatencySummary, EncodedLatencies } from './load/metrics.js';
export { LOAD_TRANSPORTS } from './load/links.js';
export type { LoadTransport } from './load/links.js';
