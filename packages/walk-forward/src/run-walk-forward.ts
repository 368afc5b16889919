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
import type { WalkForwardConfig } from './config.js';
import { InvalidInputError } from './errors.js';
import type { PairScanTask, PanelSource } from './pair-scan-task.js';
import type { PairStatsCache } from './pair-stats-cache.js';
import { panelDigest } from './panel-digest.js';
import type { PricePanel } from './price-panel.js';
import {
  mergePairScans,
  type PairScanResult,
  PairScanScratch,
  type PairSelection,
  scanPairs,
} from './select-pairs.js';
import { splitTriangle } from './split-triangle.js';
import { WalkForwardAssembly } from './walk-forward-assembly.js';
import { planWalkForward, windowSelectionKey, windowTrainingSeries } from './walk-forward-plan.js';
import type { WalkForwardReport } from './walk-forward-report.js';
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
  const plan = planWalkForward(panel, config, options.sectors);
  const { windows, selectionConfig } = plan;
  const workerCount = options.workers === 'auto' ? defaultWorkerCount() : (options.workers ?? 1);
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new InvalidInputError('runWalkForward workers', "an integer >= 1 or 'auto'", options.workers);
  }
  const cache = { hits: 0, misses: 0 };
  const assembly = new WalkForwardAssembly(panel, plan);
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
    for (const scan of plan.scans) {
      const win = scan.window;
      const { eligible, names, sectorIds } = scan;
      const len = win.trainEnd - win.trainStart;
      const series = windowTrainingSeries(panel, scan);
      let key: string | undefined;
      let cached: PairSelection | undefined;
      if (options.cache) {
        key = windowSelectionKey(panel, plan, scan, series);
        const hit = await options.cache.getJson<PairSelection>(key);
        if (hit && Array.isArray(hit.selected)) cached = hit;
      }
      let selection: Promise<PairSelection>;
      if (cached) {
        selection = Promise.resolve(scanDone(cached, true));
      } else if (workerCount === 1) {
        const result = scanPairs(names, series, 0, len, 0, names.length, selectionConfig, sectorIds, scratch);
        selection = Promise.resolve(scanDone(mergePairScans(names.length, [result], selectionConfig), false));
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
      assembly.addWindow(selection, cacheHit);
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
  return assembly.finish(cache, {
    workers: workerCount,
    panelSource: workerCount === 1 ? 'in-process' : source!.kind,
  });
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
