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
  /**
   * A partial line the peer stops sending is taken as a line after this long
   * without more data, in milliseconds (line modes and chat over TCP/TLS; 0:
   * wait for the line end). For peers whose every write is one message.
   */
  partialLineIdleMs: 200,
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

  // chat and IM
  /** Port of `netlab im serve` (-p). */
  imPort: 9999,
  /** Largest IM frame payload relayed, in bytes (--max-frame); one more disconnects the sender. */
  maxFrameBytes: 65536,
  /** TCP port of `netlab chat serve` when no listener flag is given. */
  chatPort: 1234,
  /** Longest chat line, in bytes, not counting its ending. */
  chatMaxLineBytes: 4096,
  /** Largest WebSocket message a chat server accepts, in bytes (bigger: close code 1009). */
  chatMaxWebSocketMessageBytes: 64 * 1024,
  /** Longest nickname, in characters. */
  nicknameMaxChars: 32,
  /** Users in one chat room (--max-users). */
  chatMaxUsers: 1024,
  /** Per-user rate limit: lines per second (a token bucket refilled at this rate). */
  chatLinesPerSecond: 20,
  /** Per-user rate limit: burst of lines allowed before throttling. */
  chatLineBurst: 40,
  /**
   * Bytes a chat user or IM client may have waiting for it beyond the socket's
   * own high-water mark before it is cut off as too slow a reader.
   */
  maxQueuedBytesPerClient: 1024 * 1024,
  /**
   * A chat user or IM client whose socket stays full this long without
   * draining is cut off as a stalled reader, in milliseconds. The others keep
   * receiving meanwhile (an IM relay holds its senders back for
   * `imStallGraceMs` at most).
   */
  drainTimeoutMs: 5000,
  /**
   * How long one congested IM receiver may hold the relay's senders back per
   * stall (until it has drained everything), in milliseconds; after that it
   * no longer pauses anyone and is cut off by its own queue limit.
   */
  imStallGraceMs: 250,
  // rooms across processes (--redis, src/redis/link.ts)
  /** Room (chat) or relay (IM) that processes on one Redis share unless --room says otherwise. */
  room: 'lobby',
  /**
   * Bytes a node may hold for Redis (batched, or published and not yet
   * acknowledged) before it drops what its users send to other nodes (local
   * delivery goes on): the slow-reader rule applied to the bus.
   */
  redisMaxBufferedBytes: 8 * 1024 * 1024,
  /** A batch this large is published at once instead of at the end of the event-loop turn, in bytes. */
  redisBatchBytes: 256 * 1024,
  /** First wait before reconnecting to Redis, in ms; it doubles per failed attempt. */
  redisRetryInitialMs: 100,
  /** Longest wait between reconnection attempts, in ms. */
  redisRetryMaxMs: 2000,
  /** A connection attempt to Redis that takes longer is abandoned (and retried), in ms. */
  redisConnectTimeoutMs: 5000,
  /** How often a node checks that Redis still answers (PING), in ms. */
  redisHeartbeatMs: 1000,
  /** Redis counts as unreachable when a PING stays unanswered this long (a hung or stopped server), in ms. */
  redisStallTimeoutMs: 5000,
  /**
   * A chat node's lease on its users' nicknames (--redis), in ms: a node
   * that stops renewing it (killed, cut off) loses its names this long after
   * its last renewal, and the other nodes then announce its users as left.
   */
  redisNodeLeaseMs: 6000,
  /**
   * How often a chat node renews its lease and checks the other nodes'
   * leases, in ms. A dead node is noticed within redisNodeLeaseMs plus this
   * (8 s; the contract asks for 15).
   */
  redisNodeRenewMs: 2000,
  /** A nickname claim (or lease renewal) Redis has not answered by then is given up on, in ms (the claim is then granted provisionally). */
  redisCommandTimeoutMs: 2000,
  /** How long a shutting-down chat server waits for users to take its goodbye, in milliseconds. */
  chatCloseTimeoutMs: 2000,
  /**
   * How long a stopping server waits for its last sessions' FINs to reach the
   * --pcap tap before the file is closed, in milliseconds.
   */
  tapCloseWaitMs: 1000,
  // pcap: capture files
  /** Largest pcap record or pcapng block accepted, in bytes; longer length fields are corrupt (no allocation). */
  pcapMaxRecordBytes: 16 * 1024 * 1024,
  /** Bytes read from a capture file per read() call (the reader's window grows only for a larger record). */
  pcapReadChunkBytes: 4 * 1024 * 1024,
  /** Warnings kept per capture; more are counted, not stored. */
  pcapMaxWarnings: 100,
  /** Distinct IP conversations tracked per capture for "top conversations"; more are folded into one row. */
  pcapMaxConversations: 100_000,
  /**
   * TCP streams reassembled at once by `pcap follow` and live TLS decryption
   * (open: not yet ended by FIN both ways, RST or the idle timeout); past it
   * the oldest open one is released with a NETLAB_ERR_PCAP_REASSEMBLY_LIMIT
   * warning. Every stream is still numbered and counted (a compact record).
   */
  pcapMaxTcpStreams: 100_000,
  /** Capture time without a packet after which an open TCP stream is released from reassembly, in seconds. */
  pcapTcpIdleTimeoutSec: 120,
  /**
   * TCP stream records a live capture keeps (about 80 bytes each): a capture
   * that runs for days forgets the oldest connections instead of growing
   * (TcpStreamsOptions.retainStreams).
   */
  liveRetainedTcpStreams: 65_536,
  /** Out-of-order bytes buffered per TCP stream direction before the gap is skipped. */
  reassemblyMaxBufferedBytesPerStream: 8 * 1024 * 1024,
  /** Out-of-order bytes buffered over all streams before gaps are skipped. */
  reassemblyMaxBufferedBytesTotal: 64 * 1024 * 1024,
  /** Longest capture filter (`-f`) accepted, in tokens: bounds the depth of the compiled filter. */
  captureFilterMaxTokens: 4096,
  /**
   * Kernel capture buffer asked of tcpdump (`-B`, KiB) and dumpcap (MiB):
   * 32 MiB, room for a burst of about 128 packets at the 256 KiB frame size
   * of libpcap's immediate mode (its 2 MiB default drops a connect scan's
   * burst of SYN/RST pairs on loopback).
   */
  captureBufferKiB: 32 * 1024,
  /** Inputs at least this large get a progress bar on a TTY, in bytes. */
  pcapProgressMinBytes: 32 * 1024 * 1024,
  /** Networks whose addresses count as local for `pcap stats` (--local). */
  pcapLocalNetworks: Object.freeze(['192.168.0.0/16']),
  /** `pcap report`: TCP streams given a ladder and a time-sequence graph (--streams). */
  reportStreams: 10,
  /** `pcap report`: segments drawn per ladder; the rest are counted ("N more segments not drawn"). */
  reportLadderSegments: 60,
  /** `pcap report`: most intervals of the traffic-over-time series (the interval grows by exact merges to stay under it). */
  reportSeriesBuckets: 120,
  /** `pcap report`: time-sequence points kept per stream direction (evenly decimated past it). */
  reportTimeSequencePoints: 400,
  /** `pcap report`: payload bytes shown per ladder segment. */
  reportPayloadPreviewBytes: 40,
  /** `pcap report`: rows of the top-talkers table. */
  reportTalkers: 10,
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
  /**
   * TLS connections followed at once by one TlsStreamConsumer (each holds a
   * decryptor); past it the oldest is summarised and let go.
   */
  tlsMaxStreams: 10_000,
  /** Longest key-log line read, in bytes; longer lines are skipped and counted. */
  keyLogMaxLineBytes: 1024,
  /** `netlab scan` (src/scan/): timing follows nmap -T4 unless a flag says otherwise. */
  scan: Object.freeze({
    /** Ports scanned when -p is not given: the most common ones (nmap's default set). */
    topPorts: 1000,
    /** TCP connect attempts in flight at once (--concurrency). */
    tcpConcurrency: 256,
    /** UDP probes in flight at once (--concurrency with --udp). */
    udpConcurrency: 128,
    /**
     * UDP probes started per second unless --rate says otherwise. Linux sends
     * at most 1000 ICMP errors per second (net.ipv4.icmp_msgs_per_sec), so a
     * faster scan turns closed ports into open|filtered ones.
     */
    udpRatePerSecond: 500,
    /** Adaptive timeout before the first round trip is measured, in ms (nmap -T4). */
    initialRttTimeoutMs: 500,
    /** Floor of the adaptive timeout, in ms (nmap -T4). */
    minRttTimeoutMs: 100,
    /** Ceiling of the adaptive timeout, in ms (nmap -T4). */
    maxRttTimeoutMs: 1250,
    /** Extra attempts for a port that did not answer. */
    retries: 1,
    /** How long --banner waits for a service to speak first, in ms. */
    bannerTimeoutMs: 2000,
    /** Most bytes of a banner kept, in bytes. */
    bannerMaxBytes: 1024,
    /** Connections --banner opens at once. */
    bannerConcurrency: 32,
    /** Period of the shared timer that expires attempts, in ms (one timer, not one per socket). */
    sweepIntervalMs: 10,
    /** TCP scans of at least this many ports are shared between threads. */
    parallelMinPorts: 4096,
    /** Most threads (main + workers) one scan uses. */
    maxThreads: 4,
    /** How often progress is reported, in ms. */
    progressIntervalMs: 100,
  }),
  // bench: the load generator
  /** Connections of `netlab bench echo` (-c). */
  benchConnections: 1,
  /** Message size of `netlab bench echo`, in bytes (-s). */
  benchMessageBytes: 64,
  /** Measurement window of `netlab bench`, in seconds (-d). */
  benchSeconds: 5,
  /** Messages in flight per connection (--pipeline). */
  benchPipeline: 1,
  /** A reply later than this is counted as a timeout, in seconds (--timeout). */
  benchReplyTimeoutSeconds: 2,
  /** Lines a second each chat sender sends (--rate); the chat server throttles above 20. */
  benchChatRate: 10,
  /** After a chat run, how long to wait for lines still on their way, in seconds. */
  benchChatDrainSeconds: 5,
  /** Largest message `netlab bench echo` sends, in bytes (-s); a UDP datagram holds at most 65507. */
  benchMaxMessageBytes: 16 * 1024 * 1024,
  // servers under attack (docs/limits.md, "Hostile peers")
  /** A TLS socket that has not finished its handshake this long is closed, in ms (--handshake-timeout). */
  tlsHandshakeTimeoutMs: 10_000,
  /** Descriptors kept back from --max-conns for listeners, stdio, logs and key-log files when the default cap is fitted to `ulimit -n`. */
  descriptorReserve: 64,
  /**
   * UDP peers not yet proven (serve udp: one datagram only; chat: no valid
   * nickname yet) remembered per listener; past it the least recently heard
   * is forgotten. They hold no --max-conns seat.
   */
  udpMaxUnprovenPeers: 1024,
  /** An unproven UDP peer is sent at most one datagram this often, in ms, and none larger than the datagram it sent. */
  udpUnprovenReplyIntervalMs: 1000,
  /** Datagrams a UDP listener sends per second that break that rule ("server is full" notices, a --reply longer than the request). */
  udpNoticesPerSecond: 10,
  /** UDP users in one chat room at once (--max-udp-users), within --max-users. */
  chatMaxUdpUsers: 64,
  /** "NAME has entered the chat" announcements of UDP users per second, room-wide (a burst of as many); the others join unannounced. */
  chatUdpJoinAnnouncementsPerSecond: 5,
});
