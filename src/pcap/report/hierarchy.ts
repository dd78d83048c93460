/**
 * The protocol hierarchy (Wireshark's Statistics > Protocol Hierarchy, in
 * four levels): link type, network layer, transport, and for TCP/UDP
 * payload the application protocol its first bytes start (TLS record, HTTP
 * start line, DNS message, by the packet view's own detectors), else "data".
 * Counted per packet under one numeric key, so the per-packet path
 * allocates only for payload detection.
 */
import { detectApp } from '../layers/app-table.js';
import type { AppContext } from '../layers/app-protocol.js';
import { protocolKeyName } from '../layers/dissect.js';
import { L4, PROTO_KEY, type Dissection } from '../layers/dissection.js';
import { linkTypeName } from '../layers/linktypes.js';
import type { ProtocolNode } from './types.js';

const NET_NONE = 0;
const NET_V4 = 1;
const NET_V6 = 2;
const KEY_SPACE = 0x40000;
const APPS = ['', 'data', 'tls', 'http', 'dns'] as const;

interface Count {
  packets: number;
  bytes: number;
}

export class HierarchyCollector {
  readonly #counts = new Map<number, Count>();
  /** One context object reused for every detection. */
  readonly #context: AppContext = { transport: 'tcp', srcPort: 0, dstPort: 0 };

  /** Counts one dissected packet of `bytes` captured bytes. */
  add(d: Dissection, bytes: number): void {
    const net = d.ipVersion === 4 ? NET_V4 : d.ipVersion === 6 ? NET_V6 : NET_NONE;
    const key = (((d.linkType & 0xffff) * 3 + net) * KEY_SPACE + (d.protoKey % KEY_SPACE)) * 8 + this.#app(d);
    const c = this.#counts.get(key);
    if (c === undefined) this.#counts.set(key, { packets: 1, bytes });
    else {
      c.packets++;
      c.bytes += bytes;
    }
  }

  /** 0 no payload, else an index into APPS. */
  #app(d: Dissection): number {
    if ((d.l4 !== L4.TCP && d.l4 !== L4.UDP) || d.payloadLength === 0) return 0;
    const context = this.#context;
    context.transport = d.l4 === L4.TCP ? 'tcp' : 'udp';
    context.srcPort = d.srcPort;
    context.dstPort = d.dstPort;
    const app = detectApp(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength), context);
    const at = app === undefined ? 1 : APPS.indexOf(app.name as (typeof APPS)[number]);
    return at === -1 ? 1 : at;
  }

  /** The tree, children by packets (most first). */
  result(): ProtocolNode {
    const root: ProtocolNode = { name: 'frame', packets: 0, bytes: 0, children: [] };
    for (const [key, c] of this.#counts) {
      const app = key % 8;
      const rest = Math.floor(key / 8);
      const protoKey = rest % KEY_SPACE;
      const linkNet = Math.floor(rest / KEY_SPACE);
      const net = linkNet % 3;
      const path = [linkTypeName(Math.floor(linkNet / 3))];
      if (net !== NET_NONE) path.push(net === NET_V4 ? 'ipv4' : 'ipv6');
      // A malformed IP header has its own key: the network node alone holds it.
      if (!(net !== NET_NONE && (protoKey === PROTO_KEY.IPV4 % KEY_SPACE || protoKey === PROTO_KEY.IPV6 % KEY_SPACE))) path.push(protocolKeyName(protoKey));
      if (app !== 0) path.push(APPS[app]!);
      add(root, path, c);
    }
    sort(root);
    return root;
  }
}

function add(node: ProtocolNode, path: string[], c: Count): void {
  node.packets += c.packets;
  node.bytes += c.bytes;
  let at = node;
  for (const name of path) {
    let child = at.children.find((n) => n.name === name);
    if (child === undefined) {
      child = { name, packets: 0, bytes: 0, children: [] };
      at.children.push(child);
    }
    child.packets += c.packets;
    child.bytes += c.bytes;
    at = child;
  }
}

function sort(node: ProtocolNode): void {
  node.children.sort((a, b) => b.packets - a.packets || (a.name < b.name ? -1 : 1));
  for (const child of node.children) sort(child);
}
