/**
 * The walk-forward engine: per window, select pairs on the training slice and trade them on the test slice.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeColumnFile } from '@mmtape/columnar-format';
import type { BuildPanelOptions } from './build-panel.js';
import { computeMetrics } from './compute-metrics.js';
import { resolveWalkForwardConfig, type WalkForwardConfig } from './config.js';
import { describeModel } from './describe-model.js';
import { InsufficientDataError, InvalidConfigError, InvalidInputError } from './errors.js';
import { inferPeriodsPerYear } from './infer-periods-per-year.js';
import { loadSectors } from './load-sectors.js';
import type { PairScanTask, PanelSource } from './pair-scan-task.js';
import { type PairStatsCache, pairStatsKey, trainingDigest } from './pair-stats-cache.js';
import { panelDigest } from './panel-digest.js';
import { type PricePanel, validatePricePanel } from './price-panel.js';
import {
  mergePairScans,
  type PairScanResult,
  PairScanScratch,
  type PairSelection,
  type PairSelectionConfig,
  scanPairs,
} from './select-pairs.js';
import { tradeWindow } from './trade-window.js';
import { filledTrainingPrices, isEligibleForTraining } from './training-window.js';
import type { TradeReport, WalkForwardReport, WindowReport } from './walk-forward-report.js';
import { defaultWorkerCount, WorkerPool } from './worker-pool.js';

/**
 * Progress event: `'select'` after each window's pair scan (or cache hit), `'trade'` after each window's
 * trading. Scans of later windows may finish before earlier ones are traded.
 */
export interface WalkForwardProgress {
  phase: 'select' | 'trade';
  /** Windows finished in this phase so far (1-based count). */
  windowsDone: number;
  windowsTotal: number;
  /** Pairs tested in the windows scanned so far (`'select'`). */
  pairsTested: number;
  /** Whether this window's selection came from the cache. */
  cacheHit: boolean;
}

/** Options of {@link runWalkForward}. */
export interface RunWalkForwardOptions {
  /** Cache of per-window pair selections (a `CacheManager` from `@mmtape/cache-manager` fits). */
  cache?: PairStatsCache;
  onProgress?: (progress: WalkForwardProgress) => void;
  /**
   * Worker threads for the pair scan. Default 1: everything runs in the calling thread (no build needed).
   * `'auto'`: `os.availableParallelism()`. With N > 1 a piscina pool of N workers runs (needs the built
   * `dist/worker.js`); each window's pair triangle is split into ~4·N slices. Results are bit-for-bit the
   * same for any N.
   */
  workers?: number | 'auto';
  /**
   * Dataset folder the panel was built from (with `panelOptions`, the options given to `buildPanel`):
   * workers then open the dataset themselves (`Dataset.open`, mmap) and rebuild the panel, checked against
   * the main thread's panel digest. Pass the opened dataset's `generationDir` so that every worker reads
   * the same generation even if the dataset is re-ingested meanwhile. Without it, the main thread writes the panel once to a temporary
   * column file that every worker maps.
   */
  datasetDir?: string;
  /** `buildPanel` options used for the panel (with `datasetDir`). Default `{}`. */
  panelOptions?: BuildPanelOptions;
  /**
   * Sector of each symbol for `universe: 'within-sector'` (overrides `config.sectorsFile`), e.g. from
   * {@link loadSectors}.
   */
  sectors?: Readonly<Record<string, string>>;
  /** Folder for the temporary panel file of the workers. Default `os.tmpdir()`. Removed after the run. */
  tmpDir?: string;
}

/** Trading days per year: the daily bar count the default window lengths are made for. */
const DAILY_BARS_PER_YEAR = 252;

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
 * Run a pairs-trading walk-forward backtest on `panel`. The rules are stated in the package README
 * ("Rules") and in the report's `model`; in short, per window:
 * 1. Universe, from training data only ({@link isEligibleForTraining}): a price on the first and last
 *    training bar and on ≥ `minTrainingCoverage` of them; training gaps filled forward.
 * 2. Selection on the training slice ({@link scanPairs}): correlation pre-filter, Engle-Granger in both
 *    orderings (or Johansen), hedge-ratio filters, p-value (or Benjamini–Hochberg) cut, half-life, topK.
 *    Cached per window when `options.cache` is given.
 * 3. Trading on the test slice ({@link tradeWindow}, {@link simulatePairTrading}): spread held in shares,
 *    fills `executionDelayBars` after the signal, costs, forced exits at the window's end or a leg's last
 *    price.
 *
 * @throws InvalidConfigError for an invalid config; InvalidInputError for a malformed panel (or no opens
 *   with `fillPrice: 'open'`); InsufficientDataError when the panel is shorter than one window.
 */
