/**
 * A helper process that issues the WILLNEED windows of a replay from its own mappings of the same files.
 *
 * `madvise(MADV_WILLNEED)` on a file mapping runs the kernel's page-cache fill in the calling thread:
 * for every page it allocates a folio, charges it, puts it on the LRU and queues its read
 * (`force_page_cache_ra`). On a cold replay that is about 1.3 s of CPU per GB read (measured: a
 * 32 GB dataset replayed cold vs warm, ts + close of 2,000 streams), on the thread that also merges.
 * The page cache belongs to the file, not to a mapping, so another process that maps the same files and
 * advises its own mappings fills the same cache, on another core. The replay keeps the DONTNEED half
 * (`SlidingWindowPrefetcher` with `willneed: 'start'`).
 *
 * A process, not a worker thread: a thread shares the replay's address space, so every DONTNEED of the
 * replay thread flushed the TLB of the other core by IPI while the thread ran there (10 % of the replay
 * thread in a profile of a cold 32 GB replay); a process has its own. Measured on that replay, 4 pairs
 * alternating: 31.0–39.3 s (median 33.2) with the process, 35.4–37.8 s (median 37.1) with the thread.
 *
 * Cursors go to the helper through a shared mapping (`SharedMemory` of `@mmtape/mmap-core`, one
 * `Atomics.store` per update, no message): the replay never waits for it and it is only an optimisation.
 * If it fails (a file it cannot open, a process that cannot start), the failure is kept in
 * {@link WillneedWorker.error} and the replay goes on reading through faults (slower, same bytes).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SharedMemory } from '@mmtape/mmap-core';
import { PrefetchArgumentError } from './errors.js';
import type { PrefetchStats } from './prefetch-stats.js';
import { readProcessIo } from './process-io.js';
import type { SlidingWindowOptions } from './sliding-window-prefetcher.js';
import { withDefaultWindow } from './window-size.js';

/** One stream for the worker: where its bytes are on disk, and its columns (as `PrefetchStream`). */
export interface WillneedWorkerStream {
  /** The file to map (`MappedFile.filePath`). */
  filePath: string;
  /** Where the stream's bytes start in that file (a segment member's offset), bytes. */
  baseOffsetBytes: number;
  /** Length of the stream's bytes from `baseOffsetBytes` (the column file), bytes. */
  byteLength: number;
  /**
   * Columns to advise, offsets relative to `baseOffsetBytes`. With `checksums`, the helper also checks
   * the column's blocks as it reads them ahead (see {@link WillneedWorkerChecksums}).
   */
  columns: { offsetBytes: number; bytesPerRow: number; checksums?: WillneedWorkerChecksums | undefined }[];
  rowCount: number;
}

/**
 * Block checksums of a column, for the helper to check what it reads ahead of the replay (the layout of
 * `ColumnFile.blockChecksums` of `@mmtape/columnar-format`, FORMAT.md "Checksums"): block `b` is the
 * column's bytes `[b · blockBytes, (b + 1) · blockBytes)` (the last one shorter), and its XXH64 (seed 0)
 * is stored as a little-endian u64 at `tableOffsetBytes + 8 · (firstEntry + b)` (offsets relative to
 * `baseOffsetBytes`). The helper publishes, per column, its current run of consecutive blocks found good
 * ({@link WillneedWorker.checkedRunStart}, {@link WillneedWorker.checkedRunEnd}); the replay then skips
 * hashing those. A block it finds bad ends its checks of the column: the replay checks that block itself
 * and throws the typed error. The helper checks only what it reads (streams not already in the page cache,
 * see {@link WillneedWorkerOptions.touch}); when the replay's cursor passes the end of its reads, it starts
 * a new run at the cursor.
 */
export interface WillneedWorkerChecksums {
  blockBytes: number;
  tableOffsetBytes: number;
  firstEntry: number;
}

