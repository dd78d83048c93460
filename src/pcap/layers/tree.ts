/**
 * What an application-layer dissector returns: one layer of the packet
 * details tree (Wireshark's proto_tree, as plain data). Dissectors are
 * sans-IO: bytes in, a ProtoLayer out, never a throw.
 */

/**
 * A field value as the packet view holds it.
 * - number: unsigned integers, booleans as 0/1 where the field kind is 'bool', times in seconds
 * - string: text fields (http.request.uri, dns.qry.name)
 * - Uint8Array: bytes, and addresses (4 bytes IPv4, 16 bytes IPv6, 6 bytes Ethernet)
 */
export type FieldValue = number | string | Uint8Array;

/** One line of the details tree, with the filterable value it shows. */
export interface ProtoField {
  /** Wireshark's field name ('tls.handshake.type'), or '' for a line that only explains. */
  name: string;
  /** The line as `-V` prints it, e.g. 'Handshake Type: Client Hello (1)'. */
  label: string;
  /** The value filters and `-e` see; absent for text-only lines and subtrees. */
  value?: FieldValue;
  /** Bytes the line covers, relative to the layer's data (for the bytes pane). */
  offset?: number;
  length?: number;
  children?: ProtoField[];
}

/** One protocol's section of the details tree. */
export interface ProtoLayer {
  /** Filter name of the protocol: 'tls', 'http', 'dns'. Also the `--json` layer key. */
  name: string;
  /** Section title as Wireshark prints it: 'Transport Layer Security'. */
  title: string;
  /** Protocol column text: 'TLSv1.3', 'HTTP', 'DNS'. */
  protocol: string;
  /** Info column text: 'Client Hello', 'GET / HTTP/1.1', 'Standard query 0x1a2b A example.com'. */
  info: string;
  fields: ProtoField[];
  /** Set when the bytes were not what the protocol allows: the tree then ends with '[Malformed Packet: ...]'. */
  malformed?: string;
}
