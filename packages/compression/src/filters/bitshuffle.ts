/**
 * Bit shuffle, the blosc "BITSHUFFLE" filter (Masui et al., bitshuffle, as built into c-blosc 1.x):
 * with `typesize` T, the first n = floor(len / T / 8) * 8 elements are transposed to bit planes: bit b of
 * byte j of element i goes to bit `i % 8` of byte `(j * 8 + b) * (n / 8) + floor(i / 8)`. The remaining
 * `len - n * T` bytes are copied unchanged to the end (c-blosc only bit-shuffles multiples of 8 elements).
 *
 * @module
 */

/**
 * Transposes the 8x8 bit matrix held in 8 bytes (lo = bytes 0..3, hi = bytes 4..7, little-endian):
 * afterwards bit c of byte r equals bit r of byte c before. Hacker's Delight, 2nd ed., §7-3 (transpose8).
 */
function transpose8(lo: number, hi: number, out: Uint32Array): void {
  let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
  lo = lo ^ t ^ (t << 7);
  t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
  hi = hi ^ t ^ (t << 7);
  t = (lo ^ (lo >>> 14)) & 0x0000cccc;
  lo = lo ^ t ^ (t << 14);
  t = (hi ^ (hi >>> 14)) & 0x0000cccc;
  hi = hi ^ t ^ (t << 14);
  t = (lo ^ ((lo >>> 28) | (hi << 4))) & 0xf0f0f0f0;
  lo = lo ^ t ^ (t << 28);
  hi = hi ^ (t >>> 4);
  out[0] = lo >>> 0;
  out[1] = hi >>> 0;
}

const pair = new Uint32Array(2);

/**
 * The shared kernel of both directions: for each byte position `j` of an element and each group `g` of
 * 8 elements, gathers 8 bytes at `srcStride` apart, transposes their 8×8 bit matrix, and scatters the
 * 8 result bytes `dstStride` apart. Bit-shuffle reads element-major (stride T) and writes bit-plane-major
 * (stride `groups`); the inverse swaps the two layouts.
 */
function transposeBitBlocks(
  input: Uint8Array,
  out: Uint8Array,
  typesize: number,
  inverse: boolean,
): Uint8Array {
  const T = Math.max(1, typesize);
  const groups = Math.floor(input.length / T / 8);
  const srcStride = inverse ? groups : T;
  const dstStride = inverse ? T : groups;
  for (let j = 0; j < T; j++) {
    for (let g = 0; g < groups; g++) {
      const planeMajor = j * 8 * groups + g;
      const elementMajor = g * 8 * T + j;
      const src = inverse ? planeMajor : elementMajor;
      const dst = inverse ? elementMajor : planeMajor;
      const lo =
        (input[src] as number) |
        ((input[src + srcStride] as number) << 8) |
        ((input[src + 2 * srcStride] as number) << 16) |
        ((input[src + 3 * srcStride] as number) << 24);
      const hi =
        (input[src + 4 * srcStride] as number) |
        ((input[src + 5 * srcStride] as number) << 8) |
        ((input[src + 6 * srcStride] as number) << 16) |
        ((input[src + 7 * srcStride] as number) << 24);
      transpose8(lo, hi, pair);
      const a = pair[0] as number;
      const b = pair[1] as number;
      out[dst] = a;
      out[dst + dstStride] = a >>> 8;
      out[dst + 2 * dstStride] = a >>> 16;
      out[dst + 3 * dstStride] = a >>> 24;
      out[dst + 4 * dstStride] = b;
      out[dst + 5 * dstStride] = b >>> 8;
      out[dst + 6 * dstStride] = b >>> 16;
      out[dst + 7 * dstStride] = b >>> 24;
    }
  }
  const tail = groups * 8 * T;
  if (tail < input.length) out.set(input.subarray(tail), tail);
  return out;
}

/** Bit-shuffles `input` into a new buffer (or `out`, same length). */
export function bitshuffleBytes(
  input: Uint8Array,
  typesize: number,
  out = new Uint8Array(input.length),
): Uint8Array {
  return transposeBitBlocks(input, out, typesize, false);
}

/** Inverse of {@link bitshuffleBytes}. */
export function bitunshuffleBytes(
  input: Uint8Array,
  typesize: number,
  out = new Uint8Array(input.length),
): Uint8Array {
  return transposeBitBlocks(input, out, typesize, true);
}
