import { pageSizeBytes as systemPageSizeBytes } from '@mmtape/mmap-core';
import { PrefetchArgumentError } from './errors.js';
import { alignDown, alignUp, requireInteger, validateStreams } from './page-math.js';
import { emptyPrefetchStats, type PrefetchStats } from './prefetch-stats.js';
import type { PrefetchStream } from './prefetch-stream.js';
import { defaultAheadRows } from './window-size.js';

/**
 * Rows kept mapped behind the cursor before DONTNEED: 0, release up to the page that holds the cursor.
 * What a column keeps mapped (RssFile) is the rows from the last release to the end of the kernel's
 * fault-around block (64 KiB) that holds the cursor, so rows kept behind add to every column's share
 * (512 rows = 4 KiB per f64 column, 16 MiB for 2,000 streams × 2 columns). Reads behind the cursor stay
 * valid: DONTNEED on a shared file mapping only unmaps, a later read faults the page back in from the page
 * cache.
 */
export const DEFAULT_BEHIND_ROWS = 0;
/**
 * Minimum cursor movement, in rows, between two rounds of advice for one stream: 2,048 rows = 16 KiB of
 * an f64 column (4 pages of 4 KiB). Rows released late stay mapped, so between block edges a column holds
 * up to its 64 KiB fault-around block plus `stepRows` rows behind the cursor; a round costs at most two
 * `madvise` calls per column (DONTNEED the rows passed, WILLNEED the rows newly in the window). Chosen by
 * measurement (package README): with the rounds at block edges, 2,048 rows gave the peak RSS of 1,024
 * rows with a third fewer `madvise` calls, and 4,096 rows ~8 MiB more. 8,192 rows (one round per
 * fault-around block of an f64 column) halves the DONTNEEDs, but on the cold 32 GB replay in segment
 * files it raised the peak RSS from 320–346 to 439 MiB for no measurable speed (README, "A wider window").
 */
export const DEFAULT_STEP_ROWS = 2_048;
/**
 * Fraction of `aheadRows` below which a WILLNEED request is not issued: a round advises a column only
 * once the part of its window not advised yet is at least half the window (or reaches the column end),
 * so each request is ≥ `aheadRows / 2` rows (1 MiB of f64 with the default window) and the disk sees large
 * sequential requests, while the other half of the window is still ahead of the cursor. Internal.
 */
const DEFAULT_REQUEST_FRACTION = 0.5;

/**
 * Rows of a stream's first WILLNEED request (its first round, or a move back): 8,192 rows = 64 KiB of an
 * f64 column, one checksum block of `@mmtape/columnar-format` (its block verifier's first read of a
 * column), so a verified replay's first reads find their pages requested. Each later forward round
 * advises up to twice the previous request past the end of the last one until the window is whole
 * (the default 262,144-row window after 5 requests of 64 KiB to 1 MiB of f64, by 7,168 rows of cursor
 * movement at the default `stepRows`), ahead of the verifier's later 256 KiB reads. Why a ramp: a replay
 * starts every stream at once and its first block needs the first rows of all of them, but a whole first
 * window per stream, requested stream after stream (4,000 columns × 1 MiB = 4 GiB at 2,000 symbols),
 * made the last streams' first pages wait behind every other stream's window; see the package README
 * ("The start of a cold replay") for the measurement.
 */
export const DEFAULT_RAMP_ROWS = 8_192;

/**
 * Bytes the kernel maps around a page fault on a file mapping: 65,536 (64 KiB), Linux's default
 * `fault_around_bytes` (debugfs `/sys/kernel/debug/fault_around_bytes`; measured on Linux 6.18, where it
 * still applies to `MADV_RANDOM` mappings). The first fault of a column maps its whole
 * 64 KiB-aligned block, including the bytes before the column (a header or another column) that no
 * cursor ever releases, and the last one maps the bytes after the column end.
 */
export const DEFAULT_FAULT_AROUND_BYTES = 65_536;

