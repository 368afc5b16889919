import { describe, expect, it } from 'vitest';
import {
  adf,
  erfc,
  halfLife,
  InsufficientDataError,
  isWalkForwardError,
  LeastSquaresWorkspace,
  logReturns,
  mackinnonp,
  normalCdf,
  ols,
  pearson,
} from '../src/index.js';
import { engleGranger } from '../src/stats/engle-granger.js';
import { ar1, gaussian, mulberry32, randomWalk } from './helpers.js';

describe('erfc / normalCdf (Cody)', () => {
  // Reference values: CPython math.erfc (correctly rounded to ~1 ulp).
  const cases: [number, number][] = [
    [0, 1],
    [0.1, 0.8875370839817152],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047265],
    [3, 2.2090496998585438e-5],
    [4.5, 1.9661604415428873e-10],
    [5, 1.5374597944280351e-12],
    [10, 2.088487583762545e-45],
    [-1, 1.842700792949715],
    [-3, 1.9999779095030015],
  ];
  it.each(cases)('erfc(%d) to 1e-15 relative', (x, expected) => {
    expect(Math.abs(erfc(x) - expected)).toBeLessThanOrEqual(1e-15 * expected);
  });
  it('handles infinities and NaN', () => {
    expect(erfc(Number.POSITIVE_INFINITY)).toBe(0);
    expect(erfc(Number.NEGATIVE_INFINITY)).toBe(2);
    expect(erfc(Number.NaN)).toBeNaN();
  });
  it('normalCdf is symmetric and matches known quantiles', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    for (const x of [0.3, 1.2, 2.5, 6]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
  });
});

describe('ols', () => {
  it('recovers an exact line and writes residuals', () => {
    const x = Float64Array.from({ length: 20 }, (_, i) => i * 0.5 + 3);
    const y = x.map((v) => 2 - 1.5 * v);
    const res = new Float64Array(20);
    const r = ols(y, x, res);
    expect(r.intercept).toBeCloseTo(2, 12);
    expect(r.slope).toBeCloseTo(-1.5, 12);
    expect(r.rSquared).toBeCloseTo(1, 12);
    for (const e of res) expect(Math.abs(e)).toBeLessThan(1e-12);
  });
  it('matches the closed form on a 4-point example', () => {
    // x = 1..4, y = [2, 3, 5, 4]: slope = Sxy/Sxx = 4/5, intercept = 3.5 − 0.8·2.5 = 1.5,
    // SSR = 1.8 (residuals −0.3, −0.1, 1.1, −0.7), SST = 5, R² = 0.64.
    const r = ols([2, 3, 5, 4], [1, 2, 3, 4]);
    expect(r.slope).toBeCloseTo(0.8, 14);
    expect(r.intercept).toBeCloseTo(1.5, 14);
    expect(r.ssr).toBeCloseTo(1.8, 14);
    expect(r.rSquared).toBeCloseTo(0.64, 14);
  });
  it('rejects too few observations', () => {
    expect(() => ols([1], [1])).toThrow(InsufficientDataError);
  });
});

describe('halfLife', () => {
  it('seeded AR(1) with φ = 0.9 gives ≈ −ln2/(φ−1) ≈ −ln2/ln φ', () => {
    const phi = 0.9;
    const s = ar1(20_000, phi, 1, 7);
    const hl = halfLife(s);
    expect(hl).toBeGreaterThan((-Math.LN2 / (phi - 1)) * 0.9);
    expect(hl).toBeLessThan((-Math.LN2 / (phi - 1)) * 1.1);
    expect(Math.abs(hl / (-Math.LN2 / Math.log(phi)) - 1)).toBeLessThan(0.15);
  });
  it('is exact on a noiseless decay: s_t = 0.5^t → β = −0.5, half-life = 2 ln 2', () => {
    const s = Float64Array.from({ length: 30 }, (_, t) => 0.5 ** t);
    expect(halfLife(s)).toBeCloseTo(2 * Math.LN2, 10);
  });
  it('is Infinity for a random walk drifting away (β ≥ 0)', () => {
    const s = Float64Array.from({ length: 50 }, (_, t) => 1.1 ** t);
    expect(halfLife(s)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('pearson / logReturns', () => {
  it('is 1 / −1 for affine relations and NaN for a constant', () => {
    const a = [1, 2, 4, 8, 3];
    expect(
      pearson(
        a,
        a.map((v) => 3 * v + 1),
      ),
    ).toBeCloseTo(1, 15);
    expect(
      pearson(
        a,
        a.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 15);
    expect(pearson(a, [2, 2, 2, 2, 2])).toBeNaN();
  });
  it('log returns of prices', () => {
    const r = logReturns([100, 110, 99]);
    expect(Array.from(r)).toEqual([Math.log(1.1), Math.log(0.9)]);
  });
});

describe('adf properties', () => {
  it('rejects a unit root for white noise and not for a random walk', () => {
    const g = gaussian(mulberry32(3));
    const noise = Float64Array.from({ length: 300 }, () => g());
    expect(adf(noise).pValue).toBeLessThan(0.01);
    expect(adf(randomWalk(300, 100, 1, 4)).pValue).toBeGreaterThan(0.05);
  });
  it('counts nobs like statsmodels and rejects too many lags', () => {
    const s = randomWalk(40, 100, 1, 5);
    expect(adf(s, { lags: 3 }).nobs).toBe(36);
    let caught: unknown;
    try {
      adf(s, { lags: 19 });
    } catch (e) {
      caught = e;
    }
    expect(isWalkForwardError(caught)).toBe(true);
    expect((caught as InsufficientDataError).code).toBe('MMTAPE_WF_INSUFFICIENT_DATA');
  });
  it('gives identical results with a reused workspace', () => {
    const ws = new LeastSquaresWorkspace();
    const a = randomWalk(200, 50, 1, 8);
    const b = randomWalk(120, 50, 1, 9);
    const first = adf(a, { lags: 2 }, ws);
    adf(b, { lags: 4, regression: 'ct' }, ws);
    expect(adf(a, { lags: 2 }, ws)).toEqual(first);
  });
});

describe('engleGranger', () => {
  it('collinear series give stat −Infinity and p 0 (statsmodels rule)', () => {
    const x = randomWalk(100, 50, 1, 11);
    const y = x.map((v) => 2 * v + 3);
    const r = engleGranger(y, x);
    expect(r.collinear).toBe(true);
    expect(r.stat).toBe(Number.NEGATIVE_INFINITY);
    expect(r.pValue).toBe(0);
    expect(r.hedgeRatio).toBeCloseTo(2, 10);
  });
  it('mackinnonp bounds', () => {
    expect(mackinnonp(-100, 'c', 2)).toBe(0);
    expect(mackinnonp(5, 'c', 2)).toBe(1);
    expect(mackinnonp(Number.NEGATIVE_INFINITY, 'c', 2)).toBe(0);
  });
});
