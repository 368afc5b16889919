import { describe, expect, it } from 'vitest';
import {
  computeMetrics,
  defaultRollingSharpeBars,
  monthlyReturns,
  rollingSharpe,
  topDrawdowns,
  underwaterCurve,
} from '../src/index.js';
import { formatMoney, formatPercent, nsFormatterFor } from '../src/report/format.js';
import { mulberry32 } from './helpers.js';

/** int64-ns decimal string of an ISO UTC time. */
function ns(iso: string): string {
  return (BigInt(Date.parse(iso)) * 1_000_000n).toString();
}

/** Seeded uniform [0, 1). */
const rng = mulberry32;

describe('monthlyReturns', () => {
  it('compounds bar returns by UTC calendar month and year', () => {
    const rows = monthlyReturns(
      [
        ns('2020-01-15T00:00:00Z'),
        ns('2020-01-31T23:59:00Z'), // still January in UTC
        ns('2020-02-01T00:00:00Z'),
        ns('2020-04-10T00:00:00Z'),
        ns('2021-12-31T12:00:00Z'),
      ],
      [0.1, -0.05, 0.02, -0.1, 0.01],
    );
    expect(rows.map((r) => r.year)).toEqual([2020, 2021]);
    const [y2020, y2021] = rows;
    expect(y2020!.months[0]).toBeCloseTo(1.1 * 0.95 - 1, 15);
    expect(y2020!.months[1]).toBeCloseTo(0.02, 15);
    expect(y2020!.months[2]).toBeNull(); // no bar in March
    expect(y2020!.months[3]).toBeCloseTo(-0.1, 15);
    expect(y2020!.months.slice(4)).toEqual(new Array(8).fill(null));
    expect(y2020!.total).toBeCloseTo(1.1 * 0.95 * 1.02 * 0.9 - 1, 15);
    expect(y2021!.months[11]).toBeCloseTo(0.01, 15);
    expect(y2021!.months.slice(0, 11)).toEqual(new Array(11).fill(null));
    expect(y2021!.total).toBeCloseTo(0.01, 15);
  });

  it('year totals equal the compounded months, and the product of years the total return', () => {
    const next = rng(7);
    const start = Date.parse('2019-11-20T00:00:00Z');
    const ts = Array.from({ length: 400 }, (_, i) => ns(new Date(start + i * 86_400_000).toISOString()));
    const r = Array.from({ length: 400 }, () => (next() - 0.5) * 0.02);
    const rows = monthlyReturns(ts, r);
    let all = 1;
    for (const row of rows) {
      const fromMonths = row.months.reduce<number>((g, m) => g * (1 + (m ?? 0)), 1) - 1;
      expect(row.total).toBeCloseTo(fromMonths, 12);
      all *= 1 + row.total;
    }
    expect(all - 1).toBeCloseTo(computeMetrics(r, 252).totalReturn, 12);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => monthlyReturns([ns('2020-01-01T00:00:00Z')], [0.1, 0.2])).toThrow(
      /1 timestamps but 2 returns/,
    );
  });
});

describe('rollingSharpe', () => {
  it('equals the summary Sharpe of each trailing window (direct computation)', () => {
    const next = rng(42);
    const r = Array.from({ length: 300 }, () => (next() - 0.48) * 0.03);
    const w = 63;
    const rolling = rollingSharpe(r, w, 252);
    expect(rolling).toHaveLength(300);
    for (let t = 0; t < w - 1; t++) expect(rolling[t]).toBeNaN();
    for (let t = w - 1; t < r.length; t++) {
      const direct = computeMetrics(r.slice(t - w + 1, t + 1), 252).sharpe;
      expect(rolling[t]).toBeCloseTo(direct, 9);
    }
  });

  it('is exactly 0 once a window holds only zero returns (no rounding noise)', () => {
    const r = [0.0123, -0.0456, 0.0789, 0.0001, ...new Array(30).fill(0)];
    const rolling = rollingSharpe(r, 10, 252);
    for (let t = 13; t < r.length; t++) expect(rolling[t]).toBe(0);
    expect(rolling[9]).not.toBe(0);
  });

  it('defaults to a quarter of a year of bars (at most a test window) and rejects windows below 2', () => {
    expect(defaultRollingSharpeBars(252)).toBe(63);
    expect(defaultRollingSharpeBars(52)).toBe(13);
    expect(defaultRollingSharpeBars(252 * 390)).toBe(24_570);
    expect(defaultRollingSharpeBars(4)).toBe(2);
    expect(defaultRollingSharpeBars(252, 63)).toBe(63);
    expect(defaultRollingSharpeBars(252 * 390, 1950)).toBe(1950);
    expect(() => rollingSharpe([0.1, 0.2], 1, 252)).toThrow(/windowBars must be an integer >= 2/);
  });
});

