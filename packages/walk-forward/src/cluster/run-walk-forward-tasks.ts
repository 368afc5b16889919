/**
 * A walk-forward run as a task plan: plan the windows ({@link planWalkForward}), look each window's
 * selection up in the cache, cut the rest into tasks ({@link planScanTasks}), have a runner compute them
 * (in this process, or on a cluster), merge per window ({@link mergeWindowScans}) and trade
 * ({@link WalkForwardAssembly}). Whatever the runner, the same tasks and the same merge: the same report.
 *
 * @module
 */
import type { WalkForwardConfig } from '../config.js';
import { InvalidInputError } from '../errors.js';
import type { PairStatsCache } from '../pair-stats-cache.js';
import type { PricePanel } from '../price-panel.js';
import { type PairScanResult, PairScanScratch, type PairSelection } from '../select-pairs.js';
import { WalkForwardAssembly } from '../walk-forward-assembly.js';
import { planWalkForward, windowSelectionKey } from '../walk-forward-plan.js';
import type { WalkForwardReport } from '../walk-forward-report.js';
import { runScanTask } from './run-scan-task.js';
import { mergeWindowScans, planScanTasks, type ScanTaskPlan } from './scan-task-plan.js';

/** Computes the tasks of a plan. */
export interface ScanTaskRunner {
  /** Results of every task of `plan`, by task id. */
  run(plan: ScanTaskPlan): Promise<ReadonlyMap<string, PairScanResult>>;
  /** How the tasks ran, for the report's `parallelism` (execution detail, not a result). */
  parallelism(): NonNullable<WalkForwardReport['parallelism']>;
}

/** Options of {@link runWalkForwardTasks}. */
export interface RunWalkForwardTasksOptions {
  /** Cache of per-window pair selections, as `RunWalkForwardOptions.cache`. */
  cache?: PairStatsCache;
  /** Sector of each symbol (within-sector universe), as `RunWalkForwardOptions.sectors`. */
  sectors?: Readonly<Record<string, string>>;
  /** Pairs per task. Default `DEFAULT_PAIRS_PER_TASK`. */
  pairsPerTask?: number;
  /** `panelDigest(panel)` when already known. */
  datasetDigest?: string;
  /** Called with the plan before the runner starts (tests, progress). */
  onPlan?: (plan: ScanTaskPlan) => void;
}

/**
 * Run the walk-forward of `panel` through `runner`. The report equals `runWalkForward(panel, config,
 * { cache, sectors })` except for `parallelism`.
 *
 * @throws the errors of `runWalkForward` for invalid input; whatever `runner.run` throws.
 */
export async function runWalkForwardTasks(
  panel: PricePanel,
  config: Partial<WalkForwardConfig>,
  runner: ScanTaskRunner,
  options: RunWalkForwardTasksOptions = {},
): Promise<WalkForwardReport> {
  const plan = planWalkForward(panel, config, options.sectors);
  const cached = new Map<number, PairSelection>();
  const keys: (string | undefined)[] = [];
  for (let w = 0; w < plan.scans.length; w++) {
    if (!options.cache) break;
    const key = windowSelectionKey(panel, plan, plan.scans[w]!);
    keys[w] = key;
    const hit = await options.cache.getJson<PairSelection>(key);
    if (hit && Array.isArray(hit.selected)) cached.set(w, hit);
  }
  const taskPlan = planScanTasks(panel, plan, {
    skipWindows: new Set(cached.keys()),
    ...(options.pairsPerTask !== undefined ? { pairsPerTask: options.pairsPerTask } : {}),
    ...(options.datasetDigest !== undefined ? { datasetDigest: options.datasetDigest } : {}),
  });
  options.onPlan?.(taskPlan);
  const results = taskPlan.tasks.length > 0 ? await runner.run(taskPlan) : new Map<string, PairScanResult>();
  const byWindow = new Map(taskPlan.windows.map((t) => [t.window, t]));
  const assembly = new WalkForwardAssembly(panel, plan);
  const cache = { hits: 0, misses: 0 };
  for (let w = 0; w < plan.windows.length; w++) {
    let selection = cached.get(w);
    const cacheHit = selection !== undefined;
    if (!selection) {
      const tasks = byWindow.get(w)!;
      const scans = tasks.taskIds.map((id) => {
        const r = results.get(id);
        if (!r) throw new InvalidInputError(`result of task ${id}`, 'a result from the runner', 'none');
        return r;
      });
      selection = mergeWindowScans(tasks, scans, plan.selectionConfig);
    }
    if (options.cache && keys[w]) {
      if (cacheHit) cache.hits++;
      else {
        cache.misses++;
        await options.cache.putJson(keys[w]!, selection);
      }
    }
    assembly.addWindow(selection, cacheHit);
  }
  return assembly.finish(cache, runner.parallelism());
}

/**
 * A {@link ScanTaskRunner} that computes every task in the calling thread with {@link runScanTask}: the
 * reference the cluster runner is tested against.
 */
export function inProcessTaskRunner(panel: PricePanel): ScanTaskRunner {
  return {
    async run(plan) {
      const scratch = new PairScanScratch();
      const out = new Map<string, PairScanResult>();
      for (const task of plan.tasks) out.set(task.id, runScanTask(task, panel.closes, scratch));
      return out;
    },
    parallelism: () => ({ workers: 1, panelSource: 'in-process' }),
  };
}
