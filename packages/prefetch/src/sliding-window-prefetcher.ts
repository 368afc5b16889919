import { pageSizeBytes as systemPageSizeBytes } from '@mmtape/mmap-core';
import { PrefetchArgumentError } from './errors.js';
import { alignDown, alignUp, requireInteger, validateStreams } from './page-math.js';
import { emptyStats, type PrefetchStats } from './prefetch-stats.js';
import type { PrefetchStream } from './prefetch-stream.js';

/**
 * Rows to keep advised ahead of the cursor: 16,384 rows = 128 KiB of an f64 column (32 pages of 4 KiB),
 * enough for the kernel to read ahead in large requests. WILLNEED only fills the page cache, it does not
 * add to this process's RSS, so the window is sized for I/O, not memory. Measured with
 * `pnpm bench replay-memory` (bench/README.md): larger windows did not raise throughput on warm or cold
 * data and multiply the readahead issued at the start of a 2,000-stream replay.
 */
export const DEFAULT_AHEAD_ROWS = 16_384;
/**
 * Rows kept behind the cursor before release: 512 rows = 4 KiB of an f64 column, one page, room for short
 * look-backs. Behind + step rows per column and stream is what stays mapped (RssFile): with 2,000
 * streams × 2 columns × (512 + 2,048) rows × 8 B ≈ 80 MiB, under 5 % of an 8 GB dataset.
 */
export const DEFAULT_BEHIND_ROWS = 512;
/**
 * Minimum cursor movement, in rows, between two rounds of advice for one stream: 2,048 rows = 16 KiB of
 * an f64 column (4 pages), so advice costs two `madvise` calls per column every 2,048 rows while the
 * window stays at least 87.5 % ahead of the cursor.
 */
export const DEFAULT_STEP_ROWS = 2_048;

/** Options of {@link SlidingWindowPrefetcher}. Byte options win over row options when both are given. */
export interface SlidingWindowOptions {
  /** Rows ahead of the cursor to advise WILLNEED, ≥ 0. Default {@link DEFAULT_AHEAD_ROWS} (16,384). */
  aheadRows?: number;
  /** Rows behind the cursor kept before DONTNEED, ≥ 0. Default {@link DEFAULT_BEHIND_ROWS} (512). */
  behindRows?: number;
  /**
   * Cursor movement, in rows, that triggers a new round of advice, ≥ 1. Default
   * {@link DEFAULT_STEP_ROWS} (2,048). Keep it below `aheadRows`, or rows between windows go unadvised.
   */
  stepRows?: number;
  /**
   * `aheadRows` given in bytes of the widest column of each stream: rows = `floor(aheadBytes /
   * bytesPerRow)`, so streams with 4-byte columns get twice the rows. ≥ 0.
   */
  aheadBytes?: number;
  /** `behindRows` in bytes of the widest column of each stream (see `aheadBytes`), ≥ 0. */
  behindBytes?: number;
  /** `stepRows` in bytes of the widest column of each stream (at least one row), ≥ 1. */
  stepBytes?: number;
  /** Page size in bytes used for alignment. Default: `pageSizeBytes()` of `@mmtape/mmap-core`. */
  pageSizeBytes?: number;
}

interface StreamState {
  /** Windows of this stream, in rows (from the row or byte options). */
  aheadRows: number;
  behindRows: number;
  stepRows: number;
  /** Cursor row of the last round of advice, -1 before the first. */
  lastAdvisedRow: number;
  /** Per column: absolute byte offset up to which DONTNEED was issued (page-aligned). */
  releasedUpToBytes: number[];
  finished: boolean;
}

/**
 * Keeps a sliding window of rows advised around a cursor, for each of many streams (typically one per
 * symbol, during a k-way merge replay).
 *
 * On {@link update} (cheap to call on every row), once the cursor has moved at least `stepRows` since the
 * stream's last round (or on the first call), for every column:
 * - WILLNEED `[cursorRow, cursorRow + aheadRows)` clamped to the column, rounded outward to pages and
 *   clamped to the file;
 * - DONTNEED the rows before `cursorRow - behindRows` not released yet, covering only whole pages: the
 *   end is rounded down, and the start begins at the first page boundary at or after the column start
 *   (a page shared with a header or a previous column is not released mid-stream). Released ranges are
 *   never advised again.
 *
 * {@link finishStream} / {@link finish} release the rest of each column up to its page-rounded end.
 *
 * @example
 * const prefetcher = new SlidingWindowPrefetcher([{ file, columns: [{ offsetBytes: 64, bytesPerRow: 8 }], rowCount }]);
 * for (let row = 0; row < rowCount; row++) { prefetcher.update(0, row); use(row); }
 * prefetcher.finish();
 */
export class SlidingWindowPrefetcher {
  readonly aheadRows: number;
  readonly behindRows: number;
  readonly stepRows: number;
  readonly pageSizeBytes: number;
  readonly #streams: readonly PrefetchStream[];
  readonly #states: StreamState[];
  readonly #stats: PrefetchStats = emptyStats();

