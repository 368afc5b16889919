/**
 * Lossless decimal codec for float64 prices: finds the smallest scale k (0..{@link DECIMAL_MAX_SCALE})
 * such that `Math.round(x * 10^k) / 10^k` reproduces every value bit for bit, and stores the scaled
 * integers as int64. Both directions use one correctly rounded IEEE-754 multiplication/division by the
 * exactly representable power 10^k (k <= 22), so decoding is deterministic on every platform.
 *
 * Values that do not round-trip at the chosen k (NaN with any payload, ±Infinity, -0, values needing
 * more decimals, |x * 10^k| > 2^53) go to an exception list holding their index and raw 8 bytes; their
 * integer slot repeats the previous integer so deltas stay small. When more than
 * `maxExceptionRatio` of the values would be exceptions at every k, the codec declines (returns
 * `undefined`) and the caller falls back to the plain chain.
 *
 * Params (stored in the chain descriptor): scale k and the exception list, byte layout in `FORMAT.md`,
 * "Codec ids" (id 20).
 *
 * @module
 */

/** Largest scale tried by default: 10^12 keeps 1e-12 resolution and |x| up to ~9007 exact. */
export const DECIMAL_MAX_SCALE = 12;

const TWO_32 = 4294967296;
const MAX_SAFE = 2 ** 53;

/** Result of {@link decimalEncode}. */
export interface DecimalEncoded {
  /** int64 little-endian scaled integers, one per value. */
  ints: Uint8Array;
  /** Stage params (scale and exception list), layout in the module doc. */
  params: Uint8Array;
  scale: number;
  exceptions: number;
}

/** Options of {@link decimalEncode}. */
export interface DecimalOptions {
  /** Largest decimal scale tried. Default {@link DECIMAL_MAX_SCALE}. */
  maxScale?: number;
  /**
   * Largest share of values allowed in the exception list (12 bytes each). Default 1/16: beyond that
   * the plain shuffle + zstd path is usually smaller.
   */
  maxExceptionRatio?: number;
}

function aligned(bytes: Uint8Array): Float64Array {
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  return new Float64Array(bytes.slice().buffer);
}

function fits(x: number, p: number): boolean {
  const s = x * p;
  if (!(s >= -MAX_SAFE && s <= MAX_SAFE)) return false; // NaN, ±Infinity, too large
  const n = Math.round(s);
  return Object.is((n + 0) / p, x); // `n + 0` turns -0 into +0, so x = -0 is an exception
}

/**
 * Scales float64 values (the raw bytes of a Float64Array) to int64, or `undefined` when the values
 * are not decimal enough (see module doc). Empty input encodes with scale 0.
 */
export function decimalEncode(bytes: Uint8Array, options: DecimalOptions = {}): DecimalEncoded | undefined {
  if (bytes.length % 8 !== 0) return undefined;
  const values = aligned(bytes);
  const n = values.length;
  const maxScale = Math.min(22, options.maxScale ?? DECIMAL_MAX_SCALE);
  const limit = Math.floor(n * (options.maxExceptionRatio ?? 1 / 16));
  let bestScale = -1;
  let bestFailures = limit + 1;
  for (let k = 0; k <= maxScale; k++) {
    const p = 10 ** k;
    let failures = 0;
    for (let i = 0; i < n && failures < bestFailures; i++) {
      if (!fits(values[i] as number, p)) failures++;
    }
    if (failures < bestFailures) {
      bestFailures = failures;
      bestScale = k;
      if (failures === 0) break;
    }
  }
  if (bestScale < 0) return undefined;
  const p = 10 ** bestScale;
  const ints = new Uint8Array(n * 8);
  const words = new Int32Array(ints.buffer);
  const params = new Uint8Array(8 + 12 * bestFailures);
  const pv = new DataView(params.buffer);
  pv.setUint8(0, bestScale);
  pv.setUint32(4, bestFailures, true);
  let e = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (fits(x, p)) {
      const m = Math.round(x * p);
      lo = m | 0; // ToInt32: the low 32 bits of the two's complement integer
      hi = Math.floor(m / TWO_32) | 0;
    } else {
      const at = 8 + 12 * e++;
      pv.setUint32(at, i, true);
      params.set(bytes.subarray(i * 8, i * 8 + 8), at + 4);
    }
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  }
  return { ints, params, scale: bestScale, exceptions: bestFailures };
}

/**
 * Inverse of {@link decimalEncode}: int64 bytes and params back to the exact float64 bytes, in a new buffer.
 *
 * @throws RangeError malformed params (the caller wraps it in a typed error).
 */
export function decimalDecode(ints: Uint8Array, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(ints.length); // a fresh buffer starts 8-byte aligned
  out.set(ints);
  return decimalDecodeInPlace(out, params);
}

/**
 * {@link decimalDecode} writing the float64 values over the int64 words of `ints` (each value is read
 * before its 8 bytes are overwritten). `ints` must start at an 8-byte-aligned offset; otherwise the result
 * goes to a new buffer.
 *
 * @throws RangeError malformed params (the caller wraps it in a typed error).
 */
export function decimalDecodeInPlace(ints: Uint8Array, params: Uint8Array): Uint8Array {
  if (params.length < 8 || ints.length % 8 !== 0) throw new RangeError('decimal params shorter than 8 bytes');
  if (ints.byteOffset % 8 !== 0) return decimalDecode(ints, params);
  const pv = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const scale = pv.getUint8(0);
  const count = pv.getUint32(4, true);
  if (scale > 22 || params.length !== 8 + 12 * count) {
    throw new RangeError(`decimal params: scale ${scale}, ${count} exceptions in ${params.length} bytes`);
  }
  const n = ints.length / 8;
  const words = new Int32Array(ints.buffer, ints.byteOffset, n * 2);
  const values = new Float64Array(ints.buffer, ints.byteOffset, n);
  const p = 10 ** scale;
  for (let i = 0; i < n; i++) {
    values[i] = ((words[2 * i + 1] as number) * TWO_32 + ((words[2 * i] as number) >>> 0)) / p;
  }
  for (let e = 0; e < count; e++) {
    const at = 8 + 12 * e;
    const index = pv.getUint32(at, true);
    if (index >= n) throw new RangeError(`decimal exception index ${index} >= ${n} values`);
    ints.set(params.subarray(at + 4, at + 12), index * 8);
  }
  return ints;
}
