/**
 * The task plan of a distributed walk-forward: every window's pair triangle cut into shards of about
 * `pairsPerTask` pairs, each shard one serialisable task with a content-addressed id. The plan depends only
 * on the panel, the config and `pairsPerTask`, never on the number of workers; the local and the cluster
 * run execute the same task function ({@link runScanTask}) and merge with the same function
 * ({@link mergeWindowScans}), so they give the same report.
 *
 * @module
 */
import { CacheManager } from '@mmtape/cache-manager';
import packageJson from '../../package.json' with { type: 'json' };
import { InvalidInputError } from '../errors.js';
import { PAIR_STATS_VERSION, selectionKeyConfig } from '../pair-stats-cache.js';
import { panelDigest } from '../panel-digest.js';
import type { PricePanel } from '../price-panel.js';
import {
  mergePairScans,
  type PairScanResult,
  type PairSelection,
  type PairSelectionConfig,
} from '../select-pairs.js';
import { splitTriangle } from '../split-triangle.js';
import type { WalkForwardPlan } from '../walk-forward-plan.js';

/** Function id hashed into every task id. */
export const SCAN_TASK_FUNCTION_ID = 'walk-forward/cluster-scan';

/**
 * Code version hashed into every task id and checked by every worker: the package version and the
 * selection algorithm version ({@link PAIR_STATS_VERSION}). A worker running other code refuses the task
 * (never a silent mix of results computed by two versions).
 */
export const SCAN_TASK_CODE_VERSION = `${packageJson.version}+pair-stats.${PAIR_STATS_VERSION}`;

/**
 * Default pairs per task: 50,000. Measured on 252 daily bars (bench/results/walk-forward.md): a pair costs
 * ~2 µs with the default fixed-lag Engle–Granger test (both orderings) and ~30 µs with autolag, so a task
 * runs ~0.1–1.5 s: long enough that the queue's per-task overhead (ms, bench/results/distributed.md) stays
 * small, short enough that a killed worker loses little work, and 3,000 symbols (4.5 M pairs per window)
 * give ~90 tasks per window.
 */
export const DEFAULT_PAIRS_PER_TASK = 50_000;

/** One shard of one window's pair scan: everything a worker needs besides the prices. JSON-serialisable. */
export interface ScanTask {
  /** Content-addressed id: see {@link scanTaskId}. */
  id: string;
  /** Window number (0-based) and shard number within the window. */
  window: number;
  shard: number;
  /** {@link SCAN_TASK_CODE_VERSION} of the producer. */
  codeVersion: string;
  /** `panelDigest` of the panel the task was planned on: the worker's panel must have the same. */
  datasetDigest: string;
  trainStart: number;
  trainEnd: number;
  /** Panel indices of the window's eligible symbols (sorted by name). */
  eligible: number[];
  names: string[];
  sectorIds: number[] | null;
  /** Rows [iStart, iEnd) of the window's pair triangle (pairs (i, j), i < j). */
  iStart: number;
  iEnd: number;
  config: PairSelectionConfig;
}

/** The tasks of one window. */
export interface WindowTasks {
  window: number;
  symbolsEligible: number;
  /** Ids of the window's tasks, in shard order (the merge order). */
  taskIds: string[];
}

/** All tasks of a walk-forward, in plan order (window, then shard). */
export interface ScanTaskPlan {
  datasetDigest: string;
  codeVersion: string;
  pairsPerTask: number;
  windows: WindowTasks[];
  tasks: ScanTask[];
}

/** Options of {@link planScanTasks}. */
export interface PlanScanTasksOptions {
  /** Pairs per task (≥ 1). Default {@link DEFAULT_PAIRS_PER_TASK}. */
  pairsPerTask?: number;
  /** Windows to leave out (e.g. found in the selection cache). */
  skipWindows?: ReadonlySet<number>;
  /** `panelDigest(panel)` when already known. */
  datasetDigest?: string;
}

/**
 * Cut every window of `plan` into {@link ScanTask}s of about `pairsPerTask` pairs (rows of the pair
 * triangle, `splitTriangle`). Depends only on the panel, the plan and `pairsPerTask`.
 *
 * @throws InvalidInputError when `pairsPerTask` is not an integer ≥ 1.
 */
export function planScanTasks(
  panel: PricePanel,
  plan: WalkForwardPlan,
  options: PlanScanTasksOptions = {},
): ScanTaskPlan {
  const pairsPerTask = options.pairsPerTask ?? DEFAULT_PAIRS_PER_TASK;
  if (!Number.isInteger(pairsPerTask) || pairsPerTask < 1) {
    throw new InvalidInputError('planScanTasks pairsPerTask', 'an integer >= 1', pairsPerTask);
  }
  const datasetDigest = options.datasetDigest ?? panelDigest(panel);
  const windows: WindowTasks[] = [];
  const tasks: ScanTask[] = [];
  plan.scans.forEach((scan, w) => {
    if (options.skipWindows?.has(w)) return;
    const s = scan.names.length;
    const pairs = (s * (s - 1)) / 2;
    const shards = splitTriangle(s, Math.max(1, Math.ceil(pairs / pairsPerTask)));
    const taskIds: string[] = [];
    shards.forEach(([iStart, iEnd], shard) => {
      const base = {
        window: w,
        shard,
        codeVersion: SCAN_TASK_CODE_VERSION,
        datasetDigest,
        trainStart: scan.window.trainStart,
        trainEnd: scan.window.trainEnd,
        eligible: scan.eligible,
        names: scan.names,
        sectorIds: scan.sectorIds,
        iStart,
        iEnd,
        config: plan.selectionConfig,
      };
      const task: ScanTask = { id: scanTaskId(base), ...base };
      tasks.push(task);
      taskIds.push(task.id);
    });
    windows.push({ window: w, symbolsEligible: s, taskIds });
  });
  return { datasetDigest, codeVersion: SCAN_TASK_CODE_VERSION, pairsPerTask, windows, tasks };
}

/**
 * Id of a task: `CacheManager.key` (lowercase hex SHA-256 of canonical JSON, `@mmtape/cache-manager`) of
 * the function id, the code version, the dataset digest, the selection config (defaults filled in), the
 * training rows, the eligible symbols and their sectors, and the shard bounds. Window and shard numbers
 * are left out: equal work has one id whatever its position.
 */
export function scanTaskId(task: Omit<ScanTask, 'id'>): string {
  return CacheManager.key({
    fn: SCAN_TASK_FUNCTION_ID,
    codeVersion: task.codeVersion,
    datasetDigest: task.datasetDigest,
    config: selectionKeyConfig(task.config),
    trainStart: task.trainStart,
    trainEnd: task.trainEnd,
    eligible: task.eligible,
    sectorIds: task.sectorIds,
    iStart: task.iStart,
    iEnd: task.iEnd,
  });
}

/** A window's selection from its tasks' results (in the window's shard order): `mergePairScans`. */
export function mergeWindowScans(
  window: WindowTasks,
  results: readonly PairScanResult[],
  config: PairSelectionConfig,
): PairSelection {
  return mergePairScans(window.symbolsEligible, results, config);
}
