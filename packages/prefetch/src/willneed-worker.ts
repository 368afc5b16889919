/**
 * A worker thread that issues the WILLNEED windows of a replay from its own mappings of the same files.
 *
 * `madvise(MADV_WILLNEED)` on a file mapping runs the kernel's page-cache fill in the calling thread:
 * for every page it allocates a folio, charges it, puts it on the LRU and queues its read
 * (`force_page_cache_ra`). On a cold replay that is about 1.3 s of CPU per GB read (measured: a
 * 32 GB dataset replayed cold vs warm, ts + close of 2,000 streams), on the thread that also merges.
 * The page cache belongs to the file, not to a mapping, so another thread that maps the same files and
 * advises its own mappings fills the same cache, on another core. Its mappings are never read, so they
 * add nothing to the process's RSS; the replay thread keeps the DONTNEED half
 * (`SlidingWindowPrefetcher` with `willneed: 'start'`).
 *
 * Cursors go to the worker through shared memory (one `Atomics.store` per update, no message): the
 * replay thread never waits for the worker and the worker is only an optimisation. If it fails (a file
 * it cannot open, a thread that cannot start), the failure is kept in {@link WillneedWorker.error} and
 * the replay goes on reading through faults (slower, same bytes).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PrefetchArgumentError } from './errors.js';
import type { PrefetchStats } from './prefetch-stats.js';
import type { SlidingWindowOptions } from './sliding-window-prefetcher.js';

/** One stream for the worker: where its bytes are on disk, and its columns (as `PrefetchStream`). */
export interface WillneedWorkerStream {
  /** The file to map (`MappedFile.filePath`). */
  filePath: string;
  /** Where the stream's bytes start in that file (a segment member's offset), bytes. */
  baseOffsetBytes: number;
  /** Length of the stream's bytes from `baseOffsetBytes` (the column file), bytes. */
  byteLength: number;
  /** Columns to advise, offsets relative to `baseOffsetBytes`. */
  columns: { offsetBytes: number; bytesPerRow: number }[];
  rowCount: number;
}

/** What the worker thread receives (internal). */
export interface WillneedWorkerData {
  streams: WillneedWorkerStream[];
  options: Pick<
    SlidingWindowOptions,
    'aheadRows' | 'aheadBytes' | 'requestRows' | 'requestBytes' | 'stepRows' | 'stepBytes' | 'pageSizeBytes'
  >;
  /** Int32Array(streams): cursor row of each stream, -1 before its first update. */
  cursors: SharedArrayBuffer;
  /** Int32Array(CONTROL_WORDS), see the CONTROL_* indexes. */
  control: SharedArrayBuffer;
  /** Float64Array(3): WILLNEED calls and bytes issued so far, bytes read by the touch. */
  stats: SharedArrayBuffer;
  /** ms the worker sleeps between two scans of the cursors. */
  pollMs: number;
  /** Which streams the worker also reads ahead of their cursors (see {@link WillneedWorkerOptions}). */
  touch: 'cold' | 'always' | 'never';
}

/** Options of {@link WillneedWorker.start}. */
export interface WillneedWorkerOptions {
  /** ms the worker sleeps between two scans of the cursors, > 0. Default {@link DEFAULT_POLL_MS}. */
  pollMs?: number;
  /**
   * `'cold'` (default): after advising, the worker also reads (`pread`, into a scratch buffer it then
   * drops) each column from the cursor to half the window ahead, in 256 KiB requests once a quarter of
   * the window is new, for streams whose last WILLNEED range was not all in the page cache already
   * (mincore before each request). The read waits for the pages the WILLNEED queued and is their first
   * touch by a CPU, on the worker's core: the replay thread then finds them in memory. On a VM whose
   * freed memory is handed back to the host (virtio-balloon free page reporting) that first touch costs
   * a host fault per page, which this moves off the replay thread (measured: a cold 32 GB replay,
   * 51.7 s with the worker only advising, 39.9 s with it reading ahead). A warm stream is not read
   * again: that would only take memory bandwidth from the replay. `'always'`: read ahead whatever the
   * page cache holds. `'never'`: advise only.
   */
  touch?: 'cold' | 'always' | 'never';
}

/** Control word: 1 asks the worker to stop. */
export const CONTROL_STOP = 0;
/** Control word: bumped (and notified) to wake the worker before its poll interval ends. */
export const CONTROL_WAKE = 1;
/** Control word: flush requests, counted by the replay thread. */
export const CONTROL_FLUSH = 2;
/** Control word: the last flush request the worker answered (after a scan that saw every cursor). */
export const CONTROL_FLUSHED = 3;
/** Control word: 1 once the worker has mapped every file and scans. */
export const CONTROL_READY = 4;
/** Number of control words. */
export const CONTROL_WORDS = 5;

/**
 * Default ms between two scans of the cursors: 2. A scan of 3,000 cursors costs a few µs; a cursor
 * moves `stepRows` (2,048) rows in far more than 2 ms, so the windows stay ahead.
 */
export const DEFAULT_POLL_MS = 2;

