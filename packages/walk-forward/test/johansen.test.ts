import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isWalkForwardError } from '../src/errors.js';
import { johansen } from '../src/stats/johansen.js';
import {
  type JohansenCriticalValues,
  type JohansenDetOrder,
  johansenCriticalValue,
  johansenCriticalValues,
} from '../src/stats/johansen-critical-values.js';
import { johansenPair, johansenTraceRejects, newJohansenPairStatistic } from '../src/stats/johansen-pair.js';
import { JohansenWorkspace } from '../src/stats/johansen-workspace.js';
import { generalizedSymmetricEigen, symmetricEigen } from '../src/stats/symmetric-eigen.js';

interface Fixture {
  statsmodels: string;
  datasets: { name: string; series: number[][] }[];
  cases: {
    dataset: number;
    detOrder: JohansenDetOrder;
    kArDiff: number;
    nobs: number;
    eig: number[];
    evec: number[][];
    lr1: number[];
    lr2: number[];
    cvt: number[][];
    cvm: number[][];
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/johansen.json', import.meta.url), 'utf8'),
) as Fixture;

/**
 * Relative tolerance against statsmodels. Both compute in doubles by different algorithms (statsmodels:
 * inverses + a non-symmetric eigensolver; mmtape: Householder QR, Cholesky, Jacobi), so agreement is to
 * rounding, amplified by the conditioning of the moment matrices.
 */
const REL_TOL = 1e-9;

/** |a − b| ≤ tol · max(|b|, floor): relative, with an absolute floor for values near zero. */
function expectClose(actual: number, expected: number, what: string, floor = 1e-6, tol = REL_TOL): void {
  const err = Math.abs(actual - expected);
  if (!(err <= tol * Math.max(Math.abs(expected), floor))) {
    throw new Error(`${what}: ${actual} vs statsmodels ${expected} (|diff| ${err})`);
  }
}

function expectCriticalValues(actual: JohansenCriticalValues, expected: number[]): void {
  expect([actual['10%'], actual['5%'], actual['1%']]).toEqual(expected);
}

describe(`Johansen vs statsmodels ${fixture.statsmodels} coint_johansen`, () => {
  it('has real and synthetic cases for every detOrder and kArDiff', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(150);
    for (const d of [-1, 0, 1]) {
      for (const kd of [0, 1, 2]) {
        expect(fixture.cases.some((c) => c.detOrder === d && c.kArDiff === kd)).toBe(true);
      }
    }
    expect(fixture.datasets.some((d) => d.series.length === 3)).toBe(true);
  });

  for (const c of fixture.cases) {
    const ds = fixture.datasets[c.dataset]!;
    const k = ds.series.length;
    it(`${ds.name} detOrder=${c.detOrder} kArDiff=${c.kArDiff}`, () => {
      const series = ds.series.map((s) => Float64Array.from(s));
      const r = johansen(series, { detOrder: c.detOrder, kArDiff: c.kArDiff });
      expect(r.series).toBe(k);
      expect(r.nobs).toBe(c.nobs);
      for (let i = 0; i < k; i++) {
        // Eigenvalues lie in [0, 1): relative 1e-9, or absolute 1e-13 (rounding of the largest) for tiny ones;
        // the statistics are ≈ T·λ, so their floor is T·1e-4 ≈ 1e-2.
        expectClose(r.eigenvalues[i]!, c.eig[i]!, `eig[${i}]`, 1e-4);
        expectClose(r.lr1[i]!, c.lr1[i]!, `lr1[${i}]`, 1e-2);
        expectClose(r.lr2[i]!, c.lr2[i]!, `lr2[${i}]`, 1e-2);
        expectCriticalValues(r.cvt[i]!, c.cvt[i]!);
        expectCriticalValues(r.cvm[i]!, c.cvm[i]!);
        // Eigenvector j up to sign (column 0 with statsmodels' sign); relative to the column's largest entry.
        const v = r.eigenvectors[i]!;
        const ref = c.evec.map((row) => row[i]!);
        let dot = 0;
        for (let q = 0; q < k; q++) dot += v[q]! * ref[q]!;
        const sign = i === 0 ? 1 : Math.sign(dot);
        const scale = Math.max(...ref.map(Math.abs));
        for (let q = 0; q < k; q++) expectClose(sign * v[q]!, ref[q]!, `evec[${q}][${i}]`, scale, 1e-7);
      }
    });
  }

  it('johansenPair equals johansen on the two-series cases', () => {
    const ws = new JohansenWorkspace();
    const out = newJohansenPairStatistic();
    let checked = 0;
    for (const c of fixture.cases) {
      const ds = fixture.datasets[c.dataset]!;
      if (ds.series.length !== 2) continue;
      const [y, x] = ds.series.map((s) => Float64Array.from(s)) as [Float64Array, Float64Array];
      const full = johansen([y, x], { detOrder: c.detOrder, kArDiff: c.kArDiff });
      johansenPair(y, x, 0, y.length, c.kArDiff, c.detOrder, ws, out);
      expect(out.degenerate).toBe(false);
      expect(out.nobs).toBe(full.nobs);
      expect(out.traceStat0).toBe(full.lr1[0]);
      expect(out.traceStat1).toBe(full.lr1[1]);
      expect(out.maxEigStat0).toBe(full.lr2[0]);
      expect(out.maxEigStat1).toBe(full.lr2[1]);
      expect(out.eigenvalue0).toBe(full.eigenvalues[0]);
      expect(out.eigenvalue1).toBe(full.eigenvalues[1]);
      expect([out.traceCriticalValue90, out.traceCriticalValue95, out.traceCriticalValue99]).toEqual(
        c.cvt[0],
      );
      // β from statsmodels' first eigenvector: spread y − βx.
      const beta = -c.evec[1]![0]! / c.evec[0]![0]!;
      expectClose(out.hedgeRatio, beta, 'hedgeRatio', 1e-3, 1e-7);
      let mean = 0;
      for (let t = 0; t < y.length; t++) mean += y[t]! - out.hedgeRatio * x[t]!;
      expect(out.spreadMean).toBeCloseTo(mean / y.length, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // Same-size windows reuse the workspace buffers (no allocation per pair once grown).
    const [y, x] = fixture.datasets[0]!.series.map((s) => Float64Array.from(s)) as [
      Float64Array,
      Float64Array,
    ];
    johansenPair(y, x, 0, 252, 2, 1, ws, out);
    const buffers = [ws.levels, ws.design, ws.targets, ws.s00, ws.eigenvectors];
    johansenPair(x, y, 0, 252, 2, 1, ws, out);
    johansenPair(y, x, 10, 200, 1, 0, ws, out);
    for (const [i, b] of buffers.entries())
      expect(b).toBe([ws.levels, ws.design, ws.targets, ws.s00, ws.eigenvectors][i]);
  });

  it('johansenPair on a window [start, end) equals johansen on the sliced series', () => {
    const ds = fixture.datasets.find((d) => d.name.startsWith('KO/PEP'))!;
    const [y, x] = ds.series.map((s) => Float64Array.from(s)) as [Float64Array, Float64Array];
    const out = johansenPair(y, x, 40, 200, 1, 0);
    const sliced = johansen([y.slice(40, 200), x.slice(40, 200)], { detOrder: 0, kArDiff: 1 });
    const viaOptions = johansen([y, x], { detOrder: 0, kArDiff: 1, start: 40, end: 200 });
    expect(out.traceStat0).toBe(sliced.lr1[0]);
    expect(viaOptions.lr1).toEqual(sliced.lr1);
    expect(viaOptions.eigenvectors).toEqual(sliced.eigenvectors);
  });

  it('a synthetic cointegrated pair (y = 5 + 1.5x + AR(1)): beta near 1.5, no-cointegration rejected at 1 %', () => {
    const ds = fixture.datasets.find(
      (d) => d.name.startsWith('synthetic cointegrated pair y = 5 + 1.5x') && d.name.endsWith('n=500'),
    )!;
    const [y, x] = ds.series as [number[], number[]];
    const out = johansenPair(y, x, 0, y.length, 1, 0);
    expect(out.hedgeRatio).toBeGreaterThan(1.45);
    expect(out.hedgeRatio).toBeLessThan(1.55);
    expect(johansenTraceRejects(out, 0.01)).toBe(true);
  });
});

describe('johansenTraceRejects', () => {
  const base = {
    traceCriticalValue90: 13.4294,
    traceCriticalValue95: 15.4943,
    traceCriticalValue99: 19.9349,
  };
  it('compares traceStat0 with the critical value of the level', () => {
    const stat = { ...base, traceStat0: 16 };
    expect(johansenTraceRejects(stat, 0.1)).toBe(true);
    expect(johansenTraceRejects(stat, 0.05)).toBe(true);
    expect(johansenTraceRejects(stat, 0.01)).toBe(false);
    expect(johansenTraceRejects({ ...base, traceStat0: 15.4943 }, 0.05)).toBe(true);
    expect(johansenTraceRejects({ ...base, traceStat0: 13 }, 0.1)).toBe(false);
    expect(johansenTraceRejects({ ...base, traceStat0: Number.NaN }, 0.1)).toBe(false);
  });

  it('refuses other levels with a typed error naming the available ones', () => {
    for (const alpha of [0.02, 0.5, 0, 1, Number.NaN]) {
      let caught: unknown;
      try {
        johansenTraceRejects({ ...base, traceStat0: 16 }, alpha);
      } catch (e) {
        caught = e;
      }
      expect(isWalkForwardError(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe('MMTAPE_WF_INVALID_INPUT');
      expect((caught as Error).message).toMatch(/0\.10, 0\.05 or 0\.01/);
    }
  });

  it('agrees with johansenCriticalValue', () => {
    expect(johansenCriticalValue('trace', 2, 0, 0.05)).toBe(15.4943);
    expect(johansenCriticalValue('maxEig', 1, -1, 0.01)).toBe(6.9406);
    expect(johansenCriticalValues('trace', 12, 1)).toEqual({
      '10%': 350.1125,
      '5%': 358.719,
      '1%': 375.3203,
    });
    expect(() => johansenCriticalValues('trace', 13, 0)).toThrow(/1\.\.12/);
    expect(() => johansenCriticalValues('trace', 0, 0)).toThrow(/1\.\.12/);
  });
});

describe('Johansen input errors', () => {
  const ds = fixture.datasets[0]!;
  const [y, x] = ds.series.map((s) => Float64Array.from(s)) as [Float64Array, Float64Array];

  function codeOf(f: () => unknown): string | undefined {
    try {
      f();
    } catch (e) {
      return isWalkForwardError(e) ? e.code : `untyped: ${String(e)}`;
    }
    return undefined;
  }

  it('too few rows', () => {
    expect(codeOf(() => johansen([y.slice(0, 9), x.slice(0, 9)], { detOrder: 0, kArDiff: 1 }))).toBe(
      'MMTAPE_WF_INSUFFICIENT_DATA',
    );
    expect(
      codeOf(() => johansen([y.slice(0, 10), x.slice(0, 10)], { detOrder: 0, kArDiff: 1 })),
    ).toBeUndefined();
    expect(codeOf(() => johansenPair(y, x, 0, 9, 1, 0))).toBe('MMTAPE_WF_INSUFFICIENT_DATA');
  });

  it('bad detOrder, kArDiff, series count, lengths and window', () => {
    expect(codeOf(() => johansen([y, x], { detOrder: 2 as JohansenDetOrder, kArDiff: 1 }))).toBe(
      'MMTAPE_WF_INVALID_INPUT',
    );
    expect(codeOf(() => johansenPair(y, x, 0, 100, 1, -2 as JohansenDetOrder))).toBe(
      'MMTAPE_WF_INVALID_INPUT',
    );
    expect(codeOf(() => johansen([y, x], { detOrder: 0, kArDiff: -1 }))).toBe('MMTAPE_WF_INVALID_INPUT');
    expect(codeOf(() => johansen([y, x], { detOrder: 0, kArDiff: 1.5 }))).toBe('MMTAPE_WF_INVALID_INPUT');
    expect(codeOf(() => johansen([y], { detOrder: 0, kArDiff: 1 }))).toBe('MMTAPE_WF_INVALID_INPUT');
    expect(
      codeOf(() =>
        johansen(
          Array.from({ length: 13 }, () => y),
          { detOrder: 0, kArDiff: 1 },
        ),
      ),
    ).toBe('MMTAPE_WF_INVALID_INPUT');
    expect(codeOf(() => johansen([y, x.slice(1)], { detOrder: 0, kArDiff: 1 }))).toBe(
      'MMTAPE_WF_INVALID_INPUT',
    );
    expect(codeOf(() => johansen([y, x], { detOrder: 0, kArDiff: 1, start: 10, end: 5 }))).toBe(
      'MMTAPE_WF_INVALID_INPUT',
    );
    expect(codeOf(() => johansenPair(y, x, 0, y.length + 1, 1, 0))).toBe('MMTAPE_WF_INVALID_INPUT');
  });

  it('non-finite input names the series and bar', () => {
    const bad = x.slice();
    bad[17] = Number.NaN;
    let caught: unknown;
    try {
      johansen([y, bad], { detOrder: 0, kArDiff: 1 });
    } catch (e) {
      caught = e;
    }
    expect(isWalkForwardError(caught) && caught.code).toBe('MMTAPE_WF_INVALID_INPUT');
    expect((caught as Error).message).toContain('series[1][17]');
    // The hot path does not scan for NaN but never returns a number from it.
    const out = johansenPair(y, bad, 0, y.length, 1, 0);
    expect(out.degenerate).toBe(true);
    expect(out.traceStat0).toBeNaN();
    expect(johansenTraceRejects(out, 0.1)).toBe(false);
  });

  it('collinear or constant series are degenerate, not a number', () => {
    const collinear = y.map((v) => 2 * v + 1);
    expect(codeOf(() => johansen([y, collinear], { detOrder: 0, kArDiff: 1 }))).toBe(
      'MMTAPE_WF_INVALID_INPUT',
    );
    const out = johansenPair(y, collinear, 0, y.length, 1, 0);
    expect(out.degenerate).toBe(true);
    expect(out.hedgeRatio).toBeNaN();
    const flat = new Float64Array(y.length).fill(3);
    expect(johansenPair(y, flat, 0, y.length, 1, 0).degenerate).toBe(true);
  });
});

describe('symmetric eigen solvers', () => {
  it('Jacobi diagonalises a known matrix', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, −1)/√2.
    const values = new Float64Array(2);
    const vectors = new Float64Array(4);
    expect(symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2, values, vectors, new Float64Array(2))).toBe(
      true,
    );
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[2]!).toBeGreaterThan(0);
  });

  it('generalised problem: A v = λ B v with vᵀBv = 1 on a seeded 5 × 5 case', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 - 0.5;
    };
    const k = 5;
    const m = Array.from({ length: 2 * k * k }, rand);
    const a = new Float64Array(k * k);
    const b = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let sa = 0;
        let sb = i === j ? 0.5 : 0;
        for (let q = 0; q < k; q++) {
          sa += m[i * k + q]! * m[j * k + q]!;
          sb += m[k * k + i * k + q]! * m[k * k + j * k + q]!;
        }
        a[i * k + j] = sa;
        b[i * k + j] = sb;
      }
    }
    const values = new Float64Array(k);
    const v = new Float64Array(k * k);
    expect(generalizedSymmetricEigen(a, b, k, values, v, new Float64Array(3 * k * k + k), 1e-12)).toBe(true);
    for (let j = 0; j < k; j++) {
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]!);
      for (let i = 0; i < k; i++) {
        let av = 0;
        let bv = 0;
        for (let q = 0; q < k; q++) {
          av += a[i * k + q]! * v[q * k + j]!;
          bv += b[i * k + q]! * v[q * k + j]!;
        }
        expect(Math.abs(av - values[j]! * bv)).toBeLessThan(1e-12);
      }
      for (let l = 0; l < k; l++) {
        let vbv = 0;
        for (let i = 0; i < k; i++)
          for (let q = 0; q < k; q++) vbv += v[i * k + j]! * b[i * k + q]! * v[q * k + l]!;
        expect(vbv).toBeCloseTo(j === l ? 1 : 0, 12);
      }
    }
  });

  it('rejects a singular B', () => {
    const values = new Float64Array(2);
    const v = new Float64Array(4);
    const ok = generalizedSymmetricEigen(
      Float64Array.from([1, 0, 0, 1]),
      Float64Array.from([1, 2, 2, 4]),
      2,
      values,
      v,
      new Float64Array(14),
      1e-10,
    );
    expect(ok).toBe(false);
    expect(values[0]).toBeNaN();
  });
});
