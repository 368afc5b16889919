import { ChunkBatcher } from './chunk-batcher.js';
import { InvalidReplayOptionError } from './errors.js';
import { type MergeKernel, MergeState, type RowReader } from './merge-state.js';
import {
  ADAPT_WINDOW_BATCHES,
  BLOCK_AT_EVENTS_PER_BATCH,
  BLOCK_AT_STREAMS,
  BUCKETS_AT_EVENTS_PER_BATCH,
  DEFAULT_BLOCK_EVENTS,
  DEFAULT_CHUNK_EVENTS,
  DEFAULT_STAGE_ROWS,
  DEFAULT_WINDOW_ROWS,
  TREE_BELOW_EVENTS_PER_BATCH,
} from './merge-tuning.js';
import type { ReplayBatch } from './replay-batch.js';
import type { ReplayChunk } from './replay-chunk.js';
import { sleepMs } from './sleep.js';
import { BlockStrategy } from './strategies/block.js';
import { BucketsStrategy } from './strategies/buckets.js';
import { TreeStrategy } from './strategies/tree.js';

/**
 * How {@link KWayMerge} fills its chunks (and so its batches, one run of a chunk each). Every strategy
 * produces exactly the same order and runs.
 * - `'tree'`: a loser tree over stream heads, one `log2 N` replay per event. Best when few streams share
 *   a timestamp (irregular ticks).
 * - `'buckets'`: a calendar of distinct head timestamps ({@link TimestampBuckets}), one heap operation
 *   per batch and O(1) per event. Best when many streams share each timestamp (bars).
 * - `'block'`: sorts a block of time at once. It takes at most `k` rows from every live stream (the block
 *   ends before the earliest timestamp any stream has `k` rows ahead, so no stream is cut short), reads
 *   each stream's rows of the block once (timestamps and gathered columns, into contiguous copies), finds
 *   the block's distinct timestamps, and places every event stably (streams in id order, so ties stay
 *   ordered by symbol id): bars with one row per stream and timestamp go to a grid of one slot per
 *   (timestamp, stream) in one pass, other blocks through a counting sort. Its chunks are views of the block
 *   arrays (no copy): the fastest by far when many events share each timestamp (bars). A block whose events
 *   share too few timestamps (mean below {@link BLOCK_MIN_EVENTS_PER_BATCH}: irregular ticks) is sorted
 *   instead as packed keys `(ns offset, stream)` (a bucket sort on the top 16 bits, then insertion sort per
 *   bucket, in WebAssembly unless `kernel: 'js'`; a stable LSD radix sort when the keys cluster or do not
 *   pack); with fewer than {@link BLOCK_RADIX_MIN_STREAMS} live streams such a block goes to
 *   buckets or the tree (`'auto'`), or to the tree for a while (forced `'block'`).
 * - `'auto'` (default): picks from the stream heads (block when at most one distinct head timestamp per
 *   {@link BLOCK_AT_EVENTS_PER_BATCH} live streams or at least {@link BLOCK_AT_STREAMS} live streams,
 *   buckets when at most half as many distinct head timestamps as live streams, else tree), then
 *   re-decides every {@link ADAPT_WINDOW_BATCHES} batches (at block boundaries) from the mean batch size
 *   `e` and the live streams `L`: block when `e ≥ 8` or `L ≥ 256`, else buckets when `e ≥ 4` (leave
 *   below 2), else tree; a switch rebuilds the new structure from the cursors in O(N).
 */
export type MergeStrategy = 'auto' | 'tree' | 'buckets' | 'block';

/** The concrete algorithms of {@link MergeStrategy}. */
type MergeMode = 'tree' | 'buckets' | 'block';

