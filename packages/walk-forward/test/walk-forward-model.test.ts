import { describe, expect, it } from 'vitest';
import { benjaminiHochbergCutoff, type PricePanel, runWalkForward } from '../src/index.js';
import { ar1, dailyTimestampsNs, randomWalk } from './helpers.js';

const BARS = 252 + 63 * 4;

/** AAA = 10 + 1.5·BBB + AR(1) noise (cointegrated), CCC an independent walk, plus `extra` series. */
function panel(seed: number, extra: Record<string, Float64Array> = {}): PricePanel {
  const b = randomWalk(BARS, 100, 1, seed);
  const u = ar1(BARS, 0.8, 0.8, seed + 100);
  const symbols = ['AAA', 'BBB', 'CCC', ...Object.keys(extra)];
  return {
    symbols,
    timestampsNs: dailyTimestampsNs(BARS),
    closes: [
      b.map((v, t) => 10 + 1.5 * v + u[t]!),
      b,
      randomWalk(BARS, 80, 1, seed + 200),
      ...Object.values(extra),
    ],
  };
}

describe('point-in-time universe', () => {
  it('a late listing joins once it has a training window, and is then traded', async () => {
    const base = panel(11);
    const d = randomWalk(BARS, 50, 0.8, 12);
    const v = ar1(BARS, 0.7, 0.4, 13);
    const late = d.map((x, t) => (t < 100 ? Number.NaN : 5 + 2 * x + v[t]!));
    const p = panel(11, { LATE: late, DDD: d });
    const r = await runWalkForward(p, { prefilter: false });
    // Training of window w is [63w, 63w + 252): LATE has a price on its first bar from w = 2 (126 ≥ 100).
    expect(r.windows.map((w) => w.symbolsEligible)).toEqual([4, 4, 5, 5]);
    const traded = r.windows.slice(2).some((w) => w.selected.some((s) => s.y === 'LATE' || s.x === 'LATE'));
    expect(traded).toBe(true);
    expect(r.trades.some((t) => t.y === 'LATE' || t.x === 'LATE')).toBe(true);
    // The symbols already eligible decide the same way as without the late listing.
    const without = await runWalkForward(
      { ...base, closes: [...base.closes, d], symbols: [...base.symbols, 'DDD'] },
      {
        prefilter: false,
      },
    );
    expect(r.windows[0]!.selected).toEqual(without.windows[0]!.selected);
  });

  it('a symbol that stops trading mid-trade changes only that trade: closed at its last price', async () => {
    const p = panel(21);
    const base = await runWalkForward(p);
    const victim = base.trades.find((t) => t.holdingBars >= 3 && t.window >= 1)!;
    expect(victim).toBeDefined();
    const cut = victim.entryIndex + 1; // last bar with a price for the victim's y
    const ySeries = p.closes[p.symbols.indexOf(victim.y)]!;
    const truncated: PricePanel = {
      ...p,
      closes: p.closes.map((c) => (c === ySeries ? c.map((v, t) => (t > cut ? Number.NaN : v)) : c.slice())),
    };
    const after = await runWalkForward(truncated);
    // Everything decided before the delisting is unchanged, including the victim window's selection.
    for (let w = 0; w <= victim.window; w++) {
      expect(
        after.windows[w]!.selected.map(({ y, x, hedgeRatio, pValue }) => ({ y, x, hedgeRatio, pValue })),
      ).toEqual(
        base.windows[w]!.selected.map(({ y, x, hedgeRatio, pValue }) => ({ y, x, hedgeRatio, pValue })),
      );
    }
    const before = (r: typeof base) => r.trades.filter((t) => t.exitIndex < victim.entryIndex);
    expect(before(after)).toEqual(before(base));
    const forced = after.trades.find((t) => t.entryIndex === victim.entryIndex && t.y === victim.y)!;
    expect(forced.exitReason).toBe('last-price');
    expect(forced.exitIndex).toBe(cut);
    expect(forced.exitPriceY).toBe(ySeries[cut]);
    expect([forced.sharesY, forced.sharesX, forced.entryPriceY]).toEqual([
      victim.sharesY,
      victim.sharesX,
      victim.entryPriceY,
    ]);
  });
});

