/**
 * The worker side of a cluster walk-forward: a BullMQ worker whose jobs run in worker threads (piscina),
 * so the event loop stays free for BullMQ's lock renewals (a blocked loop makes jobs look stalled).
 *
 * @module
 */
import { availableParallelism, hostname } from 'node:os';
import { type ErrorJson, errorJsonOf } from '@mmtape/errors';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CodeVersionMismatchError } from '../errors.js';
import type { ClusterScanThreadResult } from '../pair-scan-task.js';
import type { PairScanResult } from '../select-pairs.js';
import { WorkerPool } from '../worker-pool.js';
import { connectQueue, DEFAULT_REDIS_TIMEOUT_MS, watchQueueConnection } from './queue-connection.js';
import { resolveDatasetLocation } from './resolve-dataset.js';
import { DEFAULT_QUEUE_NAME, formatTaskFailure, type ScanJobData } from './scan-job.js';
import { SCAN_TASK_CODE_VERSION } from './scan-task-plan.js';

/**
 * BullMQ lock duration of a job, ms: 30 s (BullMQ's default). The worker renews the lock every half of it;
 * a worker that dies stops renewing, and its job is retried once the lock has expired and the next stalled
 * check (every {@link DEFAULT_STALLED_INTERVAL_MS}) ran.
 */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
/** How often workers look for jobs whose lock expired (stalled), ms: 30 s (BullMQ's default). */
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
/**
 * Stalls a job may have before it fails for good: 2 (BullMQ's default is 1). A task that kills every
 * worker it lands on (out of memory) then fails the run after three workers died, instead of forever.
 */
export const DEFAULT_MAX_STALLED_COUNT = 2;

/** Options of {@link startWalkForwardWorker}. */
export interface WalkForwardWorkerOptions {
  /** Queue URL, as for the producer (`redis://`, `rediss://`, `unix://`). */
  url: string;
  /** Default {@link DEFAULT_QUEUE_NAME}. */
  queueName?: string;
  /** Tasks run at once, each in its own worker thread. Default `os.availableParallelism()`. */
  concurrency?: number;
  /**
   * Dataset for every task (folder path or pack URL), replacing the one the producer named, e.g. where
   * the shared file system is mounted elsewhere on this machine. Each task still checks the digest.
   */
  dataset?: string;
  /** Cache of hydrated packs on this machine. Default `defaultDatasetCacheDir()`. */
  datasetCacheDir?: string;
  /** Default {@link DEFAULT_LOCK_DURATION_MS}. */
  lockDurationMs?: number;
  /** Default {@link DEFAULT_STALLED_INTERVAL_MS}. */
  stalledIntervalMs?: number;
  /** Default {@link DEFAULT_MAX_STALLED_COUNT}. */
  maxStalledCount?: number;
  /** How long Redis may be unreachable before the worker stops with `QueueUnavailableError`, ms. Default 10 s. */
  redisTimeoutMs?: number;
  /** Called after each task this worker ran (`error` set when it failed). */
  onTask?: (event: { taskId: string; window: number; shard: number; error?: ErrorJson }) => void;
}

/** A running worker. */
export interface WalkForwardWorkerHandle {
  /** `<host>:<pid>`: the name producers count as a worker seen. */
  readonly name: string;
  /** Tasks this worker completed. */
  tasksRun(): number;
  /** Settles when the worker stopped: resolves after {@link close}, rejects when Redis was lost. */
  readonly closed: Promise<void>;
  /** Stop taking jobs, let running ones finish, disconnect. */
  close(): Promise<void>;
}

/**
 * Connect to the queue and start taking scan tasks. A task runs in a worker thread: open the dataset
 * (hydrating a pack URL once per machine), rebuild the panel, check its digest, scan the shard. Failures
 * are classified by kind: `io` (a read failed, the pack server is down) is retried up to the producer's
 * attempts; anything else (bad data, another dataset, another code version) fails the task at once
 * (`UnrecoverableError`), and with it the run.
 *
 * @throws QueueUnavailableError when Redis does not answer within `redisTimeoutMs`.
 */
export async function startWalkForwardWorker(
  options: WalkForwardWorkerOptions,
): Promise<WalkForwardWorkerHandle> {
  const timeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const concurrency = options.concurrency ?? Math.max(1, availableParallelism());
  const client = await connectQueue(options.url, timeoutMs);
  const name = `${hostname()}:${process.pid}`;
  const pool = new WorkerPool(concurrency);
  let tasksRun = 0;
  const processor = async (job: { data: ScanJobData }): Promise<PairScanResult> => {
    const { task, panelOptions } = job.data;
    const location = options.dataset ?? job.data.dataset;
    let outcome: ClusterScanThreadResult;
    try {
      if (task.codeVersion !== SCAN_TASK_CODE_VERSION) {
        throw new CodeVersionMismatchError(task.codeVersion, SCAN_TASK_CODE_VERSION);
      }
      const datasetDir = await resolveDatasetLocation(location, options.datasetCacheDir);
      outcome = await pool.run<ClusterScanThreadResult>({
        kind: 'cluster-scan',
        task,
        datasetDir,
        datasetLabel: location,
        panelOptions,
      });
    } catch (error) {
      outcome = { ok: false, error: errorJsonOf(error) };
    }
    if (!outcome.ok) {
      const e = outcome.error;
      options.onTask?.({ taskId: task.id, window: task.window, shard: task.shard, error: e });
      const reason = formatTaskFailure(e.message, e.code, e.kind);
      throw e.kind === 'io' ? new Error(reason) : new UnrecoverableError(reason);
    }
    tasksRun++;
    options.onTask?.({ taskId: task.id, window: task.window, shard: task.shard });
    return outcome.result;
  };
  const worker = new Worker<ScanJobData, PairScanResult>(options.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    connection: client,
    name,
    concurrency,
    lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
    autorun: false,
  });
  worker.on('error', () => {}); // connection errors: the watchdog decides
  let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const closed = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  closed.catch(() => {});
  let closing: Promise<void> | undefined;
  const shutdown = async (force: boolean) => {
    stopWatch();
    // With Redis gone, BullMQ's close may wait on a dead connection: give it 2 s, then drop it.
    const closing = worker.close(force).catch(() => {});
    await (force ? Promise.race([closing, new Promise((r) => setTimeout(r, 2000).unref())]) : closing);
    await pool.destroy();
    client.disconnect();
  };
  const clients: Redis[] = [client];
  const stopWatch = watchQueueConnection(clients, options.url, timeoutMs, (e) => {
    closing ??= shutdown(true);
    void closing.then(() => settle?.reject(e));
  });
  worker.run().catch((e) => {
    closing ??= shutdown(true);
    void closing.then(() => settle?.reject(e));
  });
  await worker.waitUntilReady();
  return {
    name,
    tasksRun: () => tasksRun,
    closed,
    close: async () => {
      closing ??= shutdown(false);
      await closing;
      settle?.resolve();
    },
  };
}
