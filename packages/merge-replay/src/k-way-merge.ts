import {
  blockCollect,
  blockCollectStop,
  blockCount,
  blockGatherI64,
  blockGridScatter,
  blockGridScatterF64,
  blockHeadAndLimit,
  blockLimit,
  blockLive,
  blockPermuteF64,
  blockPermuteI64,
  blockPlace,
  blockScatter,
  copyFloat64,
  copyInt32,
  grow,
  lowerBound,
  NEW_KEYS,
  UNSORTED,
} from './block-kernels.js';
import { InvalidReplayOptionError, UnsortedStreamError } from './errors.js';
import { LoserTree } from './loser-tree.js';
import {
  ADAPT_WINDOW_BATCHES,
  BLOCK_AT_EVENTS_PER_BATCH,
  BLOCK_AT_STREAMS,
  BLOCK_DIRECT_PROBE_STREAMS,
  BLOCK_GRID_SLACK,
  BLOCK_MIN_EVENTS_PER_BATCH,
  BLOCK_RADIX_MIN_STREAMS,
  BLOCK_VIEW_EVENTS,
  BUCKETS_AT_EVENTS_PER_BATCH,
  DEFAULT_BLOCK_EVENTS,
  DEFAULT_CHUNK_EVENTS,
  DEFAULT_STAGE_ROWS,
  HI,
  LO,
  MAX_STREAM_ROWS,
  RADIX_BITS,
  TREE_BELOW_EVENTS_PER_BATCH,
  TWO_POW_32,
} from './merge-tuning.js';
import { radixPass, radixRuns, radixSplit } from './radix-sort.js';
import type { ReplayBatch } from './replay-batch.js';
import type { ReplayChunk } from './replay-chunk.js';
import { sleepMs } from './sleep.js';
import { TimestampBuckets } from './timestamp-buckets.js';

/**
 * How {@link KWayMerge} finds the next batch. Every strategy produces exactly the same batches.
 * - `'tree'`: a loser tree over stream heads, one `log2 N` replay per event. Best when few streams share
 *   a timestamp (irregular ticks).
 * - `'buckets'`: a calendar of distinct head timestamps ({@link TimestampBuckets}), one heap operation
 *   per batch and O(1) per event. Best when many streams share each timestamp (bars).
 * - `'sweep'`: one pass over the live streams per batch, emitting the streams at the current minimum and
 *   computing the next minimum in the same pass; output comes out in id order with no sort. O(live
 *   streams) per batch, so best when most streams take part in every batch (full-market bars).
 * - `'block'`: sorts a block of time at once. It takes at most `k` rows from every live stream (the block
 *   ends before the earliest timestamp any stream has `k` rows ahead, so no stream is cut short), reads
 *   each stream's rows of the block once (timestamps and gathered columns, into contiguous copies), finds
 *   the block's distinct timestamps, and places every event stably (streams in id order, so ties stay
 *   ordered by symbol id): bars with one row per stream and timestamp go to a grid of one slot per
 *   (timestamp, stream) in one pass, other blocks through a counting sort. Large batches are handed out
 *   as views of the block arrays (no copy), and a bar batch's timestamp comes from the block's distinct
 *   timestamps (one BigInt per batch): the fastest by far when many events share each timestamp
 *   (bars). A block whose events share too few timestamps (mean
 *   below {@link BLOCK_MIN_EVENTS_PER_BATCH}: irregular ticks) is radix-sorted instead (stable LSD on the
 *   integer offsets); with fewer than {@link BLOCK_RADIX_MIN_STREAMS} live streams such a block goes to
 *   buckets or the tree (`'auto'`), or to the tree for a while (forced `'block'`).
 * - `'auto'` (default): picks from the stream heads (block when at most one distinct head timestamp per
 *   {@link BLOCK_AT_EVENTS_PER_BATCH} live streams or at least {@link BLOCK_AT_STREAMS} live streams,
 *   buckets when at most half as many distinct head timestamps as live streams, else tree), then
 *   re-decides every {@link ADAPT_WINDOW_BATCHES} batches (at block boundaries) from the mean batch size
 *   `e` and the live streams `L`: block when `e ≥ 8` or `L ≥ 512`, else buckets when `e ≥ 4` (leave
 *   below 2), else tree; a switch rebuilds the new structure from the cursors in O(N).
 */
export type MergeStrategy = 'auto' | 'tree' | 'buckets' | 'sweep' | 'block';

/** The concrete algorithms of {@link MergeStrategy}. */
type MergeMode = 'tree' | 'buckets' | 'sweep' | 'block';

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
   * {@link DEFAULT_CHUNK_EVENTS} (65,536): see there for why.
   */
  chunkEvents?: number;
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
  /** Events (rows) emitted so far. */
  events: number;
  /** Batches (distinct timestamps) emitted so far. */
  batches: number;
  /**
   * Wall time in ns from the first `next()` call to the call that returned `null` (or to now while the
   * merge is running); includes the consumer's time between calls. 0 before the first call.
   */
  elapsedNs: number;
  /** Algorithm in use now. */
  strategy: 'tree' | 'buckets' | 'sweep' | 'block';
  /** Times `'auto'` switched between the two algorithms. */
  strategySwitches: number;
}