/**
 * Pages before a fault-around block boundary in which the cursor triggers a round of advice regardless of
 * `stepRows`: 2 pages (8 KiB of 4 KiB pages), more than the 64 rows (512 bytes) the replay's merge stages
 * ahead of its cursor, so the round comes before the fault that maps the next block. Internal.
 */
const EDGE_PAGES = 2;

/** Options of {@link SlidingWindowPrefetcher}. Byte options win over row options when both are given. */
export interface SlidingWindowOptions {
  /**
   * Rows ahead of the cursor to advise WILLNEED, ≥ 0. Default `defaultAheadRows(streams)`:
   * `DEFAULT_AHEAD_ROWS` (262,144) when half the available memory holds every stream's windows, else less.
   */
  aheadRows?: number;
  /**
   * Rows of a stream's first WILLNEED request, ≥ 1 (capped at `aheadRows`): the first round and a move
   * back advise `[cursorRow, cursorRow + rampRows)`, each later forward round up to twice the previous
   * request past the end of the last one (regardless of `requestRows`), until the window is whole; then
   * the `requestRows` rule applies. Default {@link DEFAULT_RAMP_ROWS} (8,192); `aheadRows` turns the
   * ramp off.
   */
  rampRows?: number;
  /** `rampRows` in bytes of the widest column of each stream (at least one row), ≥ 1. */
  rampBytes?: number;
  /** Rows behind the cursor kept before DONTNEED, ≥ 0. Default {@link DEFAULT_BEHIND_ROWS} (0). */
  behindRows?: number;
  /**
   * Smallest WILLNEED request in rows, ≥ 1 (capped at `aheadRows`): a round advises a column's window
   * only when the part not advised yet has at least this many rows or reaches the column's end, so the
   * kernel reads in requests of this size or more. Default `floor(aheadRows / 2)` (at least 1). `1`
   * advises whatever is new at every round.
   */
  requestRows?: number;
  /**
   * Cursor movement, in rows, that triggers a new round of advice, ≥ 1. Default
   * {@link DEFAULT_STEP_ROWS} (2,048). Keep it below `aheadRows`, or rows between windows go unadvised.
   * A forward move into the last 2 pages before a column's fault-around block boundary also triggers one.
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
  /** `requestRows` in bytes of the widest column of each stream (at least one row), ≥ 1. */
  requestBytes?: number;
  /**
   * `'random'` (default): advise `MADV_RANDOM` over each stream's whole file when the prefetcher is
   * constructed, so a page fault reads only its own page instead of the kernel's read-around (up to
   * `read_ahead_kb` around the fault, 8 MiB on a disk set to 8,192, mostly other columns and rows the
   * window releases before use); the WILLNEED windows are then the only read-ahead. `'keep'`: leave the
   * mapping's access pattern as it is.
   */
  accessPattern?: 'random' | 'keep';
  /**
   * `'window'` (default): WILLNEED the window ahead of every cursor as it moves. `'start'`: WILLNEED only
   * on a stream's first round and on moves back (the window from a new position), and leave the windows
   * of a forward replay to another thread: a {@link WillneedWorker} advising the same files from its
   * own mappings (so the kernel's page-cache fill runs on another core). DONTNEED is the same for both.
   */
  willneed?: 'window' | 'start';
  /** Page size in bytes used for alignment. Default: `pageSizeBytes()` of `@mmtape/mmap-core`. */
  pageSizeBytes?: number;
  /**
   * The kernel's fault-around block in bytes, ≥ 0. Default {@link DEFAULT_FAULT_AROUND_BYTES} (65,536).
   * A column's first DONTNEED starts at its start rounded down to this block (releasing what the
   * column's first fault mapped before it: the file header, an unused column), and
   * {@link SlidingWindowPrefetcher.finishStream} releases up to its end rounded up to it; neither goes
   * into the bytes of another column of the stream; and a cursor entering the last 2 pages before one of
   * its boundaries triggers a round. Values up to `pageSizeBytes` mean one page (releases start at the
   * page holding a column's first row); up to 2 pages there are no edge rounds.
   */
  faultAroundBytes?: number;
}