describe('pair selection', () => {
  it('tests both orderings: y is the lower-p ordering, p = min(1, 2·min) and both raw p-values are reported', async () => {
    // ZZZ depends on BBB: alphabetically BBB comes first, so the sorted-name rule would have regressed BBB on ZZZ.
    const b = randomWalk(BARS, 100, 1, 31);
    const u = ar1(BARS, 0.5, 0.6, 32);
    const p: PricePanel = {
      symbols: ['BBB', 'ZZZ', 'CCC'],
      timestampsNs: dailyTimestampsNs(BARS),
      closes: [b, b.map((v, t) => 20 + 0.8 * v + u[t]!), randomWalk(BARS, 80, 1, 33)],
    };
    const r = await runWalkForward(p, { prefilter: false });
    for (const w of r.windows) {
      for (const s of w.selected) {
        expect(s.pValueUsed!).toBeLessThanOrEqual(s.pValueReverse!);
        expect(s.pValue).toBe(Math.min(1, 2 * s.pValueUsed!));
      }
    }
    // Relabelling the symbols does not change which stock is the dependent one.
    const renamed = await runWalkForward({ ...p, symbols: ['ZZZ', 'BBB', 'CCC'] }, { prefilter: false });
    const swap = (n: string) => (n === 'ZZZ' ? 'BBB' : n === 'BBB' ? 'ZZZ' : n);
    r.windows.forEach((w, k) => {
      expect(renamed.windows[k]!.selected.map((s) => [swap(s.y), swap(s.x), s.hedgeRatio])).toEqual(
        w.selected.map((s) => [s.y, s.x, s.hedgeRatio]),
      );
    });
  });

  it('skips pairs with a negative hedge ratio (long both legs) and pairs with a negligible leg', async () => {
    const b = randomWalk(BARS, 100, 1, 41);
    const u = ar1(BARS, 0.5, 0.6, 42);
    const neg: PricePanel = {
      symbols: ['NEG', 'BBB'],
      timestampsNs: dailyTimestampsNs(BARS),
      closes: [b.map((v, t) => 300 - 1.2 * v + u[t]!), b],
    };
    const r = await runWalkForward(neg, { prefilter: false, maxPValue: 1, halfLifeBars: [0, 1e9] });
    for (const w of r.windows) {
      expect(w.pairsTested).toBe(1);
      expect(w.pairsRejectedHedge).toBe(1);
      expect(w.selected).toEqual([]);
    }
    // y = 1000 + 0.02·x: β·x is ~0.2 % of the notional, a bet on one stock.
    const tiny: PricePanel = {
      ...neg,
      symbols: ['TINY', 'BBB'],
      closes: [b.map((v, t) => 1000 + 0.02 * v + 0.1 * u[t]!), b],
    };
    const t = await runWalkForward(tiny, { prefilter: false, maxPValue: 1, halfLifeBars: [0, 1e9] });
    for (const w of t.windows) expect(w.selected).toEqual([]);
    const loose = await runWalkForward(tiny, {
      prefilter: false,
      maxPValue: 1,
      halfLifeBars: [0, 1e9],
      minLegWeight: 0,
    });
    expect(loose.windows.some((w) => w.selected.length === 1)).toBe(true);
  });

  it('Benjamini–Hochberg cutoff on a hand-computed example', () => {
    // Sorted: .01 .03 .04 .2 .5; i·q/m with q = .1, m = 5: .02 .04 .06 .08 .1 → largest i with p ≤: i = 3.
    expect(benjaminiHochbergCutoff([0.2, 0.01, 0.5, 0.04, 0.03], 0.1)).toBe(0.04);
    expect(benjaminiHochbergCutoff([0.3, 0.4], 0.1)).toBe(-1);
    expect(benjaminiHochbergCutoff([0.001, Number.NaN], 0.05)).toBe(0.001);
    expect(benjaminiHochbergCutoff([], 0.05)).toBe(-1);
  });

  it('fdrQ selects exactly the pairs at or below the window’s BH cutoff', async () => {
    const p = panel(51, { DDD: randomWalk(BARS, 60, 1, 52), EEE: randomWalk(BARS, 30, 0.5, 53) });
    const r = await runWalkForward(p, { prefilter: false, fdrQ: 0.2, topK: 10 });
    for (const w of r.windows) {
      for (const s of w.selected) expect(s.pValue).toBeLessThanOrEqual(w.pValueCutoff);
      expect(w.expectedFalsePositives).toBeCloseTo(0.2 * w.pairsPassedCoint, 12);
    }
  });
});

describe('defaults for intraday data', () => {
  it('refuses daily defaults on intraday bars, naming the options to set', async () => {
    const p = panel(61);
    const minute = 60_000_000_000n;
    const start = p.timestampsNs[0]!;
    const ts = p.timestampsNs.map((_, k) => start + BigInt(k) * minute);
    const intraday = { ...p, timestampsNs: BigInt64Array.from(ts) };
    await expect(runWalkForward(intraday)).rejects.toMatchObject({ field: 'trainBars' });
    await expect(runWalkForward(intraday)).rejects.toThrow(/intraday/);
    const ok = await runWalkForward(intraday, { trainBars: 252, testBars: 63 });
    expect(ok.windows).toHaveLength(4);
  });
});

describe('Johansen selection', () => {
  it('selects the cointegrated pair with Johansen’s trace test, β from the first eigenvector', async () => {
    const r = await runWalkForward(panel(71), { prefilter: false, method: 'johansen' });
    for (const w of r.windows) {
      const pair = w.selected.find((s) => s.y === 'AAA' && s.x === 'BBB')!;
      expect(pair).toBeDefined();
      expect(pair.pValue).toBeNull();
      expect(pair.traceStat!).toBeGreaterThanOrEqual(pair.traceCriticalValue!);
      expect(pair.score).toBeCloseTo(pair.traceCriticalValue! / pair.traceStat!, 12);
      expect(pair.hedgeRatio).toBeGreaterThan(1.2);
      expect(pair.hedgeRatio).toBeLessThan(1.8);
    }
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
