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
});
