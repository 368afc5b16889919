import { describe, expect, it } from 'vitest';
import {
  InvalidConfigError,
  isWalkForwardError,
  type PairStatsCache,
  type PricePanel,
  resolveWalkForwardConfig,
  runWalkForward,
  type WindowReport,
  walkForwardWindows,
} from '../src/index.js';
import { ar1, dailyTimestampsNs, randomWalk } from './helpers.js';

const BARS = 252 + 63 * 4;

/** AAA = 10 + 1.5·BBB + AR(1, φ = 0.8) noise (cointegrated); CCC, DDD independent random walks. */
function syntheticPanel(seed = 1): PricePanel {
  const b = randomWalk(BARS, 100, 1, seed);
  const u = ar1(BARS, 0.8, 0.8, seed + 100);
  const a = b.map((v, t) => 10 + 1.5 * v + u[t]!);
  return {
    symbols: ['CCC', 'AAA', 'DDD', 'BBB'],
    timestampsNs: dailyTimestampsNs(BARS),
    closes: [randomWalk(BARS, 80, 1, seed + 200), a, randomWalk(BARS, 60, 1, seed + 300), b],
  };
}

function clonePanel(p: PricePanel): PricePanel {
  return {
    symbols: [...p.symbols],
    timestampsNs: p.timestampsNs.slice(),
    closes: p.closes.map((c) => c.slice()),
  };
}

