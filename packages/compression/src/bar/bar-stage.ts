/**
 * The `bar` chain stage (frame id 22): C float64 columns (raw bytes laid end to end) → entropy-coded
 * OHLC(V) residuals; layout 1 (adaptive range coding) in `bar-codec.ts`, layouts 2 and 3 (static rANS; 3
 * is the default) in `bar-codec-v2.ts`. It is a terminal stage (its output is
 * already entropy coded). Declines (`undefined`) data that is not mostly exact decimal bars (more
 * than 1/16 of the rows with NaN, ±Infinity, -0, too many decimals…), so callers fall back to
 * per-column chains.
 *
 * @module
 */

import type { Codec, StageSpec } from '../codec-registry.js';
import { CodecError, CodecOptionsError } from '../errors.js';
import { BAR_DEFAULT_LAYOUT, barDecode, barEncode } from './bar-codec.js';

/** Frame id of the `bar` stage. Part of the on-disk format: never renumber. */
export const BAR_CODEC_ID = 22;

function columnsOf(spec: StageSpec): number {
  const c = (spec as { columns?: unknown }).columns ?? 5;
  if (c !== 4 && c !== 5) throw new CodecOptionsError('bar', 'columns', '4 (OHLC) or 5 (OHLCV)', c);
  return c;
}

function layoutOf(spec: StageSpec): number {
  const l = (spec as { layout?: unknown }).layout ?? BAR_DEFAULT_LAYOUT;
  if (l !== 1 && l !== 2 && l !== 3)
    throw new CodecOptionsError('bar', 'layout', '1 (range coded), 2 or 3 (rANS)', l);
  return l;
}

/**
 * `bar` stage: spec `{ codec: 'bar', columns?: 4 | 5, layout?: 1 | 2 | 3 }` (default 5 columns, layout
 * 3 = static rANS with one state per field; 2 = static rANS with two shared states, the previous
 * default; 1 = adaptive range coding, smaller on small frames but ~20x slower to decode).
 */
export const barCodec: Codec = {
  name: 'bar',
  id: BAR_CODEC_ID,
  encode: (input, spec) => barEncode(input, columnsOf(spec), layoutOf(spec)),
  decode: (input, params, rawLengthBytes) => {
    try {
      return barDecode(input, params, rawLengthBytes);
    } catch (cause) {
      throw new CodecError('bar', 'decode', String((cause as Error).message ?? cause), { cause });
    }
  },
};
