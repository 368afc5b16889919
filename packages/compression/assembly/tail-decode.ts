/**
 * AssemblyScript kernels of the fused column-chain tail (`src/filters/fused-decode.ts` is the
 * TypeScript reference, with `src/filters/bitshuffle.ts` for the bit-shuffled variant): the inverse of
 * `delta{1,2} > zigzag > shuffle(8)` ({@link tailDecode}) or `delta{1,2} > zigzag > bitshuffle(8)`
 * ({@link bitTailDecode}) over int64 values. Shuffled input: byte j of value i at `src + j·n + i`. Per group of 8 values the 8 planes are
 * read as 8 unaligned u64 words; when all are zero (regular timestamps after delta-of-delta: the
 * common case) the group is a run of equal deltas, else the 8 × 8 byte matrix is transposed with
 * three rounds of masked swaps (Hacker's Delight §7-3) into the 8 zigzag values. Arithmetic wraps at
 * 64 bits like the TypeScript decoder's int32-halves-with-carry.
 *
 * @module
 */

/** Masks of the three transpose rounds: 32-, 16- and 8-bit blocks. */
const M32: u64 = 0x00000000ffffffff;
const M16: u64 = 0x0000ffff0000ffff;
const M8: u64 = 0x00ff00ff00ff00ff;

/**
 * Decodes `n` values from the shuffled bytes at `src` (n × 8 bytes) to little-endian int64 at `out`
 * (n × 8 bytes, not overlapping `src`): unzigzag, then one running sum (`deltas` = 1) or two
 * (`deltas` = 2, delta-of-delta). Reads and writes exactly those 2 × n × 8 bytes.
 */
