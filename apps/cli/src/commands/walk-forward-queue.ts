/**
 * `mmtape walk-forward <dataset> --queue redis://…`: the walk-forward's pair scans run as tasks on a
 * BullMQ queue served by `mmtape worker` processes; this process plans, waits, merges, trades and writes
 * the same report as a local run. Loaded only when `--queue` is given (BullMQ stays out of other commands).
 *
 * @module
 */
import type { PairStatsCache, PricePanel, WalkForwardConfig, WalkForwardReport } from '@mmtape/walk-forward';
import { type QueueProgress, queueTaskRunner, runWalkForwardTasks } from '@mmtape/walk-forward/cluster';
import type { CommandContext } from '../context.js';

/** Queue options of `mmtape walk-forward`. */
export interface WalkForwardQueueOptions {
  /** `redis://[:password@]host:port[/db]`, `rediss://…` (TLS) or `unix:///path.sock`. */
  queue: string;
  /** BullMQ queue name (default `mmtape-walk-forward`). */
  queueName?: string;
  /** What workers open: a folder path they can read, or a pack URL (default: this dataset's folder). */
  datasetUrl?: string;
  /** Pairs per task (default 50,000). */
  pairsPerTask?: number;
  /** Attempts per task for I/O failures (default 3). */
  attempts?: number;
  /** How long Redis may be unreachable before the run fails, ms (default 10,000). */
  redisTimeoutMs?: number;
}

/** Run the pair scans of the walk-forward of `panel` on the queue; returns the report. */
export async function runWalkForwardOnQueue(
  panel: PricePanel,
  config: Partial<WalkForwardConfig>,
  cache: PairStatsCache | undefined,
  dataset: string,
  panelOptions: Record<string, unknown>,
  options: WalkForwardQueueOptions,
  ctx: CommandContext,
): Promise<WalkForwardReport> {
  const quiet = Boolean(ctx.options.json || ctx.options.quiet);
  let lastLine = '';
  let lastAt = 0;
  const print = (p: QueueProgress, force = false) => {
    if (quiet) return;
    const line = `walk-forward on queue: tasks ${p.tasksDone}/${p.tasksTotal} (reused ${p.tasksReused}), retries ${p.retries}, workers seen ${p.workersSeen}`;
    const now = Date.now();
    if (line === lastLine || (!force && now - lastAt < 1000 && p.tasksDone < p.tasksTotal)) return;
    lastLine = line;
    lastAt = now;
    process.stderr.write(`${line}\n`);
  };
  const runner = queueTaskRunner({
    url: options.queue,
    ...(options.queueName ? { queueName: options.queueName } : {}),
    dataset: options.datasetUrl ?? dataset,
    panelOptions,
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    ...(options.redisTimeoutMs !== undefined ? { redisTimeoutMs: options.redisTimeoutMs } : {}),
    onProgress: (p) => print(p),
  });
  const report = await runWalkForwardTasks(panel, config, runner, {
    ...(cache ? { cache } : {}),
    ...(options.pairsPerTask !== undefined ? { pairsPerTask: options.pairsPerTask } : {}),
  });
  print(runner.progress(), true);
  return report;
}