class MemoryCache implements PairStatsCache {
  readonly map = new Map<string, string>();
  async getJson<T>(key: string): Promise<T | undefined> {
    const v = this.map.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async putJson(key: string, value: unknown): Promise<void> {
    this.map.set(key, JSON.stringify(value));
  }
}

describe('walkForwardWindows', () => {
  it('rolling and expanding boundaries', () => {
    const rolling = walkForwardWindows(BARS, resolveWalkForwardConfig());
    expect(rolling).toHaveLength(4);
    expect(rolling[1]).toEqual({ trainStart: 63, trainEnd: 315, testStart: 315, testEnd: 378 });
    const expanding = walkForwardWindows(BARS, resolveWalkForwardConfig({ mode: 'expanding' }));
    expect(expanding[2]).toEqual({ trainStart: 0, trainEnd: 378, testStart: 378, testEnd: 441 });
    expect(walkForwardWindows(BARS - 1, resolveWalkForwardConfig())).toHaveLength(3);
  });
});

describe('config validation', () => {
  it('applies defaults, stepBars follows testBars', () => {
    const c = resolveWalkForwardConfig({ testBars: 21 });
    expect(c.stepBars).toBe(21);
    expect(c.trainBars).toBe(252);
    expect(c.halfLifeBars).toEqual([1, 126]);
  });
  it.each([
    [{ trainBars: 5 }, 'trainBars'],
    [{ stepBars: 10 }, 'stepBars'],
    [{ mode: 'sliding' as never }, 'mode'],
    [{ maxPValue: 0 }, 'maxPValue'],
    [{ halfLifeBars: [10, 5] as [number, number] }, 'halfLifeBars[1]'],
    [{ exitZ: 2.5 }, 'entryZ'],
    [{ stopZ: 1 }, 'stopZ'],
    [{ commissionBps: -1 }, 'commissionBps'],
    [{ slippageBps: Number.NaN }, 'slippageBps'],
    [{ borrowBpsPerYear: -5 }, 'borrowBpsPerYear'],
    [{ initialCapital: 0 }, 'initialCapital'],
    [{ executionDelayBars: -1 }, 'executionDelayBars'],
    [{ fillPrice: 'open' as const, executionDelayBars: 0 }, 'executionDelayBars'],
    [{ fdrQ: 0 }, 'fdrQ'],
    [{ method: 'johansen' as const, fdrQ: 0.1 }, 'fdrQ'],
    [{ method: 'johansen' as const, maxPValue: 0.2 }, 'maxPValue'],
    [{ minLegWeight: 0.6 }, 'minLegWeight'],
    [{ minTrainingCoverage: 0 }, 'minTrainingCoverage'],
    [{ adfLags: 200 }, 'adfLags'],
    [{ topK: 0 }, 'topK'],
  ])('rejects %j (field %s)', (partial, field) => {
    let caught: unknown;
    try {
      resolveWalkForwardConfig(partial);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidConfigError);
    expect(isWalkForwardError(caught)).toBe(true);
    expect((caught as InvalidConfigError).field).toBe(field);
    expect((caught as InvalidConfigError).code).toBe('MMTAPE_WF_INVALID_CONFIG');
  });
});

describe('runWalkForward', () => {
  it('selects the seeded cointegrated pair every window and makes money after costs', async () => {
    const progress: number[] = [];
    const report = await runWalkForward(
      syntheticPanel(),
      {},
      { onProgress: (p) => progress.push(p.phase === 'select' ? p.windowsDone : 10 + p.windowsDone) },
    );
    expect(progress).toEqual([1, 2, 3, 4, 11, 12, 13, 14]);
    expect(report.windows).toHaveLength(4);
    for (const w of report.windows) {
      expect(w.selected.map((p) => `${p.y}/${p.x}`)).toContain('AAA/BBB');
      const pair = w.selected.find((p) => p.y === 'AAA')!;
      expect(pair.hedgeRatio).toBeGreaterThan(1.3);
      expect(pair.hedgeRatio).toBeLessThan(1.7);
      expect(pair.pValue).toBeLessThan(0.05);
      expect(pair.halfLifeBars).toBeGreaterThan(1);
      expect(pair.halfLifeBars).toBeLessThan(10);
      expect(w.pairsTested).toBeGreaterThanOrEqual(1);
    }
    expect(report.summary.trades).toBeGreaterThan(4);
    expect(report.summary.totalReturn).toBeGreaterThan(0);
    expect(report.summary.sharpe).toBeGreaterThan(1);
    expect(report.summary.periodsPerYear).toBe(252);
    expect(report.summary.hitRate).toBeGreaterThan(0.5);
    expect(report.equityCurve.equity).toHaveLength(63 * 4);
    expect(report.equityCurve.timestampsNs[0]).toBe(report.windows[0]!.testStartNs);
    const last = report.equityCurve.equity.at(-1)!;
    expect(last / report.summary.initialCapital - 1).toBeCloseTo(report.summary.totalReturn, 12);
    expect(last).toBeCloseTo(report.summary.finalEquity, 6);
    const s = report.summary;
    expect(s.netPnl).toBeCloseTo(s.grossPnl - s.commission - s.slippage - s.borrow, 6);
    expect(report.trades).toHaveLength(s.trades);
    expect(report.trades.reduce((a, t) => a + t.netPnl, 0)).toBeCloseTo(s.netPnl, 6);
  });

  it('report is JSON-serialisable (round trip is lossless)', async () => {
    const report = await runWalkForward(syntheticPanel(2));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('no look-ahead: changing a test window changes neither that window’s selection nor earlier windows', async () => {
    const panel = syntheticPanel(3);
    const base = await runWalkForward(panel);
    const changed = clonePanel(panel);
    // Window 1 tests on bars [315, 378): distort both legs and an unrelated symbol there.
    for (let t = 315; t < 378; t++) {
      changed.closes[1]![t] = changed.closes[1]![t]! * (1.2 + 0.1 * Math.sin(t));
      changed.closes[3]![t] = changed.closes[3]![t]! * 0.8;
      changed.closes[0]![t] = changed.closes[0]![t]! + 30;
    }
    const after = await runWalkForward(changed);
    expect(after.windows[0]).toEqual(base.windows[0]);
    const selection = (w: WindowReport) =>
      w.selected.map(
        ({
          y,
          x,
          hedgeRatio,
          intercept,
          pValue,
          adfStat,
          halfLifeBars,
          correlation,
          spreadMean,
          spreadStd,
        }) => ({
          y,
          x,
          hedgeRatio,
          intercept,
          pValue,
          adfStat,
          halfLifeBars,
          correlation,
          spreadMean,
          spreadStd,
        }),
      );
    expect(selection(after.windows[1]!)).toEqual(selection(base.windows[1]!));
    expect(after.windows[1]!.pairsTested).toBe(base.windows[1]!.pairsTested);
    // The trading result of that window does change (the test data is used for trading).
    expect(after.windows[1]!.return).not.toBe(base.windows[1]!.return);
    expect(after.equityCurve.returns.slice(0, 63)).toEqual(base.equityCurve.returns.slice(0, 63));
  });

  it('eligibility is decided on training data only: a training gap above 5 % excludes, a test gap does not', async () => {
    const panel = syntheticPanel(4);
    for (let t = 10; t < 30; t++) panel.closes[1]![t] = Number.NaN; // AAA: 20 of window 0's 252 training bars
    panel.closes[1]![400] = Number.NaN; // and one bar of window 2's test slice [378, 441)
    const report = await runWalkForward(panel);
    expect(report.windows[0]!.symbolsEligible).toBe(3);
    expect(report.windows[0]!.selected.some((p) => p.y === 'AAA' || p.x === 'AAA')).toBe(false);
    expect(report.windows[1]!.symbolsEligible).toBe(4);
    expect(report.windows[2]!.symbolsEligible).toBe(4);
    expect(report.windows[2]!.selected.some((p) => p.y === 'AAA' || p.x === 'AAA')).toBe(true);
    // A single missing training bar is filled forward (eligible with 251/252 bars).
    const one = syntheticPanel(4);
    one.closes[1]![100] = Number.NaN;
    expect((await runWalkForward(one)).windows[0]!.symbolsEligible).toBe(4);
  });

  it('cache: second run is identical and served from the cache', async () => {
    const cache = new MemoryCache();
    const panel = syntheticPanel(5);
    const first = await runWalkForward(panel, { mode: 'expanding' }, { cache });
    expect(first.cache).toEqual({ hits: 0, misses: 4 });
    expect(cache.map.size).toBe(4);
    const hitFlags: boolean[] = [];
    const second = await runWalkForward(
      panel,
      { mode: 'expanding' },
      { cache, onProgress: (p) => p.phase === 'select' && hitFlags.push(p.cacheHit) },
    );
    expect(second.cache).toEqual({ hits: 4, misses: 0 });
    expect(hitFlags).toEqual([true, true, true, true]);
    const strip = (r: typeof first) => ({
      ...r,
      cache: null,
      windows: r.windows.map((w) => ({ ...w, cacheHit: null })),
    });
    expect(strip(second)).toEqual(strip(first));
    // A different selection config must not reuse the entries.
    const third = await runWalkForward(panel, { mode: 'expanding', topK: 2 }, { cache });
    expect(third.cache.misses).toBe(4);
  });

  it('costs: the same first-window trades, lower by exactly commission + slippage + borrow', async () => {
    const panel = syntheticPanel(6);
    const free = await runWalkForward(panel, { commissionBps: 0, slippageBps: 0, borrowBpsPerYear: 0 });
    const costly = await runWalkForward(panel, { commissionBps: 10, slippageBps: 10, borrowBpsPerYear: 100 });
    const w0 = (r: typeof free) => r.trades.filter((t) => t.window === 0);
    expect(w0(costly).length).toBeGreaterThan(0);
    w0(costly).forEach((t, k) => {
      const f = w0(free)[k]!;
      expect([t.entryIndex, t.exitIndex, t.sharesY, t.grossPnl]).toEqual([
        f.entryIndex,
        f.exitIndex,
        f.sharesY,
        f.grossPnl,
      ]);
      const traded =
        Math.abs(t.sharesY) * (t.entryPriceY + t.exitPriceY) +
        Math.abs(t.sharesX) * (t.entryPriceX + t.exitPriceX);
      expect(t.commission).toBeCloseTo((10 / 1e4) * traded, 9);
      expect(t.slippage).toBeCloseTo((10 / 1e4) * traded, 9);
      expect(t.borrow).toBeGreaterThan(0);
      expect(t.netPnl).toBeCloseTo(f.netPnl - t.commission - t.slippage - t.borrow, 9);
    });
    expect(free.summary.commission + free.summary.slippage + free.summary.borrow).toBe(0);
  });

  it('rejects a panel shorter than one window', async () => {
    const p = syntheticPanel();
    const short: PricePanel = {
      symbols: p.symbols,
      timestampsNs: p.timestampsNs.slice(0, 300),
      closes: p.closes.map((c) => c.slice(0, 300)),
    };
    await expect(runWalkForward(short)).rejects.toMatchObject({ code: 'MMTAPE_WF_INSUFFICIENT_DATA' });
  });
});

describe('runWalkForward with a real CacheManager', () => {
  it('second run over the same cache directory gives identical results and reports hits', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { CacheManager } = await import('@mmtape/cache-manager');
    const dir = mkdtempSync(join(tmpdir(), 'mmtape-wf-cache-'));
    try {
      const panel = syntheticPanel(7);
      const first = await runWalkForward(panel, {}, { cache: new CacheManager({ dir }) });
      const second = await runWalkForward(panel, {}, { cache: new CacheManager({ dir }) });
      expect(first.cache).toEqual({ hits: 0, misses: 4 });
      expect(second.cache).toEqual({ hits: 4, misses: 0 });
      expect(second.summary).toEqual(first.summary);
      expect(second.windows.map((w) => w.selected)).toEqual(first.windows.map((w) => w.selected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
