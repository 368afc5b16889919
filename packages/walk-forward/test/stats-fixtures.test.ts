import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adf } from '../src/stats/adf.js';
import { type AutolagMethod, adfuller } from '../src/stats/adfuller.js';
import { coint, engleGranger } from '../src/stats/engle-granger.js';
import { mackinnonCriticalValues } from '../src/stats/mackinnon-critical-values.js';
import { mackinnonp } from '../src/stats/mackinnon-p.js';
import type { RegressionType } from '../src/stats/regression-type.js';

interface Crit {
  '1%': number;
  '5%': number;
  '10%': number;
}
interface Fixture {
  statsmodels: string;
  adf: {
    name: string;
    series: number[];
    lags: number | null;
    autolag: AutolagMethod | null;
    regression: RegressionType;
    stat: number;
    pValue: number;
    usedLag: number;
    nobs: number;
    icBest: number | null;
    criticalValues: Crit;
  }[];
  coint: {
    name: string;
    y: number[];
    x: number[];
    lags: number | null;
    autolag: AutolagMethod | null;
    trend: RegressionType;
    stat: number;
    pValue: number;
    usedLag: number | null;
    nobs: number | null;
    icBest: number | null;
    criticalValues: Crit;
  }[];
  mackinnonp: { stat: number; regression: RegressionType; N: number; pValue: number }[];
  mackinnoncrit: { N: number; regression: RegressionType; nobs: number | null; criticalValues: number[] }[];
}

/** The generator writes non-finite numbers as strings (JSON has no Infinity/NaN). */
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/adf-coint.json', import.meta.url), 'utf8'),
  (_k, v) => (v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? Number(v) : v),
) as Fixture;

/** |a − b| ≤ 1e-6 · max(1, |b|): absolute near zero, relative for large values. */
function expectClose(actual: number, expected: number, tol = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

function expectCrit(actual: Crit, expected: Crit): void {
  if (Number.isNaN(expected['1%'])) {
    expect(Number.isNaN(actual['1%'])).toBe(true);
    return;
  }
  expectClose(actual['1%'], expected['1%']);
  expectClose(actual['5%'], expected['5%']);
  expectClose(actual['10%'], expected['10%']);
}

describe(`statsmodels ${fixture.statsmodels} fixtures`, () => {
  it('has cases', () => {
    expect(fixture.adf.length).toBeGreaterThan(20);
    expect(fixture.coint.length).toBeGreaterThan(10);
  });

  for (const c of fixture.adf) {
    it(`adfuller: ${c.name}`, () => {
      const series = Float64Array.from(c.series);
      const r =
        c.autolag === null
          ? { ...adf(series, { lags: c.lags ?? 0, regression: c.regression }), icBest: null }
          : adfuller(series, { maxLag: c.lags, autolag: c.autolag, regression: c.regression });
      expect(r.nobs).toBe(c.nobs);
      expect(r.usedLag).toBe(c.usedLag);
      expectClose(r.stat, c.stat);
      expectClose(r.pValue, c.pValue);
      expectCrit(r.criticalValues, c.criticalValues);
      if (c.icBest === null) expect(r.icBest).toBeNull();
      else expectClose(r.icBest!, c.icBest);
    });
  }

  for (const c of fixture.coint) {
    it(`coint: ${c.name}`, () => {
      const r =
        c.autolag === null
          ? engleGranger(c.y, c.x, { lags: c.lags ?? 1, trend: c.trend })
          : coint(c.y, c.x, { maxLag: c.lags, autolag: c.autolag, trend: c.trend });
      if (c.stat === Number.NEGATIVE_INFINITY) {
        expect(r.stat).toBe(Number.NEGATIVE_INFINITY);
        expect(r.collinear).toBe(true);
      } else {
        expectClose(r.stat, c.stat);
      }
      expectClose(r.pValue, c.pValue);
      expectCrit(r.criticalValues, c.criticalValues);
      expect(r.usedLag).toBe(c.usedLag);
      expect(r.nobs).toBe(c.nobs);
      if (c.icBest === null) expect(r.icBest).toBeNull();
      else expectClose(r.icBest!, c.icBest);
    });
  }

  it('mackinnonp matches on a grid of statistics (both branches, N = 1..3)', () => {
    for (const c of fixture.mackinnonp) {
      const p = mackinnonp(c.stat, c.regression, c.N);
      // p-values are probabilities: compare with 1e-12 absolute + 1e-9 relative.
      expect(Math.abs(p - c.pValue)).toBeLessThanOrEqual(1e-12 + 1e-9 * c.pValue);
    }
  });

  it('mackinnonCriticalValues matches mackinnoncrit', () => {
    for (const c of fixture.mackinnoncrit) {
      const cv = mackinnonCriticalValues(c.N, c.regression, c.nobs ?? Number.POSITIVE_INFINITY);
      expectClose(cv['1%'], c.criticalValues[0]!, 1e-12);
      expectClose(cv['5%'], c.criticalValues[1]!, 1e-12);
      expectClose(cv['10%'], c.criticalValues[2]!, 1e-12);
    }
  });
});