/** Options of {@link KWayMerge}. */
export interface KWayMergeOptions {
  /** First timestamp to replay (inclusive), ns since epoch. Default: the earliest row of every stream. */
  startNs?: bigint;
  /** End of the replay (exclusive), ns since epoch. Default: past the last row of every stream. */
  endNs?: bigint;
  /** Merge algorithm, see {@link MergeStrategy}. Default `'auto'`. */
  strategy?: MergeStrategy;
  /**
   * Columns to gather into `batch.columns`: `columns[name][s]` is stream `s`'s column (same length as
   * its timestamps, Float64Array or BigInt64Array). Each emitted event's value is copied into
   * `batch.columns[name][i]`, aligned with `batch.symbolIds[i]`, so a consumer reads one dense array per
   * batch instead of one array per stream. Default: none.
   */
  columns?: Readonly<Record<string, readonly (Float64Array | BigInt64Array)[]>>;
  /**
   * Rows per stream copied at a time from the streams (and gathered columns) into one contiguous heap
   * buffer that the merge reads, ≥ 1. Default {@link DEFAULT_STAGE_ROWS}: see there for why.
   */
  stageRows?: number;
  /**
   * Target events per block of the `'block'` strategy, ≥ 1: each block takes at most
   * `max(1, floor(blockEvents / live streams))` rows per stream. Default {@link DEFAULT_BLOCK_EVENTS}.
   */
  blockEvents?: number;
  /**
   * Capacity of the chunks of {@link KWayMerge.nextChunk}, events ≥ 1. Default
   * {@link DEFAULT_CHUNK_EVENTS} (262,144, the default block: a block is one chunk): see there for why.
   */
  chunkEvents?: number;
  /**
   * Implementation of the `'block'` strategy's bar grid and sort of sparse blocks (irregular ticks):
   * `'native'` (default) as `'wasm'`, but the bar grid and the sparse blocks after the first run in the
   * native kernels (`native/block_kernels.c`, built at install when a C compiler and the Node headers are
   * here; not with `readRows`), which read the streams in place; `'wasm'` the WebAssembly kernels; `'js'`
   * the TypeScript paths. All emit exactly the same events. Measured in memory on 3,000 streams × 2,000
   * rows (README, "block"): the WebAssembly kernels sort ticks 2–3× faster than TypeScript and bars ~1.1×;
   * the native ones replay ticks ~1.4× and bars ~1.8× faster than WebAssembly. Without the native module
   * `'native'` runs as `'wasm'`; without WebAssembly in the runtime, or on a big-endian host, `'wasm'` runs
   * the TypeScript paths.
   */
  kernel?: MergeKernel;
  /**
   * Read guard (verified reads): called before the merge reads rows of stream `s` (its timestamps and
   * gathered columns) that it has not read before, with the rows `[startRow, endRow)` it is about to read;
   * returns a row `>= endRow` up to which the stream may then be read without another call (the end of
   * the checked blocks). Called with single rows (`endRow = startRow + 1`) for the binary searches of
   * `startNs`/`endNs`, then for consecutive ranges from the first replayed row on as the merge advances
   * (staging every `stageRows` rows, blocks every `k + 1` rows). Whatever it throws propagates from the
   * constructor or `next()`. Default: none (no call, no cost).
   */
  ensureRows?: (stream: number, startRow: number, endRow: number) => number;
  /**
   * Window reads: when given, the merge never reads the arrays of `streams` and `columns` past the
   * binary searches of `startNs`/`endNs` (through `ensureRows`) and the message of an unsorted stream.
   * It reads every stream's rows through windows of its own, `windowRows` rows of the timestamps and of
   * each gathered column, filled by this function as the cursors advance (each row read once; a block
   * needing more rows of a stream at once grows that stream's window). Made for arrays that map files
   * larger than memory: reading them with `pread` (see `replayDataset`) maps no page into the process,
   * so the resident set is the windows, not the pages the merge touched. The arrays given must still
   * have the rows' lengths (they are checked as without windows). Whatever it throws propagates from
   * `next()`/`nextChunk()`. Default: none (the merge reads the arrays).
   */
  readRows?: RowReader;
  /** Rows per window of {@link readRows}, ≥ 1. Default {@link DEFAULT_WINDOW_ROWS}. */
  windowRows?: number;
}

/** Options of {@link KWayMerge.replayAsync}. */
export interface ReplayAsyncOptions {
  /**
   * Pacing. `'max'` (default) yields batches as fast as the consumer pulls them. A number `k > 0`
   * replays `k` times faster than real time: a batch whose timestamp is `Δ` ns after the first batch's
   * is yielded no earlier than `Δ / k` ns after the first batch was yielded (an absolute schedule, so
   * consumer time and timer lateness do not accumulate as drift). Default `'max'` because replay is
   * usually for backtests, where waiting serves no purpose.
   */
  speed?: number | 'max';
  /** Aborts the replay: a pending sleep rejects at once and iteration throws `signal.reason`. */
  signal?: AbortSignal;
}

