/**
 * `@mmtape/walk-forward/cluster`: the walk-forward as a plan of tasks, run in this process or on many
 * machines through BullMQ on Redis, with the same report as one machine.
 *
 * @module
 */

export {
  connectQueue,
  DEFAULT_REDIS_TIMEOUT_MS,
  queueRedisOptions,
  redactQueueUrl,
} from './queue-connection.js';
export type { QueueProgress, QueueTaskRunnerOptions } from './queue-task-runner.js';
export { queueTaskRunner } from './queue-task-runner.js';
export { defaultDatasetCacheDir, isPackUrl, resolveDatasetLocation } from './resolve-dataset.js';
export { runScanTask } from './run-scan-task.js';
export type { RunWalkForwardTasksOptions, ScanTaskRunner } from './run-walk-forward-tasks.js';
export { inProcessTaskRunner, runWalkForwardTasks } from './run-walk-forward-tasks.js';
export type { ScanJobData } from './scan-job.js';
export { DEFAULT_QUEUE_NAME } from './scan-job.js';
export type { PlanScanTasksOptions, ScanTask, ScanTaskPlan, WindowTasks } from './scan-task-plan.js';
export {
  DEFAULT_PAIRS_PER_TASK,
  mergeWindowScans,
  planScanTasks,
  SCAN_TASK_CODE_VERSION,
  SCAN_TASK_FUNCTION_ID,
  scanTaskId,
} from './scan-task-plan.js';
export type { WalkForwardWorkerHandle, WalkForwardWorkerOptions } from './walk-forward-worker.js';
export {
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
  startWalkForwardWorker,
} from './walk-forward-worker.js';
