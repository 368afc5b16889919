/**
 * Thread limits for worker threads.
 *
 * @module
 */

/**
 * Environment variables that cap the thread pools of native numeric libraries (OpenMP, MKL, OpenBLAS,
 * BLIS, Apple Accelerate/vecLib, numexpr), all set to `'1'` for walk-forward workers: parallelism comes
 * from the worker pool (one worker per core), so a native library loaded in a worker must not start its
 * own threads and oversubscribe the cores.
 */
export const THREAD_LIMIT_ENV: Readonly<Record<string, string>> = Object.freeze({
  OMP_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  BLIS_NUM_THREADS: '1',
  VECLIB_MAXIMUM_THREADS: '1',
  NUMEXPR_NUM_THREADS: '1',
});

/** `base` (default `process.env`) with {@link THREAD_LIMIT_ENV} applied: the environment of every worker. */
export function workerEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  return { ...env, ...THREAD_LIMIT_ENV };
}