/** Counters of a {@link KWayMerge}. */
export interface MergeStats {
  /** Events (rows) handed out so far (in batches or chunks; a chunk filled ahead counts once handed out). */
  events: number;
  /** Batches (distinct timestamps) handed out so far; a run split across chunks counts once. */
  batches: number;
  /**
   * Wall time in ns from the first `next()` (or `nextChunk()`) call to the call that returned `null` (or to
   * now while the merge is running); includes the consumer's time between calls. 0 before the first call.
   */
  elapsedNs: number;
  /** Algorithm in use now. */
  strategy: 'tree' | 'buckets' | 'block';
  /** Times `'auto'` switched between the two algorithms. */
  strategySwitches: number;
}

/**
 * Merges N time-sorted timestamp streams into one global order, one batch per distinct timestamp.
 *
 * Stream `i` is symbol id `i`. Events with equal timestamps are grouped in one {@link ReplayBatch},
 * ordered by symbol id (then row), so the output is deterministic. Internally a loser tree over the
 * stream heads (irregular ticks), a calendar of head timestamps, or sorted blocks of time (bars, where
 * thousands of streams share each timestamp), chosen and re-chosen automatically (see
 * {@link MergeStrategy}); they compare timestamps as `(Int32 high, Uint32 low)` pairs read through views
 * over each stream's buffer: no BigInt is allocated per event (one per batch, for `timestampNs`).
 *
 * Two output APIs over one order: chunks of up to `chunkEvents` events as typed arrays
 * ({@link nextChunk}, {@link chunks}), and batches, one per distinct timestamp ({@link next}, the
 * iterators, {@link replayAsync}), which are runs of the same chunks. A merge hands out one or the other.
 *
 * The replayed range is `[startNs, endNs)`, located in each stream by binary search. Sortedness is
 * checked lazily, one comparison per advanced row, over the replayed range only.
 *
 * ```ts
 * const merge = new KWayMerge([aaplTs, msftTs], { startNs: 1_700_000_000_000_000_000n });
 * for (let b = merge.next(); b !== null; b = merge.next()) {
 *   for (let i = 0; i < b.length; i++) use(b.symbolIds[i], b.rows[i], b.timestampNs);
 * }
 * ```
 *
 * The returned batch is **reused** by every `next()`: copy it if you keep it. The streams and the
 * gathered columns are read in place until the merge ends: they must not be written, detached
 * (transferred) or resized meanwhile (the native kernels hold their memory's addresses; a detached
 * array is a `StreamArrayChangedError`).
 *
 * @throws {InvalidReplayOptionError} when a stream is not a BigInt64Array, has more than 2^32-1 rows,
 * or `startNs`/`endNs` is not a bigint.
 * @throws `StreamArrayChangedError` from `next()`/`nextChunk()` when the native kernels find a stream's
 * or a column's array detached or resized since the merge began.
 * @throws {UnsortedStreamError} from `next()` when a stream's timestamps decrease; the merge must then
 * be discarded.
 */
export class KWayMerge implements Iterable<ReplayBatch> {
  /** Number of streams. */
  readonly streamCount: number;
  /** First row of each stream inside `[startNs, endNs)` (binary search). */
  readonly startRows: Uint32Array;
  /** One past the last row of each stream inside `[startNs, endNs)`. */
  readonly endRows: Uint32Array;

  /** Streams, cursors, staging and the reused outputs, shared by the strategies. */
  private readonly state: MergeState;
  private readonly tree: TreeStrategy;
  private readonly buckets: BucketsStrategy;
  private readonly block: BlockStrategy;
  private readonly adaptive: boolean;
  private mode: MergeMode;
  private switches = 0;
  private windowBatches = 0;
  private windowEvents = 0;
  private events = 0;
  private batches = 0;
  /** Output API in use: 0 none yet, 1 batches, 2 chunks (see `useApi`). */
  private api = 0;
  /** The batches of `next()`, handed out from the chunks. */
  private readonly batcher: ChunkBatcher;
  /** True when the last chunk's last run goes on in the next chunk (its events did not all fit). */
  private runOpen = false;
  /** Forced 'block': batches left to emit through the tree after a fallback. */
  private treeBatchesLeft = 0;
  /** [started, finished] in ms (performance.now()), -1 until set; typed so the fields keep one representation. */
  private readonly clockMs = new Float64Array([-1, -1]);