export async function runWalkForward(
  panel: PricePanel,
  config: Partial<WalkForwardConfig> = {},
  options: RunWalkForwardOptions = {},
): Promise<WalkForwardReport> {
  const cfg = resolveWalkForwardConfig(config);
  validatePricePanel(panel);
  if (cfg.fillPrice === 'open' && !panel.opens) {
    throw new InvalidInputError('runWalkForward panel.opens', "open prices with fillPrice 'open'", 'none');
  }
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
  if (
    periodsPerYear > DAILY_BARS_PER_YEAR * 1.5 &&
    (config.trainBars === undefined || config.testBars === undefined)
  ) {
    throw new InvalidConfigError(
      config.trainBars === undefined ? 'trainBars' : 'testBars',
      `set explicitly for intraday bars: this panel has ~${Math.round(periodsPerYear)} bars per year and the defaults (trainBars ${cfg.trainBars}, testBars ${cfg.testBars}) are one year / one quarter of daily bars; e.g. trainBars ${Math.round((periodsPerYear / DAILY_BARS_PER_YEAR) * 20)} and testBars ${Math.round((periodsPerYear / DAILY_BARS_PER_YEAR) * 5)} for 20 / 5 trading days`,
      undefined,
    );
  }
  const selectionConfig = selectionConfigOf(cfg);
  const sectors = resolveSectors(cfg, options, panel.symbols);
  const sectorNames = sectors ? [...new Set(Object.values(sectors))].sort() : [];
  const sectorIdOf = new Map(sectorNames.map((name, k) => [name, k]));
  const workerCount = options.workers === 'auto' ? defaultWorkerCount() : (options.workers ?? 1);
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new InvalidInputError('runWalkForward workers', "an integer >= 1 or 'auto'", options.workers);
  }
  const order = panel.symbols.map((_, i) => i).sort((a, b) => compare(panel.symbols[a]!, panel.symbols[b]!));
  const symbolIndex = new Map(panel.symbols.map((s, i) => [s, i]));
  const cache = { hits: 0, misses: 0 };
  const windowReports: WindowReport[] = [];
  const trades: TradeReport[] = [];
  const curve = { timestampsNs: [] as string[], equity: [] as number[], returns: [] as number[] };
  const exposure = { gross: [] as number[], net: [] as number[] };
  const totals = { grossPnl: 0, commission: 0, slippage: 0, borrow: 0, tradedNotional: 0 };
  const testing = { pairsTested: 0, pairsPassedCoint: 0, expectedFalsePositives: 0 };
  let equity = cfg.initialCapital;
  let equitySum = 0;
  let scanned = 0;
  let pairsTestedSoFar = 0;

  // Phase 1: universes, cache look-ups and (for misses) the pair scans, all windows queued at once.
  let pool: WorkerPool | undefined;
  let tmp: string | undefined;
  let source: PanelSource | undefined;
  const scratch = new PairScanScratch();
  const pending: { key?: string; cacheHit: boolean; selection: Promise<PairSelection> }[] = [];
  const scanDone = (selection: PairSelection, cacheHit: boolean): PairSelection => {
    scanned++;
    pairsTestedSoFar += selection.pairsTested;
    options.onProgress?.({
      phase: 'select',
      windowsDone: scanned,
      windowsTotal: windows.length,
      pairsTested: pairsTestedSoFar,
      cacheHit,
    });
    return selection;
  };
  try {
    for (const win of windows) {
      const eligible = order.filter((i) =>
        isEligibleForTraining(panel.closes[i]!, win.trainStart, win.trainEnd, cfg.minTrainingCoverage),
      );
      const names = eligible.map((i) => panel.symbols[i]!);
      const len = win.trainEnd - win.trainStart;
      const series = eligible.map((i) =>
        filledTrainingPrices(panel.closes[i]!, win.trainStart, win.trainEnd),
      );
      const sectorIds = sectors ? names.map((n) => sectorIdOf.get(sectors[n] ?? '') ?? -1) : null;
      let key: string | undefined;
      let cached: PairSelection | undefined;
      if (options.cache) {
        key = pairStatsKey(
          selectionConfig,
          trainingDigest(names, panel.timestampsNs.subarray(win.trainStart, win.trainEnd), series, 0, len),
          sectorIds ? names.map((n) => sectors?.[n] ?? null) : null,
        );
        const hit = await options.cache.getJson<PairSelection>(key);
        if (hit && Array.isArray(hit.selected)) cached = hit;
      }
      let selection: Promise<PairSelection>;
      if (cached) {
        selection = Promise.resolve(scanDone(cached, true));
      } else if (workerCount === 1) {
        const scan = scanPairs(names, series, 0, len, 0, names.length, selectionConfig, sectorIds, scratch);
        selection = Promise.resolve(scanDone(mergePairScans(names.length, [scan], selectionConfig), false));
      } else {
        if (!pool) {
          source = preparePanelSource(panel, options, (dir) => {
            tmp = dir;
          });
          pool = new WorkerPool(workerCount);
        }
        const slices = splitTriangle(names.length, workerCount * 4);
        const p = pool;
        const src = source!;
        selection = Promise.all(
          slices.map(([iStart, iEnd]) =>
            p.run<PairScanResult>({
              kind: 'scan',
              source: src,
              eligible,
              names,
              sectorIds,
              trainStart: win.trainStart,
              trainEnd: win.trainEnd,
              iStart,
              iEnd,
              config: selectionConfig,
            } satisfies PairScanTask),
          ),
        ).then((scans) => scanDone(mergePairScans(names.length, scans, selectionConfig), false));
      }
      // Avoid unhandled rejections while earlier windows are awaited; errors surface in phase 2.
      selection.catch(() => {});
      pending.push({ key, cacheHit: cached !== undefined, selection });
    }

    // Phase 2, in window order: selection → cache put → trading on the test slice.
    for (let w = 0; w < windows.length; w++) {
      const win = windows[w]!;
      const job = pending[w]!;
      const selection = await job.selection;
      const cacheHit = job.cacheHit;
      if (options.cache && job.key) {
        if (cacheHit) cache.hits++;
        else {
          cache.misses++;
          await options.cache.putJson(job.key, selection);
        }
      }
      const equityStart = equity;
      const traded = tradeWindow(panel, win, w, selection, cfg, equityStart, symbolIndex);
      for (const t of traded.trades) trades.push(t);
      for (const k of ['grossPnl', 'commission', 'slippage', 'borrow', 'tradedNotional'] as const) {
        totals[k] += traded[k];
      }
      testing.pairsTested += selection.pairsTested;
      testing.pairsPassedCoint += selection.pairsPassedCoint;
      testing.expectedFalsePositives += selection.expectedFalsePositives;
      const testLen = win.testEnd - win.testStart;
      for (let k = 0; k < testLen; k++) {
        curve.timestampsNs.push(panel.timestampsNs[win.testStart + k]!.toString());
        curve.equity.push(traded.equity[k]!);
        curve.returns.push(traded.returns[k]!);
        exposure.gross.push(traded.grossExposure[k]!);
        exposure.net.push(traded.netExposure[k]!);
        equitySum += traded.equity[k]!;
      }
      equity = testLen > 0 ? traded.equity[testLen - 1]! : equity;
      const windowTrades = traded.trades.length;
      let windowWins = 0;
      for (const t of traded.trades) if (t.netPnl > 0) windowWins++;
      const wm = computeMetrics(traded.returns, periodsPerYear);
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
        pairsRejectedHedge: selection.pairsRejectedHedge,
        pairsPassedCoint: selection.pairsPassedCoint,
        pairsPassed: selection.pairsPassed,
        expectedFalsePositives: selection.expectedFalsePositives,
        pValueCutoff: selection.pValueCutoff,
        selected: traded.pairs,
        return: wm.totalReturn,
        pnl: equity - equityStart,
        trades: windowTrades,
        sharpe: wm.sharpe,
        sortino: wm.sortino,
        maxDrawdown: wm.maxDrawdown,
        turnover: traded.tradedNotional / equityStart,
        hitRate: windowTrades > 0 ? windowWins / windowTrades : null,
        cacheHit,
      });
      options.onProgress?.({
        phase: 'trade',
        windowsDone: w + 1,
        windowsTotal: windows.length,
        pairsTested: pairsTestedSoFar,
        cacheHit,
      });
    }
  } finally {
    await pool?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }

  const metrics = computeMetrics(curve.returns, periodsPerYear);
  let wins = 0;
  for (const t of trades) if (t.netPnl > 0) wins++;
  let inMarket = 0;
  let grossSum = 0;
  let netSum = 0;
  for (let k = 0; k < exposure.gross.length; k++) {
    if (exposure.gross[k]! > 0) inMarket++;
    grossSum += exposure.gross[k]!;
    netSum += exposure.net[k]!;
  }
  const nBars = exposure.gross.length;
  return {
    config: cfg,
    model: describeModel(cfg),
    symbols: [...panel.symbols],
    windows: windowReports,
    summary: {
      ...metrics,
      calmar: metrics.maxDrawdown > 0 ? metrics.annualizedReturn / metrics.maxDrawdown : 0,
      trades: trades.length,
      turnover: nBars > 0 ? totals.tradedNotional / (equitySum / nBars) : 0,
      hitRate: trades.length > 0 ? wins / trades.length : null,
      periodsPerYear,
      initialCapital: cfg.initialCapital,
      finalEquity: equity,
      grossPnl: totals.grossPnl,
      commission: totals.commission,
      slippage: totals.slippage,
      borrow: totals.borrow,
      netPnl: equity - cfg.initialCapital,
      timeInMarket: nBars > 0 ? inMarket / nBars : 0,
      averageGrossExposure: nBars > 0 ? grossSum / nBars : 0,
      averageNetExposure: nBars > 0 ? netSum / nBars : 0,
      ...testing,
    },
    trades,
    equityCurve: { ...curve, grossExposure: exposure.gross, netExposure: exposure.net },
    cache,
    parallelism: { workers: workerCount, panelSource: workerCount === 1 ? 'in-process' : source!.kind },
  };
}

