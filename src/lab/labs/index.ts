/**
 * Every lab `netlab lab` knows, in the order `--list` shows them. Adding a
 * lab is one file in this folder and one line here (docs/labs.md).
 */
import type { Lab } from '../lab.js';
import { chatLab } from './chat.js';
import { httpLab } from './http.js';
import { imLab } from './im.js';
import { scanLab } from './scan.js';
import { tlsLab } from './tls.js';
import { udpLab } from './udp.js';

export const LABS: readonly Lab[] = Object.freeze([tlsLab, udpLab, scanLab, chatLab, imLab, httpLab]);

/** The lab `netlab lab` runs without a NAME (and `npm start`). */
export const DEFAULT_LAB = 'tls';

/** The lab called `name`, or undefined. */
export function findLab(name: string): Lab | undefined {
  return LABS.find((lab) => lab.name === name);
}