  constructor(streams: readonly BigInt64Array[], options: KWayMergeOptions = {}) {
    const {
      startNs,
      endNs,
      strategy = 'auto',
      columns = {},
      stageRows = DEFAULT_STAGE_ROWS,
      blockEvents = DEFAULT_BLOCK_EVENTS,
      chunkEvents = DEFAULT_CHUNK_EVENTS,
      kernel = 'native',
      ensureRows,
      readRows,
      windowRows = DEFAULT_WINDOW_ROWS,
    } = options;
    if (kernel !== 'native' && kernel !== 'wasm' && kernel !== 'js') {
      throw new InvalidReplayOptionError({
        option: 'kernel',
        expected: "'native', 'wasm' or 'js'",
        actual: kernel,
      });
    }
    if (!Number.isSafeInteger(chunkEvents) || chunkEvents < 1 || chunkEvents > 2 ** 30) {
      throw new InvalidReplayOptionError({
        option: 'chunkEvents',
        expected: 'an integer from 1 to 2^30',
        actual: chunkEvents,
      });
    }
    if (ensureRows !== undefined && typeof ensureRows !== 'function') {
      throw new InvalidReplayOptionError({
        option: 'ensureRows',
        expected: 'a function',
        actual: ensureRows,
      });
    }
    if (readRows !== undefined && typeof readRows !== 'function') {
      throw new InvalidReplayOptionError({ option: 'readRows', expected: 'a function', actual: readRows });
    }
    if (!Number.isSafeInteger(windowRows) || windowRows < 1 || windowRows > 2 ** 26) {
      throw new InvalidReplayOptionError({
        option: 'windowRows',
        expected: 'an integer from 1 to 2^26',
        actual: windowRows,
      });
    }
    if (!Number.isSafeInteger(blockEvents) || blockEvents < 1) {
      throw new InvalidReplayOptionError({
        option: 'blockEvents',
        expected: 'an integer >= 1',
        actual: blockEvents,
      });
    }
    if (!Number.isSafeInteger(stageRows) || stageRows < 1) {
      throw new InvalidReplayOptionError({
        option: 'stageRows',
        expected: 'an integer >= 1',
        actual: stageRows,
      });
    }
    if (startNs !== undefined && typeof startNs !== 'bigint') {
      throw new InvalidReplayOptionError({ option: 'startNs', expected: 'a bigint (ns)', actual: startNs });
    }
    if (endNs !== undefined && typeof endNs !== 'bigint') {
      throw new InvalidReplayOptionError({ option: 'endNs', expected: 'a bigint (ns)', actual: endNs });
    }
    if (strategy !== 'auto' && strategy !== 'tree' && strategy !== 'buckets' && strategy !== 'block') {
      throw new InvalidReplayOptionError({
        option: 'strategy',
        expected: "'auto', 'tree', 'buckets' or 'block'",
        actual: strategy,
      });
    }
    const state = new MergeState(streams, {
      startNs,
      endNs,
      columns,
      stageRows,
      chunkEvents,
      ensureRows,
      readRows,
      windowRows,
      kernelWindows: kernel !== 'js',
    });
    this.state = state;
    this.streamCount = state.streamCount;
    this.startRows = state.startRows;
    this.endRows = state.endRows;
    this.tree = new TreeStrategy(state);
    this.buckets = new BucketsStrategy(state);
    this.block = new BlockStrategy(state, blockEvents, kernel);
    const live = state.liveStreams();
    // Blocks read the streams directly: staging waits until a switch leaves blocks (it restages then).
    const blockFirst = strategy === 'block' || (strategy === 'auto' && live >= BLOCK_AT_STREAMS);
    if (!blockFirst) state.restage();
    this.adaptive = strategy === 'auto';
    if (strategy === 'auto' && !blockFirst) {
      const distinctHeads = this.buckets.distinctHeads();
      // Mean batch size is about live / distinctHeads while streams move in step.
      this.mode =
        distinctHeads * BLOCK_AT_EVENTS_PER_BATCH <= live
          ? 'block'
          : distinctHeads * 2 <= live
            ? 'buckets'
            : 'tree';
    } else {
      this.mode = blockFirst ? 'block' : (strategy as MergeMode);
    }
    this.build(this.mode);
    this.batcher = new ChunkBatcher(
      state.f64Names,
      state.i64Names,
      () => this.produce(true),
      () => this.runOpen,
    );
  }

