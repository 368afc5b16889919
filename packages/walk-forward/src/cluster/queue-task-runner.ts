/**
 * The producer side of a cluster walk-forward: enqueue a task plan on BullMQ, follow it to the end and
 * collect the results (stored by BullMQ in Redis as each job's return value, under the task id).
 *
 * @module
 */

import type { ErrorKind } from '@mmtape/errors';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BuildPanelOptions } from '../build-panel.js';
import { QueueUnavailableError, TaskFailedError } from '../errors.js';
import type { PairScanResult } from '../select-pairs.js';
import {
  connectQueue,
  DEFAULT_REDIS_TIMEOUT_MS,
  redactQueueUrl,
  watchQueueConnection,
} from './queue-connection.js';
import type { ScanTaskRunner } from './run-walk-forward-tasks.js';
import { DEFAULT_QUEUE_NAME, parseTaskFailure, SCAN_JOB_NAME, type ScanJobData } from './scan-job.js';
import type { ScanTask, ScanTaskPlan } from './scan-task-plan.js';

/** Progress of a queue run. */
export interface QueueProgress {
  /** Tasks with a result (reused ones included). */
  tasksDone: number;
  tasksTotal: number;
  /** Tasks already completed in Redis when this producer started (not recomputed). */
  tasksReused: number;
  /** Attempts repeated: a worker died (stalled job) or a task failed with a retryable (I/O) error. */
  retries: number;
  /** Distinct worker processes seen on the queue during the run. */
  workersSeen: number;
}

/** Options of {@link queueTaskRunner}. */
export interface QueueTaskRunnerOptions {
  /** `redis://[:password@]host:port[/db]`, `rediss://…` (TLS) or `unix:///path.sock`. */
  url: string;
  /** BullMQ queue name. Default {@link DEFAULT_QUEUE_NAME}. */
  queueName?: string;
  /** Where workers find the dataset: a folder path they can read, or a pack URL. */
  dataset: string;
  /** `buildPanel` options the panel was built with (workers rebuild it the same way). */
  panelOptions?: BuildPanelOptions;
  /**
   * Attempts per task for retryable failures (I/O errors; a deterministic failure is never retried).
   * Default 3, with exponential back-off from 1 s.
   */
  attempts?: number;
  /** How long Redis may be unreachable (at start or during the run) before the run fails, ms. Default 10 s. */
  redisTimeoutMs?: number;
  /**
   * How long finished jobs (and so their results) stay in Redis, seconds. Default 7 days: a re-run of the
   * producer within that time reuses them.
   */
  keepResultsSeconds?: number;
  /** How often the producer checks the state of the remaining tasks and the workers, ms. Default 1000. */
  pollIntervalMs?: number;
  onProgress?: (progress: QueueProgress) => void;
}

/** Seven days, in seconds. */
const SEVEN_DAYS_S = 7 * 24 * 3600;
/** Tasks per `addBulk` / state check batch: keeps single Redis replies small. */
const BATCH = 500;

/**
 * A {@link ScanTaskRunner} on BullMQ: each task is one job whose id is the task id, so re-adding a plan
 * (producer re-run after a crash, or a second run of the same walk-forward) adds nothing that exists;
 * completed jobs are read back, failed ones retried once more, the rest awaited. The result of a task is
 * its job's return value, written once by BullMQ when the job completes; an at-least-once re-run (after a
 * stall) computes identical bytes.
 *
 * @throws (from `run`) QueueUnavailableError when Redis cannot be reached or is lost for longer than
 *   `redisTimeoutMs`; TaskFailedError when a task fails for good.
 */
export function queueTaskRunner(options: QueueTaskRunnerOptions): ScanTaskRunner & {
  progress(): QueueProgress;
} {
  const progress: QueueProgress = { tasksDone: 0, tasksTotal: 0, tasksReused: 0, retries: 0, workersSeen: 0 };
  const workers = new Set<string>();
  return {
    progress: () => ({ ...progress, workersSeen: workers.size }),
    parallelism: () => ({ workers: Math.max(1, workers.size), panelSource: 'queue' }),
    async run(plan) {
      return runOnQueue(plan, options, progress, workers);
    },
  };
}