interface StreamState {
  /** Windows of this stream, in rows (from the row or byte options). */
  aheadRows: number;
  behindRows: number;
  stepRows: number;
  /** Smallest WILLNEED request, rows (≤ aheadRows, ≥ 1 unless aheadRows is 0). */
  requestRows: number;
  /** First WILLNEED request of the ramp, rows (≥ 1). */
  rampRows: number;
  /** Rows of the ramp's next request, 0 once the window is whole. */
  rampRequestRows: number;
  /** Row up to which the window was advised (exclusive), -1 before any. */
  advisedEndRow: number;
  /** Cursor row of the last round of advice, -1 before the first. */
  lastAdvisedRow: number;
  /** Per column: absolute byte offset up to which WILLNEED was issued (page-aligned), -1 before any. */
  advisedUpToBytes: number[];
  /** Per column: absolute byte offset up to which DONTNEED was issued (page-aligned). */
  releasedUpToBytes: number[];
  /** Per column: where releases start (the first one, and the lowest any later one goes back to). */
  releaseStartBytes: number[];
  /** Per column: where {@link SlidingWindowPrefetcher.finishStream} stops releasing (exclusive). */
  releaseEndBytes: number[];
  finished: boolean;
  /** Cursor row from which the next fault-around block boundary of a column is near (see update). */
  edgeRow: number;
}

/**
 * Keeps a sliding window of rows advised around a cursor, for each of many streams (typically one per
 * symbol, during a k-way merge replay).
 *
 * At construction (`accessPattern: 'random'`, the default) each stream's whole file is advised
 * `MADV_RANDOM`: page faults then read only their page, and the WILLNEED windows below are the only
 * read-ahead (package README, "I/O policy").
 *
 * On {@link update} (cheap to call on every row), once the cursor has moved at least `stepRows` since the
 * stream's last round (or on the first call), or has moved forward into the last 2 pages before a
 * `faultAroundBytes` block boundary of one of the stream's columns (the next fault there maps the whole
 * next block, so every column is released just before it), for every column:
 * - WILLNEED `[cursorRow, cursorRow + aheadRows)` clamped to the column, rounded outward to pages and
 *   clamped to the file. The first round and a move back advise the whole window; a forward move advises
 *   only the part past the end of the previous WILLNEED, and only once that part holds `requestRows`
 *   rows (default half the window) or reaches the column's end, so each page gets one WILLNEED on a
 *   forward replay and the kernel reads in large requests;
 * - DONTNEED the rows before `cursorRow - behindRows` not released yet, rounded down to a page, from the
 *   start of the `faultAroundBytes` block where the last release ended (a later fault in that block maps
 *   its released pages again). The first release of a column starts at the column start rounded down to
 *   `faultAroundBytes`, so the bytes before the column that the kernel mapped with the column's first
 *   fault (a header, a column nobody reads) are released too, but never before the end of the stream's
 *   previous column in file order (a page shared with it is left to the previous column). The ranges of
 *   two columns never overlap; a column's releases overlap by at most one block.
 *
 * {@link finishStream} / {@link finish} release the rest of each column up to its end rounded up to
 * `faultAroundBytes`, clamped to the next column's range and to the file.
 *
 * @example
 * const prefetcher = new SlidingWindowPrefetcher([{ file, columns: [{ offsetBytes: 64, bytesPerRow: 8 }], rowCount }]);
 * for (let row = 0; row < rowCount; row++) { prefetcher.update(0, row); use(row); }
 * prefetcher.finish();
 */
