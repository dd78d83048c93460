/** `127.0.0.1:5000`, or `[::1]:5000` for IPv6 literals (as URLs and tshark write them). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One end of a connection. */
export interface Endpoint {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export function formatEndpoint(endpoint: Endpoint): string {
  return formatHostPort(endpoint.address, endpoint.port);
}

/** Normalises what Node reports (`family` is a number on some versions, `::ffff:` mapped IPv4). */
export function toEndpoint(address: string | undefined, port: number | undefined, family?: string | number): Endpoint {
  let addr = address ?? '';
  if (addr.startsWith('::ffff:') && addr.includes('.')) addr = addr.slice(7);
  const isV6 = family === 'IPv6' || family === 6 || (family === undefined && addr.includes(':'));
  return { address: addr, port: port ?? 0, family: isV6 && addr.includes(':') ? 'IPv6' : 'IPv4' };
}