export function tailDecode(src: usize, n: usize, deltas: i32, out: usize): void {
  let p: i64 = 0; // running sum of the deltas (first sum)
  let q: i64 = 0; // running sum of p (second sum, delta-of-delta)
  const twice = deltas === 2;
  let i: usize = 0;
  const groups = n & ~(<usize>7);
  while (i < groups) {
    let r0 = load<u64>(src + i);
    let r1 = load<u64>(src + n + i);
    let r2 = load<u64>(src + 2 * n + i);
    let r3 = load<u64>(src + 3 * n + i);
    let r4 = load<u64>(src + 4 * n + i);
    let r5 = load<u64>(src + 5 * n + i);
    let r6 = load<u64>(src + 6 * n + i);
    let r7 = load<u64>(src + 7 * n + i);
    const o = out + (i << 3);
    if ((r0 | r1 | r2 | r3 | r4 | r5 | r6 | r7) === 0) {
      // Eight zero deltas: the values repeat (delta) or grow by p each (delta-of-delta).
      for (let k: usize = 0; k < 8; k++) {
        q += p;
        store<i64>(o + (k << 3), twice ? q : p);
      }
      i += 8;
      continue;
    }
    // Transpose: row j = plane j (byte k = value k); afterwards r_k = value k (byte j = plane j).
    let t = ((r0 >> 32) ^ r4) & M32;
    r0 ^= t << 32;
    r4 ^= t;
    t = ((r1 >> 32) ^ r5) & M32;
    r1 ^= t << 32;
    r5 ^= t;
    t = ((r2 >> 32) ^ r6) & M32;
    r2 ^= t << 32;
    r6 ^= t;
    t = ((r3 >> 32) ^ r7) & M32;
    r3 ^= t << 32;
    r7 ^= t;
    t = ((r0 >> 16) ^ r2) & M16;
    r0 ^= t << 16;
    r2 ^= t;
    t = ((r1 >> 16) ^ r3) & M16;
    r1 ^= t << 16;
    r3 ^= t;
    t = ((r4 >> 16) ^ r6) & M16;
    r4 ^= t << 16;
    r6 ^= t;
    t = ((r5 >> 16) ^ r7) & M16;
    r5 ^= t << 16;
    r7 ^= t;
    t = ((r0 >> 8) ^ r1) & M8;
    r0 ^= t << 8;
    r1 ^= t;
    t = ((r2 >> 8) ^ r3) & M8;
    r2 ^= t << 8;
    r3 ^= t;
    t = ((r4 >> 8) ^ r5) & M8;
    r4 ^= t << 8;
    r5 ^= t;
    t = ((r6 >> 8) ^ r7) & M8;
    r6 ^= t << 8;
    r7 ^= t;
    p += <i64>((r0 >> 1) ^ (0 - (r0 & 1)));
    q += p;
    store<i64>(o, twice ? q : p);
    p += <i64>((r1 >> 1) ^ (0 - (r1 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 8);
    p += <i64>((r2 >> 1) ^ (0 - (r2 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 16);
    p += <i64>((r3 >> 1) ^ (0 - (r3 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 24);
    p += <i64>((r4 >> 1) ^ (0 - (r4 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 32);
    p += <i64>((r5 >> 1) ^ (0 - (r5 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 40);
    p += <i64>((r6 >> 1) ^ (0 - (r6 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 48);
    p += <i64>((r7 >> 1) ^ (0 - (r7 & 1)));
    q += p;
    store<i64>(o, twice ? q : p, 56);
    i += 8;
  }
  // The last n mod 8 values, byte by byte.
  while (i < n) {
    let z: u64 = 0;
    for (let j: usize = 0; j < 8; j++) z |= (<u64>load<u8>(src + j * n + i)) << (<u64>j << 3);
    p += <i64>((z >> 1) ^ (0 - (z & 1)));
    q += p;
    store<i64>(out + (i << 3), twice ? q : p);
    i++;
  }
}

/** Unzigzag and one (`deltas` = 1) or two running sums over n int64 at `at`, in place. */
function unzigzagSums(at: usize, n: usize, deltas: i32): void {
  let p: i64 = 0;
  let q: i64 = 0;
  const end = at + (n << 3);
  if (deltas === 2) {
    for (let a = at; a < end; a += 8) {
      const z = load<u64>(a);
      p += <i64>((z >> 1) ^ (0 - (z & 1)));
      q += p;
      store<i64>(a, q);
    }
  } else {
    for (let a = at; a < end; a += 8) {
      const z = load<u64>(a);
      p += <i64>((z >> 1) ^ (0 - (z & 1)));
      store<i64>(a, p);
    }
  }
}

/**
 * Inverse of blosc's bitshuffle with typesize 8 (bit b of byte j of element i at bit i mod 8 of byte
 * (8j + b) · G + ⌊i / 8⌋, G = ⌊n / 8⌋ groups; the last n mod 8 elements copied unchanged), then unzigzag
 * and `deltas` running sums: `src` (n × 8 bytes) → little-endian int64 at `out` (n × 8 bytes, not
 * overlapping). Per block of 64 elements the 64 bit planes are read as 64 u64 words (a 64 × 64 bit
 * matrix: word p, bit q = bit p of element q), skipped when all zero, else transposed in place in
 * `out` with six rounds of masked swaps (Hacker's Delight §7-3).
 */
export function bitTailDecode(src: usize, n: usize, deltas: i32, out: usize): void {
  const groups = n >> 3;
  const blocks = groups >> 3;
  for (let b: usize = 0; b < blocks; b++) {
    const a = out + (b << 9);
    let any: u64 = 0;
    for (let p: usize = 0; p < 64; p++) {
      const w = load<u64>(src + p * groups + (b << 3));
      store<u64>(a + (p << 3), w);
      any |= w;
    }
    if (any === 0) continue;
    let j: usize = 32;
    let m: u64 = 0x00000000ffffffff;
    while (j !== 0) {
      for (let k: usize = 0; k < 64; k = ((k | j) + 1) & ~j) {
        const x = load<u64>(a + (k << 3));
        const y = load<u64>(a + ((k | j) << 3));
        const t = ((x >> <u64>j) ^ y) & m;
        store<u64>(a + (k << 3), x ^ (t << <u64>j));
        store<u64>(a + ((k | j) << 3), y ^ t);
      }
      j >>= 1;
      m ^= m << <u64>j;
    }
  }
  // Elements of the last, partial block of 64 (fewer than 8 groups): bit by bit.
  for (let e: usize = blocks << 6; e < groups << 3; e++) {
    let v: u64 = 0;
    const g = e >> 3;
    const r = <u32>(e & 7);
    for (let p: usize = 0; p < 64; p++) v |= (<u64>((<u32>load<u8>(src + p * groups + g) >> r) & 1)) << <u64>p;
    store<u64>(out + (e << 3), v);
  }
  // The n mod 8 elements after the groups are stored unshuffled.
  memory.copy(out + (groups << 6), src + (groups << 6), (n - (groups << 3)) << 3);
  unzigzagSums(out, n, deltas);
}