export class SlidingWindowPrefetcher {
  /** Rows advised WILLNEED ahead of each cursor (row option; byte options override it per stream). */
  readonly aheadRows: number;
  /** Rows kept mapped behind each cursor before DONTNEED (row option; see `behindBytes`). */
  readonly behindRows: number;
  /** Rows a cursor moves between two rounds of advice, besides the block-edge rounds (row option). */
  readonly stepRows: number;
  /** Smallest WILLNEED request, rows (row option, before the cap at each stream's `aheadRows`). */
  readonly requestRows: number;
  /** First WILLNEED request of a stream's window, rows (row option; see `rampBytes`). */
  readonly rampRows: number;
  /** Whether each stream's file was advised `MADV_RANDOM` at construction. */
  readonly accessPattern: 'random' | 'keep';
  /** Which WILLNEED windows this prefetcher issues (see {@link SlidingWindowOptions.willneed}). */
  readonly willneed: 'window' | 'start';
  /** Page size in bytes used to align every advised range. */
  readonly pageSizeBytes: number;
  /**
   * Fault-around block in bytes: the column edges are released to its multiples and a round comes in the
   * last 2 pages before each of its boundaries (none when it is 2 pages or less).
   */
  readonly faultAroundBytes: number;
  /** Alignment of the edge releases: `max(pageSizeBytes, faultAroundBytes)` rounded up to pages. */
  readonly #spillBytes: number;
  readonly #streams: readonly PrefetchStream[];
  readonly #states: StreamState[];
  readonly #stats: PrefetchStats = emptyPrefetchStats();

