import { mulberry32 } from '@mmtape/test-utils';

export { mulberry32 };

export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-300);
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** AR(1) s_t = φ s_{t−1} + σ ε_t, s_0 = 0. */
export function ar1(n: number, phi: number, sigma: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  const out = new Float64Array(n);
  let s = 0;
  for (let t = 0; t < n; t++) {
    s = phi * s + sigma * g();
    out[t] = s;
  }
  return out;
}

/** Geometric-ish random walk of prices starting at `start` with per-bar absolute noise `sigma`. */
export function randomWalk(n: number, start: number, sigma: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  const out = new Float64Array(n);
  let p = start;
  for (let t = 0; t < n; t++) {
    p = Math.max(1, p + sigma * g());
    out[t] = p;
  }
  return out;
}

/** Daily timestamps (ns) on weekdays from 2020-01-06 (a Monday). */
export function dailyTimestampsNs(n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  const day = 86_400_000_000_000n;
  let t = BigInt(Date.UTC(2020, 0, 6)) * 1_000_000n;
  for (let i = 0; i < n; i++) {
    out[i] = t;
    const dow = new Date(Number(t / 1_000_000n)).getUTCDay();
    t += dow === 5 ? 3n * day : day;
  }
  return out;
}
