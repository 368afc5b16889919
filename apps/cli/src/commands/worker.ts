/**
 * `mmtape worker --queue redis://…`: serve the pair-scan tasks of cluster walk-forwards until stopped
 * (SIGINT/SIGTERM: running tasks finish first) or until Redis is lost for longer than `--redis-timeout-ms`
 * (exit code 4, so a supervisor such as systemd restarts it).
 *
 * @module
 */
import { startWalkForwardWorker } from '@mmtape/walk-forward/cluster';
import type { CommandContext } from '../context.js';

/** Options of `mmtape worker`. */
export interface WorkerCommandOptions {
  queue: string;
  queueName?: string;
  /** Tasks at once, one worker thread each (default: the cores). */
  concurrency?: number;
  /** Dataset folder or pack URL for every task, replacing the producer's. */
  dataset?: string;
  /** Cache of hydrated packs (default ~/.cache/mmtape/datasets). */
  datasetCacheDir?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  redisTimeoutMs?: number;
}

/** What `mmtape worker` returns when it stops. */
export interface WorkerCommandResult {
  /** `<host>:<pid>`. */
  worker: string;
  /** Tasks this worker completed. */
  tasksRun: number;
}

/** Runs a worker until SIGINT/SIGTERM (resolves) or a lost Redis (rejects with QueueUnavailableError). */
export async function runWorkerCommand(
  options: WorkerCommandOptions,
  ctx: CommandContext,
): Promise<WorkerCommandResult> {
  const quiet = Boolean(ctx.options.json || ctx.options.quiet);
  const worker = await startWalkForwardWorker({
    url: options.queue,
    ...(options.queueName ? { queueName: options.queueName } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.dataset ? { dataset: options.dataset } : {}),
    ...(options.datasetCacheDir ? { datasetCacheDir: options.datasetCacheDir } : {}),
    ...(options.lockDurationMs !== undefined ? { lockDurationMs: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs !== undefined ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
    ...(options.redisTimeoutMs !== undefined ? { redisTimeoutMs: options.redisTimeoutMs } : {}),
    onTask: (e) => {
      if (quiet) return;
      const what = `task ${e.taskId.slice(0, 12)} window ${e.window} shard ${e.shard}`;
      process.stderr.write(
        e.error ? `${what} failed: ${e.error.message} [${e.error.code}]\n` : `${what} done\n`,
      );
    },
  });
  if (!quiet) process.stderr.write(`worker ${worker.name} ready\n`);
  const stop = () => void worker.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.closed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (!quiet) process.stderr.write(`worker ${worker.name} stopped after ${worker.tasksRun()} tasks\n`);
  return { worker: worker.name, tasksRun: worker.tasksRun() };
}
