/**
 * nmap's port-list syntax (`-p`), sans-IO: text in, sorted unique ports out.
 *
 * Accepted, as in nmap's "Port Specification and Scan Order" (nmap(1)):
 * - a single port: `22`
 * - a range: `1-1024`; either end may be left out, `-1024` means 1-1024 and
 *   `60000-` means 60000-65535
 * - `-` alone (what `-p-` leaves) means every port, 1-65535
 * - any comma-separated list of the above: `22,80,8000-8100`
 *
 * Port 0 is refused: nmap only scans it when asked explicitly, and a connect()
 * to port 0 cannot succeed on any system netlab runs on.
 */
import { UsageError } from '../errors.js';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
/** Longest spec accepted, in characters; a full list of every port fits twice. */
export const MAX_PORT_SPEC_LENGTH = 1 << 20;

const NUMBER = /^\d{1,5}$/;

function parseEnd(text: string, whole: string): number {
  if (!NUMBER.test(text)) {
    throw new UsageError(`"${whole}" is not a port list: "${text}" is not a port number; use e.g. 22, 1-1024, 22,80,8000-8100 or - for all ports`);
  }
  const port = Number(text);
  if (port < MIN_PORT || port > MAX_PORT) {
    throw new UsageError(`"${whole}" is not a port list: port ${port} is outside ${MIN_PORT}-${MAX_PORT}`);
  }
  return port;
}

/**
 * Parses an nmap-style port specification.
 *
 * @param spec e.g. `22`, `1-1024`, `22,80,8000-8100`, `-`
 * @returns every port named, ascending, without duplicates
 * @throws UsageError (NETLAB_ERR_INVALID_ARGUMENT) for an empty element, a
 *   non-number, a port outside 1-65535 or a range whose start exceeds its end
 */
export function parsePortSpec(spec: string): number[] {
  if (spec.length === 0) throw new UsageError('the port list is empty; use e.g. 22, 1-1024 or - for all ports');
  if (spec.length > MAX_PORT_SPEC_LENGTH) {
    throw new UsageError(`the port list is longer than ${MAX_PORT_SPEC_LENGTH} characters; use ranges such as 1-65535`);
  }
  const wanted = new Uint8Array(MAX_PORT + 1);
  for (const element of spec.split(',')) {
    if (element === '') throw new UsageError(`"${spec}" is not a port list: it has an empty element (two commas, or a comma at an end)`);
    const dash = element.indexOf('-');
    let low: number;
    let high: number;
    if (dash === -1) {
      low = high = parseEnd(element, spec);
    } else {
      const left = element.slice(0, dash);
      const right = element.slice(dash + 1);
      low = left === '' ? MIN_PORT : parseEnd(left, spec);
      high = right === '' ? MAX_PORT : parseEnd(right, spec);
      if (low > high) {
        throw new UsageError(`"${spec}" is not a port list: the range ${element} runs backwards; write ${high}-${low}`);
      }
    }
    wanted.fill(1, low, high + 1);
  }
  const ports: number[] = [];
  for (let port = MIN_PORT; port <= MAX_PORT; port++) if (wanted[port] === 1) ports.push(port);
  return ports;
}

/**
 * The shortest canonical spec for a set of ports: ascending, consecutive runs
 * as ranges (`1-3,80`), every port as `-`. `parsePortSpec(formatPortSpec(p))`
 * gives back the sorted, unique `p`.
 *
 * @param ports any ports in 1-65535, in any order, duplicates allowed
 * @throws UsageError when a port is outside 1-65535 or the list is empty
 */
export function formatPortSpec(ports: Iterable<number>): string {
  const wanted = new Uint8Array(MAX_PORT + 2);
  let count = 0;
  for (const port of ports) {
    if (!Number.isInteger(port) || port < MIN_PORT || port > MAX_PORT) {
      throw new UsageError(`${port} is not a port in ${MIN_PORT}-${MAX_PORT}`);
    }
    if (wanted[port] === 0) count++;
    wanted[port] = 1;
  }
  if (count === 0) throw new UsageError('cannot format an empty port list');
  if (count === MAX_PORT) return '-';
  const parts: string[] = [];
  for (let port = MIN_PORT; port <= MAX_PORT; port++) {
    if (wanted[port] !== 1) continue;
    const start = port;
    while (wanted[port + 1] === 1) port++;
    parts.push(start === port ? String(start) : `${start}-${port}`);
  }
  return parts.join(',');
}
