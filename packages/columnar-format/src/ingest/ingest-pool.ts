/**
 * Lanes that run file-read tasks: the main thread (in-process) plus, for more than one lane, threads of
 * a piscina worker pool.
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type FileTaskResult, type ReadFileTask, runFileTaskInProcess } from './read-input-file.js';

/** Runs tasks on its lanes; `close` releases the threads. */
export interface FileTaskRunner {
  /** Lanes = tasks that can run at once: the main thread plus `threads - 1` worker threads. */
  readonly threads: number;
  /**
   * One function per lane; each runs one task at a time. Lane 0 is the main thread, the only one that
   * calls `onBytesRead` while it reads (worker lanes ignore it).
   */
  readonly lanes: readonly ((
    task: ReadFileTask,
    onBytesRead?: (bytes: number) => void,
  ) => Promise<FileTaskResult>)[];
  close(): Promise<void>;
}

/**
 * The built worker entry `dist/ingest/ingest-worker.js`: next to the running module when it runs from
 * `dist/ingest/index.js`, in `./ingest/` when tsup moved this code into a shared chunk at `dist/`, and
 * `../../dist/ingest/ingest-worker.js` when it runs from `src/ingest/` (vitest, tsx), which needs a prior
 * `pnpm build`. Undefined when none exists.
 */
export function resolveWorkerFile(): string | undefined {
  for (const rel of [
    './ingest-worker.js',
    './ingest/ingest-worker.js',
    '../../dist/ingest/ingest-worker.js',
  ]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Lanes for `files` inputs: `requested` when given (>= 1), else `os.availableParallelism()`; never more
 * than the number of files.
 */
export function workerCount(requested: number | undefined, files: number): number {
  const want = requested ?? availableParallelism();
  return Math.max(1, Math.min(want, files));
}

/**
 * `threads` lanes: the main thread (which would otherwise sit idle while workers parse) and a pool of
 * `threads - 1` worker threads; only the main thread when `threads` is 1 or no worker file is built.
 * Using the main thread as a lane saves one thread start-up (~100-300 ms: a thread loads the bundle and
 * its dependencies and JIT-compiles the parser anew).
 */
export function createFileTaskRunner(threads: number): FileTaskRunner {
  const filename = threads > 1 ? resolveWorkerFile() : undefined;
  if (filename === undefined) {
    return { threads: 1, lanes: [runFileTaskInProcess], close: async () => {} };
  }
  const poolThreads = threads - 1;
  const pool = new Piscina({
    filename,
    minThreads: poolThreads,
    maxThreads: poolThreads,
    idleTimeout: 1000,
  });
  const runOnPool = (task: ReadFileTask) => pool.run(task) as Promise<FileTaskResult>;
  return {
    threads,
    lanes: [runFileTaskInProcess, ...Array.from({ length: poolThreads }, () => runOnPool)],
    close: () => pool.destroy(),
  };
}
