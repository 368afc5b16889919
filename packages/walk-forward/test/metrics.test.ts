import { describe, expect, it } from 'vitest';
import { computeMetrics, inferPeriodsPerYear } from '../src/index.js';
import { dailyTimestampsNs } from './helpers.js';

describe('computeMetrics', () => {
  it('matches a hand computation', () => {
    // equity 1.1, 0.88, 0.924; peak 1.1 → drawdown 0.2 at 0.88.
    const m = computeMetrics([0.1, -0.2, 0.05], 252);
    expect(m.totalReturn).toBeCloseTo(-0.076, 14);
    expect(m.maxDrawdown).toBeCloseTo(0.2, 14);
    const mean = -0.05 / 3;
    const std = Math.sqrt(((0.1 - mean) ** 2 + (-0.2 - mean) ** 2 + (0.05 - mean) ** 2) / 2);
    expect(std).toBeCloseTo(0.16072751268321592, 12);
    expect(m.sharpe).toBeCloseTo((mean / std) * Math.sqrt(252), 12);
    expect(m.sharpe).toBeCloseTo(-1.6461, 3);
    expect(m.annualizedReturn).toBeCloseTo(0.924 ** (252 / 3) - 1, 12);
    expect(m.annualizedVolatility).toBeCloseTo(std * Math.sqrt(252), 12);
  });
  it('flat returns: zero Sharpe, zero drawdown', () => {
    const m = computeMetrics([0, 0, 0], 252);
    expect(m).toMatchObject({ totalReturn: 0, sharpe: 0, maxDrawdown: 0, bars: 3 });
  });
});

describe('inferPeriodsPerYear', () => {
  it('daily bars with weekends → 252', () => {
    expect(inferPeriodsPerYear(dailyTimestampsNs(300))).toBe(252);
  });
  it('1-minute bars → 252·390', () => {
    const ts = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i) * 60_000_000_000n);
    expect(inferPeriodsPerYear(ts)).toBeCloseTo(252 * 390, 9);
  });
  it('weekly and monthly', () => {
    const week = 7n * 86_400_000_000_000n;
    expect(inferPeriodsPerYear(BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i) * week))).toBe(52);
    expect(
      inferPeriodsPerYear(
        BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i) * 30n * 86_400_000_000_000n),
      ),
    ).toBe(12);
  });
});
