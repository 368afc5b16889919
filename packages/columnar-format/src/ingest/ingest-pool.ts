/**
 * Runs file-read tasks on a piscina worker pool, or in-process when one worker is asked for or the
 * built worker file cannot be found.
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type FileTaskResult, type ReadFileTask, runFileTaskInProcess } from './read-input-file.js';

/** Runs one task; `close` releases the threads. */
export interface FileTaskRunner {
  /** Threads in use; 1 = in-process. */
  readonly threads: number;
  run(task: ReadFileTask): Promise<FileTaskResult>;
  close(): Promise<void>;
}

/**
 * The built worker entry: `./ingest-worker.js` next to the running module when it runs from `dist/`
 * (tsup bundles `index.js` and `ingest-worker.js` side by side); `../../dist/ingest-worker.js` when it
 * runs from `src/ingest/` (vitest, tsx), which needs a prior `pnpm build`. Undefined when neither exists.
 */
export function resolveWorkerFile(): string | undefined {
  for (const rel of ['./ingest-worker.js', '../../dist/ingest-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Threads for `files` inputs: `requested` when given (>= 1), else `os.availableParallelism()`; never more
 * than the number of files.
 */
export function workerCount(requested: number | undefined, files: number): number {
  const want = requested ?? availableParallelism();
  return Math.max(1, Math.min(want, files));
}

/** A pool of `threads` workers, or the in-process runner when `threads` is 1 or no worker file is built. */
export function createFileTaskRunner(threads: number): FileTaskRunner {
  const filename = threads > 1 ? resolveWorkerFile() : undefined;
  if (filename === undefined) {
    return { threads: 1, run: runFileTaskInProcess, close: async () => {} };
  }
  const pool = new Piscina({ filename, minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  return {
    threads,
    run: (task) => pool.run(task) as Promise<FileTaskResult>,
    close: () => pool.destroy(),
  };
}
