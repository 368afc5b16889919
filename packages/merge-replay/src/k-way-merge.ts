import { InvalidReplayOptionError, UnsortedStreamError } from './errors.js';
import { LoserTree } from './loser-tree.js';
import type { ReplayBatch } from './replay-batch.js';
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
 * - `'auto'` (default): picks from the stream heads (sweep when at most 4 distinct head timestamps,
 *   buckets when at most half as many distinct head timestamps as live streams, else tree), then
 *   re-decides every {@link ADAPT_WINDOW_BATCHES} batches from the mean batch size `e` and the live
 *   stream count `L`: sweep when `e ≥ L / 4` (leave below `L / 8`), else buckets when `e ≥ 4` (leave
 *   below 2), else tree; a switch rebuilds the new structure from the cursors in O(N).
 */
export type MergeStrategy = 'auto' | 'tree' | 'buckets' | 'sweep';

/** The concrete algorithms of {@link MergeStrategy}. */
type MergeMode = 'tree' | 'buckets' | 'sweep';

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
}

/**
 * Default rows staged per stream: 64 rows = 512 bytes of a column, so the staged heads of 8 streams
 * share a 4 KiB page and a 3,000-stream batch touches ~375 staging pages per column instead of one
 * page per stream of every mapped column (TLB misses), while one `TypedArray.set` per 64 rows keeps the
 * copy overhead small. Measured with bench/suites/replay.mjs (`REPLAY_STAGE_ROWS`, bench/README.md):
 * 32–128 rows are within noise of each other on 3,000 bar streams, 1,024 rows is slower.
 */
export const DEFAULT_STAGE_ROWS = 64;

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
  strategy: 'tree' | 'buckets' | 'sweep';
  /** Times `'auto'` switched between the two algorithms. */
  strategySwitches: number;
}

/**
 * Batches between two decisions of the `'auto'` strategy: 256 batches are at least 256 events, so the
 * O(N) rebuild on a switch costs at most N / 256 per event, and with the 2 / 4 events-per-batch
 * hysteresis a switch needs a real change in the data.
 */
export const ADAPT_WINDOW_BATCHES = 256;
/** Mean events per batch at or above which `'auto'` uses buckets (measured crossover ≈ 2–3, bench/merge.mjs). */
const BUCKETS_AT_EVENTS_PER_BATCH = 4;
/** Mean events per batch below which `'auto'` goes back to the tree. */
const TREE_BELOW_EVENTS_PER_BATCH = 2;

/** Largest row index representable in `ReplayBatch.rows` (a Uint32Array). */
const MAX_STREAM_ROWS = 0xffffffff;