  /**
   * Current head row of each stream (the next row the merge will read; `endRows[s]` once exhausted). A
   * live view: read it, do not write it. Prefetchers poll it to follow the replay. The merge fills a
   * chunk at a time, so the cursors run ahead of what was handed out: by up to `chunkEvents` events with
   * the tree and buckets (batches are handed out from the chunk), and with the `'block'` algorithm they
   * move a block at a time (at most `blockEvents / live streams` rows ahead of the block's batches).
   */
  get cursorRows(): Readonly<Uint32Array> {
    return this.state.cursors;
  }

  /**
   * A counter that changes whenever {@link cursorRows} may have changed: once per chunk filled by the
   * tree or buckets (a chunk holds many batches), once per block with the `'block'` algorithm. A poller
   * that sees the same value as last time can skip scanning the cursors. Starts at 0; only equality is
   * meaningful.
   */
  get cursorEpoch(): number {
    return this.state.epoch[0]!;
  }

  /**
   * Returns the next batch (all remaining events at the smallest remaining timestamp), or `null` when
   * every stream is exhausted. The batch object is reused: copy it if you keep it.
   *
   * A batch is one run of equal timestamps of the merge's chunks (see {@link nextChunk}): a large one is a
   * view of the chunk's arrays, a small one, or one that the chunks split, is copied into the batch's
   * own arrays.
   *
   * @throws {UnsortedStreamError} when an advanced-to row is earlier than the previous row of its stream
   * (the chunk being filled holds it, so batches before it in that chunk are not handed out).
   * @throws {InvalidReplayOptionError} when `nextChunk()` was called on this merge before.
   */
  next(): ReplayBatch | null {
    if (this.api !== 1) this.useApi(1);
    const batch = this.batcher.next();
    if (batch === null) return null;
    this.events += batch.length;
    this.batches++;
    return batch;
  }

  /**
   * Pins the merge to one output API: 1 batches (`next()` and what builds on it), 2 chunks
   * (`nextChunk()`). Batches take the rest of a block as one chunk (so that a block's batches are views),
   * which the chunks of `nextChunk()` (at most `chunkEvents`) cannot continue.
   */
  private useApi(api: 1 | 2): void {
    if (this.api === 0) {
      this.api = api;
      return;
    }
    throw new InvalidReplayOptionError({
      option: api === 1 ? 'next()' : 'nextChunk()',
      expected: `no mix of batches and chunks on one KWayMerge (this merge already emitted ${this.api === 1 ? 'batches' : 'chunks'})`,
      actual: api === 1 ? 'next()' : 'nextChunk()',
    });
  }

  /**
   * Returns the next chunk of up to `chunkEvents` events (see {@link ReplayChunk}) in global
   * (timestamp, symbol id, row) order, or `null` when every stream is exhausted. The chunk object and
   * its arrays are reused: the views are valid until the next call. A merge hands out either chunks or
   * batches (`next()`, the iterators), not both.
   *
   * No allocation per event or per batch: the tree and buckets fill the chunk's own arrays
   * (a run longer than the room left is split across chunks, `continuesBatch`); the `'block'` strategy
   * hands out views of its sorted block arrays (a chunk then ends at the end of a block).
   *
   * @throws {UnsortedStreamError} when an advanced-to row is earlier than the previous row of its stream.
   * @throws {InvalidReplayOptionError} when `next()` was called on this merge before.
   */
  nextChunk(): ReplayChunk | null {
    if (this.api !== 2) this.useApi(2);
    const chunk = this.produce(false);
    if (chunk === null) return null;
    this.events += chunk.length;
    this.batches += chunk.continuesBatch ? chunk.batchCount - 1 : chunk.batchCount;
    return chunk;
  }

