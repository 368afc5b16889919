/**
 * The walk-forward engine: per window, select pairs on the training slice and trade them on the test slice.
 *
 * @module
 */

import { computeMetrics } from './compute-metrics.js';
import { resolveWalkForwardConfig, type WalkForwardConfig } from './config.js';
import { InsufficientDataError } from './errors.js';
import { inferPeriodsPerYear } from './infer-periods-per-year.js';
import { type PairStatsCache, pairStatsKey, trainingDigest } from './pair-stats-cache.js';
import { type PricePanel, validatePricePanel } from './price-panel.js';
import { type PairSelection, type PairSelectionConfig, selectPairs } from './select-pairs.js';
import { simulatePairTrading } from './simulate-pair-trading.js';
import { LeastSquaresWorkspace } from './stats/least-squares-workspace.js';
import type { SelectedPairReport, WalkForwardReport, WindowReport } from './walk-forward-report.js';

/** Progress event, emitted after each window. */
export interface WalkForwardProgress {
  /** Windows finished so far (1-based count). */
  windowsDone: number;
  windowsTotal: number;
  /** Whether this window's selection came from the cache. */
  cacheHit: boolean;
}

/** Options of {@link runWalkForward}. */
export interface RunWalkForwardOptions {
  /** Cache of per-window pair selections (a `CacheManager` from `@mmtape/cache-manager` fits). */
  cache?: PairStatsCache;
  onProgress?: (progress: WalkForwardProgress) => void;
}