  /**
   * @throws {PrefetchArgumentError} for non-integer or out-of-range options, or a column that extends past
   *   its file's `byteLength`.
   */
  constructor(streams: PrefetchStream[], options: SlidingWindowOptions = {}) {
    validateStreams(streams);
    this.aheadRows = requireInteger('aheadRows', options.aheadRows ?? defaultAheadRows(streams), 0);
    this.behindRows = requireInteger('behindRows', options.behindRows ?? DEFAULT_BEHIND_ROWS, 0);
    this.stepRows = requireInteger('stepRows', options.stepRows ?? DEFAULT_STEP_ROWS, 1);
    this.requestRows = requireInteger(
      'requestRows',
      options.requestRows ?? Math.max(1, Math.floor(this.aheadRows * DEFAULT_REQUEST_FRACTION)),
      1,
    );
    this.rampRows = requireInteger('rampRows', options.rampRows ?? DEFAULT_RAMP_ROWS, 1);
    const accessPattern = options.accessPattern ?? 'random';
    if (accessPattern !== 'random' && accessPattern !== 'keep') {
      throw new PrefetchArgumentError('accessPattern', "'random' or 'keep'", accessPattern);
    }
    this.accessPattern = accessPattern;
    const willneed = options.willneed ?? 'window';
    if (willneed !== 'window' && willneed !== 'start') {
      throw new PrefetchArgumentError('willneed', "'window' or 'start'", willneed);
    }
    this.willneed = willneed;
    this.pageSizeBytes = requireInteger('pageSizeBytes', options.pageSizeBytes ?? systemPageSizeBytes(), 1);
    this.faultAroundBytes = requireInteger(
      'faultAroundBytes',
      options.faultAroundBytes ?? DEFAULT_FAULT_AROUND_BYTES,
      0,
    );
    this.#spillBytes = alignUp(Math.max(this.pageSizeBytes, this.faultAroundBytes), this.pageSizeBytes);
    const aheadBytes = optionalInteger('aheadBytes', options.aheadBytes, 0);
    const behindBytes = optionalInteger('behindBytes', options.behindBytes, 0);
    const stepBytes = optionalInteger('stepBytes', options.stepBytes, 1);
    const requestBytes = optionalInteger('requestBytes', options.requestBytes, 1);
    const rampBytes = optionalInteger('rampBytes', options.rampBytes, 1);
    this.#streams = [...streams];
    this.#states = this.#streams.map((stream) => {
      const widest = stream.columns.reduce((w, c) => Math.max(w, c.bytesPerRow), 1);
      const { startBytes, endBytes } = releaseBounds(stream, this.pageSizeBytes, this.#spillBytes);
      const aheadRows = aheadBytes === undefined ? this.aheadRows : Math.floor(aheadBytes / widest);
      const requestRows =
        requestBytes !== undefined
          ? Math.max(1, Math.floor(requestBytes / widest))
          : options.requestRows !== undefined || aheadBytes === undefined
            ? this.requestRows
            : Math.max(1, Math.floor(aheadRows * DEFAULT_REQUEST_FRACTION));
      return {
        aheadRows,
        behindRows: behindBytes === undefined ? this.behindRows : Math.floor(behindBytes / widest),
        stepRows: stepBytes === undefined ? this.stepRows : Math.max(1, Math.floor(stepBytes / widest)),
        requestRows: Math.max(1, Math.min(requestRows, aheadRows)),
        rampRows: rampBytes === undefined ? this.rampRows : Math.max(1, Math.floor(rampBytes / widest)),
        rampRequestRows: 0,
        advisedEndRow: -1,
        lastAdvisedRow: -1,
        advisedUpToBytes: stream.columns.map(() => -1),
        releasedUpToBytes: [...startBytes],
        releaseStartBytes: startBytes,
        releaseEndBytes: endBytes,
        finished: false,
        edgeRow: Number.POSITIVE_INFINITY,
      };
    });
    if (this.accessPattern === 'random') {
      for (const stream of this.#streams) {
        if (stream.file.byteLength > 0) stream.file.advise('random', 0, stream.file.byteLength);
      }
    }
  }

  /**
   * Moves stream `streamIndex`'s cursor to `cursorRow` (0-based, clamped to the stream's `rowCount`) and
   * advises if it moved at least `stepRows` rows (either direction) since the last advice, or forward into
   * the last 2 pages before a column's next fault-around block boundary. Ignored after the stream was
   * finished.
   * @throws {PrefetchArgumentError} for an unknown stream or a negative/non-integer row.
   */
  update(streamIndex: number, cursorRow: number): void {
    this.#stats.calls++;
    const state = this.#state(streamIndex);
    if (!Number.isSafeInteger(cursorRow) || cursorRow < 0) {
      throw new PrefetchArgumentError('cursorRow', 'an integer >= 0', cursorRow);
    }
    if (state.finished) return;
    const previousRow = state.lastAdvisedRow;
    if (
      previousRow >= 0 &&
      Math.abs(cursorRow - previousRow) < state.stepRows &&
      !(cursorRow >= state.edgeRow && cursorRow > previousRow)
    ) {
      return;
    }
    const stream = this.#streams[streamIndex]!;
    const cursor = Math.min(cursorRow, stream.rowCount);
    // Only a forward move can rely on the WILLNEED already issued; the first round and a move back
    // advise the whole window.
    const forward = previousRow >= 0 && cursor >= previousRow;
    state.lastAdvisedRow = cursor;
    const page = this.pageSizeBytes;
    const fileBytes = stream.file.byteLength;
    let advised = false;
    const columns = stream.columns;
    const ahead = !forward || this.willneed === 'window';
    const aheadEndRow = ahead ? this.#rampEndRow(state, stream.rowCount, cursor, forward) : cursor;
    const ramping = state.rampRequestRows > 0;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      if (ahead && aheadEndRow > cursor) {
        const windowStart = alignDown(column.offsetBytes + cursor * column.bytesPerRow, page);
        const end = Math.min(alignUp(column.offsetBytes + aheadEndRow * column.bytesPerRow, page), fileBytes);
        // Forward, the part before the end of the previous WILLNEED was advised already; what is new is
        // advised once it makes a request of requestRows rows, or reaches the column's end.
        const start = forward ? Math.max(windowStart, state.advisedUpToBytes[c]!) : windowStart;
        const large =
          !forward ||
          ramping ||
          aheadEndRow === stream.rowCount ||
          end - start >= state.requestRows * column.bytesPerRow;
        if (end > start && large) {
          this.#advise(stream, 'willneed', start, end - start);
          state.advisedUpToBytes[c] = end;
          state.advisedEndRow = aheadEndRow;
          advised = true;
        }
      }
      const releaseEndRow = cursor - state.behindRows;
      if (releaseEndRow > 0) {
        const releaseEnd = alignDown(column.offsetBytes + releaseEndRow * column.bytesPerRow, page);
        const releasedUpTo = state.releasedUpToBytes[c]!;
        if (releaseEnd > releasedUpTo) {
          const from = this.#releaseFrom(state, c, releasedUpTo);
          this.#advise(stream, 'dontneed', from, releaseEnd - from, releaseEnd - releasedUpTo);
          state.releasedUpToBytes[c] = releaseEnd;
          advised = true;
        }
      }
    }
    state.edgeRow = this.#edgeRow(stream, cursor);
    if (advised) this.#stats.advisedCalls++;
  }

  /**
   * Releases (DONTNEED) everything of stream `streamIndex` not released yet, up to each column's end
   * rounded up to the fault-around block (`faultAroundBytes`, at least a page; clamped to the file), and
   * ignores later updates of it. Streams never updated are only marked finished: nothing was advised for
   * them. Idempotent.
   * @throws {PrefetchArgumentError} for an unknown stream.
   */
  finishStream(streamIndex: number): void {
    const state = this.#state(streamIndex);
    if (state.finished) return;
    state.finished = true;
    if (state.lastAdvisedRow < 0) return;
    const stream = this.#streams[streamIndex]!;
    stream.columns.forEach((_column, c) => {
      const end = state.releaseEndBytes[c]!;
      const releasedUpTo = state.releasedUpToBytes[c]!;
      if (end > releasedUpTo) {
        const from = this.#releaseFrom(state, c, releasedUpTo);
        this.#advise(stream, 'dontneed', from, end - from, end - releasedUpTo);
        state.releasedUpToBytes[c] = end;
      }
    });
  }

  /** {@link finishStream} for every stream. */
  finish(): void {
    for (let s = 0; s < this.#streams.length; s++) this.finishStream(s);
  }

  /**
   * Absolute byte offset in the stream's file up to which column `columnIndex` of stream `streamIndex`
   * was advised WILLNEED (page-aligned, exclusive), -1 before any: a reader that reads ahead of the cursor
   * (the {@link WillneedWorker}'s touch) stays within it, so its reads find their pages requested.
   * @throws {PrefetchArgumentError} for an unknown stream or column.
   */
  advisedUpToBytes(streamIndex: number, columnIndex: number): number {
    const advised = this.#state(streamIndex).advisedUpToBytes;
    if (!Number.isInteger(columnIndex) || columnIndex < 0 || columnIndex >= advised.length) {
      throw new PrefetchArgumentError('columnIndex', `an integer in [0, ${advised.length})`, columnIndex);
    }
    return advised[columnIndex]!;
  }

  /**
   * End row (exclusive) of this round's WILLNEED window: the whole window `cursor + aheadRows` (clamped to
   * the stream), or during the ramp (see {@link SlidingWindowOptions.rampRows}) the next ramp request.
   * Updates the ramp: started by a first round or a move back, doubled by each forward round, over (0)
   * once a request reaches the whole window.
   */
  #rampEndRow(state: StreamState, rowCount: number, cursor: number, forward: boolean): number {
    const windowEnd = Math.min(cursor + state.aheadRows, rowCount);
    if (!forward) state.rampRequestRows = state.rampRows;
    else if (state.rampRequestRows > 0) state.rampRequestRows *= 2;
    if (state.rampRequestRows === 0) return windowEnd;
    const end = (forward ? Math.max(cursor, state.advisedEndRow) : cursor) + state.rampRequestRows;
    if (end < windowEnd) return end;
    state.rampRequestRows = 0;
    return windowEnd;
  }

  /**
   * Start of a release of column `c` whose previous release ended at `releasedUpTo`: the start of the
   * fault-around block holding it (not before the column's first release start). A fault maps every
   * cached page of its block, also those released before; when the cursor catches up with the reads (the
   * block was only partly cached at its first fault: a ramp, a slow device), a later fault in the block
   * maps the released pages behind the cursor again, and releasing only from `releasedUpTo` on would
   * leave them mapped to the end of the replay (measured: +40 KiB per file at 2,000 files, package README).
   */
  #releaseFrom(state: StreamState, c: number, releasedUpTo: number): number {
    return Math.max(state.releaseStartBytes[c]!, alignDown(releasedUpTo, this.#spillBytes));
  }

  /** A snapshot of the advice counters. */
  stats(): PrefetchStats {
    return { ...this.#stats };
  }

  /**
   * The first row after `cursor` at which a column's cursor enters the last {@link EDGE_PAGES} pages
   * before one of its fault-around block boundaries (`faultAroundBytes`), or infinity. Reaching it
   * triggers a round even within `stepRows`: the next fault maps the whole next block, so releasing every
   * column just before it keeps the pages behind the cursors out of the peak.
   */
  #edgeRow(stream: PrefetchStream, cursor: number): number {
    const block = this.#spillBytes;
    const edge = EDGE_PAGES * this.pageSizeBytes;
    if (block <= edge) return Number.POSITIVE_INFINITY;
    let row = Number.POSITIVE_INFINITY;
    for (const column of stream.columns) {
      const cursorBytes = column.offsetBytes + cursor * column.bytesPerRow;
      let trigger = alignDown(cursorBytes, block) + block - edge;
      if (trigger <= cursorBytes) trigger += block;
      const triggerRow = Math.ceil((trigger - column.offsetBytes) / column.bytesPerRow);
      if (triggerRow < stream.rowCount && triggerRow < row) row = triggerRow;
    }
    return row;
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
    newBytes = lengthBytes,
  ): void {
    stream.file.advise(advice, offsetBytes, lengthBytes);
    if (advice === 'willneed') {
      this.#stats.willneedCalls++;
      this.#stats.willneedBytes += lengthBytes;
    } else {
      this.#stats.dontneedCalls++;
      this.#stats.dontneedBytes += newBytes;
    }
  }
}

