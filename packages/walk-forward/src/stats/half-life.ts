/**
 * Mean-reversion half-life of a spread from the discrete Ornstein-Uhlenbeck regression.
 *
 * @module
 */
import { InsufficientDataError } from '../errors.js';

/**
 * Half-life in bars: regress Δs_t = a + β·s_{t−1} + e_t (t = 1..n−1) by OLS and return −ln 2 / β;
 * `Infinity` when β ≥ 0 (no mean reversion) or β is not finite.
 *
 * −ln2/β is the continuous-time OU half-life with speed −β; for an AR(1) s_t = φ·s_{t−1} + e, β = φ − 1
 * and −ln2/(φ−1) ≈ −ln2/ln φ when φ is close to 1 (the exact discrete half-life).
 *
 * @param spread the spread values (finite), at least 3.
 * @param start first index to use (default 0); `end` one past the last (default `spread.length`).
 * @throws InsufficientDataError with fewer than 3 values.
 */
export function halfLife(spread: ArrayLike<number>, start = 0, end: number = spread.length): number {
  const n = end - start;
  if (n < 3) throw new InsufficientDataError('halfLife', 3, n);
  const m = n - 1;
  let meanX = 0;
  let meanD = 0;
  for (let t = start + 1; t < end; t++) {
    meanX += spread[t - 1]!;
    meanD += spread[t]! - spread[t - 1]!;
  }
  meanX /= m;
  meanD /= m;
  let sxx = 0;
  let sxd = 0;
  for (let t = start + 1; t < end; t++) {
    const dx = spread[t - 1]! - meanX;
    sxx += dx * dx;
    sxd += dx * (spread[t]! - spread[t - 1]! - meanD);
  }
  const beta = sxd / sxx;
  if (!Number.isFinite(beta) || beta >= 0) return Number.POSITIVE_INFINITY;
  return -Math.LN2 / beta;
}
