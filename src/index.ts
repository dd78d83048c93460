/** The netlab library surface: re-exports only. */

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