/**
 * Merges N time-sorted timestamp streams into one global order, one batch per distinct timestamp.
 *
 * Stream `i` is symbol id `i`. Events with equal timestamps are grouped in one {@link ReplayBatch},
 * ordered by symbol id (then row), so the output is deterministic. Internally either a loser tree over
 * the stream heads (irregular ticks) or a calendar of head timestamps (bars, where thousands of streams
 * share each timestamp), chosen and re-chosen automatically (see {@link MergeStrategy}); both compare
 * timestamps as `(Int32 high, Uint32 low)` pairs read through views over each stream's buffer: no
 * BigInt is allocated per event (one per batch, for `timestampNs`).
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
 * The returned batch is **reused** by every `next()`: copy it if you keep it.
 *
 * @throws {InvalidReplayOptionError} when a stream is not a BigInt64Array, has more than 2^32-1 rows,
 * or `startNs`/`endNs` is not a bigint.
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

  private readonly streams: readonly BigInt64Array[];
  /** Rows staged per stream; stream `s` owns staging rows `[s * stageRows, (s + 1) * stageRows)`. */
  private readonly stageRows: number;
  /** Staged timestamps of every stream: one contiguous buffer, as int64 and as (hi, lo) int32 pairs. */
  private readonly stageKeys: BigInt64Array;
  private readonly stageHi: Int32Array;
  private readonly stageLo: Uint32Array;
  /** True when `columns` were given: every emitted event is gathered. */
  private readonly gathering: boolean;
  /** Staging index of (stream `s`, row `r`) is `(r + stageDelta[s]) | 0` while `r < stageEnd[s]`. */
  private readonly stageDelta: Int32Array;
  /** One past the last staged row of each stream. */
  private readonly stageEnd: Uint32Array;
  /** Gathered f64 columns: sources per stream, staging buffers, and the batch outputs. */
  private readonly f64Names: string[] = [];
  private readonly f64Stages: Float64Array[] = [];
  private f64Outs: Float64Array[] = [];
  /** Gathered i64 columns: staged and copied as (int32, int32) pairs, so no BigInt is made per event. */
  private readonly i64Names: string[] = [];
  private readonly i64Stages32: Int32Array[] = [];
  private i64Outs32: Int32Array[] = [];
  /** Int32 views of each stream's timestamps, and of each gathered column (f64 first, then i64) per stream. */
  private readonly streams32: Int32Array[];
  private readonly gatherSources32: Int32Array[][] = [];
  /** Int32 views of the staging buffers of the gathered columns, in the order of `gatherSources32`. */
  private readonly gatherStages32: Int32Array[] = [];
  /** Head row of each stream: the next row to emit. */
  private readonly cursors: Uint32Array;
  /** Read guard (see {@link KWayMergeOptions.ensureRows}) and, per stream, the row it cleared up to. */
  private readonly ensureRows: ((stream: number, startRow: number, endRow: number) => number) | undefined;
  private readonly readyRows: Float64Array;
  private readonly tree: LoserTree;
  private readonly buckets: TimestampBuckets;
  /** Streams of the bucket being emitted, ascending. */
  private readonly order: Int32Array;
  private readonly batch: ReplayBatch;
  private readonly adaptive: boolean;
  private mode: MergeMode;
  /** Sweep: live streams in ascending id, `liveCount` of them. */
  private readonly live: Int32Array;
  private liveCount = 0;
  /** Sweep: the smallest head timestamp (high / low half), valid while `liveCount > 0`. */
  // Kept in typed arrays, not fields: a low half ≥ 2^31 would turn a Smi field into a double field, and
  // that representation change deoptimizes every function compiled against the old one.
  private readonly sweepHi = new Int32Array(1);
  private readonly sweepLo = new Uint32Array(1);
  private switches = 0;
  private windowBatches = 0;
  private windowEvents = 0;
  private events = 0;
  private batches = 0;
  /** Key of the batch the tree, buckets or sweep just filled, as int32 halves (`HI`, `LO`) and as int64. */
  private readonly batchKey = new Int32Array(2);
  private readonly batchKeyBig = new BigInt64Array(this.batchKey.buffer);
  /** Output API in use: 0 none yet, 1 batches, 2 chunks (see `useApi`). */
  private api = 0;
  // ---- chunks (nextChunk) ----
  private readonly chunkEvents: number;
  private chunk: ReplayChunk | undefined;
  /** The chunk's own arrays, `chunkEvents` long (tree, buckets, sweep); block chunks are views instead. */
  private chunkSym = new Int32Array(0);
  private chunkRow = new Uint32Array(0);
  private chunkTs = new BigInt64Array(0);
  private chunkTs32 = new Int32Array(0);
  private chunkEnds = new Int32Array(0);
  private chunkF64: Float64Array[] = [];
  private chunkI64Big: BigInt64Array[] = [];
  private chunkI64: Int32Array[] = [];
  /** Part of the last batch not yet in a chunk: `pendingLength` events of the batch arrays from `pendingFrom`. */
  private pendingFrom = 0;
  private pendingLength = 0;
  /** Next event of the block arrays to hand out as a chunk, and whether the block was compacted. */
  private blockPos = 0;
  private blockCompacted = false;
  /** [0]: {@link cursorEpoch}; a double in a typed array for the reason of `sweepHi`. */
  private readonly epoch = new Float64Array(1);
  /** [started, finished] in ms (performance.now()), -1 until set; typed for the reason of `sweepHi`. */
  private readonly clockMs = new Float64Array([-1, -1]);

  // ---- block strategy (see MergeStrategy 'block') ----
  private readonly blockEvents: number;
  /** Gathered f64 columns as Float64Array per stream (same order as f64Names). */
  private readonly f64Sources: Float64Array[][] = [];
  /** Rows of each stream in the current block. */
  private readonly blockRows: Int32Array;
  /** Event keys of the block in stream-major order (offset from the block's first timestamp, ns). */
  private blockKeys = new Float64Array(0);
  /** Bucket (distinct timestamp index) of each event in stream-major order, then its sorted position. */
  private blockSlot = new Int32Array(0);
  /** Sorted distinct keys of the block and a scratch array for merging. */
  private blockUnion = new Float64Array(0);
  private blockUnion2 = new Float64Array(0);
  private blockUnionLength = 0;
  /** Start of each bucket in the sorted arrays (length union + 1), and the scatter cursors. */
  private blockStarts = new Int32Array(0);
  private blockNext = new Int32Array(0);
  /** End (exclusive) of each bucket in the sorted arrays: `blockStarts[u + 1]`, or less in a grid. */
  private blockEnds = new Int32Array(0);
  /**
   * Timestamp of the block's first key (`blockHead`) as a bigint: bars (not radix-sorted) blocks emit
   * `blockHeadNs + BigInt(union[u])` instead of gathering every event's timestamp.
   */
  private blockHeadNs = 0n;
  /** True when the block was radix-sorted (ticks): batch timestamps come from `blockTs`. */
  private blockRadix = false;
  /** The block's events in output order: symbol id, row, gathered columns. */
  private blockSym = new Int32Array(0);
  /** Timestamps of the block's events in output order (int64, and as int32 halves for the copy). */
  private blockTs = new BigInt64Array(0);
  private blockTs32 = new Int32Array(0);
  private blockRow = new Uint32Array(0);
  private blockF64: Float64Array[] = [];
  private blockI64: Int32Array[] = [];
  /** The block's rows of each gathered column in stream-major order (copied in pass 1), f64 and i64. */
  private blockStageF64: Float64Array[] = [];
  private blockStageI64: Int32Array[] = [];
  /** Int32 views of each stream's gathered i64 columns (`i64Sources32[c][s]`). */
  private readonly i64Sources32: Int32Array[][] = [];
  /** `blockI64` as BigInt64Array views, for zero-copy batches. */
  private blockI64Big: BigInt64Array[] = [];
  /** True while `batch` holds views of the block arrays instead of its own arrays. */
  private batchViews = false;
  /** The batch's own arrays (views of block arrays replace them for large block batches). */
  private outSym: Int32Array;
  private outRows: Uint32Array;
  private i64OutsBig: BigInt64Array[] = [];
  /** Smallest head timestamp of the block as (high, low) halves: keys are offsets from it. */
  private readonly blockHead = new Float64Array(2);
  /** Next bucket of the block to emit; `blockUnionLength` when the block is drained. */
  private blockBucket = 0;
  /** Radix sort of sparse blocks: key halves and event indices, double-buffered, and the digit counts. */
  private radixLo = new Uint32Array(0);
  private radixHi = new Uint32Array(0);
  private radixIdx = new Int32Array(0);
  private radixLo2 = new Uint32Array(0);
  private radixHi2 = new Uint32Array(0);
  private radixIdx2 = new Int32Array(0);
  private readonly radixCounts = new Int32Array(1 << RADIX_BITS);
  /** [0]: trailing zero bits shared by every key of the block (set by radixSplit). */
  private readonly radixBits = new Int32Array(1);
  /** Forced 'block': batches left to emit through the tree after a fallback. */
  private treeBatchesLeft = 0;
  /** Forced 'block': fallbacks since the last block that was sorted as a block. */
  private blockFallbackStreak = 0;
  /** The one-pass bar grid of 'block' (prepareBlockDirect) missed once: use the general path only. */
  private blockDirectOff = false;

  constructor(streams: readonly BigInt64Array[], options: KWayMergeOptions = {}) {
    const {
      startNs,
      endNs,
      strategy = 'auto',
      columns = {},
      stageRows = DEFAULT_STAGE_ROWS,
      blockEvents = DEFAULT_BLOCK_EVENTS,
      chunkEvents = DEFAULT_CHUNK_EVENTS,
      ensureRows,
    } = options;
    if (!Number.isSafeInteger(chunkEvents) || chunkEvents < 1 || chunkEvents > 2 ** 30) {
      throw new InvalidReplayOptionError({
        option: 'chunkEvents',
        expected: 'an integer from 1 to 2^30',
        actual: chunkEvents,
      });
    }
    this.chunkEvents = chunkEvents;
    if (ensureRows !== undefined && typeof ensureRows !== 'function') {
      throw new InvalidReplayOptionError({
        option: 'ensureRows',
        expected: 'a function',
        actual: ensureRows,
      });
    }
    this.ensureRows = ensureRows;
    if (!Number.isSafeInteger(blockEvents) || blockEvents < 1) {
      throw new InvalidReplayOptionError({
        option: 'blockEvents',
        expected: 'an integer >= 1',
        actual: blockEvents,
      });
    }
    this.blockEvents = blockEvents;
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
    if (
      strategy !== 'auto' &&
      strategy !== 'tree' &&
      strategy !== 'buckets' &&
      strategy !== 'sweep' &&
      strategy !== 'block'
    ) {
      throw new InvalidReplayOptionError({
        option: 'strategy',
        expected: "'auto', 'tree', 'buckets', 'sweep' or 'block'",
        actual: strategy,
      });
    }
    const count = streams.length;
    this.streamCount = count;
    this.streams = streams;
    this.startRows = new Uint32Array(count);
    this.endRows = new Uint32Array(count);
    this.cursors = new Uint32Array(count);
    this.readyRows = new Float64Array(count);
    this.stageRows = stageRows;
    this.stageKeys = new BigInt64Array(count * stageRows);
    this.stageHi = new Int32Array(this.stageKeys.buffer);
    this.stageLo = new Uint32Array(this.stageKeys.buffer);
    this.stageDelta = new Int32Array(count);
    this.streams32 = new Array<Int32Array>(count);
    this.stageEnd = new Uint32Array(count);
    this.tree = new LoserTree(count);
    this.buckets = new TimestampBuckets(count);
    this.order = new Int32Array(Math.max(1, count));
    this.live = new Int32Array(Math.max(1, count));
    this.blockRows = new Int32Array(Math.max(1, count));

    for (let s = 0; s < count; s++) {
      const stream = streams[s];
      if (!(stream instanceof BigInt64Array)) {
        throw new InvalidReplayOptionError({
          option: `streams[${s}]`,
          expected: 'a BigInt64Array',
          actual: stream,
        });
      }
      if (stream.length > MAX_STREAM_ROWS) {
        throw new InvalidReplayOptionError({
          option: `streams[${s}]`,
          expected: `at most ${MAX_STREAM_ROWS} rows`,
          actual: `${stream.length} rows`,
        });
      }
      // BigInt64Array.byteOffset is always a multiple of 8, so this view is aligned.
      this.streams32[s] = new Int32Array(stream.buffer, stream.byteOffset, stream.length * 2);
      const probe = ensureRows === undefined ? undefined : (row: number) => ensureRows(s, row, row + 1);
      const first = startNs === undefined ? 0 : lowerBound(stream, startNs, probe);
      const end = endNs === undefined ? stream.length : Math.max(first, lowerBound(stream, endNs, probe));
      this.startRows[s] = first;
      this.endRows[s] = end;
      this.cursors[s] = first;
      this.readyRows[s] = ensureRows === undefined ? end : first;
    }
    for (const [name, perStream] of Object.entries(columns)) {
      if (!Array.isArray(perStream) || perStream.length !== count) {
        throw new InvalidReplayOptionError({
          option: `columns.${name}`,
          expected: `one array per stream (${count})`,
          actual: perStream,
        });
      }
      const f64 = perStream.every((c) => c instanceof Float64Array);
      const i64 = !f64 && perStream.every((c) => c instanceof BigInt64Array);
      for (let s = 0; s < count; s++) {
        const column = perStream[s] as Float64Array | BigInt64Array;
        if ((!f64 && !i64) || column.length < this.endRows[s]!) {
          throw new InvalidReplayOptionError({
            option: `columns.${name}[${s}]`,
            expected: `a Float64Array or BigInt64Array (all streams alike) of at least ${this.endRows[s]} rows`,
            actual: column,
          });
        }
      }
      const stage = new Int32Array(count * stageRows * 2);
      const sources = perStream.map((c) => new Int32Array(c.buffer, c.byteOffset, c.length * 2));
      if (f64) {
        this.f64Sources.push(perStream as Float64Array[]);
        this.f64Names.push(name);
        this.f64Stages.push(new Float64Array(stage.buffer));
        this.gatherSources32.splice(this.f64Names.length - 1, 0, sources);
        this.gatherStages32.splice(this.f64Names.length - 1, 0, stage);
      } else {
        this.i64Names.push(name);
        this.i64Sources32.push(sources);
        this.i64Stages32.push(stage);
        this.gatherSources32.push(sources);
        this.gatherStages32.push(stage);
      }
    }
    this.gathering = this.f64Names.length + this.i64Names.length > 0;
    let live = 0;
    for (let s = 0; s < count; s++) if (this.startRows[s]! < this.endRows[s]!) live++;
    // Blocks read the streams directly: staging waits until a switch leaves blocks (it restages then).
    const blockFirst = strategy === 'block' || (strategy === 'auto' && live >= BLOCK_AT_STREAMS);
    if (!blockFirst)
      for (let s = 0; s < count; s++)
        if (this.startRows[s]! < this.endRows[s]!) this.stage(s, this.startRows[s]!);
    this.adaptive = strategy === 'auto';
    if (strategy === 'auto' && blockFirst) {
      this.mode = 'block';
    } else if (strategy === 'auto') {
      this.buildBuckets();
      const distinctHeads = this.buckets.size;
      this.buckets.clear();
      // Mean batch size is about live / distinctHeads while streams move in step.
      this.mode =
        distinctHeads * BLOCK_AT_EVENTS_PER_BATCH <= live || live >= BLOCK_AT_STREAMS
          ? 'block'
          : distinctHeads * 2 <= live
            ? 'buckets'
            : 'tree';
    } else {
      this.mode = strategy;
    }
    this.build(this.mode);
    const capacity = Math.max(16, count);
    this.outSym = new Int32Array(capacity);
    this.outRows = new Uint32Array(capacity);
    this.batch = {
      timestampNs: 0n,
      length: 0,
      symbolIds: this.outSym,
      rows: this.outRows,
      columns: {},
    };
    this.f64Outs = this.f64Names.map(() => new Float64Array(capacity));
    this.i64Outs32 = this.i64Names.map(() => new Int32Array(capacity * 2));
    this.publishColumns();
  }

  /**
   * Copies rows `[row, row + stageRows)` (clamped to the range end) of stream `s` and of its gathered
   * columns into its staging slot. An element loop over int32 halves: `TypedArray.set(subarray(…))`
   * costs a view allocation per call, several times the copy of 64 rows, and int32 copies keep every
   * bit pattern (NaN payloads included).
   */
  private stage(s: number, row: number): void {
    const end = Math.min(row + this.stageRows, this.endRows[s]!);
    if (end > this.readyRows[s]!) this.extendReady(s, end);
    const at = s * this.stageRows;
    const from = 2 * row;
    const to = 2 * at;
    const length = 2 * (end - row);
    copyInt32(this.streams32[s]!, from, this.stageHi, to, length);
    const sources = this.gatherSources32;
    for (let c = 0; c < sources.length; c++)
      copyInt32(sources[c]![s]!, from, this.gatherStages32[c]!, to, length);
    this.stageDelta[s] = (at - row) | 0;
    this.stageEnd[s] = end;
  }

  /**
   * Calls the read guard for rows `[readyRows[s], end)` of stream `s` and records how far it cleared.
   * Rows are cleared in order from the first replayed row, so `readyRows` is a contiguous frontier.
   */
  private extendReady(s: number, end: number): void {
    const from = this.readyRows[s]!;
    const ready = this.ensureRows!(s, from, end);
    if (!(ready >= end)) throw new Error(`mmtape internal error: read guard cleared ${ready} < ${end} rows`);
    this.readyRows[s] = ready;
  }

  /** Clears rows `[cursor, cursor + k]` of every live stream for a block (see {@link prepareBlock}). */
  private readyForBlock(liveCount: number, k: number): void {
    const live = this.live;
    const cursors = this.cursors;
    const endRows = this.endRows;
    const ready = this.readyRows;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      const end = Math.min(cursors[s]! + k + 1, endRows[s]!);
      if (end > ready[s]!) this.extendReady(s, end);
    }
  }

  /** Points the batch at its own arrays (after construction, growth, or views of a block). */
  private publishColumns(): void {
    const columns: Record<string, Float64Array | BigInt64Array> = {};
    this.f64Names.forEach((name, c) => {
      columns[name] = this.f64Outs[c]!;
    });
    this.i64OutsBig = this.i64Outs32.map((out) => new BigInt64Array(out.buffer));
    this.i64Names.forEach((name, c) => {
      columns[name] = this.i64OutsBig[c]!;
    });
    this.batch.columns = columns;
    this.batch.symbolIds = this.outSym;
    this.batch.rows = this.outRows;
    this.batchViews = false;
  }

  /** Points the batch back at its own arrays after views of a block (a no-op otherwise). */
  private ownBatch(): void {
    if (!this.batchViews) return;
    const batch = this.batch;
    batch.symbolIds = this.outSym;
    batch.rows = this.outRows;
    const columns = batch.columns;
    const f64Names = this.f64Names;
    for (let c = 0; c < f64Names.length; c++) columns[f64Names[c]!] = this.f64Outs[c]!;
    const i64Names = this.i64Names;
    for (let c = 0; c < i64Names.length; c++) columns[i64Names[c]!] = this.i64OutsBig[c]!;
    this.batchViews = false;
  }

  /** Doubles the batch arrays (keeping the first `n` entries); returns nothing, callers reload them. */
  private growBatch(n: number): void {
    this.ownBatch();
    this.outSym = grow(this.outSym, new Int32Array(n * 2));
    this.outRows = grow(this.outRows, new Uint32Array(n * 2));
    this.f64Outs = this.f64Outs.map((out) => grow(out, new Float64Array(n * 2)));
    this.i64Outs32 = this.i64Outs32.map((out) => grow(out, new Int32Array(n * 4)));
    this.publishColumns();
  }

  /** Copies the gathered columns of staging index `idx` to batch slot `n`. */
  private gather(n: number, idx: number): void {
    const f64Outs = this.f64Outs;
    for (let c = 0; c < f64Outs.length; c++) f64Outs[c]![n] = this.f64Stages[c]![idx]!;
    const i64Outs = this.i64Outs32;
    for (let c = 0; c < i64Outs.length; c++) {
      const out = i64Outs[c]!;
      const stage = this.i64Stages32[c]!;
      out[2 * n] = stage[2 * idx]!;
      out[2 * n + 1] = stage[2 * idx + 1]!;
    }
  }

  /**
   * Current head row of each stream (the next row to emit; `endRows[s]` once exhausted). A live view,
   * updated by every `next()`: read it, do not write it. Prefetchers poll it to follow the replay.
   * With the `'block'` algorithm the cursors move a block at a time: while a block is emitted they point
   * past the block (at most `blockEvents / live streams` rows ahead of the batches being emitted).
   */
  get cursorRows(): Readonly<Uint32Array> {
    return this.cursors;
  }

  /**
   * A counter that changes whenever {@link cursorRows} may have changed: once per batch, except with
   * the `'block'` algorithm, once per block (its cursors move a block at a time). A poller that sees
   * the same value as last time can skip scanning the cursors. Starts at 0; only equality is meaningful.
   */
  get cursorEpoch(): number {
    return this.epoch[0]!;
  }

  /**
   * Returns the next batch (all remaining events at the smallest remaining timestamp), or `null` when
   * every stream is exhausted. The batch object is reused: copy it if you keep it.
   *
   * @throws {UnsortedStreamError} when an advanced-to row is earlier than the previous row of its stream.
   */
  next(): ReplayBatch | null {
    if (this.api !== 1) this.useApi(1);
    if (this.clockMs[0]! < 0) this.clockMs[0] = performance.now();
    if (
      this.adaptive &&
      this.windowBatches >= ADAPT_WINDOW_BATCHES &&
      (this.mode !== 'block' || this.blockBucket >= this.blockUnionLength)
    )
      this.adapt();
    if (this.mode === 'block' && this.blockBucket >= this.blockUnionLength) this.prepareBlock();
    const mode = this.mode;
    const n =
      mode === 'block'
        ? this.nextFromBlock()
        : mode === 'sweep'
          ? this.nextFromSweep()
          : mode === 'buckets'
            ? this.nextFromBuckets()
            : this.nextFromTree();
    if (n === 0) {
      if (this.clockMs[1]! < 0) this.clockMs[1] = performance.now();
      return null;
    }
    this.batch.length = n;
    // The tree, buckets and sweep record the batch's key as int32 halves: one BigInt per batch, here.
    if (mode !== 'block') this.batch.timestampNs = this.batchKeyBig[0]!;
    this.countBatch(n, mode);
    return this.batch;
  }

  /** Counters after a batch of `n` events from `mode` (not used for the chunks of a block). */
  private countBatch(n: number, mode: MergeMode): void {
    if (mode !== 'block') this.epoch[0]!++;
    this.events += n;
    this.batches++;
    this.windowEvents += n;
    this.windowBatches++;
    // A forced 'block' that fell back to the tree returns to blocks after a window of batches.
    if (this.treeBatchesLeft > 0 && --this.treeBatchesLeft === 0) {
      this.mode = 'block';
      this.blockBucket = this.blockUnionLength = 0;
    }
  }

  /**
   * Pins the merge to one output API: 1 batches (`next()` and what builds on it), 2 chunks
   * (`nextChunk()`). Their reused buffers and the position inside a split batch are not shared.
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
   * No allocation per event or per batch: the tree, buckets and sweep fill the chunk's own arrays
   * (a run longer than the room left is split across chunks, `continuesBatch`); the `'block'` strategy
   * hands out views of its sorted block arrays (a chunk then ends at the end of a block).
   *
   * @throws {UnsortedStreamError} when an advanced-to row is earlier than the previous row of its stream.
   * @throws {InvalidReplayOptionError} when `next()` was called on this merge before.
   */
  nextChunk(): ReplayChunk | null {
    if (this.api !== 2) this.useApi(2);
    if (this.clockMs[0]! < 0) this.clockMs[0] = performance.now();
    const chunk = this.chunk ?? this.createChunk();
    const capacity = this.chunkEvents;
    const ends = this.chunkEnds;
    let n = 0;
    let runs = 0;
    let continues = false;
    if (this.pendingLength > 0) {
      // The rest of a batch that did not fit in the last chunk (it is still in the batch arrays).
      const take = Math.min(this.pendingLength, capacity);
      this.copyBatchToChunk(this.pendingFrom, take, 0);
      n = take;
      ends[runs++] = take;
      continues = true;
      this.pendingFrom += take;
      this.pendingLength -= take;
    }
    while (n < capacity && this.pendingLength === 0) {
      if (
        this.adaptive &&
        this.windowBatches >= ADAPT_WINDOW_BATCHES &&
        (this.mode !== 'block' || this.blockBucket >= this.blockUnionLength)
      )
        this.adapt();
      if (this.mode === 'block') {
        // A block chunk is a view of the block arrays: it cannot follow events of another strategy.
        if (n > 0) break;
        if (this.blockBucket >= this.blockUnionLength) {
          this.prepareBlock();
          if (this.mode !== 'block') continue; // fell back to the tree or buckets
          if (this.blockUnionLength === 0) break; // no live stream: the end
          this.blockCompacted = false;
          this.blockPos = 0;
        }
        return this.chunkFromBlock(chunk);
      }
      const mode = this.mode;
      const b =
        mode === 'sweep'
          ? this.nextFromSweep()
          : mode === 'buckets'
            ? this.nextFromBuckets()
            : this.nextFromTree();
      if (b === 0) break;
      this.countBatch(b, mode);
      const take = Math.min(b, capacity - n);
      this.copyBatchToChunk(0, take, n);
      n += take;
      ends[runs++] = n;
      if (take < b) {
        this.pendingFrom = take;
        this.pendingLength = b - take;
      }
    }
    if (n === 0) {
      if (this.clockMs[1]! < 0) this.clockMs[1] = performance.now();
      return null;
    }
    const full = n === capacity;
    chunk.length = n;
    chunk.symbolId = full ? this.chunkSym : this.chunkSym.subarray(0, n);
    chunk.row = full ? this.chunkRow : this.chunkRow.subarray(0, n);
    chunk.timestampNs = full ? this.chunkTs : this.chunkTs.subarray(0, n);
    const columns = chunk.columns;
    const f64Names = this.f64Names;
    for (let c = 0; c < f64Names.length; c++) {
      const a = this.chunkF64[c]!;
      columns[f64Names[c]!] = full ? a : a.subarray(0, n);
    }
    const i64Names = this.i64Names;
    for (let c = 0; c < i64Names.length; c++) {
      const a = this.chunkI64Big[c]!;
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

  /** The chunk object and its own arrays (capacity `chunkEvents`), on the first {@link nextChunk}. */
  private createChunk(): ReplayChunk {
    const capacity = this.chunkEvents;
    this.chunkSym = new Int32Array(capacity);
    this.chunkRow = new Uint32Array(capacity);
    this.chunkTs = new BigInt64Array(capacity);
    this.chunkTs32 = new Int32Array(this.chunkTs.buffer);
    this.chunkEnds = new Int32Array(capacity);
    this.chunkF64 = this.f64Names.map(() => new Float64Array(capacity));
    this.chunkI64Big = this.i64Names.map(() => new BigInt64Array(capacity));
    this.chunkI64 = this.chunkI64Big.map((a) => new Int32Array(a.buffer));
    const chunk: ReplayChunk = {
      length: 0,
      symbolId: this.chunkSym,
      row: this.chunkRow,
      timestampNs: this.chunkTs,
      columns: {},
      batchEnds: this.chunkEnds,
      batchCount: 0,
      continuesBatch: false,
    };
    this.chunk = chunk;
    return chunk;
  }

  /**
   * Copies `length` events of the batch arrays from index `from` to the chunk's own arrays at `at`,
   * with the batch's timestamp (`batchKey`) for each.
   */
  private copyBatchToChunk(from: number, length: number, at: number): void {
    copyInt32(this.outSym, from, this.chunkSym, at, length);
    const rows = this.outRows;
    const chunkRow = this.chunkRow;
    for (let k = 0; k < length; k++) chunkRow[at + k] = rows[from + k]!;
    const ts32 = this.chunkTs32;
    const hi = this.batchKey[HI]!;
    const lo = this.batchKey[LO]!;
    for (let k = at, end = at + length; k < end; k++) {
      ts32[2 * k + HI] = hi;
      ts32[2 * k + LO] = lo;
    }
    for (let c = 0; c < this.chunkF64.length; c++)
      copyFloat64(this.f64Outs[c]!, from, this.chunkF64[c]!, at, length);
    for (let c = 0; c < this.chunkI64.length; c++)
      copyInt32(this.i64Outs32[c]!, 2 * from, this.chunkI64[c]!, 2 * at, 2 * length);
  }

  /**
   * The next chunk of the current (prepared) block: views of its sorted arrays from `blockPos`, up to
   * `chunkEvents` events or the end of the block. Bar blocks get each event's timestamp written here
   * (the block holds one key per distinct timestamp); radix blocks (ticks) already have them.
   */
  private chunkFromBlock(chunk: ReplayChunk): ReplayChunk {
    if (!this.blockCompacted) this.compactBlock();
    const unionLength = this.blockUnionLength;
    const starts = this.blockStarts;
    const blockEnds = this.blockEnds;
    let u = this.blockBucket;
    const start = this.blockPos;
    const end = Math.min(start + this.chunkEvents, blockEnds[unionLength - 1]!);
    const continues = start > starts[u]!;
    const ends = this.chunkEnds;
    const radix = this.blockRadix;
    const ts32 = this.blockTs32;
    const union = this.blockUnion;
    const headHi = this.blockHead[0]!;
    const headLo = this.blockHead[1]!;
    let runs = 0;
    while (u < unionLength) {
      const runEnd = blockEnds[u]!;
      const to = runEnd < end ? runEnd : end;
      if (!radix) {
        // ts = head + key, as (hi, lo) halves: key < 2^52 splits exactly into 2^32 · q + r.
        const key = union[u]!;
        const q = Math.floor(key / TWO_POW_32);
        let lo = headLo + (key - q * TWO_POW_32);
        let hi = headHi + q;
        if (lo >= TWO_POW_32) {
          lo -= TWO_POW_32;
          hi++;
        }
        const from = starts[u]! > start ? starts[u]! : start;
        for (let k = from; k < to; k++) {
          ts32[2 * k + HI] = hi;
          ts32[2 * k + LO] = lo;
        }
      }
      ends[runs++] = to - start;
      if (runEnd > end) break; // the run goes on in the next chunk
      u++;
      if (runEnd === end) break;
    }
    this.blockBucket = u;
    this.blockPos = end;
    const n = end - start;
    const started = continues ? runs - 1 : runs;
    this.events += n;
    this.batches += started;
    this.windowEvents += n;
    this.windowBatches += started;
    chunk.length = n;
    chunk.symbolId = this.blockSym.subarray(start, end);
    chunk.row = this.blockRow.subarray(start, end);
    chunk.timestampNs = this.blockTs.subarray(start, end);
    const columns = chunk.columns;
    const f64Names = this.f64Names;
    for (let c = 0; c < f64Names.length; c++) columns[f64Names[c]!] = this.blockF64[c]!.subarray(start, end);
    const i64Names = this.i64Names;
    for (let c = 0; c < i64Names.length; c++)
      columns[i64Names[c]!] = this.blockI64Big[c]!.subarray(start, end);
    chunk.batchEnds = ends.subarray(0, runs);
    chunk.batchCount = runs;
    chunk.continuesBatch = continues;
    return chunk;
  }

  /**
   * Closes the gaps a grid leaves between runs (streams missing at a timestamp), so the block's events
   * are contiguous and a chunk can be one view; sizes the per-event timestamps of a bar block.
   */
  private compactBlock(): void {
    this.blockCompacted = true;
    const unionLength = this.blockUnionLength;
    const starts = this.blockStarts;
    const ends = this.blockEnds;
    let w = 0;
    for (let u = 0; u < unionLength; u++) {
      const s = starts[u]!;
      const e = ends[u]!;
      if (s !== w) {
        this.blockSym.copyWithin(w, s, e);
        this.blockRow.copyWithin(w, s, e);
        for (const a of this.blockF64) a.copyWithin(w, s, e);
        for (const a of this.blockI64) a.copyWithin(2 * w, 2 * s, 2 * e);
        if (this.blockRadix) this.blockTs.copyWithin(w, s, e);
        starts[u] = w;
        ends[u] = w + (e - s);
      }
      w += e - s;
    }
    if (!this.blockRadix && this.blockTs.length < w) {
      this.blockTs = new BigInt64Array(Math.max(w, 1024));
      this.blockTs32 = new Int32Array(this.blockTs.buffer);
    }
  }

  /**
   * Block step: emits the next bucket (distinct timestamp) of the current block from the sorted
   * arrays and advances the cursors of its streams. Returns the batch length (0 at the end).
   */
  private nextFromBlock(): number {
    const u = this.blockBucket;
    if (u >= this.blockUnionLength) return 0;
    this.blockBucket = u + 1;
    const start = this.blockStarts[u]!;
    const end = this.blockEnds[u]!;
    const n = end - start;
    const batch = this.batch;
    if (n >= BLOCK_VIEW_EVENTS) {
      // Large batches (bars): zero-copy views of the block arrays; one view per array per batch.
      batch.symbolIds = this.blockSym.subarray(start, end);
      batch.rows = this.blockRow.subarray(start, end);
      const columns = batch.columns;
      const f64Names = this.f64Names;
      for (let c = 0; c < f64Names.length; c++)
        columns[f64Names[c]!] = this.blockF64[c]!.subarray(start, end);
      const i64Names = this.i64Names;
      for (let c = 0; c < i64Names.length; c++)
        columns[i64Names[c]!] = this.blockI64Big[c]!.subarray(start, end);
      this.batchViews = true;
    } else if (n === 1) {
      // Ticks: one event per batch, no loops.
      this.ownBatch();
      this.outSym[0] = this.blockSym[start]!;
      this.outRows[0] = this.blockRow[start]!;
      for (let c = 0; c < this.blockF64.length; c++) this.f64Outs[c]![0] = this.blockF64[c]![start]!;
      for (let c = 0; c < this.blockI64.length; c++) {
        this.i64Outs32[c]![0] = this.blockI64[c]![2 * start]!;
        this.i64Outs32[c]![1] = this.blockI64[c]![2 * start + 1]!;
      }
    } else {
      this.ownBatch();
      if (n > this.outRows.length) this.growBatch(n);
      copyInt32(this.blockSym, start, this.outSym, 0, n);
      const rows = this.outRows;
      const blockRow = this.blockRow;
      for (let i = 0; i < n; i++) rows[i] = blockRow[start + i]!;
      for (let c = 0; c < this.blockF64.length; c++) {
        const from = this.blockF64[c]!;
        const to = this.f64Outs[c]!;
        for (let i = 0; i < n; i++) to[i] = from[start + i]!;
      }
      for (let c = 0; c < this.blockI64.length; c++)
        copyInt32(this.blockI64[c]!, 2 * start, this.i64Outs32[c]!, 0, 2 * n);
    }
    // Radix blocks (ticks) from the block's contiguous copy of the timestamps (reading the stream would
    // miss the cache); bars from the block's distinct keys: one BigInt addition per batch.
    batch.timestampNs = this.blockRadix
      ? this.blockTs[start]!
      : this.blockHeadNs + BigInt(this.blockUnion[u]!);
    return n;
  }

  /**
   * Sorts the next block of time (see {@link MergeStrategy} `'block'`) into the block arrays. When the
   * block has too few events per distinct timestamp, leaves the cursors untouched and switches to the
   * tree or buckets (restaging every stream) instead.
   */
  private prepareBlock(): void {
    this.blockBucket = 0;
    this.blockUnionLength = 0;
    const live = this.live;
    const cursors = this.cursors;
    const endRows = this.endRows;
    const streams32 = this.streams32;
    const head = this.blockHead;
    const liveCount = blockLive(this.streamCount, cursors, endRows, live);
    this.liveCount = liveCount;
    this.epoch[0]!++;
    if (liveCount === 0) return;
    // The block ends before the earliest timestamp some stream has `k` rows ahead (exclusive), so every
    // stream contributes at most k rows; k doubles while that bound is the first timestamp itself.
    let k = Math.max(1, Math.floor(this.blockEvents / liveCount));
    // A block reads rows [cursor, cursor + k] of each live stream at most (the limit is below the key of
    // row cursor + k): those rows are cleared by the read guard first.
    const guarded = this.ensureRows !== undefined;
    if (guarded) this.readyForBlock(liveCount, k);
    // One pass finds the smallest head and that bound: each stream's page is visited once (TLB).
    let limit = blockHeadAndLimit(liveCount, live, cursors, endRows, streams32, head, k);
    while (limit === 0) {
      k *= 2;
      if (guarded) this.readyForBlock(liveCount, k);
      limit = blockLimit(liveCount, live, cursors, endRows, streams32, head, k);
    }
    const capacity = Math.min(k * liveCount, this.totalRemaining(liveCount));
    // A block with more distinct timestamps than capacity / 4 falls back, so the union never holds more
    // than that plus one stream's keys.
    this.ensureBlockCapacity(
      capacity,
      Math.floor(capacity / BLOCK_MIN_EVENTS_PER_BATCH) + Math.min(k, capacity) + 1,
    );
    if (
      !this.blockDirectOff &&
      this.f64Sources.length === 1 &&
      this.i64Sources32.length === 0 &&
      this.prepareBlockDirect(liveCount, limit, capacity)
    ) {
      return;
    }
    // Pass 1, per stream: its keys (ns after the head, stream-major), row count and sortedness, and a
    // copy of its gathered columns' rows next to the keys; while the block looks like bars, keys missing
    // from the union of the block's distinct timestamps are merged into it (bars: the first stream
    // brings nearly all of them, the others only check). Reading each stream's timestamps and columns
    // once per visit, and every later pass from these contiguous copies, costs much less than reading
    // the streams (thousands of pages, TLB misses) again. (Plain bars with one gathered f64 column take
    // prepareBlockDirect instead and never get here.)
    const keys = this.blockKeys;
    const blockRows = this.blockRows;
    const f64Stages = this.blockStageF64;
    const f64Sources = this.f64Sources;
    const i64Stages = this.blockStageI64;
    const i64Sources = this.i64Sources32;
    const headHi = head[0]!;
    const headLo = head[1]!;
    let unionLength = 0;
    let events = 0;
    // Too few events per timestamp for the union (ticks): judged once 16 streams are in, or from the capacity.
    let sparse = false;
    // Some stream has two rows at one timestamp (then the block cannot use a grid).
    let duplicates = 0;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      const first = cursors[s]!;
      const src = streams32[s]!;
      const collected = blockCollect(
        src,
        first,
        endRows[s]!,
        headHi,
        headLo,
        limit,
        keys,
        events,
        this.blockUnion,
        sparse ? 0 : unionLength,
      );
      if (collected === UNSORTED) {
        this.liveCount = 0;
        this.throwUnsorted(s, first + blockCollectStop[0]!);
      }
      const rows = blockCollectStop[1]!;
      duplicates |= blockCollectStop[2]!;
      blockRows[s] = rows;
      for (let c = 0; c < f64Stages.length; c++)
        copyFloat64(f64Sources[c]![s]!, first, f64Stages[c]!, events, rows);
      for (let c = 0; c < i64Stages.length; c++)
        copyInt32(i64Sources[c]![s]!, 2 * first, i64Stages[c]!, 2 * events, 2 * rows);
      if (!sparse && collected === NEW_KEYS) {
        unionLength = this.mergeIntoUnion(unionLength, events, events + rows);
        const bound = unionLength * BLOCK_MIN_EVENTS_PER_BATCH;
        if (bound > capacity || (i >= 15 && bound > events + rows)) sparse = true;
      }
      events += rows;
    }
    if (unionLength > 1 && unionLength * BLOCK_MIN_EVENTS_PER_BATCH > events) sparse = true;
    if (sparse && liveCount < BLOCK_RADIX_MIN_STREAMS) {
      this.fallBackFromBlock(unionLength, events);
      return;
    }
    const slot = this.blockSlot;
    this.blockRadix = sparse;
    const grid = !sparse && duplicates === 0 && unionLength * liveCount <= BLOCK_GRID_SLACK * capacity;
    if (sparse) {
      // Ticks: a stable LSD radix sort of the keys gives every event's position and the runs of equal keys.
      unionLength = this.radixSortBlock(events);
      blockPlace(liveCount, live, blockRows, cursors, slot, this.blockSym, this.blockRow);
      this.blockEnds.set(this.blockStarts.subarray(1, unionLength + 1));
      blockGatherI64(liveCount, live, blockRows, cursors, slot, this.streams32, this.blockTs32);
    } else if (grid) {
      // Bars, at most one row per stream and timestamp: a grid of `liveCount` slots per timestamp, filled
      // in stream order (stable, ties by symbol id) in one pass without counting; with a single gathered
      // f64 column the same pass gathers it (the usual replay), else the slots are kept for the gathers.
      this.ensureBlockOutput(unionLength * liveCount);
      const fused = this.blockF64.length === 1 && this.blockI64.length === 0;
      for (let u = 0, at = 0; u < unionLength; u++, at += liveCount)
        this.blockEnds[u] = this.blockStarts[u] = at;
      if (fused) {
        blockGridScatterF64(
          keys,
          liveCount,
          live,
          blockRows,
          cursors,
          this.blockUnion,
          this.blockEnds,
          this.blockSym,
          this.blockRow,
          f64Stages[0]!,
          this.blockF64[0]!,
        );
      } else {
        blockGridScatter(
          keys,
          liveCount,
          live,
          blockRows,
          cursors,
          this.blockUnion,
          this.blockEnds,
          slot,
          this.blockSym,
          this.blockRow,
        );
        this.gatherBlockColumns(events, slot);
      }
    } else {
      // Bars with repeated timestamps. Pass 2: bucket of every event and the start of every bucket;
      // pass 3: stable scatter.
      blockCount(
        keys,
        events,
        liveCount,
        live,
        blockRows,
        this.blockUnion,
        unionLength,
        slot,
        this.blockStarts,
      );
      this.blockNext.set(this.blockStarts.subarray(0, unionLength));
      this.blockEnds.set(this.blockStarts.subarray(1, unionLength + 1));
      blockScatter(liveCount, live, blockRows, cursors, slot, this.blockNext, this.blockSym, this.blockRow);
    }
    if (!grid) this.gatherBlockColumns(events, slot);
    if (!sparse) this.blockHeadNs = (BigInt(headHi) << 32n) + BigInt(headLo);
    this.commitBlock(liveCount, unionLength);
  }

  /** Moves the block's staged gathered columns (stream-major) to their sorted positions (`slot`). */
  private gatherBlockColumns(events: number, slot: Int32Array): void {
    for (let c = 0; c < this.blockF64.length; c++)
      blockPermuteF64(events, slot, this.blockStageF64[c]!, this.blockF64[c]!);
    for (let c = 0; c < this.blockI64.length; c++)
      blockPermuteI64(events, slot, this.blockStageI64[c]!, this.blockI64[c]!);
  }

  /**
   * Sorts the block's `events` keys (stream-major order) with a stable LSD radix sort on the 52-bit
   * integer keys, {@link RADIX_BITS} bits per pass, skipping the trailing bits that every key shares and any pass whose
   * digit is the same for all keys. Leaves each event's sorted position in `blockSlot`, the start of each
   * run of equal keys in `blockStarts`; returns the number of runs (batches).
   */
  private radixSortBlock(events: number): number {
    if (this.blockTs.length < events) {
      this.blockTs = new BigInt64Array(Math.max(events, 1024));
      this.blockTs32 = new Int32Array(this.blockTs.buffer);
    }
    if (this.radixLo.length < events) {
      const size = Math.max(events, 1024);
      this.radixLo = new Uint32Array(size);
      this.radixHi = new Uint32Array(size);
      this.radixIdx = new Int32Array(size);
      this.radixLo2 = new Uint32Array(size);
      this.radixHi2 = new Uint32Array(size);
      this.radixIdx2 = new Int32Array(size);
    }
    if (this.blockStarts.length < events + 1) {
      this.blockStarts = new Int32Array(events + 1);
      this.blockEnds = new Int32Array(events + 1);
    }
    const bits = radixSplit(
      this.blockKeys,
      events,
      this.radixLo,
      this.radixHi,
      this.radixIdx,
      this.radixBits,
    );
    let lo = this.radixLo;
    let hi = this.radixHi;
    let idx = this.radixIdx;
    let lo2 = this.radixLo2;
    let hi2 = this.radixHi2;
    let idx2 = this.radixIdx2;
    for (let shift = this.radixBits[0]!; shift < bits; shift += RADIX_BITS) {
      if (!radixPass(events, shift, lo, hi, idx, lo2, hi2, idx2, this.radixCounts)) continue;
      [lo, lo2] = [lo2, lo];
      [hi, hi2] = [hi2, hi];
      [idx, idx2] = [idx2, idx];
    }
    return radixRuns(events, lo, hi, idx, this.blockSlot, this.blockStarts);
  }

  /**
   * The usual full-market replay of bars (one gathered f64 column, at most one row per stream and
   * timestamp, nearly every stream on every timestamp) in one pass over the mapped streams: the block's
   * distinct timestamps are taken from its first {@link BLOCK_DIRECT_PROBE_STREAMS} streams, then every
   * stream's rows go straight from its mapped `ts` and column into the (timestamp, stream) grid, without
   * the stream-major copies and the second pass of the general path. Returns `false`, with the cursors
   * untouched, when the block is not like that (a timestamp missing from the probed ones, a repeated or
   * decreasing timestamp in a stream, too many distinct timestamps for a grid): the general path then
   * sorts the same block (and reports an unsorted stream with its row). After a miss in the full pass
   * (the probe looked like bars, the data did not) the direct path is off for the rest of the merge.
   */
  private prepareBlockDirect(liveCount: number, limit: number, capacity: number): boolean {
    const live = this.live;
    const cursors = this.cursors;
    const endRows = this.endRows;
    const streams32 = this.streams32;
    const headHi = this.blockHead[0]!;
    const headLo = this.blockHead[1]!;
    const keys = this.blockKeys;
    // Probe: the union of the first streams' timestamps (bars: the first stream alone brings nearly all).
    const probe = Math.min(liveCount, BLOCK_DIRECT_PROBE_STREAMS);
    let unionLength = 0;
    for (let i = 0; i < probe; i++) {
      const s = live[i]!;
      const collected = blockCollect(
        streams32[s]!,
        cursors[s]!,
        endRows[s]!,
        headHi,
        headLo,
        limit,
        keys,
        0,
        this.blockUnion,
        unionLength,
      );
      if (collected === UNSORTED || blockCollectStop[2] !== 0) return false;
      const rows = blockCollectStop[1]!;
      if (collected === NEW_KEYS) unionLength = this.mergeIntoUnion(unionLength, 0, rows);
      // As in the general path: the union stays within capacity / 4 before each merge, so it fits its array.
      if (unionLength * BLOCK_MIN_EVENTS_PER_BATCH > capacity) return false;
    }
    if (unionLength === 0 || unionLength * liveCount > BLOCK_GRID_SLACK * capacity) return false;
    const union = this.blockUnion;
    this.ensureBlockOutput(unionLength * liveCount);
    const fill = this.blockEnds;
    for (let u = 0, at = 0; u < unionLength; u++, at += liveCount) fill[u] = this.blockStarts[u] = at;
    const sym = this.blockSym;
    const rowsOut = this.blockRow;
    const out = this.blockF64[0]!;
    const sources = this.f64Sources[0]!;
    const blockRows = this.blockRows;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      const src = streams32[s]!;
      const values = sources[s]!;
      const first = cursors[s]!;
      const end = endRows[s]!;
      let u = 0;
      let prev = -1;
      let row = first;
      for (; row < end; row++) {
        const key = (src[2 * row + HI]! - headHi) * TWO_POW_32 + ((src[2 * row + LO]! >>> 0) - headLo);
        if (!(key < limit)) break;
        if (!(key > prev)) return this.missDirect();
        prev = key;
        while (u < unionLength && union[u]! < key) u++;
        if (u === unionLength || union[u] !== key) return this.missDirect();
        const p = fill[u]!++;
        sym[p] = s;
        rowsOut[p] = row;
        out[p] = values[row]!;
      }
      blockRows[s] = row - first;
    }
    this.blockRadix = false;
    this.blockHeadNs = (BigInt(headHi) << 32n) + BigInt(headLo);
    this.commitBlock(liveCount, unionLength);
    return true;
  }

  /**
   * Ends a prepared block: every live stream's cursor moves past its `blockRows` (the block's rows are
   * emitted from the block arrays), and the block's `unionLength` batches become current.
   */
  private commitBlock(liveCount: number, unionLength: number): void {
    const live = this.live;
    const cursors = this.cursors;
    const blockRows = this.blockRows;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      cursors[s] = cursors[s]! + blockRows[s]!;
    }
    this.blockUnionLength = unionLength;
    this.blockFallbackStreak = 0;
  }

  /** {@link prepareBlockDirect} met a block that is not plain bars: turn the direct path off. */
  private missDirect(): false {
    this.blockDirectOff = true;
    return false;
  }

  /** Rows left in the live streams (an upper bound for a block's events). */
  private totalRemaining(liveCount: number): number {
    let total = 0;
    for (let i = 0; i < liveCount; i++) {
      const s = this.live[i]!;
      total += this.endRows[s]! - this.cursors[s]!;
    }
    return total;
  }

  /** Grows the block arrays to hold `events` events and `distinct` distinct timestamps. */
  private ensureBlockCapacity(events: number, distinct: number): void {
    if (this.blockKeys.length < events) {
      const size = Math.max(events, 1024);
      this.blockKeys = new Float64Array(size);
      this.blockSlot = new Int32Array(size);
      this.blockStageF64 = this.f64Names.map(() => new Float64Array(size));
      this.blockStageI64 = this.i64Names.map(() => new Int32Array(2 * size));
    }
    this.ensureBlockOutput(events);
    if (this.blockUnion.length < distinct) {
      const size = Math.max(distinct, 256);
      this.blockUnion = new Float64Array(size);
      this.blockUnion2 = new Float64Array(size);
      this.blockStarts = new Int32Array(size + 1);
      this.blockNext = new Int32Array(size);
      this.blockEnds = new Int32Array(size);
    }
  }

  /** Grows the sorted output arrays of the block (symbol id, row, gathered columns) to `slots` entries. */
  private ensureBlockOutput(slots: number): void {
    if (this.blockSym.length >= slots) return;
    const size = Math.max(slots, 1024);
    this.ownBatch();
    this.blockSym = new Int32Array(size);
    this.blockRow = new Uint32Array(size);
    this.blockF64 = this.f64Names.map(() => new Float64Array(size));
    this.blockI64 = this.i64Names.map(() => new Int32Array(2 * size));
    this.blockI64Big = this.blockI64.map((a) => new BigInt64Array(a.buffer));
  }

  /** Merges the distinct keys of `blockKeys[from, to)` (sorted) into the union; returns its new length. */
  private mergeIntoUnion(unionLength: number, from: number, to: number): number {
    const a = this.blockUnion;
    const b = this.blockKeys;
    const out = this.blockUnion2;
    let i = 0;
    let j = from;
    let n = 0;
    while (i < unionLength && j < to) {
      const x = a[i]!;
      const y = b[j]!;
      if (x < y) {
        out[n++] = x;
        i++;
      } else {
        if (x === y) i++;
        out[n++] = y;
        j++;
        while (j < to && b[j] === y) j++;
      }
    }
    while (i < unionLength) out[n++] = a[i++]!;
    while (j < to) {
      const y = b[j]!;
      out[n++] = y;
      j++;
      while (j < to && b[j] === y) j++;
    }
    this.blockUnion2 = a;
    this.blockUnion = out;
    return n;
  }

  /**
   * The block being prepared has too few events per timestamp: restage every stream at its cursor and
   * continue with buckets or the tree (for a window of batches when 'block' was forced).
   */
  private fallBackFromBlock(distinct: number, events: number): void {
    this.blockUnionLength = 0;
    this.blockBucket = 0;
    for (let s = 0; s < this.streamCount; s++)
      if (this.cursors[s]! < this.endRows[s]!) this.stage(s, this.cursors[s]!);
    const next: MergeMode =
      this.adaptive && events >= distinct * BUCKETS_AT_EVENTS_PER_BATCH ? 'buckets' : 'tree';
    this.mode = next;
    this.build(next);
    this.windowBatches = 0;
    this.windowEvents = 0;
    if (this.adaptive) this.switches++;
    // Forced 'block': the tree for a window that doubles with every fallback in a row (up to 2^20
    // batches), so data that is not block-like costs O(log) failed block attempts, not one per window.
    else this.treeBatchesLeft = ADAPT_WINDOW_BATCHES * 2 ** Math.min(this.blockFallbackStreak++, 12);
  }

  /** Loser-tree step: fills the batch, returns its length (0 at the end). */
  private nextFromTree(): number {
    const tree = this.tree;
    const keyHi = tree.keyHi;
    const keyLo = tree.keyLo;
    const exhausted = tree.exhausted;
    let leaf = tree.winner;
    if (leaf < 0 || exhausted[leaf] === 1) return 0;
    const batch = this.batch;
    const cursors = this.cursors;
    const endRows = this.endRows;
    const stageHi = this.stageHi;
    const stageLo = this.stageLo;
    const stageDelta = this.stageDelta;
    const stageEnd = this.stageEnd;
    const gathering = this.gathering;
    const hi = keyHi[leaf]!;
    const lo = keyLo[leaf]!;
    this.batchKey[HI] = hi;
    this.batchKey[LO] = lo;
    let symbolIds = batch.symbolIds;
    let rows = batch.rows;
    let n = 0;
    do {
      if (n === rows.length) {
        this.growBatch(n);
        symbolIds = batch.symbolIds;
        rows = batch.rows;
      }
      const row = cursors[leaf]!;
      symbolIds[n] = leaf;
      rows[n] = row;
      if (gathering) this.gather(n, (row + stageDelta[leaf]!) | 0);
      n++;
      // Advance the winning stream and check it stays sorted: one (hi, lo) comparison per row.
      const nextRow = row + 1;
      cursors[leaf] = nextRow;
      if (nextRow >= endRows[leaf]!) {
        tree.setExhausted(leaf);
      } else {
        if (nextRow >= stageEnd[leaf]!) this.stage(leaf, nextRow);
        const idx = (nextRow + stageDelta[leaf]!) | 0;
        const nextHi = stageHi[2 * idx + HI]!;
        const nextLo = stageLo[2 * idx + LO]!;
        if (nextHi < hi || (nextHi === hi && nextLo < lo)) this.throwUnsorted(leaf, nextRow);
        keyHi[leaf] = nextHi;
        keyLo[leaf] = nextLo;
      }
      tree.replay(leaf);
      leaf = tree.winner;
    } while (exhausted[leaf] === 0 && keyHi[leaf] === hi && keyLo[leaf] === lo);
    return n;
  }

  /**
   * Calendar step: pops the bucket of the smallest timestamp (its streams in ascending id), emits each
   * stream's rows at that timestamp, and files each stream under its next timestamp. Returns the length.
   */
  private nextFromBuckets(): number {
    const buckets = this.buckets;
    const order = this.order;
    const count = buckets.popMin(order);
    if (count === 0) return 0;
    const hi = buckets.poppedHi;
    const lo = buckets.poppedLo;
    const batch = this.batch;
    const cursors = this.cursors;
    const endRows = this.endRows;
    const stageHi = this.stageHi;
    const stageLo = this.stageLo;
    const stageDelta = this.stageDelta;
    const stageEnd = this.stageEnd;
    const gathering = this.gathering;
    this.batchKey[HI] = hi;
    this.batchKey[LO] = lo;
    let symbolIds = batch.symbolIds;
    let rows = batch.rows;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const s = order[i]!;
      const end = endRows[s]!;
      let row = cursors[s]!;
      // Emit every row of stream s at this timestamp (usually one).
      for (;;) {
        if (n === rows.length) {
          this.growBatch(n);
          symbolIds = batch.symbolIds;
          rows = batch.rows;
        }
        symbolIds[n] = s;
        rows[n] = row;
        if (gathering) this.gather(n, (row + stageDelta[s]!) | 0);
        n++;
        row++;
        if (row >= end) break;
        if (row >= stageEnd[s]!) this.stage(s, row);
        const idx = (row + stageDelta[s]!) | 0;
        const nextHi = stageHi[2 * idx + HI]!;
        const nextLo = stageLo[2 * idx + LO]!;
        if (nextHi === hi && nextLo === lo) continue;
        if (nextHi < hi || (nextHi === hi && nextLo < lo)) {
          cursors[s] = row;
          this.throwUnsorted(s, row);
        }
        buckets.insert(s, nextHi, nextLo);
        break;
      }
      cursors[s] = row;
    }
    return n;
  }

  /**
   * Sweep step: one pass over the live streams (ascending id) emits those at the current minimum,
   * advances them, drops exhausted ones and computes the next minimum. Returns the batch length.
   */
  private nextFromSweep(): number {
    const liveCount = this.liveCount;
    if (liveCount === 0) return 0;
    const live = this.live;
    const keyHi = this.tree.keyHi;
    const keyLo = this.tree.keyLo;
    const batch = this.batch;
    const cursors = this.cursors;
    const endRows = this.endRows;
    const stageHi = this.stageHi;
    const stageLo = this.stageLo;
    const stageDelta = this.stageDelta;
    const stageEnd = this.stageEnd;
    const gathering = this.gathering;
    const hi = this.sweepHi[0]!;
    const lo = this.sweepLo[0]!;
    this.batchKey[HI] = hi;
    this.batchKey[LO] = lo;
    let symbolIds = batch.symbolIds;
    let rows = batch.rows;
    let n = 0;
    // int64 max: no head can be larger, so the first live head replaces it (or equals it).
    let minHi = 0x7fffffff;
    let minLo = 0xffffffff;
    let kept = 0;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      let kh = keyHi[s]!;
      let kl = keyLo[s]!;
      if (kh === hi && kl === lo) {
        let row = cursors[s]!;
        const end = endRows[s]!;
        for (;;) {
          if (n === rows.length) {
            this.growBatch(n);
            symbolIds = batch.symbolIds;
            rows = batch.rows;
          }
          symbolIds[n] = s;
          rows[n] = row;
          if (gathering) this.gather(n, (row + stageDelta[s]!) | 0);
          n++;
          row++;
          if (row >= end) break;
          if (row >= stageEnd[s]!) this.stage(s, row);
          const idx = (row + stageDelta[s]!) | 0;
          kh = stageHi[2 * idx + HI]!;
          kl = stageLo[2 * idx + LO]!;
          if (kh !== hi || kl !== lo) break;
        }
        cursors[s] = row;
        if (row >= end) continue; // exhausted: dropped from the live list
        if (kh < hi || (kh === hi && kl < lo)) {
          this.liveCount = 0;
          this.throwUnsorted(s, row);
        }
        keyHi[s] = kh;
        keyLo[s] = kl;
      }
      live[kept++] = s;
      if (kh < minHi || (kh === minHi && kl < minLo)) {
        minHi = kh;
        minLo = kl;
      }
    }
    this.liveCount = kept;
    this.sweepHi[0] = minHi;
    this.sweepLo[0] = minLo;
    return n;
  }

  /** `'auto'`: re-decides the algorithm from the mean batch size of the last window. */
  private adapt(): void {
    const eventsPerBatch = this.windowEvents / this.windowBatches;
    this.windowEvents = 0;
    this.windowBatches = 0;
    let live = 0;
    for (let s = 0; s < this.streamCount; s++) if (this.cursors[s]! < this.endRows[s]!) live++;
    const mode = this.mode;
    let next: MergeMode;
    if (live > 0 && (eventsPerBatch >= BLOCK_AT_EVENTS_PER_BATCH || live >= BLOCK_AT_STREAMS)) next = 'block';
    else if (eventsPerBatch >= (mode === 'tree' ? BUCKETS_AT_EVENTS_PER_BATCH : TREE_BELOW_EVENTS_PER_BATCH))
      next = 'buckets';
    else next = 'tree';
    if (next === mode) return;
    if (mode === 'buckets') this.buckets.clear();
    // Leaving blocks: the staging of every stream is stale (blocks read the streams directly).
    if (mode === 'block')
      for (let s = 0; s < this.streamCount; s++)
        if (this.cursors[s]! < this.endRows[s]!) this.stage(s, this.cursors[s]!);
    this.mode = next;
    this.build(next);
    this.switches++;
  }

  /** Builds the structure of `mode` from the cursors. */
  private build(mode: MergeMode): void {
    if (mode === 'block') {
      this.blockBucket = this.blockUnionLength = 0;
      return;
    }
    // The other algorithms fill the batch's own arrays: drop views of the last block batch.
    if (this.batch !== undefined) this.ownBatch();
    if (mode === 'buckets') this.buildBuckets();
    else if (mode === 'tree') this.buildTree();
    else this.buildSweep();
  }

  /** Sweep: the live list and the head keys from the cursors, and their minimum. */
  private buildSweep(): void {
    const keyHi = this.tree.keyHi;
    const keyLo = this.tree.keyLo;
    let kept = 0;
    let minHi = 0x7fffffff;
    let minLo = 0xffffffff;
    for (let s = 0; s < this.streamCount; s++) {
      const row = this.cursors[s]!;
      if (row >= this.endRows[s]!) continue;
      const idx = (row + this.stageDelta[s]!) | 0;
      const kh = this.stageHi[2 * idx + HI]!;
      const kl = this.stageLo[2 * idx + LO]!;
      keyHi[s] = kh;
      keyLo[s] = kl;
      this.live[kept++] = s;
      if (kh < minHi || (kh === minHi && kl < minLo)) {
        minHi = kh;
        minLo = kl;
      }
    }
    this.liveCount = kept;
    this.sweepHi[0] = minHi;
    this.sweepLo[0] = minLo;
  }

  /** Files every live stream under its head timestamp (ascending ids, so every bucket starts sorted). */
  private buildBuckets(): void {
    const buckets = this.buckets;
    buckets.clear();
    for (let s = 0; s < this.streamCount; s++) {
      const row = this.cursors[s]!;
      if (row < this.endRows[s]!) {
        const idx = (row + this.stageDelta[s]!) | 0;
        buckets.insert(s, this.stageHi[2 * idx + HI]!, this.stageLo[2 * idx + LO]!);
      }
    }
  }

  /** Keys every leaf of the loser tree from the cursors and plays all matches. */
  private buildTree(): void {
    const tree = this.tree;
    for (let s = 0; s < this.streamCount; s++) {
      const row = this.cursors[s]!;
      if (row < this.endRows[s]!) {
        tree.exhausted[s] = 0;
        const idx = (row + this.stageDelta[s]!) | 0;
        tree.keyHi[s] = this.stageHi[2 * idx + HI]!;
        tree.keyLo[s] = this.stageLo[2 * idx + LO]!;
      } else {
        tree.setExhausted(s);
      }
    }
    tree.build();
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

  private throwUnsorted(streamIndex: number, row: number): never {
    const stream = this.streams[streamIndex]!;
    throw new UnsortedStreamError({ streamIndex, row, expected: stream[row - 1]!, actual: stream[row]! });
  }
}
