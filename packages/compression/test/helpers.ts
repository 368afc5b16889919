import { mulberry32 } from '@mmtape/test-utils';

export { mulberry32 };

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
