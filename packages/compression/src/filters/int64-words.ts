/**
 * int64 filters on (lo, hi) 32-bit word pairs, so no BigInt is involved: wrapping delta and zigzag.
 * Inputs whose length is not a multiple of 8 keep their trailing bytes unchanged.
 *
 * @module
 */

/** An aligned copy of `bytes` as 32-bit words (length rounded down to whole int64 values). */
function wordsOf(bytes: Uint8Array): { out: Uint8Array; words: Int32Array; n: number } {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  const n = Math.floor(bytes.length / 8);
  return { out, words: new Int32Array(out.buffer, 0, n * 2), n };
}

/** v[i] - v[i-1] with two's-complement wrap (first value kept). */
export function deltaEncodeI64(bytes: Uint8Array): Uint8Array {
  const { out, words, n } = wordsOf(bytes);
  for (let i = n - 1; i >= 1; i--) {
    const alo = words[2 * i] as number;
    const blo = words[2 * i - 2] as number;
    const borrow = alo >>> 0 < blo >>> 0 ? 1 : 0;
    words[2 * i] = (alo - blo) | 0;
    words[2 * i + 1] = ((words[2 * i + 1] as number) - (words[2 * i - 1] as number) - borrow) | 0;
  }
  return out;
}

/** Prefix sum with wrap: inverse of {@link deltaEncodeI64}. */
export function deltaDecodeI64(bytes: Uint8Array): Uint8Array {
  const { out, words, n } = wordsOf(bytes);
  let plo = n > 0 ? (words[0] as number) >>> 0 : 0;
  let phi = n > 0 ? (words[1] as number) | 0 : 0;
  for (let i = 1; i < n; i++) {
    const lo = plo + ((words[2 * i] as number) >>> 0);
    const carry = lo > 0xffffffff ? 1 : 0;
    plo = lo >>> 0;
    phi = (phi + (words[2 * i + 1] as number) + carry) | 0;
    words[2 * i] = plo;
    words[2 * i + 1] = phi;
  }
  return out;
}

/** (v << 1) ^ (v >> 63): small magnitudes of either sign become small unsigned values. */
export function zigzagEncodeI64(bytes: Uint8Array): Uint8Array {
  const { out, words, n } = wordsOf(bytes);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i] as number;
    const hi = words[2 * i + 1] as number;
    const sign = hi >> 31;
    words[2 * i] = (lo << 1) ^ sign;
    words[2 * i + 1] = ((hi << 1) | (lo >>> 31)) ^ sign;
  }
  return out;
}

/** (z >>> 1) ^ -(z & 1): inverse of {@link zigzagEncodeI64}. */
export function zigzagDecodeI64(bytes: Uint8Array): Uint8Array {
  const { out, words, n } = wordsOf(bytes);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i] as number;
    const hi = words[2 * i + 1] as number;
    const mask = -(lo & 1);
    words[2 * i] = ((lo >>> 1) | (hi << 31)) ^ mask;
    words[2 * i + 1] = (hi >>> 1) ^ mask;
  }
  return out;
}
