import { describe, expect, it } from 'vitest';
import {
  engleGrangerBothOrderings,
  engleGrangerStatistic,
  LeastSquaresWorkspace,
  newEngleGrangerStatistic,
} from '../src/index.js';
import { ar1, mulberry32, randomWalk } from './helpers.js';

function moments(a: Float64Array, b: Float64Array, start: number, end: number) {
  const n = end - start;
  let meanA = 0;
  let meanB = 0;
  for (let t = start; t < end; t++) {
    meanA += a[t]!;
    meanB += b[t]!;
  }
  meanA /= n;
  meanB /= n;
  let ssA = 0;
  let ssB = 0;
  let sAB = 0;
  for (let t = start; t < end; t++) {
    ssA += (a[t]! - meanA) ** 2;
    ssB += (b[t]! - meanB) ** 2;
    sAB += (a[t]! - meanA) * (b[t]! - meanB);
  }
  return { meanA, meanB, ssA, ssB, sAB };
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

describe('engleGrangerBothOrderings (pair-scan hot path)', () => {
  it('equals the QR path (statsmodels coint parity) in both orderings on 300 seeded pairs, lags 0 and 1', () => {
    const rand = mulberry32(2024);
    const ws = new LeastSquaresWorkspace();
    const ref = newEngleGrangerStatistic();
    const ab = newEngleGrangerStatistic();
    const ba = newEngleGrangerStatistic();
    let compared = 0;
    for (let k = 0; k < 300; k++) {
      const n = 60 + Math.floor(rand() * 400);
      const b = randomWalk(n + 20, 50 + 100 * rand(), 1, 1000 + k);
      const noise = ar1(n + 20, rand(), 0.2 + rand(), 5000 + k);
      const cointegrated = rand() < 0.5;
      const other = randomWalk(n + 20, 80, 1, 9000 + k);
      const a = b.map((v, t) => (cointegrated ? 3 + (0.3 + 2 * rand()) * v : other[t]!) + noise[t]!);
      const start = 7;
      const end = start + n;
      const lags = (k % 2) as 0 | 1;
      engleGrangerBothOrderings(a, b, start, end, lags, moments(a, b, start, end), ab, ba);
      for (const [y, x, fast] of [
        [a, b, ab],
        [b, a, ba],
      ] as const) {
        engleGrangerStatistic(y, x, start, end, lags, null, ws, ref);
        expect(close(fast.hedgeRatio, ref.hedgeRatio)).toBe(true);
        expect(close(fast.intercept, ref.intercept)).toBe(true);
        expect(close(fast.rSquared, ref.rSquared)).toBe(true);
        expect(fast.nobs).toBe(ref.nobs);
        expect(close(fast.stat, ref.stat)).toBe(true);
        expect(close(fast.pValue, ref.pValue)).toBe(true);
        compared++;
      }
    }
    expect(compared).toBe(600);
  });

  it('flags a collinear pair like the QR path', () => {
    const b = randomWalk(100, 50, 1, 1);
    const a = b.map((v) => 2 + 3 * v);
    const ab = newEngleGrangerStatistic();
    const ba = newEngleGrangerStatistic();
    engleGrangerBothOrderings(a, b, 0, 100, 1, moments(a, b, 0, 100), ab, ba);
    expect(ab.collinear).toBe(true);
    expect(ab.stat).toBe(Number.NEGATIVE_INFINITY);
    expect(ba.collinear).toBe(true);
  });
});
