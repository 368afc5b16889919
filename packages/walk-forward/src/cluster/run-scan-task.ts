/**
 * Runs one pair-scan task of a cluster plan. Its own module, apart from the planner (`scan-task-plan.ts`,
 * which keys tasks with `@mmtape/cache-manager`): a worker thread imports only this, the pair statistics and
 * the column-file core.
 *
 * @module
 */

import { type PairScanResult, PairScanScratch, scanPairs, trimPairScan } from '../select-pairs.js';
import { filledTrainingPrices } from '../training-window.js';
import type { ScanTask } from './scan-task-plan.js';

/**
 * Run one task on the panel's closes (`closes[k]` the series of panel symbol k): the training prices of
 * the eligible symbols, gaps filled forward, scanned on rows [iStart, iEnd) of the pair triangle, trimmed
 * to what the merge can use (`trimPairScan`).
 */
export function runScanTask(
  task: ScanTask,
  closes: readonly Float64Array[],
  scratch: PairScanScratch = new PairScanScratch(),
): PairScanResult {
  const series = task.eligible.map((i) => filledTrainingPrices(closes[i]!, task.trainStart, task.trainEnd));
  const scan = scanPairs(
    task.names,
    series,
    0,
    task.trainEnd - task.trainStart,
    task.iStart,
    task.iEnd,
    task.config,
    task.sectorIds,
    scratch,
  );
  // Only the best topK candidates can be selected: send back those (a few KB), not every passing pair.
  return trimPairScan(scan, task.config);
}