/**
 * Per column, the byte range `[startBytes, endBytes)` its DONTNEED calls cover over the whole replay: the
 * column's pages, widened to its fault-around blocks (`spillBytes`) where no other column of the stream
 * lies, so the ranges of two columns never overlap and a column's edge release never touches another
 * column's rows. Columns are taken in file order; a page shared by two columns belongs to the first
 * (released when the stream finishes). Internal.
 */
function releaseBounds(
  stream: PrefetchStream,
  pageBytes: number,
  spillBytes: number,
): { startBytes: number[]; endBytes: number[] } {
  const columns = stream.columns;
  const order = columns.map((_, c) => c).sort((x, y) => columns[x]!.offsetBytes - columns[y]!.offsetBytes);
  const startBytes = new Array<number>(columns.length);
  const endBytes = new Array<number>(columns.length);
  let previousEndBytes = 0; // end of the columns before, in file order (0: nothing before)
  for (const c of order) {
    const column = columns[c]!;
    startBytes[c] = Math.max(alignDown(column.offsetBytes, spillBytes), alignUp(previousEndBytes, pageBytes));
    previousEndBytes = Math.max(previousEndBytes, column.offsetBytes + stream.rowCount * column.bytesPerRow);
  }
  order.forEach((c, k) => {
    const column = columns[c]!;
    const columnEnd = alignUp(column.offsetBytes + stream.rowCount * column.bytesPerRow, pageBytes);
    const next = k + 1 < order.length ? startBytes[order[k + 1]!]! : Number.POSITIVE_INFINITY;
    const spillEnd = Math.min(alignUp(columnEnd, spillBytes), next);
    endBytes[c] = Math.min(Math.max(columnEnd, spillEnd), stream.file.byteLength);
  });
  return { startBytes, endBytes };
}

function optionalInteger(argument: string, value: number | undefined, min: number): number | undefined {
  return value === undefined ? undefined : requireInteger(argument, value, min);
}