  /**
   * Fills (tree, buckets: at most `chunkEvents` events) or hands out (`'block'`: views of at most
   * `chunkEvents` events of the block) the next chunk, running the adaptive policy between runs; sets
   * {@link runOpen}. Returns null when every stream is exhausted. Counts the runs for the policy, not in
   * the public counters (the API that hands them out does). `forBatches`: a chunk for {@link next}, where
   * a block's chunk is the rest of the block (its batches stay views, never split), with the timestamps
   * written only at run starts (see `blockChunk`).
   */
  private produce(forBatches: boolean): ReplayChunk | null {
    if (this.clockMs[0]! < 0) this.clockMs[0] = performance.now();
    const state = this.state;
    const chunk = state.chunk;
    const capacity = state.chunkEvents;
    const continues = this.runOpen;
    let n = 0;
    let runs = 0;
    let ends = state.chunkEnds;
    while (n < capacity) {
      if (
        !this.runOpen &&
        this.adaptive &&
        this.windowBatches >= ADAPT_WINDOW_BATCHES &&
        (this.mode !== 'block' || this.block.drained())
      )
        this.adapt();
      const mode = this.mode;
      if (mode === 'block') {
        // A block chunk is a view of the block arrays: it cannot follow events of another strategy.
        if (n > 0) break;
        if (this.block.drained()) {
          this.prepareBlock();
          if (this.mode !== 'block') continue; // fell back to the tree or buckets
          if (this.block.drained()) break; // no live stream: the end
        }
        this.block.chunk(chunk, capacity, forBatches);
        this.runOpen = this.block.chunkRunOpen;
        this.windowEvents += chunk.length;
        this.windowBatches += this.block.chunkRunsStarted;
        return chunk;
      }
      if (n === 0) {
        state.ownChunkArrays();
        ends = state.chunkEnds;
      }
      // Runs until the next decision: the adaptive window, or a forced block's return from the tree.
      let maxRuns = this.adaptive ? Math.max(1, ADAPT_WINDOW_BATCHES - this.windowBatches) : 0x7fffffff;
      if (this.treeBatchesLeft > 0 && this.treeBatchesLeft < maxRuns) maxRuns = this.treeBatchesLeft;
      const strategy = mode === 'buckets' ? this.buckets : this.tree;
      const to = strategy.fill(n, capacity, ends, runs, maxRuns, forBatches);
      if (to === n) break; // every stream is exhausted
      this.windowEvents += to - n;
      n = to;
      runs = strategy.runs;
      this.runOpen = strategy.open;
      const closed = strategy.closed;
      this.windowBatches += closed;
      // A forced 'block' that fell back to the tree returns to blocks after a window of batches.
      if (this.treeBatchesLeft > 0) {
        this.treeBatchesLeft -= closed;
        if (this.treeBatchesLeft === 0) {
          this.mode = 'block';
          this.block.reset();
        }
      }
    }
    if (n === 0) {
      if (this.clockMs[1]! < 0) this.clockMs[1] = performance.now();
      return null;
    }
    state.epoch[0]!++; // the tree and buckets moved the cursors
    const full = n === capacity;
    chunk.length = n;
    chunk.symbolId = full ? state.chunkSym : state.chunkSym.subarray(0, n);
    chunk.row = full ? state.chunkRow : state.chunkRow.subarray(0, n);
    chunk.timestampNs = full ? state.chunkTs : state.chunkTs.subarray(0, n);
    const columns = chunk.columns;
    const f64Names = state.f64Names;
    for (let c = 0; c < f64Names.length; c++) {
      const a = state.chunkF64[c]!;
      columns[f64Names[c]!] = full ? a : a.subarray(0, n);
    }
    const i64Names = state.i64Names;
    for (let c = 0; c < i64Names.length; c++) {
      const a = state.chunkI64Big[c]!;
      columns[i64Names[c]!] = full ? a : a.subarray(0, n);
    }
    chunk.batchEnds = ends.subarray(0, runs);
    chunk.batchCount = runs;
    chunk.continuesBatch = continues;
    return chunk;
  }

  /** Iterates the remaining chunks (see {@link nextChunk}; the same reused object each step). */
  *chunks(): Generator<ReplayChunk, void, undefined> {
    for (let chunk = this.nextChunk(); chunk !== null; chunk = this.nextChunk()) yield chunk;
  }

  /** Prepares the next block; when it falls back, switches to the tree or buckets. */
  private prepareBlock(): void {
    if (!this.block.prepare()) this.fallBackFromBlock(this.block.fallbackDistinct, this.block.fallbackEvents);
  }

  /**
   * The block being prepared has too few events per timestamp: restage every stream at its cursor and
   * continue with buckets or the tree (for a window of batches when 'block' was forced).
   */
  private fallBackFromBlock(distinct: number, events: number): void {
    this.block.reset();
    this.state.restage();
    const next: MergeMode =
      this.adaptive && events >= distinct * BUCKETS_AT_EVENTS_PER_BATCH ? 'buckets' : 'tree';
    this.mode = next;
    this.build(next);
    this.windowBatches = 0;
    this.windowEvents = 0;
    if (this.adaptive) this.switches++;
    // Forced 'block': the tree for a window that doubles with every fallback in a row (up to 2^20
    // batches), so data that is not block-like costs O(log) failed block attempts, not one per window.
    else this.treeBatchesLeft = ADAPT_WINDOW_BATCHES * 2 ** Math.min(this.block.blockFallbackStreak++, 12);
  }

