/**
 * `@mmtape/walk-forward/cluster`: the walk-forward as a plan of tasks, run in this process or on many
 * machines through BullMQ on Redis, with the same report as one machine.
 *
 * @module
 */
export type { RunWalkForwardTasksOptions, ScanTaskRunner } from './run-walk-forward-tasks.js';
export { inProcessTaskRunner, runWalkForwardTasks } from './run-walk-forward-tasks.js';
export type { PlanScanTasksOptions, ScanTask, ScanTaskPlan, WindowTasks } from './scan-task-plan.js';
export {
  DEFAULT_PAIRS_PER_TASK,
  mergeWindowScans,
  planScanTasks,
  runScanTask,
  SCAN_TASK_CODE_VERSION,
  SCAN_TASK_FUNCTION_ID,
  scanTaskId,
} from './scan-task-plan.js';