describe('topDrawdowns', () => {
  // Initial 100. Episodes: 110 → 99 → 121 (recovered), 121 → 108 → 121 (recovered at exactly the peak),
  // 130 → 104 → 125 (not recovered).
  const equity = [110, 99, 121, 120, 108, 121, 130, 104, 125];

  it('finds every episode with peak, trough, recovery, depth and lengths', () => {
    const episodes = topDrawdowns(equity, 100);
    expect(episodes).toEqual([
      {
        peakIndex: 6,
        troughIndex: 7,
        recoveryIndex: null,
        peakEquity: 130,
        troughEquity: 104,
        depth: 1 - 104 / 130,
        declineBars: 1,
        recoveryBars: null,
        lengthBars: 2,
      },
      {
        peakIndex: 2,
        troughIndex: 4,
        recoveryIndex: 5,
        peakEquity: 121,
        troughEquity: 108,
        depth: 1 - 108 / 121,
        declineBars: 2,
        recoveryBars: 1,
        lengthBars: 3,
      },
      {
        peakIndex: 0,
        troughIndex: 1,
        recoveryIndex: 2,
        peakEquity: 110,
        troughEquity: 99,
        depth: 1 - 99 / 110,
        declineBars: 1,
        recoveryBars: 1,
        lengthBars: 2,
      },
    ]);
    expect(topDrawdowns(equity, 100, 2).map((e) => e.peakIndex)).toEqual([6, 2]);
  });

  it('starts an episode at the initial capital (peak index −1) and agrees with the max drawdown', () => {
    const path = [95, 90, 100.5, 100.2];
    const [first] = topDrawdowns(path, 100);
    expect(first).toMatchObject({
      peakIndex: -1,
      troughIndex: 1,
      recoveryIndex: 2,
      declineBars: 2,
      lengthBars: 3,
    });
    expect(first!.depth).toBeCloseTo(0.1, 15);
    const returns = path.map((e, i) => e / (i === 0 ? 100 : path[i - 1]!) - 1);
    expect(Math.min(...underwaterCurve(path, 100))).toBeCloseTo(
      -computeMetrics(returns, 252).maxDrawdown,
      14,
    );
    expect(topDrawdowns([100, 101, 102], 100)).toEqual([]);
  });
});

describe('report formatting', () => {
  it('formats money and percent deterministically, without a negative zero', () => {
    expect(formatMoney(-734.0066764653893)).toBe('-734.01');
    expect(formatMoney(1_234_567.891)).toBe('1,234,567.89');
    expect(formatMoney(-0.001)).toBe('0.00');
    expect(formatMoney(999_265.9933, 0)).toBe('999,266');
    expect(formatMoney(Number.NaN)).toBe('n/a');
    expect(formatPercent(-0.0007340066)).toBe('-0.07%');
    expect(formatPercent(null)).toBe('n/a');
  });

  it('shows times only for intraday timelines, for every timestamp', () => {
    const daily = nsFormatterFor([ns('2020-01-02T00:00:00Z'), ns('2020-01-03T00:00:00Z')]);
    expect(daily(ns('2020-01-02T00:00:00Z'))).toBe('2020-01-02');
    const intraday = nsFormatterFor([ns('2020-01-02T00:00:00Z'), ns('2020-01-02T14:30:00Z')]);
    expect(intraday(ns('2020-01-02T00:00:00Z'))).toBe('2020-01-02 00:00');
    expect(intraday(ns('2020-01-02T14:30:00Z'))).toBe('2020-01-02 14:30');
  });
});