/** What the helper process reads from its configuration file (internal). */
export interface WillneedWorkerData {
  streams: WillneedWorkerStream[];
  options: Pick<
    SlidingWindowOptions,
    | 'aheadRows'
    | 'aheadBytes'
    | 'requestRows'
    | 'requestBytes'
    | 'rampRows'
    | 'rampBytes'
    | 'stepRows'
    | 'stepBytes'
    | 'pageSizeBytes'
  >;
  /** Bytes of the shared mapping (see {@link sharedViews}), and its checked-block words per stream. */
  sharedBytes: number;
  columnsPerStream: number;
  /** ms the helper sleeps between two scans of the cursors. */
  pollMs: number;
  /** Which streams the helper also reads ahead of their cursors (see {@link WillneedWorkerOptions}). */
  touch: 'cold' | 'always' | 'never';
}

/**
 * Bytes of the shared mapping for `streams` streams of at most `columns` columns: control words,
 * cursors, the checked run (start, end) per column, the row the replay checked itself per column, then
 * 3 f64 counters.
 */
export function sharedBytesFor(streams: number, columns: number): number {
  return Math.ceil((4 * (CONTROL_WORDS + streams * (1 + 3 * columns))) / 8) * 8 + 24;
}

/**
 * The views over the shared mapping (internal): `control` (Int32Array(CONTROL_WORDS), see the CONTROL_*
 * indexes), `cursors` (Int32Array(streams): each stream's cursor row, -1 before its first update),
 * `checked` (Int32Array(2 × streams × columns): the run of blocks `[start, end)` of stream `s`'s column `c`
 * the helper found good, at `2 · (s · columns + c)` and the next word), `readerChecked`
 * (Int32Array(streams × columns): the row up to which the replay found column `c` of stream `s` good
 * itself, at `s · columns + c`, see {@link WillneedWorker.readerChecked}) and `stats` (Float64Array(3):
 * WILLNEED calls and bytes issued, bytes read by the touch).
 */
export function sharedViews(
  buffer: Buffer,
  streams: number,
  columns: number,
): {
  control: Int32Array;
  cursors: Int32Array;
  checked: Int32Array;
  readerChecked: Int32Array;
  stats: Float64Array;
} {
  const statsAt = sharedBytesFor(streams, columns) - 24;
  const cursorsAt = buffer.byteOffset + 4 * CONTROL_WORDS;
  const checkedAt = cursorsAt + 4 * streams;
  return {
    control: new Int32Array(buffer.buffer, buffer.byteOffset, CONTROL_WORDS),
    cursors: new Int32Array(buffer.buffer, cursorsAt, streams),
    checked: new Int32Array(buffer.buffer, checkedAt, 2 * streams * columns),
    readerChecked: new Int32Array(buffer.buffer, checkedAt + 8 * streams * columns, streams * columns),
    stats: new Float64Array(buffer.buffer, buffer.byteOffset + statsAt, 3),
  };
}

