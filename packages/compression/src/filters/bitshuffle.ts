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

/** Bit-shuffles `input` into a new buffer. */
export function bitshuffleBytes(
  input: Uint8Array,
  typesize: number,
  out = new Uint8Array(input.length),
): Uint8Array {
  const T = Math.max(1, typesize);
  const groups = Math.floor(input.length / T / 8);
  const n = groups * 8;
  for (let j = 0; j < T; j++) {
    for (let g = 0; g < groups; g++) {
      const base = g * 8 * T + j;
      const lo =
        (input[base] as number) |
        ((input[base + T] as number) << 8) |
        ((input[base + 2 * T] as number) << 16) |
        ((input[base + 3 * T] as number) << 24);
      const hi =
        (input[base + 4 * T] as number) |
        ((input[base + 5 * T] as number) << 8) |
        ((input[base + 6 * T] as number) << 16) |
        ((input[base + 7 * T] as number) << 24);
      transpose8(lo, hi, pair);
      const row = j * 8 * groups + g;
      const a = pair[0] as number;
      const b = pair[1] as number;
      out[row] = a;
      out[row + groups] = a >>> 8;
      out[row + 2 * groups] = a >>> 16;
      out[row + 3 * groups] = a >>> 24;
      out[row + 4 * groups] = b;
      out[row + 5 * groups] = b >>> 8;
      out[row + 6 * groups] = b >>> 16;
      out[row + 7 * groups] = b >>> 24;
    }
  }
  const tail = n * T;
  if (tail < input.length) out.set(input.subarray(tail), tail);
  return out;
}

/** Inverse of {@link bitshuffleBytes}. */
export function bitunshuffleBytes(
  input: Uint8Array,
  typesize: number,
  out = new Uint8Array(input.length),
): Uint8Array {
  const T = Math.max(1, typesize);
  const groups = Math.floor(input.length / T / 8);
  const n = groups * 8;
  for (let j = 0; j < T; j++) {
    for (let g = 0; g < groups; g++) {
      const row = j * 8 * groups + g;
      const lo =
        (input[row] as number) |
        ((input[row + groups] as number) << 8) |
        ((input[row + 2 * groups] as number) << 16) |
        ((input[row + 3 * groups] as number) << 24);
      const hi =
        (input[row + 4 * groups] as number) |
        ((input[row + 5 * groups] as number) << 8) |
        ((input[row + 6 * groups] as number) << 16) |
        ((input[row + 7 * groups] as number) << 24);
      transpose8(lo, hi, pair);
      const base = g * 8 * T + j;
      const a = pair[0] as number;
      const b = pair[1] as number;
      out[base] = a;
      out[base + T] = a >>> 8;
      out[base + 2 * T] = a >>> 16;
      out[base + 3 * T] = a >>> 24;
      out[base + 4 * T] = b;
      out[base + 5 * T] = b >>> 8;
      out[base + 6 * T] = b >>> 16;
      out[base + 7 * T] = b >>> 24;
    }
  }
  const tail = n * T;
  if (tail < input.length) out.set(input.subarray(tail), tail);
  return out;
}