/**
 * The replay thread's handle on the worker. Make it with {@link WillneedWorker.start}, move cursors with
 * {@link update}, stop it with {@link close}.
 *
 * @example
 * const worker = WillneedWorker.start(streams, { aheadRows: 131_072 });
 * const prefetcher = new SlidingWindowPrefetcher(prefetchStreams, { willneed: 'start' });
 * for (...) { prefetcher.update(s, row); worker.update(s, row); }
 * worker.close();
 */
export class WillneedWorker {
  readonly #worker: Worker;
  readonly #cursors: Int32Array;
  readonly #control: Int32Array;
  readonly #stats: Float64Array;
  #error: Error | undefined;
  #closed = false;

  private constructor(worker: Worker, data: WillneedWorkerData) {
    this.#worker = worker;
    this.#cursors = new Int32Array(data.cursors);
    this.#control = new Int32Array(data.control);
    this.#stats = new Float64Array(data.stats);
    worker.on('error', (error) => {
      this.#error = error;
    });
    worker.unref(); // never keeps the process alive
  }

  /**
   * Starts the worker thread (it maps the streams' files `MADV_RANDOM` and then scans the cursors every
   * `pollMs`). Returns at once: the worker is useful only after the files are mapped (~0.6 ms per file),
   * so the replay thread advises the first window of each stream itself (`willneed: 'start'`).
   * @throws {PrefetchArgumentError} for a bad `pollMs`, or when the built worker entry is missing (run
   *   `pnpm build`).
   */
  static start(
    streams: WillneedWorkerStream[],
    options: WillneedWorkerData['options'] = {},
    { pollMs = DEFAULT_POLL_MS, touch = 'cold' }: WillneedWorkerOptions = {},
  ): WillneedWorker {
    if (!(Number.isFinite(pollMs) && pollMs > 0)) {
      throw new PrefetchArgumentError('pollMs', 'a number > 0', pollMs);
    }
    if (touch !== 'cold' && touch !== 'always' && touch !== 'never') {
      throw new PrefetchArgumentError('touch', "'cold', 'always' or 'never'", touch);
    }
    const data: WillneedWorkerData = {
      streams,
      options,
      cursors: new SharedArrayBuffer(4 * streams.length),
      control: new SharedArrayBuffer(4 * CONTROL_WORDS),
      stats: new SharedArrayBuffer(24),
      pollMs,
      touch,
    };
    new Int32Array(data.cursors).fill(-1);
    const worker = new Worker(resolveWorkerEntry(), { workerData: data });
    return new WillneedWorker(worker, data);
  }

  /** Moves stream `streamIndex`'s cursor to `cursorRow` (one atomic store; the worker reads it). */
  update(streamIndex: number, cursorRow: number): void {
    Atomics.store(this.#cursors, streamIndex, cursorRow);
  }

  /** True once the worker has mapped every file and advises. */
  get ready(): boolean {
    return Atomics.load(this.#control, CONTROL_READY) === 1;
  }

  /** The worker's failure, if it failed (seen once the event loop has turned). */
  get error(): Error | undefined {
    return this.#error;
  }

  /** WILLNEED calls and bytes the worker has issued so far, and the bytes it read ahead (`touch`). */
  stats(): Pick<PrefetchStats, 'willneedCalls' | 'willneedBytes'> & { touchedBytes: number } {
    return { willneedCalls: this.#stats[0]!, willneedBytes: this.#stats[1]!, touchedBytes: this.#stats[2]! };
  }

  /**
   * Blocks until the worker has advised for every cursor stored so far, or `timeoutMs` passed. Returns
   * whether it did. For tests and measurements; a replay never waits for the worker.
   */
  flushSync(timeoutMs: number): boolean {
    const control = this.#control;
    const request = Atomics.add(control, CONTROL_FLUSH, 1) + 1;
    Atomics.add(control, CONTROL_WAKE, 1);
    Atomics.notify(control, CONTROL_WAKE);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const answered = Atomics.load(control, CONTROL_FLUSHED);
      if (answered >= request) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(control, CONTROL_FLUSHED, answered, left);
    }
  }

  /** Stops the worker (it exits after its current scan). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#control, CONTROL_STOP, 1);
    Atomics.add(this.#control, CONTROL_WAKE, 1);
    Atomics.notify(this.#control, CONTROL_WAKE);
    void this.#worker.terminate().catch(() => undefined);
  }
}

/**
 * Path of the built worker entry: `willneed-worker-thread.js` next to the bundle (`dist/`), or in
 * `../dist/` when this module runs from `src/` (tests). Worker threads always run built JavaScript.
 * @throws {PrefetchArgumentError} when neither exists (argument `willneed worker entry`).
 */
export function resolveWorkerEntry(): string {
  for (const rel of ['./willneed-worker-thread.js', '../dist/willneed-worker-thread.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new PrefetchArgumentError(
    'willneed worker entry',
    'dist/willneed-worker-thread.js (build @mmtape/prefetch: pnpm build)',
    fileURLToPath(new URL('./willneed-worker-thread.js', import.meta.url)),
  );
}
