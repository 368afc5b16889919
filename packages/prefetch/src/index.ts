/**
 * `@mmtape/prefetch`: `madvise` prefetching for memory-mapped column files. WILLNEED the rows just ahead
 * of a replay cursor and DONTNEED the rows left behind, so a full-market replay streams through files
 * larger than memory without the page cache thrashing.
 *
 * @example
 * ```ts
 * import { MappedFile } from '@mmtape/mmap-core';
 * import { SlidingWindowPrefetcher } from '@mmtape/prefetch';
 *
 * const file = MappedFile.open('AAPL.bin'); // a column of 1,000,000 f64 at byte 64
 * const prefetcher = new SlidingWindowPrefetcher([
 *   { file, columns: [{ offsetBytes: 64, bytesPerRow: 8 }], rowCount: 1_000_000 },
 * ]);
 * for (let row = 0; row < 1_000_000; row++) prefetcher.update(0, row); // cheap per row
 * prefetcher.finish();
 * console.log(prefetcher.stats());
 * ```
 *
 * @module
 */
export type { PrefetchErrorCode } from './errors.js';
export { isPrefetchError, PrefetchArgumentError } from './errors.js';
export type {
  MemorySample,
  MemorySamplerOptions,
  MemorySummary,
  ProcessMemory,
  ResidencyReporter,
} from './memory-sampler.js';
export { MemorySampler, readProcessMemory } from './memory-sampler.js';
export type { PrefetchStats } from './prefetch-stats.js';
export { emptyPrefetchStats } from './prefetch-stats.js';
export type { Advisable, PrefetchColumn, PrefetchStream } from './prefetch-stream.js';
export type { ProcessIo } from './process-io.js';
export { parseProcessIo, readProcessIo } from './process-io.js';
export type { SlidingWindowOptions } from './sliding-window-prefetcher.js';
export {
  DEFAULT_BEHIND_ROWS,
  DEFAULT_FAULT_AROUND_BYTES,
  DEFAULT_RAMP_ROWS,
  DEFAULT_STEP_ROWS,
  SlidingWindowPrefetcher,
} from './sliding-window-prefetcher.js';
export type {
  WillneedWorkerChecksums,
  WillneedWorkerStream,
  WillneedWorkerUsage,
} from './willneed-worker.js';
export { DEFAULT_POLL_MS, resolveWorkerEntry, WillneedWorker } from './willneed-worker.js';
export {
  DEFAULT_AHEAD_ROWS,
  defaultAheadRows,
  MIN_DEFAULT_AHEAD_ROWS,
  WINDOW_MEMORY_FRACTION,
  withDefaultWindow,
} from './window-size.js';
