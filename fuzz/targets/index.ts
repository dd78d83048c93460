/** Every fuzz target, in report order: decoders first, then the servers. */
import type { FuzzTarget } from '../target.js';
import { appDns } from './app-dns.js';
import { appHttp } from './app-http.js';
import { chat } from './chat.js';
import { echo } from './echo.js';
import { imOpen } from './im-open.js';
import { imRelay } from './im-relay.js';
import { layers } from './layers.js';
import { lengthPrefixed } from './length-prefixed.js';
import { lineSplitter } from './line-splitter.js';
import { pcapReader } from './pcap-reader.js';
import { tlsKeylog } from './tls-keylog.js';
import { tlsRecords } from './tls-records.js';
import { tlsStream } from './tls-stream.js';

export const TARGETS: readonly FuzzTarget[] = [lengthPrefixed, lineSplitter, imOpen, pcapReader, layers, appDns, appHttp, tlsRecords, tlsStream, tlsKeylog, echo, chat, imRelay];
