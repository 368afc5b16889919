/**
 * The walk-forward worker pool (piscina over `node:worker_threads`).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { InvalidInputError } from './errors.js';
import type { EnvProbeResult, WorkerResult, WorkerTask } from './pair-scan-task.js';
import { workerEnv } from './thread-limits.js';

/**
 * Path of the built worker entry: `worker.js` next to the bundle (`dist/`), or `../dist/worker.js` when
 * this module runs from `src/` (tests). Workers always run built JavaScript.
 *
 * @throws InvalidInputError when neither exists (run `pnpm build`).
 */
export function resolveWorkerFile(): string {
  for (const rel of ['./worker.js', '../worker.js', '../dist/worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new InvalidInputError(
    'walk-forward worker entry',
    'dist/worker.js to exist (build @mmtape/walk-forward first: pnpm build)',
    fileURLToPath(new URL('./worker.js', import.meta.url)),
  );
}

/** Number of workers for `'auto'`: `os.availableParallelism()` (the cores this process may use). */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

/** A pool of `threads` walk-forward workers. Call {@link WorkerPool.destroy} when done. */
export class WorkerPool {
  readonly threads: number;
  readonly #pool: Piscina<WorkerTask, WorkerResult>;

  /**
   * Starts `threads` workers (all at once, kept alive until {@link destroy}), each with
   * {@link THREAD_LIMIT_ENV} in its environment.
   */
  constructor(threads: number) {
    this.threads = threads;
    this.#pool = new Piscina<WorkerTask, WorkerResult>({
      filename: resolveWorkerFile(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      env: workerEnv(),
    });
  }

  run<R extends WorkerResult>(task: WorkerTask): Promise<R> {
    return this.#pool.run(task) as Promise<R>;
  }

  /** Asks `count` tasks for the workers' thread-limit variables (diagnostics and tests). */
  async probeEnv(count = this.threads): Promise<EnvProbeResult[]> {
    return Promise.all(Array.from({ length: count }, () => this.run<EnvProbeResult>({ kind: 'env' })));
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}