  /** `'auto'`: re-decides the algorithm from the mean batch size of the last window. */
  private adapt(): void {
    const eventsPerBatch = this.windowEvents / this.windowBatches;
    this.windowEvents = 0;
    this.windowBatches = 0;
    const live = this.state.liveStreams();
    // Nothing left to merge: keep the algorithm (stats() reports the one that ran, with no switch).
    if (live === 0) return;
    const mode = this.mode;
    let next: MergeMode;
    if (eventsPerBatch >= BLOCK_AT_EVENTS_PER_BATCH || live >= BLOCK_AT_STREAMS) next = 'block';
    else if (eventsPerBatch >= (mode === 'tree' ? BUCKETS_AT_EVENTS_PER_BATCH : TREE_BELOW_EVENTS_PER_BATCH))
      next = 'buckets';
    else next = 'tree';
    if (next === mode) return;
    if (mode === 'buckets') this.buckets.clear();
    // Leaving blocks: the staging of every stream is stale (blocks read the streams directly).
    if (mode === 'block') this.state.restage();
    this.mode = next;
    this.build(next);
    this.switches++;
  }

  /** Builds the structure of `mode` from the cursors. */
  private build(mode: MergeMode): void {
    if (mode === 'block') {
      this.block.reset();
      return;
    }
    if (mode === 'buckets') this.buckets.build();
    else this.tree.build();
  }

  /**
   * Calls `visitor` for every remaining batch; stops early when it returns exactly `false`.
   * The batch is reused between calls. Returns the number of batches visited.
   */
  forEachBatch(visitor: (batch: ReplayBatch) => unknown): number {
    let visited = 0;
    for (let batch = this.next(); batch !== null; batch = this.next()) {
      visited++;
      if (visitor(batch) === false) break;
    }
    return visited;
  }

  /** Iterates the remaining batches (the same reused object each step). */
  *[Symbol.iterator](): Iterator<ReplayBatch> {
    for (let batch = this.next(); batch !== null; batch = this.next()) yield batch;
  }

  /**
   * Async iteration over the remaining batches, optionally paced to the timestamps (see
   * {@link ReplayAsyncOptions.speed}). The batch is reused between steps.
   *
   * @throws {InvalidReplayOptionError} when `speed` is neither `'max'` nor a finite number > 0.
   * @throws `signal.reason` when `signal` aborts.
   */
  async *replayAsync(options: ReplayAsyncOptions = {}): AsyncGenerator<ReplayBatch, void, undefined> {
    const { speed = 'max', signal } = options;
    if (speed !== 'max' && !(typeof speed === 'number' && Number.isFinite(speed) && speed > 0)) {
      throw new InvalidReplayOptionError({
        option: 'speed',
        expected: "'max' or a finite number > 0",
        actual: speed,
      });
    }
    let firstTimestampNs: bigint | undefined;
    let firstWallMs = 0;
    for (let batch = this.next(); batch !== null; batch = this.next()) {
      signal?.throwIfAborted();
      if (speed !== 'max') {
        if (firstTimestampNs === undefined) {
          firstTimestampNs = batch.timestampNs;
          firstWallMs = performance.now();
        } else {
          // ns of data time → ms of wall time: divide by 1e6 (ns per ms) and by the speed factor.
          const targetMs = firstWallMs + Number(batch.timestampNs - firstTimestampNs) / 1e6 / speed;
          const waitMs = targetMs - performance.now();
          // Below 1 ms setTimeout cannot be precise; skip and let the absolute schedule catch up.
          if (waitMs >= 1) await sleepMs(waitMs, signal);
        }
      }
      yield batch;
    }
  }

  /** Counters so far; see {@link MergeStats}. */
  stats(): MergeStats {
    const [startedAtMs, finishedAtMs] = this.clockMs as unknown as [number, number];
    const end = finishedAtMs >= 0 ? finishedAtMs : performance.now();
    const elapsedNs = startedAtMs < 0 ? 0 : Math.round((end - startedAtMs) * 1e6);
    return {
      events: this.events,
      batches: this.batches,
      elapsedNs,
      strategy: this.mode,
      strategySwitches: this.switches,
    };
  }
}
