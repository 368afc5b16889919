import { describe, expect, it } from 'vitest';
import { simulatePairTrading, zScoreSignals } from '../src/index.js';

const bands = { entryZ: 2, exitZ: 0.5, stopZ: 4 };

describe('zScoreSignals', () => {
  it('enters, exits, stops and blocks re-entry on a hand-made path', () => {
    const z = [0, 2.5, 1.0, 0.3, -2.2, -1.0, -4.5, -3.0, -1.5, -2.5, 0, 5, 3, 2.5, 1.5, 2.1];
    // t1 short; t3 exit (|z| < 0.5); t4 long; t6 stop (z < −4) blocks longs; t7 still blocked (z < −2);
    // t8 back inside the band clears the block; t9 long; t10 exit; t11 flat beyond stop blocks shorts;
    // t12/t13 blocked; t14 clears; t15 short.
    expect(Array.from(zScoreSignals(z, bands))).toEqual([0, -1, -1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, -1]);
  });
  it('an exit through the band can flip to the opposite side on the same bar', () => {
    expect(Array.from(zScoreSignals([2.5, -2.5, 0], bands))).toEqual([-1, 1, 0]);
  });
  it('non-finite z closes the position', () => {
    expect(Array.from(zScoreSignals([2.5, Number.NaN, 2.5], bands))).toEqual([-1, 0, -1]);
  });
  it('exit requires reversion to within exitZ, not just below entryZ', () => {
    expect(Array.from(zScoreSignals([2.5, 1.9, 0.6, 0.49], bands))).toEqual([-1, -1, -1, 0]);
  });
});

describe('simulatePairTrading', () => {
  const base = {
    z: [0, 2.5, 2.5, 0, 0],
    returnsY: [0.01, 0.02, 0.03, -0.01, 0.05],
    returnsX: [0, 0.01, 0.01, 0.02, 0],
    hedgeRatio: 1,
    costBps: 10,
    ...bands,
  };

  it('executes on the next bar, hedge-weights the legs and charges costs on turnover', () => {
    const r = simulatePairTrading(base);
    expect(r.weightY).toBe(0.5);
    expect(r.weightX).toBe(-0.5);
    expect(Array.from(r.signal)).toEqual([0, -1, -1, 0, 0]);
    expect(Array.from(r.position)).toEqual([0, 0, -1, -1, 0]);
    // bar 1: the signal fires at its close, so bar 1's return (0.02 vs 0.01) is NOT earned.
    // bar 2: −(0.5·0.03 − 0.5·0.01) − 10 bps = −0.011; bar 3: −(0.5·−0.01 − 0.5·0.02) = 0.015;
    // bar 4: close, −10 bps.
    const expected = [0, 0, -0.011, 0.015, -0.001];
    r.returns.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 15);
    });
    expect(Array.from(r.turnover)).toEqual([0, 0, 1, 0, 1]);
    expect(r.trades).toBe(1);
    expect(r.tradeReturns).toHaveLength(1);
    expect(r.tradeReturns[0]).toBeCloseTo(0.003, 15);
  });

  it('a longer execution delay shifts positions and force-closes at the window end', () => {
    const r = simulatePairTrading({ ...base, executionDelayBars: 2 });
    expect(Array.from(r.position)).toEqual([0, 0, 0, -1, -1]);
    // bar 3: 0.015 − 0.001; bar 4: −(0.5·0.05) − 0.001 (forced close on the last bar).
    expect(r.returns[3]).toBeCloseTo(0.014, 15);
    expect(r.returns[4]).toBeCloseTo(-0.026, 15);
    expect(Array.from(r.turnover)).toEqual([0, 0, 0, 1, 1]);
    expect(r.tradeReturns[0]).toBeCloseTo(-0.012, 15);
  });

  it('a flip costs two units of turnover and counts as a new trade', () => {
    const r = simulatePairTrading({
      ...base,
      z: [2.5, -2.5, 0, 0],
      returnsY: [0, 0, 0, 0],
      returnsX: [0, 0, 0, 0],
    });
    expect(Array.from(r.position)).toEqual([0, -1, 1, 0]);
    expect(Array.from(r.turnover)).toEqual([0, 1, 2, 1]);
    expect(r.trades).toBe(2);
    expect(r.tradeReturns.map((v) => Number(v.toFixed(12)))).toEqual([-0.002, -0.002]);
  });

  it('with β = −0.5 both legs are long the spread and weights keep unit gross exposure', () => {
    const r = simulatePairTrading({ ...base, hedgeRatio: -0.5 });
    expect(r.weightY).toBeCloseTo(1 / 1.5, 15);
    expect(r.weightX).toBeCloseTo(0.5 / 1.5, 15);
  });
});
