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
import { simulatePairTrading } from './simulate-pair-trading.js';
import type { SelectedPairReport, WalkForwardReport, WindowReport } from './walk-forward-report.js';
import { defaultWorkerCount, WorkerPool } from './worker-pool.js';

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
    prefilter: cfg.prefilter,
    adfAutolag: cfg.adfAutolag,
    adfMaxLag: cfg.adfMaxLag,
    maxHurst: cfg.maxHurst,
  };
  let sectors: Readonly<Record<string, string>> | null = null;
  if (cfg.universe === 'within-sector') {
    if (options.sectors) sectors = options.sectors;
    else if (cfg.sectorsFile) sectors = loadSectors(cfg.sectorsFile);
    else {
      throw new InvalidConfigError(
        'sectorsFile',
        "a sector file (or the sectors option) with universe 'within-sector'",
        null,
      );
    }
  }
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
  const curveTs: string[] = [];
  const curveReturns: number[] = [];
  let totalTrades = 0;
  let wins = 0;
  let totalTurnover = 0;

  // Phase 1: universes, cache look-ups and (for misses) the pair scans, all windows queued at once.
  let pool: WorkerPool | undefined;
  let tmp: string | undefined;
  let source: PanelSource | undefined;
  const scratch = new PairScanScratch();
  const pending: {
    names: string[];
    series: Float64Array[];
    key?: string;
    cacheHit: boolean;
    selection: Promise<PairSelection>;
  }[] = [];
  try {
    for (const win of windows) {
      const eligible = order.filter((i) => allPositive(panel.closes[i]!, win.trainStart, win.testEnd));
      const names = eligible.map((i) => panel.symbols[i]!);
      const series = eligible.map((i) => panel.closes[i]!);
      const sectorIds = sectors ? names.map((n) => sectorIdOf.get(sectors[n] ?? '') ?? -1) : null;
      let key: string | undefined;
      let cached: PairSelection | undefined;
      if (options.cache) {
        key = pairStatsKey(
          selectionConfig,
          trainingDigest(names, panel.timestampsNs, series, win.trainStart, win.trainEnd),
          sectorIds ? names.map((n) => sectors?.[n] ?? null) : null,
        );
        const hit = await options.cache.getJson<PairSelection>(key);
        if (hit && Array.isArray(hit.selected)) cached = hit;
      }
      let selection: Promise<PairSelection>;
      if (cached) {
        selection = Promise.resolve(cached);
      } else if (workerCount === 1) {
        const scan = scanPairs(
          names,
          series,
          win.trainStart,
          win.trainEnd,
          0,
          names.length,
          selectionConfig,
          sectorIds,
          scratch,
        );
        selection = Promise.resolve(mergePairScans(names.length, [scan], selectionConfig));
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
        ).then((scans) => mergePairScans(names.length, scans, selectionConfig));
      }
      // Avoid unhandled rejections while earlier windows are awaited; errors surface in phase 2.
      selection.catch(() => {});
      pending.push({ names, series, key, cacheHit: cached !== undefined, selection });
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
      const testLen = win.testEnd - win.testStart;
      const portfolio = new Float64Array(testLen);
      const pairs: SelectedPairReport[] = [];
      let windowTrades = 0;
      let windowWins = 0;
      let windowTurnover = 0;
      const z = new Float64Array(testLen);
      const ry = new Float64Array(testLen);
      const rx = new Float64Array(testLen);
      for (const p of selection.selected) {
        const ys = panel.closes[symbolIndex.get(p.y)!]!;
        const xs = panel.closes[symbolIndex.get(p.x)!]!;
        // z uses μ, σ and β of the training window only; test prices enter only as today's spread.
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
          sizing: cfg.sizing,
        });
        let sum = 0;
        let turnover = 0;
        for (let k = 0; k < testLen; k++) {
          sum += sim.returns[k]!;
          turnover += sim.turnover[k]!;
          portfolio[k] = portfolio[k]! + sim.returns[k]! / selection.selected.length;
        }
        windowTurnover += turnover / selection.selected.length;
        windowTrades += sim.trades;
        let pairWins = 0;
        for (const r of sim.tradeReturns) if (r > 0) pairWins++;
        windowWins += pairWins;
        pairs.push({
          ...p,
          trades: sim.trades,
          pnl: sum * cfg.capitalPerPair,
          turnover,
          hitRate: sim.trades > 0 ? pairWins / sim.tradeReturns.length : null,
        });
      }
      totalTrades += windowTrades;
      wins += windowWins;
      totalTurnover += windowTurnover;
      for (let k = 0; k < testLen; k++) {
        curveTs.push(panel.timestampsNs[win.testStart + k]!.toString());
        curveReturns.push(portfolio[k]!);
      }
      const wm = computeMetrics(portfolio, periodsPerYear);
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
        expectedFalsePositives: selection.expectedFalsePositives ?? selection.pairsTested * cfg.maxPValue,
        selected: pairs,
        return: wm.totalReturn,
        trades: windowTrades,
        sharpe: wm.sharpe,
        sortino: wm.sortino,
        maxDrawdown: wm.maxDrawdown,
        turnover: windowTurnover,
        hitRate: windowTrades > 0 ? windowWins / windowTrades : null,
        cacheHit,
      });
      options.onProgress?.({ windowsDone: w + 1, windowsTotal: windows.length, cacheHit });
    }
  } finally {
    await pool?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
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
    parallelism: { workers: workerCount, panelSource: workerCount === 1 ? 'in-process' : source!.kind },
  };
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

function allPositive(v: Float64Array, start: number, end: number): boolean {
  for (let t = start; t < end; t++) if (!(v[t]! > 0) || !Number.isFinite(v[t]!)) return false;
  return true;
}