/** Options of {@link WillneedWorker.start}. */
export interface WillneedWorkerOptions {
  /** ms the worker sleeps between two scans of the cursors, > 0. Default {@link DEFAULT_POLL_MS}. */
  pollMs?: number;
  /**
   * `'cold'` (default): after advising, the worker also reads (`pread`, into a scratch buffer it then
   * drops) each column from the cursor to the window's end (as far as WILLNEED has asked), in 256 KiB
   * requests once half the window is new, for streams whose last WILLNEED range was not all in the page cache already
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

/** Control word: 1 asks the helper to stop. */
export const CONTROL_STOP = 0;
/** Control word: flush requests, counted by the replay. */
export const CONTROL_FLUSH = 1;
/** Control word: the last flush request the helper answered (after a scan that saw every cursor). */
export const CONTROL_FLUSHED = 2;
/** Control word: 1 once the helper has mapped every file and scans. */
export const CONTROL_READY = 3;
/** Number of control words. */
export const CONTROL_WORDS = 4;

/**
 * Default ms between two scans of the cursors: 2. A scan of 3,000 cursors costs a few µs; a cursor
 * moves `stepRows` (2,048) rows in far more than 2 ms, so the windows stay ahead.
 */
export const DEFAULT_POLL_MS = 2;

/** Bytes of the helper's stderr kept for {@link WillneedWorker.error}. */
const STDERR_KEEP_BYTES = 4096;

/** Peak RSS, private memory and device reads of the helper process (see {@link WillneedWorker.usage}). */
export interface WillneedWorkerUsage {
  /** `VmHWM` of the helper, bytes; -1 where `/proc` does not say. */
  peakRssBytes: number;
  /**
   * Memory only the helper holds, bytes: `Private_Clean + Private_Dirty` of `/proc/<pid>/smaps_rollup`
   * when read (its heap; flat once it runs). The rest of its RSS (~42 MiB: the Node binary and
   * libraries) is pages the replay process maps too, so replay RSS + this is the physical footprint of
   * both. -1 where `/proc` does not say.
   */
  privateBytes: number;
  /** `read_bytes` of `/proc/<pid>/io`: what its WILLNEED and reads fetched from the device, bytes; -1 unknown. */
  readBytes: number;
}

/**
 * The replay's handle on the helper process. Make it with {@link WillneedWorker.start}, move cursors with
 * {@link update}, stop it with {@link close}.
 *
 * @example
 * const worker = WillneedWorker.start(streams, { aheadRows: 131_072 });
 * const prefetcher = new SlidingWindowPrefetcher(prefetchStreams, { willneed: 'start' });
 * for (...) { prefetcher.update(s, row); worker.update(s, row); }
 * worker.close();
 */
export class WillneedWorker {
  readonly #child: ChildProcess;
  readonly #shared: SharedMemory;
  readonly #configPath: string;
  readonly #cursors: Int32Array;
  readonly #checked: Int32Array;
  readonly #readerChecked: Int32Array;
  readonly #columnsPerStream: number;
  readonly #control: Int32Array;
  readonly #stats: Float64Array;
  /** A private word to sleep on in {@link flushSync} (the mapping is not a SharedArrayBuffer). */
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));
  #stderr = '';
  #error: Error | undefined;
  #closed = false;
  #finalUsage: WillneedWorkerUsage | undefined;

  private constructor(
    child: ChildProcess,
    shared: SharedMemory,
    configPath: string,
    streams: number,
    columnsPerStream: number,
  ) {
    this.#child = child;
    this.#shared = shared;
    this.#configPath = configPath;
    this.#columnsPerStream = columnsPerStream;
    ({
      cursors: this.#cursors,
      checked: this.#checked,
      readerChecked: this.#readerChecked,
      control: this.#control,
      stats: this.#stats,
    } = sharedViews(shared.buffer, streams, columnsPerStream));
    child.on('error', (error) => {
      this.#error ??= error;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    child.on('exit', (code, signal) => {
      if (this.#closed || code === 0) return;
      this.#error ??= new Error(
        `willneed worker process exited with ${code === null ? `signal ${signal}` : `code ${code}`}: ${this.#stderr.trim()}`,
      );
    });
    child.unref(); // never keeps the process alive
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  /**
   * Starts the helper process (`node dist/willneed-worker-process.js`; it maps the streams' files
   * `MADV_RANDOM` and then scans the cursors every `pollMs`). Returns at once: the helper is useful only
   * after it has started and mapped the files (~50 ms plus ~0.6 ms per file), so the replay advises the
   * first window of each stream itself (`willneed: 'start'`). Without `aheadRows` or `aheadBytes` in
   * `options`, the helper is given `defaultAheadRows(streams)` (`withDefaultWindow`): resolve the window
   * with `withDefaultWindow` first and give the same options to the caller's own prefetcher.
   * @throws {PrefetchArgumentError} for a bad `pollMs` or `touch`, or when the built entry is missing (run
   *   `pnpm build`).
   * @throws `MmapSyscallError` of `@mmtape/mmap-core` when there is no native mmap binding (nothing to share).
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
    const entry = resolveWorkerEntry();
    const columnsPerStream = streams.reduce((most, stream) => Math.max(most, stream.columns.length), 0);
    const sharedBytes = sharedBytesFor(streams.length, columnsPerStream);
    const shared = SharedMemory.create(sharedBytes);
    sharedViews(shared.buffer, streams.length, columnsPerStream).cursors.fill(-1);
    const configPath = `${shared.path}.json`;
    const data: WillneedWorkerData = {
      streams,
      options: withDefaultWindow(options, streams),
      sharedBytes,
      columnsPerStream,
      pollMs,
      touch,
    };
    try {
      writeFileSync(configPath, JSON.stringify(data), { mode: 0o600 });
      const child = spawn(process.execPath, [entry, shared.path, configPath], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      return new WillneedWorker(child, shared, configPath, streams.length, columnsPerStream);
    } catch (error) {
      shared.unlink();
      rmSync(configPath, { force: true });
      throw error;
    }
  }

  /**
   * Moves stream `streamIndex`'s cursor to `cursorRow` (one atomic store; the helper reads it).
   * @throws {PrefetchArgumentError} for a stream index outside `[0, streams)` or a row that is not an
   *   integer in `[0, 2^31)`.
   */
  update(streamIndex: number, cursorRow: number): void {
    this.#checkSlot(streamIndex, undefined, cursorRow, 'cursorRow');
    Atomics.store(this.#cursors, streamIndex, cursorRow);
  }

  /**
   * End (exclusive, a block index) of the helper's current run of blocks of stream `streamIndex`'s column
   * `column` (index in its `columns`) read and found good against the column's `checksums`; 0 before any.
   * Read it before {@link checkedRunStart}: the helper stores a new run's start before its end, and a
   * new run starts past the old end, so `[checkedRunStart, checkedRunEnd)` read in that order is always
   * good blocks (empty when the two straddle a new run).
   */
  checkedRunEnd(streamIndex: number, column: number): number {
    return Atomics.load(this.#checked, 2 * (streamIndex * this.#columnsPerStream + column) + 1);
  }

  /**
   * Tells the helper that the replay found rows `[…, row)` of stream `streamIndex`'s column `column`
   * good itself (it got there before the helper, read the blocks and hashed them): the helper's checked
   * reads of that column skip to `row`, instead of reading and hashing those blocks a second time.
   * One atomic store; call it with rows that only grow.
   * @throws {PrefetchArgumentError} for a stream index outside `[0, streams)`, a column outside
   *   `[0, columns)` or a row that is not an integer in `[0, 2^31)`.
   */
  readerChecked(streamIndex: number, column: number, row: number): void {
    this.#checkSlot(streamIndex, column, row, 'row');
    Atomics.store(this.#readerChecked, streamIndex * this.#columnsPerStream + column, row);
  }

  /** Throws for a stream, column or row that has no shared word (see {@link update}, {@link readerChecked}). */
  #checkSlot(streamIndex: number, column: number | undefined, row: number, rowName: string): void {
    const streams = this.#cursors.length;
    if (!(Number.isInteger(streamIndex) && streamIndex >= 0 && streamIndex < streams))
      throw new PrefetchArgumentError('streamIndex', `an integer in [0, ${streams})`, streamIndex);
    if (column !== undefined && !(Number.isInteger(column) && column >= 0 && column < this.#columnsPerStream))
      throw new PrefetchArgumentError('column', `an integer in [0, ${this.#columnsPerStream})`, column);
    if (!(Number.isInteger(row) && row >= 0 && row < 2 ** 31))
      throw new PrefetchArgumentError(rowName, 'an integer in [0, 2^31)', row);
  }

  /** Start (a block index) of the run of {@link checkedRunEnd}. */
  checkedRunStart(streamIndex: number, column: number): number {
    return Atomics.load(this.#checked, 2 * (streamIndex * this.#columnsPerStream + column));
  }

  /** True once the helper has mapped every file and advises. */
  get ready(): boolean {
    return Atomics.load(this.#control, CONTROL_READY) === 1;
  }

  /** The helper's failure, if it failed (seen once the event loop has turned). */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Process id of the helper. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** WILLNEED calls and bytes the helper has issued so far, and the bytes it read ahead (`touch`). */
  stats(): Pick<PrefetchStats, 'willneedCalls' | 'willneedBytes'> & { touchedBytes: number } {
    return { willneedCalls: this.#stats[0]!, willneedBytes: this.#stats[1]!, touchedBytes: this.#stats[2]! };
  }

  /**
   * The helper's peak RSS, private memory and device reads: live while it runs, as they were when
   * {@link close} stopped it afterwards. A replay adds them to its own (the helper's memory is the replay's footprint too).
   */
  usage(): WillneedWorkerUsage {
    if (this.#finalUsage !== undefined) return this.#finalUsage;
    const pid = this.#child.pid;
    if (pid === undefined) return { peakRssBytes: -1, privateBytes: -1, readBytes: -1 };
    /** Sum of the kB values `pattern` matches in `/proc/<pid>/<file>`, in bytes; -1 when none match. */
    const kb = (file: string, pattern: RegExp): number => {
      try {
        const matches = [...readFileSync(`/proc/${pid}/${file}`, 'utf8').matchAll(pattern)];
        return matches.length === 0 ? -1 : matches.reduce((sum, m) => sum + Number(m[1]), 0) * 1024;
      } catch {
        return -1; // gone, or not Linux
      }
    };
    // Private memory first: it is part of the RSS of that moment, and the peak read after it is at least
    // that RSS, so private ≤ peak holds while the helper grows between the two reads.
    const privateBytes = kb('smaps_rollup', /^Private_(?:Clean|Dirty):\s+(\d+) kB/gm);
    return {
      peakRssBytes: kb('status', /^VmHWM:\s+(\d+) kB/gm),
      privateBytes,
      readBytes: readProcessIo(pid)?.readBytes ?? -1,
    };
  }

  /**
   * Blocks until the helper has advised for every cursor stored so far, or `timeoutMs` passed (polling
   * every ms). Returns whether it did. For tests and measurements; a replay never waits for the helper.
   */
  flushSync(timeoutMs: number): boolean {
    const control = this.#control;
    const request = Atomics.add(control, CONTROL_FLUSH, 1) + 1;
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(control, CONTROL_FLUSHED) < request) {
      if (performance.now() >= deadline) return false;
      Atomics.wait(this.#sleeper, 0, 0, 1);
    }
    return true;
  }

  /** Stops the helper (after noting its {@link usage}) and removes its files. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#finalUsage = this.usage();
    this.#closed = true;
    Atomics.store(this.#control, CONTROL_STOP, 1);
    this.#child.kill();
    this.#shared.unlink();
    rmSync(this.#configPath, { force: true });
  }
}

/**
 * Path of the built helper entry: `willneed-worker-process.js` next to the bundle (`dist/`), or in
 * `../dist/` when this module runs from `src/` (tests). The helper always runs built JavaScript.
 * @throws {PrefetchArgumentError} when neither exists (argument `willneed worker entry`).
 */
export function resolveWorkerEntry(): string {
  for (const rel of ['./willneed-worker-process.js', '../dist/willneed-worker-process.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new PrefetchArgumentError(
    'willneed worker entry',
    'dist/willneed-worker-process.js (build @mmtape/prefetch: pnpm build)',
    fileURLToPath(new URL('./willneed-worker-process.js', import.meta.url)),
  );
}