async function runOnQueue(
  plan: ScanTaskPlan,
  options: QueueTaskRunnerOptions,
  progress: QueueProgress,
  workers: Set<string>,
): Promise<Map<string, PairScanResult>> {
  const timeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const client = await connectQueue(options.url, timeoutMs);
  const eventsClient = client.duplicate();
  const clients: Redis[] = [client, eventsClient];
  const queue = new Queue<ScanJobData, PairScanResult>(name, { connection: client });
  const events = new QueueEvents(name, { connection: eventsClient });
  const byId = new Map<string, ScanTask>(plan.tasks.map((t) => [t.id, t]));
  const results = new Map<string, PairScanResult>();
  const pending = new Set(byId.keys());
  progress.tasksTotal = plan.tasks.length;
  let fail: (e: unknown) => void = () => {};
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    fail = reject;
    finish = resolve;
  });
  done.catch(() => {});
  const stopWatch = watchQueueConnection(clients, options.url, timeoutMs, (e) => fail(e));
  const report = () => options.onProgress?.({ ...progress, workersSeen: workers.size });
  // A result arrives (event or poll): read the job's return value once.
  const collect = async (id: string): Promise<void> => {
    if (!pending.has(id)) return;
    const job = await Job.fromId<ScanJobData, PairScanResult>(queue, id);
    if (!job || !pending.has(id)) return;
    if (job.returnvalue == null) return;
    pending.delete(id);
    results.set(id, job.returnvalue);
    progress.tasksDone++;
    report();
    if (pending.size === 0) finish();
  };
  const failed = (id: string, reason: string) => {
    const task = byId.get(id);
    if (!task || !pending.has(id)) return;
    const parsed = parseTaskFailure(reason);
    fail(
      new TaskFailedError(
        id,
        task.window,
        task.shard,
        parsed.message,
        parsed.code,
        // No kind: BullMQ itself failed the job (stalled more than maxStalledCount: workers keep dying on
        // it), an environment problem like an I/O error.
        (parsed.kind as ErrorKind | undefined) ?? 'io',
      ),
    );
  };
  const guard = (p: Promise<unknown>) => p.catch((e) => fail(wrap(e, options.url, timeoutMs)));
  events.on('completed', ({ jobId }) => void guard(collect(jobId)));
  events.on('failed', ({ jobId, failedReason }) => failed(jobId, failedReason));
  events.on('stalled', ({ jobId }) => {
    if (pending.has(jobId)) {
      progress.retries++;
      report();
    }
  });
  events.on('delayed', ({ jobId }) => {
    if (pending.has(jobId)) {
      progress.retries++;
      report();
    }
  });
  events.on('waiting', ({ jobId, prev }) => {
    if (prev === 'failed' && pending.has(jobId)) {
      progress.retries++;
      report();
    }
  });
  events.on('error', () => {}); // connection errors: the watchdog decides
  queue.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  // Every step races `done`, which the watchdog rejects when Redis is gone: a command waiting on a dead
  // connection (ioredis queues it until reconnected) never hangs the run.
  const step = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([p, done.then(() => p)]).catch((e: unknown) => {
      throw wrap(e, options.url, timeoutMs);
    });
  try {
    await step(events.waitUntilReady());
    // 1. What is already there: completed (reuse), failed (retry once more), in progress (wait), absent (add).
    const absent: ScanTask[] = [];
    for (let k = 0; k < plan.tasks.length; k += BATCH) {
      const batch = plan.tasks.slice(k, k + BATCH);
      const states = await step(Promise.all(batch.map((t) => queue.getJobState(t.id))));
      await step(
        Promise.all(
          batch.map(async (t, i) => {
            const state = states[i];
            if (state === 'unknown') absent.push(t);
            else if (state === 'completed') {
              await collect(t.id);
              if (!pending.has(t.id)) progress.tasksReused++;
            } else if (state === 'failed') {
              const job = await Job.fromId(queue, t.id);
              await job?.retry('failed');
            }
          }),
        ),
      );
    }
    // 2. Add the missing tasks in plan order (FIFO: early windows first). Existing ids are left alone.
    const keepS = options.keepResultsSeconds ?? SEVEN_DAYS_S;
    for (let k = 0; k < absent.length; k += BATCH) {
      await step(
        queue.addBulk(
          absent.slice(k, k + BATCH).map((task) => ({
            name: SCAN_JOB_NAME,
            data: { task, dataset: options.dataset, panelOptions: options.panelOptions ?? {} },
            opts: {
              jobId: task.id,
              attempts: options.attempts ?? 3,
              backoff: { type: 'exponential', delay: 1000 },
              removeOnComplete: { age: keepS },
              removeOnFail: { age: keepS },
            },
          })),
        ),
      );
    }
    report();
    if (pending.size === 0) finish();
    // 3. Poll as a safety net for missed events (events are not replayed after a reconnect) and to see workers.
    const poll = async () => {
      try {
        // rawname is `<prefix>:<queue>:w:<worker name>` (the worker's `<host>:<pid>`); name is the queue's.
        for (const w of await queue.getWorkers()) workers.add(String(w.rawname ?? w.addr ?? w.id));
      } catch {
        // CLIENT LIST may be disabled on managed Redis: workers seen stays unknown (0).
      }
      const ids = [...pending];
      for (let k = 0; k < ids.length; k += BATCH) {
        const batch = ids.slice(k, k + BATCH);
        const states = await Promise.all(batch.map((id) => queue.getJobState(id)));
        await Promise.all(
          batch.map(async (id, i) => {
            if (states[i] === 'completed') await collect(id);
            else if (states[i] === 'failed') {
              const job = await Job.fromId(queue, id);
              if (job?.failedReason) failed(id, job.failedReason);
            }
          }),
        );
      }
      report();
    };
    const tick = () => {
      timer = setTimeout(() => {
        void guard(poll()).finally(() => {
          if (pending.size > 0) tick();
        });
      }, options.pollIntervalMs ?? 1000);
    };
    if (pending.size > 0) {
      await step(poll());
      tick();
    }
    await step(done);
    return results;
  } finally {
    clearTimeout(timer);
    stopWatch();
    // With Redis gone, close() may wait on a dead connection: give it 2 s, then drop the connections.
    await Promise.race([
      Promise.allSettled([events.close(), queue.close()]),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    for (const c of clients) c.disconnect();
  }
}

/** Connection-level failures become {@link QueueUnavailableError}; anything else is passed on. */
function wrap(error: unknown, url: string, waitedMs: number): unknown {
  if (error instanceof QueueUnavailableError || error instanceof TaskFailedError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|connection close|Connection is closed|max retries|NOAUTH|WRONGPASS/i.test(
      message,
    )
  ) {
    return new QueueUnavailableError(redactQueueUrl(url), message, waitedMs, { cause: error });
  }
  return error;
}