/** Window boundaries (bar indices, ends exclusive). */
export interface WalkForwardWindow {
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

/**
 * Window boundaries for `bars` bars: window w starts at s = w·stepBars; training is [s, s+trainBars)
 * (`'expanding'`: [0, s+trainBars)), test is [s+trainBars, s+trainBars+testBars). Only complete test
 * windows are produced.
 */
export function walkForwardWindows(bars: number, config: WalkForwardConfig): WalkForwardWindow[] {
  const out: WalkForwardWindow[] = [];
  for (let s = 0; s + config.trainBars + config.testBars <= bars; s += config.stepBars) {
    out.push({
      trainStart: config.mode === 'expanding' ? 0 : s,
      trainEnd: s + config.trainBars,
      testStart: s + config.trainBars,
      testEnd: s + config.trainBars + config.testBars,
    });
  }
  return out;
}

/**
 * Run a pairs-trading walk-forward backtest on `panel`.
 *
 * Per window:
 * 1. Universe: symbols with finite, positive prices on every bar of training + test (note: this uses the
 *    test window's *availability* — listing status known in advance — never its values).
 * 2. Selection on the training slice only ({@link selectPairs}): pairs with training log-return correlation
 *    ≥ `minCorrelation`, Engle-Granger with y = first symbol in sorted order, p ≤ `maxPValue`, half-life in
 *    `halfLifeBars`, topK by lowest p-value. μ and σ of the spread y − β·x are training statistics.
 *    Cached per window when `options.cache` is given.
 * 3. Trading on the test slice ({@link simulatePairTrading}): z_t = (y_t − β·x_t − μ)/σ, signal at the close,
 *    executed `executionDelayBars` later, closed at the window's end; portfolio return per bar = mean over
 *    the selected pairs (equal capital), 0 when none.
 *
 * @throws InvalidConfigError for an invalid config; InvalidInputError for a malformed panel;
 *   InsufficientDataError when the panel is shorter than one window (trainBars + testBars).
 */
export async function runWalkForward(
  panel: PricePanel,
  config: Partial<WalkForwardConfig> = {},
  options: RunWalkForwardOptions = {},
): Promise<WalkForwardReport> {
  const cfg = resolveWalkForwardConfig(config);
  validatePricePanel(panel);
  const bars = panel.timestampsNs.length;
  const windows = walkForwardWindows(bars, cfg);
  if (windows.length === 0) {
    throw new InsufficientDataError(
      'runWalkForward panel',
      cfg.trainBars + cfg.testBars,
      bars,
      'trainBars + testBars',
    );
  }
  const periodsPerYear =
    cfg.periodsPerYear === 'auto' ? inferPeriodsPerYear(panel.timestampsNs) : cfg.periodsPerYear;
  const selectionConfig: PairSelectionConfig = {
    minCorrelation: cfg.minCorrelation,
    maxPValue: cfg.maxPValue,
    halfLifeBars: cfg.halfLifeBars,
    topK: cfg.topK,
    adfLags: cfg.adfLags,
  };
  const order = panel.symbols.map((_, i) => i).sort((a, b) => compare(panel.symbols[a]!, panel.symbols[b]!));
  const symbolIndex = new Map(panel.symbols.map((s, i) => [s, i]));
  const workspace = new LeastSquaresWorkspace();
  const cache = { hits: 0, misses: 0 };
  const windowReports: WindowReport[] = [];
  const curveTs: string[] = [];
  const curveReturns: number[] = [];
  let totalTrades = 0;
  let wins = 0;
  let totalTurnover = 0;

  for (let w = 0; w < windows.length; w++) {
    const win = windows[w]!;
    const eligible = order.filter((i) => allPositive(panel.closes[i]!, win.trainStart, win.testEnd));
    const names = eligible.map((i) => panel.symbols[i]!);
    const series = eligible.map((i) => panel.closes[i]!);

    let selection: PairSelection | undefined;
    let key: string | undefined;
    if (options.cache) {
      key = pairStatsKey(
        selectionConfig,
        trainingDigest(names, panel.timestampsNs, series, win.trainStart, win.trainEnd),
      );
      const cached = await options.cache.getJson<PairSelection>(key);
      if (cached && Array.isArray(cached.selected)) selection = cached;
    }
    const cacheHit = selection !== undefined;
    if (selection === undefined) {
      selection = selectPairs(names, series, win.trainStart, win.trainEnd, selectionConfig, workspace);
      if (options.cache && key) {
        cache.misses++;
        await options.cache.putJson(key, selection);
      }
    } else {
      cache.hits++;
    }

    const testLen = win.testEnd - win.testStart;
    const portfolio = new Float64Array(testLen);
    const pairs: SelectedPairReport[] = [];
    let windowTrades = 0;
    const z = new Float64Array(testLen);
    const ry = new Float64Array(testLen);
    const rx = new Float64Array(testLen);
    for (const p of selection.selected) {
      const ys = panel.closes[symbolIndex.get(p.y)!]!;
      const xs = panel.closes[symbolIndex.get(p.x)!]!;
      for (let k = 0; k < testLen; k++) {
        const t = win.testStart + k;
        z[k] = (ys[t]! - p.hedgeRatio * xs[t]! - p.spreadMean) / p.spreadStd;
        ry[k] = ys[t]! / ys[t - 1]! - 1;
        rx[k] = xs[t]! / xs[t - 1]! - 1;
      }
      const sim = simulatePairTrading({
        z,
        returnsY: ry,
        returnsX: rx,
        hedgeRatio: p.hedgeRatio,
        entryZ: cfg.entryZ,
        exitZ: cfg.exitZ,
        stopZ: cfg.stopZ,
        costBps: cfg.costBps,
        executionDelayBars: cfg.executionDelayBars,
      });
      let sum = 0;
      let turnover = 0;
      for (let k = 0; k < testLen; k++) {
        sum += sim.returns[k]!;
        turnover += sim.turnover[k]!;
        portfolio[k] = portfolio[k]! + sim.returns[k]! / selection.selected.length;
      }
      totalTurnover += turnover / selection.selected.length;
      windowTrades += sim.trades;
      for (const r of sim.tradeReturns) if (r > 0) wins++;
      pairs.push({ ...p, trades: sim.trades, pnl: sum * cfg.capitalPerPair, turnover });
    }
    totalTrades += windowTrades;
    let growth = 1;
    for (let k = 0; k < testLen; k++) {
      growth *= 1 + portfolio[k]!;
      curveTs.push(panel.timestampsNs[win.testStart + k]!.toString());
      curveReturns.push(portfolio[k]!);
    }
    windowReports.push({
      index: w,
      trainStartIndex: win.trainStart,
      trainEndIndex: win.trainEnd,
      testStartIndex: win.testStart,
      testEndIndex: win.testEnd,
      trainStartNs: panel.timestampsNs[win.trainStart]!.toString(),
      testStartNs: panel.timestampsNs[win.testStart]!.toString(),
      testEndNs: panel.timestampsNs[win.testEnd - 1]!.toString(),
      symbolsEligible: selection.symbolsEligible,
      pairsConsidered: selection.pairsConsidered,
      pairsTested: selection.pairsTested,
      pairsPassedCoint: selection.pairsPassedCoint,
      pairsPassed: selection.pairsPassed,
      selected: pairs,
      return: growth - 1,
      trades: windowTrades,
      cacheHit,
    });
    options.onProgress?.({ windowsDone: w + 1, windowsTotal: windows.length, cacheHit });
  }

  const metrics = computeMetrics(curveReturns, periodsPerYear);
  const equity: number[] = [];
  let e = 1;
  for (const r of curveReturns) {
    e *= 1 + r;
    equity.push(e);
  }
  return {
    config: cfg,
    symbols: [...panel.symbols],
    windows: windowReports,
    summary: {
      ...metrics,
      trades: totalTrades,
      turnover: totalTurnover,
      hitRate: totalTrades > 0 ? wins / totalTrades : null,
      periodsPerYear,
    },
    equityCurve: { timestampsNs: curveTs, equity, returns: curveReturns },
    cache,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function allPositive(v: Float64Array, start: number, end: number): boolean {
  for (let t = start; t < end; t++) if (!(v[t]! > 0) || !Number.isFinite(v[t]!)) return false;
  return true;
}
