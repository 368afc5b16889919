import { describe, expect, it } from 'vitest';
import { SIGNAL_EXIT, SIGNAL_STOP, simulatePairTrading, zScoreSignals } from '../src/index.js';
import { dailyTimestampsNs } from './helpers.js';

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
  it('a non-finite z (a leg without a price) decides nothing: the position holds', () => {
    expect(Array.from(zScoreSignals([2.5, Number.NaN, 1.0, Number.NaN, 0.2], bands))).toEqual([
      -1, -1, -1, -1, 0,
    ]);
  });
  it('reports why a position was closed', () => {
    const reasons = new Int8Array(4);
    zScoreSignals([2.5, 0.2, -2.5, -4.5], bands, undefined, reasons);
    expect(Array.from(reasons)).toEqual([0, SIGNAL_EXIT, 0, SIGNAL_STOP]);
  });
  it('exit requires reversion to within exitZ, not just below entryZ', () => {
    expect(Array.from(zScoreSignals([2.5, 1.9, 0.6, 0.49], bands))).toEqual([-1, -1, -1, 0]);
  });
});

describe('simulatePairTrading', () => {
  // β = 2, μ = 0, σ = 1: z = y − 2x. x stays 10, so z = y − 20.
  const ts = dailyTimestampsNs(8);
  const base = {
    closeY: [20, 23, 24, 22, 20, 20.1, 20, 20],
    closeX: [10, 10, 10, 10, 10, 10, 10, 10],
    timestampsNs: ts,
    start: 0,
    end: 8,
    hedgeRatio: 2,
    spreadMean: 0,
    spreadStd: 1,
    executionDelayBars: 1,
    fillPrice: 'close' as const,
    commissionBps: 0,
    slippageBps: 0,
    borrowBpsPerYear: 0,
    pairCapital: 1000,
    ...bands,
  };

  it('fills one bar after the signal, in shares sized to the pair capital, holding the spread', () => {
    const r = simulatePairTrading(base);
    // z: 0, 3, 4(≤ stop), 2, 0, .1, 0, 0 → short signal at bar 1, exit signal at bar 4 (z < 0.5).
    expect(Array.from(r.signal)).toEqual([0, -1, -1, -1, 0, 0, 0, 0]);
    expect(Array.from(r.position)).toEqual([0, 0, -1, -1, -1, 0, 0, 0]);
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect(t.signalIndex).toBe(1);
    expect(t.entryIndex).toBe(2); // fill at the close of the bar after the signal
    expect(t.exitIndex).toBe(5);
    expect(t.entryPriceY).toBe(24);
    expect(t.exitPriceY).toBe(20.1);
    // n = C / (P_y + β·P_x) = 1000 / 44; short spread: −n y, +2n x.
    const n = 1000 / 44;
    expect(t.sharesY).toBeCloseTo(-n, 12);
    expect(t.sharesX).toBeCloseTo(2 * n, 12);
    expect(Math.abs(t.sharesY) * 24 + Math.abs(t.sharesX) * 10).toBeCloseTo(1000, 9);
    // P&L = shares × Δspread (spread = y − 2x): −n · (20.1 − 24).
    expect(t.grossPnl).toBeCloseTo(-n * (20.1 - 2 * 10 - (24 - 2 * 10)), 12);
    expect(t.exitReason).toBe('signal');
    expect(t.holdingBars).toBe(3);
    // Per-bar marks sum to the trade's P&L; nothing is earned on the signal bar's own move.
    const sum = Array.from(r.grossPnl).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(t.grossPnl, 12);
    expect(r.grossPnl[2]).toBe(0);
    expect(r.grossPnl[3]).toBeCloseTo(-n * (22 - 24), 12);
  });

  it('delay 0 fills at the signal bar’s own close', () => {
    const r = simulatePairTrading({ ...base, executionDelayBars: 0 });
    expect(r.trades[0]!.entryIndex).toBe(1);
    expect(r.trades[0]!.entryPriceY).toBe(23);
  });

  it('fills at the next open with fillPrice open, marking the fill bar from the open', () => {
    const openY = [20, 22, 25, 22, 21, 20.5, 20, 20];
    const openX = [10, 10, 10, 10, 10, 10, 10, 10];
    const r = simulatePairTrading({ ...base, fillPrice: 'open', openY, openX });
    const t = r.trades[0]!;
    expect(t.entryIndex).toBe(2);
    expect(t.entryPriceY).toBe(25); // open of bar 2
    expect(t.exitIndex).toBe(5);
    expect(t.exitPriceY).toBe(20.5); // open of bar 5
    const n = 1000 / 45;
    expect(r.grossPnl[2]).toBeCloseTo(-n * (24 - 25), 12); // open → close of the fill bar
    expect(t.grossPnl).toBeCloseTo(-n * (20.5 - 25), 12);
    expect(Array.from(r.grossPnl).reduce((a, b) => a + b, 0)).toBeCloseTo(t.grossPnl, 12);
  });

  it('charges commission and slippage per leg per fill, and borrow on the short leg (ACT/365)', () => {
    const r = simulatePairTrading({ ...base, commissionBps: 10, slippageBps: 5, borrowBpsPerYear: 365 });
    const t = r.trades[0]!;
    const entryNotional = Math.abs(t.sharesY) * 24 + Math.abs(t.sharesX) * 10;
    const exitNotional = Math.abs(t.sharesY) * 20.1 + Math.abs(t.sharesX) * 10;
    expect(t.commission).toBeCloseTo((10 / 1e4) * (entryNotional + exitNotional), 12);
    expect(t.slippage).toBeCloseTo((5 / 1e4) * (entryNotional + exitNotional), 12);
    // Short leg is y; held over bars 2→3, 3→4, 4→5. Days between the bars from the timestamps.
    const days = (a: number, b: number) => Number(ts[b]! - ts[a]!) / 86_400e9;
    const shortY = -t.sharesY;
    const expected =
      ((shortY * 24 * days(2, 3) + shortY * 22 * days(3, 4) + shortY * 20 * days(4, 5)) * 0.0365) / 365;
    expect(t.borrow).toBeCloseTo(expected, 12);
    expect(t.netPnl).toBeCloseTo(t.grossPnl - t.commission - t.slippage - t.borrow, 12);
    const net = Array.from(r.pnl).reduce((a, b) => a + b, 0);
    expect(net).toBeCloseTo(t.netPnl, 9);
  });

  it('closes at the window end, and at the last price when a leg stops trading', () => {
    const open = simulatePairTrading({ ...base, closeY: [20, 23, 24, 23, 23, 23, 23, 23] });
    expect(open.trades[0]!.exitReason).toBe('window-end');
    expect(open.trades[0]!.exitIndex).toBe(7);
    const delisted = simulatePairTrading({
      ...base,
      closeY: [20, 23, 24, 23, 22.5, Number.NaN, Number.NaN, Number.NaN],
    });
    const t = delisted.trades[0]!;
    expect(t.exitReason).toBe('last-price');
    expect(t.exitIndex).toBe(4);
    expect(t.exitPriceY).toBe(22.5);
    expect(Array.from(delisted.position).slice(4)).toEqual([0, 0, 0, 0]);
  });

  it('a bar without a price for a leg delays the fill to the next bar with both', () => {
    const r = simulatePairTrading({ ...base, closeX: [10, 10, Number.NaN, 10, 10, 10, 10, 10] });
    // bar 2 has no x: the short fills at bar 3 at its prices.
    expect(r.trades[0]!.entryIndex).toBe(3);
    expect(r.trades[0]!.entryPriceY).toBe(22);
  });

  it('rejects β ≤ 0, σ ≤ 0, a negative delay and missing opens', () => {
    expect(() => simulatePairTrading({ ...base, hedgeRatio: -1 })).toThrow(/hedgeRatio/);
    expect(() => simulatePairTrading({ ...base, spreadStd: 0 })).toThrow(/spreadStd/);
    expect(() => simulatePairTrading({ ...base, executionDelayBars: -1 })).toThrow(/executionDelayBars/);
    expect(() => simulatePairTrading({ ...base, fillPrice: 'open' })).toThrow(/open/);
  });

  it('a waited fill keeps the deciding bar: a stop stays a stop, the entry names its signal bar', () => {
    // β 1, μ 0, σ 1, x = 100: z = y − 100. Short at bar 1 (z 2.5), stop at bar 3 (4.5); bar 4 has no y.
    const z = [0, 2.5, 3, 4.5, 4.6, 4.7, 4.7, 4.7];
    const closeY = z.map((v) => 100 + v);
    closeY[4] = Number.NaN;
    const r = simulatePairTrading({
      ...base,
      closeY,
      closeX: z.map(() => 100),
      hedgeRatio: 1,
    });
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect(t.signalIndex).toBe(1);
    expect(t.exitIndex).toBe(5); // the stop decided at bar 3 could not fill at bar 4
    expect(t.exitReason).toBe('stop');
    expect(t.exitZ).toBeCloseTo(4.5, 12);
    // An entry whose fill waits names the bar that decided it.
    const gap = [...base.closeX];
    gap[2] = Number.NaN;
    const e = simulatePairTrading({ ...base, closeX: gap }).trades[0]!;
    expect([e.signalIndex, e.entryIndex]).toEqual([1, 3]);
    expect(e.entryZ).toBe(3);
  });

  it('a last-price exit uses the last bar on which both legs have a price', () => {
    // y priced through bar 5, x missing on bar 5: the exit is at bar 4's closes of both legs.
    const closeY = [20, 23, 24, 23, 22.8, 22.9, Number.NaN, Number.NaN];
    const closeX = [10, 10, 10, 10, 10, Number.NaN, 10, 10];
    const t = simulatePairTrading({ ...base, closeY, closeX }).trades[0]!;
    expect(t.exitReason).toBe('last-price');
    expect(t.exitIndex).toBe(4);
    expect([t.exitPriceY, t.exitPriceX]).toEqual([22.8, 10]);
  });
});
