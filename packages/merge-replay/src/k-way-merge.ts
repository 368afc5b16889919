import { InvalidReplayOptionError, UnsortedStreamError } from './errors.js';
import { LoserTree } from './loser-tree.js';
import type { ReplayBatch } from './replay-batch.js';
import { sleepMs } from './sleep.js';

/** Options of {@link KWayMerge}. */
export interface KWayMergeOptions {
  /** First timestamp to replay (inclusive), ns since epoch. Default: the earliest row of every stream. */
  startNs?: bigint;
  /** End of the replay (exclusive), ns since epoch. Default: past the last row of every stream. */
  endNs?: bigint;
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
}

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
 * ordered by symbol id (then row), so the output is deterministic. Internally a {@link LoserTree} over
 * the stream heads compares timestamps as `(Int32 high, Uint32 low)` pairs read through views over
 * each stream's buffer: no BigInt is allocated per event (one per batch, for `timestampNs`).
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
  private readonly hiViews: Int32Array[];
  private readonly loViews: Uint32Array[];
  /** Head row of each stream: the next row to emit. */
  private readonly cursors: Uint32Array;
  private readonly tree: LoserTree;
  private readonly batch: ReplayBatch;
  private events = 0;
  private batches = 0;
  private startedAtMs = -1;
  private finishedAtMs = -1;

  constructor(streams: readonly BigInt64Array[], options: KWayMergeOptions = {}) {
    const { startNs, endNs } = options;
    if (startNs !== undefined && typeof startNs !== 'bigint') {
      throw new InvalidReplayOptionError({ option: 'startNs', expected: 'a bigint (ns)', actual: startNs });
    }
    if (endNs !== undefined && typeof endNs !== 'bigint') {
      throw new InvalidReplayOptionError({ option: 'endNs', expected: 'a bigint (ns)', actual: endNs });
    }
    const count = streams.length;
    this.streamCount = count;
    this.streams = streams;
    this.startRows = new Uint32Array(count);
    this.endRows = new Uint32Array(count);
    this.cursors = new Uint32Array(count);
    this.hiViews = new Array<Int32Array>(count);
    this.loViews = new Array<Uint32Array>(count);
    this.tree = new LoserTree(count);

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
      // BigInt64Array.byteOffset is always a multiple of 8, so these views are aligned.
      this.hiViews[s] = new Int32Array(stream.buffer, stream.byteOffset, stream.length * 2);
      this.loViews[s] = new Uint32Array(stream.buffer, stream.byteOffset, stream.length * 2);
      const first = startNs === undefined ? 0 : lowerBound(stream, startNs);
      const end = endNs === undefined ? stream.length : Math.max(first, lowerBound(stream, endNs));
      this.startRows[s] = first;
      this.endRows[s] = end;
      this.cursors[s] = first;
      if (first < end) {
        this.tree.keyHi[s] = this.hiViews[s]![2 * first + HI]!;
        this.tree.keyLo[s] = this.loViews[s]![2 * first + LO]!;
      } else {
        this.tree.setExhausted(s);
      }
    }
    this.tree.build();
    const capacity = Math.max(16, count);
    this.batch = {
      timestampNs: 0n,
      length: 0,
      symbolIds: new Int32Array(capacity),
      rows: new Uint32Array(capacity),
    };
  }

  /**
   * Returns the next batch (all remaining events at the smallest remaining timestamp), or `null` when
   * every stream is exhausted. The batch object is reused: copy it if you keep it.
   *
   * @throws {UnsortedStreamError} when an advanced-to row is earlier than the previous row of its stream.
   */
  next(): ReplayBatch | null {
    if (this.startedAtMs < 0) this.startedAtMs = performance.now();
    const tree = this.tree;
    const keyHi = tree.keyHi;
    const keyLo = tree.keyLo;
    const exhausted = tree.exhausted;
    let leaf = tree.winner;
    if (leaf < 0 || exhausted[leaf] === 1) {
      if (this.finishedAtMs < 0) this.finishedAtMs = performance.now();
      return null;
    }
    const batch = this.batch;
    const cursors = this.cursors;
    const hi = keyHi[leaf]!;
    const lo = keyLo[leaf]!;
    batch.timestampNs = this.streams[leaf]![cursors[leaf]!]!;
    let symbolIds = batch.symbolIds;
    let rows = batch.rows;
    let n = 0;
    do {
      if (n === rows.length) {
        symbolIds = grow(symbolIds, new Int32Array(n * 2));
        rows = grow(rows, new Uint32Array(n * 2));
        batch.symbolIds = symbolIds;
        batch.rows = rows;
      }
      const row = cursors[leaf]!;
      symbolIds[n] = leaf;
      rows[n] = row;
      n++;
      // Advance the winning stream and check it stays sorted: one (hi, lo) comparison per row.
      const nextRow = row + 1;
      cursors[leaf] = nextRow;
      if (nextRow >= this.endRows[leaf]!) {
        tree.setExhausted(leaf);
      } else {
        const nextHi = this.hiViews[leaf]![2 * nextRow + HI]!;
        const nextLo = this.loViews[leaf]![2 * nextRow + LO]!;
        if (nextHi < hi || (nextHi === hi && nextLo < lo)) this.throwUnsorted(leaf, nextRow);
        keyHi[leaf] = nextHi;
        keyLo[leaf] = nextLo;
      }
      tree.replay(leaf);
      leaf = tree.winner;
    } while (exhausted[leaf] === 0 && keyHi[leaf] === hi && keyLo[leaf] === lo);
    batch.length = n;
    this.events += n;
    this.batches++;
    return batch;
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
    const end = this.finishedAtMs >= 0 ? this.finishedAtMs : performance.now();
    const elapsedNs = this.startedAtMs < 0 ? 0 : Math.round((end - this.startedAtMs) * 1e6);
    return { events: this.events, batches: this.batches, elapsedNs };
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

function grow<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
