/**
 * The `bar` chain stage (frame stage id 22): C float64 columns (raw bytes laid end to end) →
 * entropy-coded OHLC(V) residuals (`bar-encode.ts`; decoded by `bar-decode-backend.ts`). It is a
 * terminal stage (its output is already entropy coded). Declines (`undefined`) data that is not mostly
 * exact decimal bars (more than 1/16 of the rows with NaN, ±Infinity, -0, too many decimals…), so
 * callers fall back to per-column chains. Byte format: `FORMAT.md`, "bar stage".
 *
 * @module
 */

import type { Codec, StageSpec } from '../codec-registry.js';
import { CodecError, CodecOptionsError } from '../errors.js';
import { decodeBarPayloadToBytes } from './bar-decode-backend.js';
import { barEncode } from './bar-encode.js';

/** Frame id of the `bar` stage. Part of the on-disk format: never renumber. */
export const BAR_CODEC_ID = 22;

function columnsOf(spec: StageSpec): number {
  const c = (spec as { columns?: unknown }).columns ?? 5;
  if (c !== 4 && c !== 5) throw new CodecOptionsError('bar', 'columns', '4 (OHLC) or 5 (OHLCV)', c);
  return c;
}

/** `bar` stage: spec `{ codec: 'bar', columns?: 4 | 5 }` (default 5 columns: open, high, low, close, volume). */
export const barCodec: Codec = {
  name: 'bar',
  id: BAR_CODEC_ID,
  encode: (input, spec) => barEncode(input, columnsOf(spec)),
  decode: (input, params, rawLengthBytes) => {
    try {
      return decodeBarPayloadToBytes(input, params, rawLengthBytes);
    } catch (cause) {
      throw new CodecError('bar', 'decode', String((cause as Error).message ?? cause), { cause });
    }
  },
};
