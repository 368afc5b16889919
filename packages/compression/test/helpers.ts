/** mulberry32: tiny seeded PRNG (Tommy Ettinger, public domain), returns floats in [0, 1). */
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

/** `length` seeded random bytes. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** A seeded geometric random walk rounded to cents, like daily closes of a stock. */
export function fakeCloses(length: number, seed: number, start = 100): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(length);
  let price = start;
  for (let i = 0; i < length; i++) {
    price *= 1 + (rand() - 0.5) * 0.04;
    out[i] = Math.round(price * 100) / 100;
  }
  return out;
}

export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