/** The subset of the config that pair selection depends on (and the selection cache key covers). */
export function selectionConfigOf(cfg: WalkForwardConfig): PairSelectionConfig {
  return {
    minCorrelation: cfg.minCorrelation,
    maxPValue: cfg.maxPValue,
    halfLifeBars: cfg.halfLifeBars,
    topK: cfg.topK,
    adfLags: cfg.adfLags,
    prefilter: cfg.prefilter,
    adfAutolag: cfg.adfAutolag,
    adfMaxLag: cfg.adfMaxLag,
    maxHurst: cfg.maxHurst,
    minHedgeRatio: cfg.minHedgeRatio,
    minLegWeight: cfg.minLegWeight,
    fdrQ: cfg.fdrQ,
    method: cfg.method,
  };
}

function resolveSectors(
  cfg: WalkForwardConfig,
  options: RunWalkForwardOptions,
  symbols: readonly string[],
): Readonly<Record<string, string>> | null {
  if (cfg.universe !== 'within-sector') return null;
  let sectors: Readonly<Record<string, string>>;
  if (options.sectors) sectors = options.sectors;
  else if (cfg.sectorsFile) sectors = loadSectors(cfg.sectorsFile);
  else {
    throw new InvalidConfigError(
      'sectorsFile',
      "a sector file (or the sectors option) with universe 'within-sector'",
      null,
    );
  }
  if (!symbols.some((s) => sectors[s] !== undefined)) {
    throw new InvalidConfigError(
      cfg.sectorsFile ? 'sectorsFile' : 'sectors',
      `a sector map naming at least one of the ${symbols.length} panel symbols (e.g. ${symbols.slice(0, 3).join(', ')})`,
      cfg.sectorsFile ?? `${Object.keys(sectors).length} entries`,
    );
  }
  return sectors;
}

