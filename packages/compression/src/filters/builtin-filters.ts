/**
 * The filter stages of a chain (registered in `codec-registry.ts`).
 *
 * @module
 */

import type { Codec, StageSpec } from '../codec-registry.js';
import { CodecError, CodecOptionsError } from '../errors.js';
import { bitshuffleBytes, bitunshuffleBytes } from './bitshuffle.js';
import { decimalDecode, decimalEncode } from './decimal.js';
import { deltaDecodeI64, deltaEncodeI64, zigzagDecodeI64, zigzagEncodeI64 } from './int64-words.js';
import { shuffleBytes, unshuffleBytes } from './shuffle.js';

const EMPTY = new Uint8Array(0);

function typesizeOf(spec: StageSpec): number {
  const t = (spec as { typesize?: unknown }).typesize ?? 8;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 255) {
    throw new CodecOptionsError(spec.codec, 'typesize', 'an integer in 1..255', t);
  }
  return t;
}

function paramTypesize(name: string, params: Uint8Array): number {
  if (params.length !== 1 || params[0] === 0) {
    throw new CodecError(
      name,
      'decode',
      `params must be one non-zero typesize byte, got ${params.length} bytes`,
    );
  }
  return params[0] as number;
}

/** Byte-shuffle filter stage (blosc SHUFFLE layout); params: typesize in bytes. */
export const shuffleCodec: Codec = {
  name: 'shuffle',
  id: 16,
  encode: (input, spec) => {
    const t = typesizeOf(spec);
    return { bytes: shuffleBytes(input, t), params: Uint8Array.of(t) };
  },
  decode: (input, params) => unshuffleBytes(input, paramTypesize('shuffle', params)),
};

/** Bit-shuffle filter stage (blosc BITSHUFFLE layout); params: typesize in bytes. */
export const bitshuffleCodec: Codec = {
  name: 'bitshuffle',
  id: 17,
  encode: (input, spec) => {
    const t = typesizeOf(spec);
    return { bytes: bitshuffleBytes(input, t), params: Uint8Array.of(t) };
  },
  decode: (input, params) => bitunshuffleBytes(input, paramTypesize('bitshuffle', params)),
};

/** int64 delta filter stage (wrapping, on 32-bit halves); chained twice it is delta-of-delta. */
export const deltaCodec: Codec = {
  name: 'delta',
  id: 18,
  encode: (input) => ({ bytes: deltaEncodeI64(input), params: EMPTY }),
  decode: (input) => deltaDecodeI64(input),
};

/** int64 zigzag filter stage: maps signed deltas to unsigned so small magnitudes stay small. */
export const zigzagCodec: Codec = {
  name: 'zigzag',
  id: 19,
  encode: (input) => ({ bytes: zigzagEncodeI64(input), params: EMPTY }),
  decode: (input) => zigzagDecodeI64(input),
};

/** Lossless decimal filter stage: float64 → scaled int64 with an exception list (see decimal.ts). */
export const decimalCodec: Codec = {
  name: 'decimal',
  id: 20,
  encode: (input, spec) => {
    const s = spec as { maxScale?: number; maxExceptionRatio?: number };
    const r = decimalEncode(input, { maxScale: s.maxScale, maxExceptionRatio: s.maxExceptionRatio });
    return r === undefined ? undefined : { bytes: r.ints, params: r.params };
  },
  decode: (input, params) => {
    try {
      return decimalDecode(input, params);
    } catch (cause) {
      throw new CodecError('decimal', 'decode', String(cause), { cause });
    }
  },
};
