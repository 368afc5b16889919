/**
 * Digest of a whole price panel.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { PricePanel } from './price-panel.js';

/** sha256 hex of the panel's symbol names, timestamps and every close (raw IEEE-754 bytes). */
export function panelDigest(panel: PricePanel): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(panel.symbols));
  const ts = panel.timestampsNs;
  hash.update(new Uint8Array(ts.buffer, ts.byteOffset, ts.byteLength));
  for (const c of panel.closes) hash.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  return hash.digest('hex');
}
