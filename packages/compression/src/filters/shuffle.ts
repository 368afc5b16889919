/**
 * Byte shuffle, the blosc "SHUFFLE" filter: with `typesize` T and n = floor(len / T) whole elements,
 * byte j of element i moves to `j * n + i` (all first bytes, then all second bytes, ...). Trailing
 * `len % T` bytes are copied unchanged to the end. Identical to c-blosc's `shuffle()` on one block.
 *
 * @module
 */

/**
 * Both directions of the byte shuffle: element-major ↔ byte-plane-major for `n = floor(len / typesize)`
 * whole elements, trailing bytes copied unchanged; typesize 8 takes a word-wise fast path.
 */
function transposeBytes(input: Uint8Array, typesize: number, out: Uint8Array, inverse: boolean): Uint8Array {
  const n = Math.floor(input.length / typesize);
  if (typesize <= 1 || n === 0) {
    out.set(input);
    return out;
  }
  if (typesize === 8 && input.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    (inverse ? unshuffle8 : shuffle8)(input, out, n);
  } else {
    for (let j = 0; j < typesize; j++) {
      const base = j * n;
      if (inverse) for (let i = 0, k = j; i < n; i++, k += typesize) out[k] = input[base + i] as number;
      else for (let i = 0, k = j; i < n; i++, k += typesize) out[base + i] = input[k] as number;
    }
  }
  const tail = n * typesize;
  if (tail < input.length) out.set(input.subarray(tail), tail);
  return out;
}

/** Shuffles `input` into a new buffer (or `out` when given, which must have the same length). */
export function shuffleBytes(
  input: Uint8Array,
  typesize: number,
  out = new Uint8Array(input.length),
): Uint8Array {
  return transposeBytes(input, typesize, out, false);
}

/** Inverse of {@link shuffleBytes}. */
export function unshuffleBytes(
  input: Uint8Array,
  typesize: number,
  out = new Uint8Array(input.length),
): Uint8Array {
  return transposeBytes(input, typesize, out, true);
}

/** typesize 8 fast path: reads/writes 32-bit words on the element side (little-endian host). */
function shuffle8(input: Uint8Array, out: Uint8Array, n: number): void {
  const words = new Uint32Array(input.buffer, input.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i] as number;
    const hi = words[2 * i + 1] as number;
    out[i] = lo;
    out[n + i] = lo >>> 8;
    out[2 * n + i] = lo >>> 16;
    out[3 * n + i] = lo >>> 24;
    out[4 * n + i] = hi;
    out[5 * n + i] = hi >>> 8;
    out[6 * n + i] = hi >>> 16;
    out[7 * n + i] = hi >>> 24;
  }
}

function unshuffle8(input: Uint8Array, out: Uint8Array, n: number): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, n * 2);
  const n2 = 2 * n;
  const n3 = 3 * n;
  const n4 = 4 * n;
  const n5 = 5 * n;
  const n6 = 6 * n;
  const n7 = 7 * n;
  for (let i = 0; i < n; i++) {
    words[2 * i] =
      ((input[i] as number) |
        ((input[n + i] as number) << 8) |
        ((input[n2 + i] as number) << 16) |
        ((input[n3 + i] as number) << 24)) >>>
      0;
    words[2 * i + 1] =
      ((input[n4 + i] as number) |
        ((input[n5 + i] as number) << 8) |
        ((input[n6 + i] as number) << 16) |
        ((input[n7 + i] as number) << 24)) >>>
      0;
  }
}