/**
 * Split the pair triangle of `s` symbols (rows i = 0..s−2, row i has s−1−i pairs) into about `parts`
 * contiguous row ranges [iStart, iEnd) with similar pair counts.
 */
export function splitTriangle(s: number, parts: number): [number, number][] {
  const total = (s * (s - 1)) / 2;
  if (s < 2) return [[0, s]];
  const target = total / Math.max(1, parts);
  const out: [number, number][] = [];
  let start = 0;
  let acc = 0;
  for (let i = 0; i < s; i++) {
    acc += s - 1 - i;
    if (acc >= target * (out.length + 1) && i + 1 < s) {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < s) out.push([start, s]);
  return out;
}

/** Where workers get the panel: the dataset folder, or a panel file written here (its folder via `onTmp`). */
function preparePanelSource(
  panel: PricePanel,
  options: RunWalkForwardOptions,
  onTmp: (dir: string) => void,
): PanelSource {
  const digest = panelDigest(panel);
  if (options.datasetDir) {
    return {
      kind: 'dataset',
      dir: options.datasetDir,
      panelOptions: options.panelOptions ?? {},
      panelDigest: digest,
    };
  }
  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), 'mmtape-wf-panel-'));
  onTmp(dir);
  const path = join(dir, 'panel.col');
  writeColumnFile(path, {
    symbol: 'walk-forward-panel',
    columns: [
      { name: 'ts', dtype: 'i64', data: panel.timestampsNs },
      ...panel.closes.map((c, k) => ({ name: `c${k}`, dtype: 'f64' as const, data: c })),
    ],
  });
  return { kind: 'panel-file', path, symbolCount: panel.closes.length, panelDigest: digest };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
