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
export { TcpStreams } from './pcap/reassembly/tcp-streams.js';
export type { Side, StreamConsumer, TcpStreamInfo, TcpStreamsOptions } from './pcap/reassembly/tcp-streams.js';
export { HalfStream, ReassemblyBudget } from './pcap/reassembly/half-stream.js';
