/** The application-layer rows of the next-layer table, in detection order. */
import type { AppContext, AppProtocol } from './app-protocol.js';

export const APP_TABLE: readonly AppProtocol[] = [];

/** The first row whose detect() accepts these first bytes, or undefined. */
export function detectApp(first: Uint8Array, context: AppContext): AppProtocol | undefined {
  for (const row of APP_TABLE) if (row.detect(first, context)) return row;
  return undefined;
}
