/**
 * mulberry32: a small seeded PRNG (Tommy Ettinger, public domain) for reproducible tests.
 * @param seed any 32-bit integer; the same seed always gives the same sequence.
 * @returns a function returning floats uniformly distributed in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
