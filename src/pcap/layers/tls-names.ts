/**
 * The words Wireshark uses for TLS values (epan/dissectors/packet-tls-utils.c
 * value_strings), so the Info column and the `-V` tree read as tshark's.
 */
import { cipherSuiteName } from '../tls/suites.js';
import { alertName } from '../tls/alerts.js';

const CONTENT_TYPES: ReadonlyMap<number, string> = new Map([
  [20, 'Change Cipher Spec'],
  [21, 'Alert'],
  [22, 'Handshake'],
  [23, 'Application Data'],
  [24, 'Heartbeat'],
]);

const HANDSHAKE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'Hello Request'],
  [1, 'Client Hello'],
  [2, 'Server Hello'],
  [3, 'Hello Verify Request'],
  [4, 'New Session Ticket'],
  [5, 'End of Early Data'],
  [6, 'Hello Retry Request'],
  [8, 'Encrypted Extensions'],
  [11, 'Certificate'],
  [12, 'Server Key Exchange'],
  [13, 'Certificate Request'],
  [14, 'Server Hello Done'],
  [15, 'Certificate Verify'],
  [16, 'Client Key Exchange'],
  [20, 'Finished'],
  [21, 'Certificate URL'],
  [22, 'Certificate Status'],
  [23, 'Supplemental Data'],
  [24, 'Key Update'],
  [25, 'Compressed Certificate'],
  [254, 'Message Hash'],
]);

const EXTENSIONS: ReadonlyMap<number, string> = new Map([
  [0, 'server_name'],
  [1, 'max_fragment_length'],
  [5, 'status_request'],
  [10, 'supported_groups'],
  [11, 'ec_point_formats'],
  [13, 'signature_algorithms'],
  [14, 'use_srtp'],
  [15, 'heartbeat'],
  [16, 'application_layer_protocol_negotiation'],
  [18, 'signed_certificate_timestamp'],
  [21, 'padding'],
  [22, 'encrypt_then_mac'],
  [23, 'extended_master_secret'],
  [27, 'compress_certificate'],
  [28, 'record_size_limit'],
  [35, 'session_ticket'],
  [41, 'pre_shared_key'],
  [42, 'early_data'],
  [43, 'supported_versions'],
  [44, 'cookie'],
  [45, 'psk_key_exchange_modes'],
  [47, 'certificate_authorities'],
  [49, 'post_handshake_auth'],
  [50, 'signature_algorithms_cert'],
  [51, 'key_share'],
  [57, 'quic_transport_parameters'],
  [65281, 'renegotiation_info'],
]);

/** Suites Wireshark names that netlab's decryption table does not list. */
const MORE_SUITES: ReadonlyMap<number, string> = new Map([
  [0x00ff, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV'],
  [0x5600, 'TLS_FALLBACK_SCSV'],
]);

/** "Handshake", "Application Data"; "Unknown (N)" otherwise. */
export function contentTypeName(type: number): string {
  return CONTENT_TYPES.get(type) ?? `Unknown (${type})`;
}

/** "Client Hello", "Finished"; "Unknown (N)" otherwise. */
export function handshakeTypeName(type: number): string {
  return HANDSHAKE_TYPES.get(type) ?? `Unknown (${type})`;
}

/** "server_name"; "Unknown type N" as Wireshark says otherwise. */
export function extensionName(type: number): string {
  return EXTENSIONS.get(type) ?? (isGrease(type) ? 'Reserved (GREASE)' : `Unknown type ${type}`);
}

/** RFC 8701: GREASE values are 0x?a?a with both bytes equal. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/** "TLS_AES_128_GCM_SHA256"; "Reserved (GREASE)" or "Unknown" when Wireshark has no name. */
export function suiteName(id: number): string {
  const known = MORE_SUITES.get(id) ?? cipherSuiteName(id);
  if (!known.startsWith('0x')) return known;
  return isGrease(id) ? 'Reserved (GREASE)' : 'Unknown';
}

/** `TLS 1.2 (0x0303)` as in "Version: TLS 1.2 (0x0303)". */
export function versionLabel(version: number): string {
  return `${versionWords(version)} (0x${hex4(version)})`;
}

function versionWords(version: number): string {
  switch (version) {
    case 0x0300:
      return 'SSL 3.0';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
    default:
      return isGrease(version) ? 'Reserved (GREASE)' : 'Unknown';
  }
}

/** The Protocol column and the record-layer prefix: "TLSv1.2", "TLSv1", "SSLv3"; "TLS" for an unknown version. */
export function protocolName(version: number): string {
  switch (version) {
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return 'TLS';
  }
}

/** "Warning", "Fatal"; "Unknown (N)". */
export function alertLevelName(level: number): string {
  return level === 1 ? 'Warning' : level === 2 ? 'Fatal' : `Unknown (${level})`;
}

/** "Close Notify", "Handshake Failure": the RFC name in Wireshark's title case. */
export function alertDescriptionName(description: number): string {
  const name = alertName(description);
  if (name.startsWith('alert_')) return `Unknown (${description})`;
  return name
    .split('_')
    .map((w) => (w === 'ca' || w === 'psk' || w === 'mac' ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

export function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}
