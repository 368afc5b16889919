import { freemem } from 'node:os';
import { PrefetchArgumentError } from './errors.js';
import type { PrefetchStream } from './prefetch-stream.js';
import type { SlidingWindowOptions } from './sliding-window-prefetcher.js';

/**
 * Rows to keep advised ahead of each cursor when memory allows: 262,144 rows = 2 MiB of an f64 column.
 * WILLNEED only fills the page cache, it does not add to this process's RSS, so the window is sized for
 * I/O and for who pays for it: the process that reads a page first into the page cache allocates it (on
 * a VM with free page reporting, a host fault per page). With the prefetch helper (`WillneedWorker`)
 * far enough ahead, that is the helper, not the replay thread.
 *
 * Measured on a cold 32 GB replay (2,000 streams × 333,333 bar rows, `ts` + `close` = 10.67 GB needed,
 * segment files, verified reads, prefetch helper; package README, "A wider window"): 131,072 rows took
 * 20.4–22.2 s (4 runs), 262,144 rows 18.9–19.7 s (4 runs, alternating), with 1.5–2 s less system time on
 * the replay thread, the same device bytes (1.00×) and no more RSS; 524,288 rows 17.8 and 20.8 s. Before
 * the helper checked blocks, 16,384 to 131,072 rows read the same bytes with the same time blocked on I/O
 * (README, "Measured: I/O of a cold replay"). The window costs page cache: `aheadRows × 8` bytes per f64
 * column (7.8 GiB for 2,000 streams × 2 columns), so {@link defaultAheadRows} shrinks it when memory is
 * short.
 */
export const DEFAULT_AHEAD_ROWS = 262_144;

/**
 * Smallest window {@link defaultAheadRows} shrinks to: 16,384 rows (128 KiB of an f64 column), the
 * smallest window measured to read no more than the replay needs on a cold page cache.
 */
export const MIN_DEFAULT_AHEAD_ROWS = 16_384;

/**
 * Share of the available memory that the default windows of all streams may hold in the page cache: 1/2,
 * so the pages read ahead are not evicted before the cursor reaches them, and the rest of the system
 * keeps the other half.
 */
export const WINDOW_MEMORY_FRACTION = 0.5;

/**
 * The default `aheadRows` of a prefetcher over `streams`: {@link DEFAULT_AHEAD_ROWS}, halved while the
 * windows of every stream's columns together (each column at most its `rowCount` rows, ×
 * `bytesPerRow`) would exceed {@link WINDOW_MEMORY_FRACTION} of `availableBytes`, but never below
 * {@link MIN_DEFAULT_AHEAD_ROWS}. E.g. 2,000 streams × 2 f64 columns: 262,144 rows with ≥ 15.6 GiB
 * available, 131,072 with ≥ 7.8 GiB, 65,536 with ≥ 3.9 GiB.
 *
 * @param streams the prefetcher's streams (only `columns[].bytesPerRow` and `rowCount` are read).
 * @param availableBytes memory the page cache may grow into, bytes. Default `os.freemem()` (on Linux
 *   `MemAvailable` of /proc/meminfo: free memory plus what the kernel can reclaim).
 * @throws {PrefetchArgumentError} when `availableBytes` is not a number ≥ 0.
 */
export function defaultAheadRows(
  streams: readonly Pick<PrefetchStream, 'columns' | 'rowCount'>[],
  availableBytes: number = freemem(),
): number {
  if (!(typeof availableBytes === 'number' && availableBytes >= 0)) {
    throw new PrefetchArgumentError('availableBytes', 'a number of bytes >= 0', availableBytes);
  }
  const budgetBytes = WINDOW_MEMORY_FRACTION * availableBytes;
  let rows = DEFAULT_AHEAD_ROWS;
  while (rows > MIN_DEFAULT_AHEAD_ROWS && windowBytes(streams, rows) > budgetBytes) rows /= 2;
  return rows;
}

/** Page-cache bytes of windows of `rows` rows over every column of `streams` (clamped to each column). */
function windowBytes(streams: readonly Pick<PrefetchStream, 'columns' | 'rowCount'>[], rows: number): number {
  let bytes = 0;
  for (const stream of streams) {
    const held = Math.min(rows, stream.rowCount);
    for (const column of stream.columns) bytes += held * column.bytesPerRow;
  }
  return bytes;
}

/**
 * `options` with `aheadRows` set to {@link defaultAheadRows}`(streams)` when it sets neither `aheadRows` nor
 * `aheadBytes`, else `options` itself. Resolve the window once and give the result to every prefetcher of
 * one replay (the replay thread's and its `WillneedWorker`'s): the default depends on the memory available
 * when it is computed, so two computations could disagree.
 */
export function withDefaultWindow<T extends SlidingWindowOptions>(
  options: T,
  streams: readonly Pick<PrefetchStream, 'columns' | 'rowCount'>[],
): T {
  if (options.aheadRows !== undefined || options.aheadBytes !== undefined) return options;
  return { ...options, aheadRows: defaultAheadRows(streams) };
}