  /**
   * @throws {PrefetchArgumentError} for non-integer or out-of-range options, or a column that extends past
   *   its file's `byteLength`.
   */
  constructor(streams: PrefetchStream[], options: SlidingWindowOptions = {}) {
    this.aheadRows = requireInteger('aheadRows', options.aheadRows ?? DEFAULT_AHEAD_ROWS, 0);
    this.behindRows = requireInteger('behindRows', options.behindRows ?? DEFAULT_BEHIND_ROWS, 0);
    this.stepRows = requireInteger('stepRows', options.stepRows ?? DEFAULT_STEP_ROWS, 1);
    this.pageSizeBytes = requireInteger('pageSizeBytes', options.pageSizeBytes ?? systemPageSizeBytes(), 1);
    const aheadBytes = optionalInteger('aheadBytes', options.aheadBytes, 0);
    const behindBytes = optionalInteger('behindBytes', options.behindBytes, 0);
    const stepBytes = optionalInteger('stepBytes', options.stepBytes, 1);
    validateStreams(streams);
    this.#streams = [...streams];
    this.#states = this.#streams.map((stream) => {
      const widest = stream.columns.reduce((w, c) => Math.max(w, c.bytesPerRow), 1);
      return {
        aheadRows: aheadBytes === undefined ? this.aheadRows : Math.floor(aheadBytes / widest),
        behindRows: behindBytes === undefined ? this.behindRows : Math.floor(behindBytes / widest),
        stepRows: stepBytes === undefined ? this.stepRows : Math.max(1, Math.floor(stepBytes / widest)),
        lastAdvisedRow: -1,
        releasedUpToBytes: stream.columns.map((column) => alignUp(column.offsetBytes, this.pageSizeBytes)),
        finished: false,
      };
    });
  }

  /**
   * Moves stream `streamIndex`'s cursor to `cursorRow` (0-based, clamped to the stream's `rowCount`) and
   * advises if it moved at least `stepRows` rows (either direction) since the last advice. Ignored after
   * the stream was finished.
   * @throws {PrefetchArgumentError} for an unknown stream or a negative/non-integer row.
   */
  update(streamIndex: number, cursorRow: number): void {
    this.#stats.calls++;
    const state = this.#state(streamIndex);
    if (!Number.isSafeInteger(cursorRow) || cursorRow < 0) {
      throw new PrefetchArgumentError('cursorRow', 'an integer >= 0', cursorRow);
    }
    if (state.finished) return;
    if (state.lastAdvisedRow >= 0 && Math.abs(cursorRow - state.lastAdvisedRow) < state.stepRows) return;
    const stream = this.#streams[streamIndex]!;
    const cursor = Math.min(cursorRow, stream.rowCount);
    state.lastAdvisedRow = cursor;
    const page = this.pageSizeBytes;
    const fileBytes = stream.file.byteLength;
    let advised = false;
    stream.columns.forEach((column, c) => {
      const aheadEndRow = Math.min(cursor + state.aheadRows, stream.rowCount);
      if (aheadEndRow > cursor) {
        const start = alignDown(column.offsetBytes + cursor * column.bytesPerRow, page);
        const end = Math.min(alignUp(column.offsetBytes + aheadEndRow * column.bytesPerRow, page), fileBytes);
        if (end > start) {
          this.#advise(stream, 'willneed', start, end - start);
          advised = true;
        }
      }
      const releaseEndRow = cursor - state.behindRows;
      if (releaseEndRow > 0) {
        const releaseEnd = alignDown(column.offsetBytes + releaseEndRow * column.bytesPerRow, page);
        const releasedUpTo = state.releasedUpToBytes[c]!;
        if (releaseEnd > releasedUpTo) {
          this.#advise(stream, 'dontneed', releasedUpTo, releaseEnd - releasedUpTo);
          state.releasedUpToBytes[c] = releaseEnd;
          advised = true;
        }
      }
    });
    if (advised) this.#stats.advisedCalls++;
  }

  /**
   * Releases (DONTNEED) everything of stream `streamIndex` not released yet, up to each column's end
   * rounded up to a page (clamped to the file), and ignores later updates of it. Streams never updated
   * are only marked finished: nothing was advised for them. Idempotent.
   * @throws {PrefetchArgumentError} for an unknown stream.
   */
  finishStream(streamIndex: number): void {
    const state = this.#state(streamIndex);
    if (state.finished) return;
    state.finished = true;
    if (state.lastAdvisedRow < 0) return;
    const stream = this.#streams[streamIndex]!;
    stream.columns.forEach((column, c) => {
      const columnEnd = column.offsetBytes + stream.rowCount * column.bytesPerRow;
      const end = Math.min(alignUp(columnEnd, this.pageSizeBytes), stream.file.byteLength);
      const releasedUpTo = state.releasedUpToBytes[c]!;
      if (end > releasedUpTo) {
        this.#advise(stream, 'dontneed', releasedUpTo, end - releasedUpTo);
        state.releasedUpToBytes[c] = end;
      }
    });
  }

  /** {@link finishStream} for every stream. */
  finish(): void {
    for (let s = 0; s < this.#streams.length; s++) this.finishStream(s);
  }

  /** A snapshot of the advice counters. */
  stats(): PrefetchStats {
    return { ...this.#stats };
  }

  #state(streamIndex: number): StreamState {
    const state = Number.isInteger(streamIndex) ? this.#states[streamIndex] : undefined;
    if (state === undefined) {
      throw new PrefetchArgumentError(
        'streamIndex',
        `an integer in [0, ${this.#states.length})`,
        streamIndex,
      );
    }
    return state;
  }

  #advise(
    stream: PrefetchStream,
    advice: 'willneed' | 'dontneed',
    offsetBytes: number,
    lengthBytes: number,
  ): void {
    stream.file.advise(advice, offsetBytes, lengthBytes);
    if (advice === 'willneed') {
      this.#stats.willneedCalls++;
      this.#stats.willneedBytes += lengthBytes;
    } else {
      this.#stats.dontneedCalls++;
      this.#stats.dontneedBytes += lengthBytes;
    }
  }
}

function optionalInteger(argument: string, value: number | undefined, min: number): number | undefined {
  return value === undefined ? undefined : requireInteger(argument, value, min);
}