/** Int32 index of the high / low half of int64 element `i` is `2 * i + HI` / `2 * i + LO`. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

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
  /** [started, finished] in ms (performance.now()), -1 until set; typed for the reason of `sweepHi`. */
  private readonly clockMs = new Float64Array([-1, -1]);

  constructor(streams: readonly BigInt64Array[], options: KWayMergeOptions = {}) {
    const { startNs, endNs, strategy = 'auto', columns = {}, stageRows = DEFAULT_STAGE_ROWS } = options;
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
    if (strategy !== 'auto' && strategy !== 'tree' && strategy !== 'buckets' && strategy !== 'sweep') {
      throw new InvalidReplayOptionError({
        option: 'strategy',
        expected: "'auto', 'tree', 'buckets' or 'sweep'",
        actual: strategy,
      });
    }
    const count = streams.length;
    this.streamCount = count;
    this.streams = streams;
    this.startRows = new Uint32Array(count);
    this.endRows = new Uint32Array(count);
    this.cursors = new Uint32Array(count);
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
      const first = startNs === undefined ? 0 : lowerBound(stream, startNs);
      const end = endNs === undefined ? stream.length : Math.max(first, lowerBound(stream, endNs));
      this.startRows[s] = first;
      this.endRows[s] = end;
      this.cursors[s] = first;
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
        this.f64Names.push(name);
        this.f64Stages.push(new Float64Array(stage.buffer));
        this.gatherSources32.splice(this.f64Names.length - 1, 0, sources);
        this.gatherStages32.splice(this.f64Names.length - 1, 0, stage);
      } else {
        this.i64Names.push(name);
        this.i64Stages32.push(stage);
        this.gatherSources32.push(sources);
        this.gatherStages32.push(stage);
      }
    }
    this.gathering = this.f64Names.length + this.i64Names.length > 0;
    for (let s = 0; s < count; s++)
      if (this.startRows[s]! < this.endRows[s]!) this.stage(s, this.startRows[s]!);
    this.adaptive = strategy === 'auto';
    if (strategy === 'auto') {
      let live = 0;
      for (let s = 0; s < count; s++) if (this.startRows[s]! < this.endRows[s]!) live++;
      this.buildBuckets();
      const distinctHeads = this.buckets.size;
      this.buckets.clear();
      // Mean batch size is about live / distinctHeads while streams move in step.
      this.mode = distinctHeads <= 4 ? 'sweep' : distinctHeads * 2 <= live ? 'buckets' : 'tree';
    } else {
      this.mode = strategy;
    }
    this.build(this.mode);
    const capacity = Math.max(16, count);
    this.batch = {
      timestampNs: 0n,
      length: 0,
      symbolIds: new Int32Array(capacity),
      rows: new Uint32Array(capacity),
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

  /** Points `batch.columns` at the current output arrays (after construction or growth). */
  private publishColumns(): void {
    const columns: Record<string, Float64Array | BigInt64Array> = {};
    this.f64Names.forEach((name, c) => {
      columns[name] = this.f64Outs[c]!;
    });
    this.i64Names.forEach((name, c) => {
      columns[name] = new BigInt64Array(this.i64Outs32[c]!.buffer);
    });
    this.batch.columns = columns;
  }

  /** Doubles the batch arrays (keeping the first `n` entries); returns nothing, callers reload them. */
  private growBatch(n: number): void {
    const batch = this.batch;
    batch.symbolIds = grow(batch.symbolIds, new Int32Array(n * 2));
    batch.rows = grow(batch.rows, new Uint32Array(n * 2));
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
   */
  get cursorRows(): Readonly<Uint32Array> {
    return this.cursors;
  }

  /**
   * Returns the next batch (all remaining events at the smallest remaining timestamp), or `null` when
   * every stream is exhausted. The batch object is reused: copy it if you keep it.
   *
   * @throws {UnsortedStreamError} when an advanced-to row is earlier than the previous row of its stream.
   */
  next(): ReplayBatch | null {
    if (this.clockMs[0]! < 0) this.clockMs[0] = performance.now();
    if (this.adaptive && this.windowBatches >= ADAPT_WINDOW_BATCHES) this.adapt();
    const mode = this.mode;
    const n =
      mode === 'sweep'
        ? this.nextFromSweep()
        : mode === 'buckets'
          ? this.nextFromBuckets()
          : this.nextFromTree();
    if (n === 0) {
      if (this.clockMs[1]! < 0) this.clockMs[1] = performance.now();
      return null;
    }
    this.batch.length = n;
    this.events += n;
    this.batches++;
    this.windowEvents += n;
    this.windowBatches++;
    return this.batch;
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
    batch.timestampNs = this.stageKeys[(cursors[leaf]! + stageDelta[leaf]!) | 0]!;
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
    batch.timestampNs = this.stageKeys[(cursors[order[0]!]! + stageDelta[order[0]!]!) | 0]!;
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
        if (n === 0) batch.timestampNs = this.stageKeys[(row + stageDelta[s]!) | 0]!;
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
    if (eventsPerBatch * (mode === 'sweep' ? 8 : 4) >= live) next = 'sweep';
    else if (eventsPerBatch >= (mode === 'tree' ? BUCKETS_AT_EVENTS_PER_BATCH : TREE_BELOW_EVENTS_PER_BATCH))
      next = 'buckets';
    else next = 'tree';
    if (next === mode) return;
    if (mode === 'buckets') this.buckets.clear();
    this.mode = next;
    this.build(next);
    this.switches++;
  }

  /** Builds the structure of `mode` from the cursors. */
  private build(mode: MergeMode): void {
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

/** First index `i` with `stream[i] >= value` (assuming `stream` sorted); `stream.length` if none. */
function lowerBound(stream: BigInt64Array, value: bigint): number {
  let low = 0;
  let high = stream.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (stream[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function copyInt32(
  from: Int32Array,
  fromIndex: number,
  to: Int32Array,
  toIndex: number,
  length: number,
): void {
  for (let k = 0; k < length; k++) to[toIndex + k] = from[fromIndex + k]!;
}

function grow<T extends Int32Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
