import { InvalidReplayOptionError } from './errors.js';
import type { ReplayChunk } from './replay-chunk.js';
import type { ReplayDatasetSource, ReplayOptions, ReplayStats } from './replay-options.js';
import { ReplaySession } from './replay-session.js';
import { sleepMs } from './sleep.js';

/**
 * Options of {@link replayChunks}: those of `replayDataset` (symbols, startNs, endNs, columns, prefetch,
 * strategy, verify, memory, …) without `gather` (a chunk always carries its columns), plus the chunk
 * capacity.
 */
export interface ReplayChunkOptions extends Omit<ReplayOptions, 'gather'> {
  /**
   * Events per chunk at most, ≥ 1. Default 262,144 (`KWayMergeOptions.chunkEvents`, measured: see
   * `DEFAULT_CHUNK_EVENTS` in merge-tuning.ts); 16,384 when the replay prefetches through the mapping
   * (`PREFETCH_CHUNK_EVENTS`: no stream moves past its prefetch window between two chunks).
   */
  chunkEvents?: number;
}

/** Options of {@link replayChunksAsync}: {@link ReplayChunkOptions} plus pacing. */
export interface ReplayChunkAsyncOptions extends ReplayChunkOptions {
  /**
   * `'max'` (default): chunks as fast as the consumer pulls them. A number `k > 0`: `k` times real time;
   * a run of equal timestamps `Δ` ns after the first event is handed out no earlier than `Δ / k` ns
   * after the first chunk (an absolute schedule, so consumer time and timer lateness do not drift). Paced
   * chunks hold the runs that are due, so they are often shorter than the capacity.
   */
  speed?: number | 'max';
  /** Aborts the replay: a pending sleep rejects at once and `next()` throws `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * The iterator of {@link replayChunks}: a sync iterable of reused {@link ReplayChunk}s. `return()` (a
 * `break` out of `for … of`) and `throw()` end the replay and release the prefetcher, as does the end.
 */
export interface ReplayChunkIterator extends IterableIterator<ReplayChunk, undefined, undefined> {
  /** Replayed symbols: `symbols[chunk.symbolId[i]]` is the symbol of event `i`. */
  readonly symbols: readonly string[];
  /**
   * Statistics of the replay (see `ReplayStats`); complete once the iterator is done, the figures so far
   * before that. `elapsedMs` runs from the call of `replayChunks` and includes the consumer's time.
   */
  stats(): ReplayStats;
}

/** The iterator of {@link replayChunksAsync}: as {@link ReplayChunkIterator}, pulled with `for await`. */
export interface ReplayChunkAsyncIterator extends AsyncIterableIterator<ReplayChunk, undefined, undefined> {
  readonly symbols: readonly string[];
  stats(): ReplayStats;
}

/**
 * Replays a dataset (or a subset of its symbols) in global (timestamp, symbol id, row) order as chunks of
 * up to `chunkEvents` events: typed arrays of symbol ids, rows, timestamps and the requested columns, with
 * the runs of equal timestamps in `batchEnds` (see {@link ReplayChunk}). No allocation per event or per
 * batch; the chunk and its arrays are reused (views valid until the next step).
 *
 * ```ts
 * import { Dataset } from '@mmtape/columnar-format';
 * import { replayChunks } from '@mmtape/merge-replay';
 *
 * const dataset = Dataset.open('data/bars');
 * const replay = replayChunks(dataset, { columns: ['close'] });
 * for (const chunk of replay) {
 *   const close = chunk.columns.close as Float64Array;
 *   for (let i = 0; i < chunk.length; i++) use(replay.symbols[chunk.symbolId[i]!], chunk.timestampNs[i], close[i]);
 * }
 * console.log(replay.stats().eventsPerSecond);
 * dataset.close();
 * ```
 *
 * Files are opened (and checked) by this call, through `dataset.open`/`openRange`; they are not closed
 * here. The merge, prefetcher and verified reads are those of `replayDataset`.
 *
 * @throws {UnknownSymbolError} when `options.symbols` names a symbol the dataset lacks.
 * @throws {MissingColumnError} when a symbol's file lacks `ts` or a requested column.
 * @throws {UnsupportedColumnDtypeError} when a requested column is neither f64 nor i64.
 * @throws {InvalidReplayOptionError} for malformed options (`chunkEvents` not an integer ≥ 1, …).
 * @throws {UnsortedStreamError} from `next()` when a symbol's `ts` column decreases inside the range.
 */
export function replayChunks(
  dataset: ReplayDatasetSource,
  options: ReplayChunkOptions = {},
): ReplayChunkIterator {
  return new ChunkReplay(dataset, options);
}

/**
 * {@link replayChunks} as an async iterator, optionally paced to the timestamps
 * ({@link ReplayChunkAsyncOptions.speed}). Same chunks, same errors; `speed` not `'max'` or a finite
 * number > 0 throws {@link InvalidReplayOptionError} here, `signal` aborting rejects `next()` with its reason.
 */
export function replayChunksAsync(
  dataset: ReplayDatasetSource,
  options: ReplayChunkAsyncOptions = {},
): ReplayChunkAsyncIterator {
  const { speed = 'max', signal, ...rest } = options;
  if (speed !== 'max' && !(typeof speed === 'number' && Number.isFinite(speed) && speed > 0)) {
    throw new InvalidReplayOptionError({
      option: 'speed',
      expected: "'max' or a finite number > 0",
      actual: speed,
    });
  }
  return new PacedChunkReplay(new ChunkReplay(dataset, rest), speed, signal);
}

class ChunkReplay implements ReplayChunkIterator {
  readonly symbols: readonly string[];
  private readonly session: ReplaySession;
  private done = false;
  private firstTimestampNs: bigint | null = null;
  private lastTimestampNs: bigint | null = null;

  constructor(dataset: ReplayDatasetSource, options: ReplayChunkOptions) {
    // `gather` is not an option of chunks: a stray one from a ReplayOptions object is ignored.
    // Chunks hand out copies of the rows (no zero-copy context): the merge may read windows (see ReplayOptions.prefetch).
    this.session = new ReplaySession(dataset, options, {
      gather: true,
      chunkEvents: options.chunkEvents,
      windows: true,
    });
    this.symbols = this.session.symbols;
  }

  next(): IteratorResult<ReplayChunk, undefined> {
    if (this.done) return { done: true, value: undefined };
    const session = this.session;
    let chunk: ReplayChunk | null;
    try {
      session.poll();
      chunk = session.merge.nextChunk();
    } catch (error) {
      this.end();
      throw error;
    }
    if (chunk === null) {
      this.end();
      return { done: true, value: undefined };
    }
    if (session.chained) {
      // Stream ids → symbol ids (a symbol stored in several files is several streams).
      const ids = chunk.symbolId;
      const symbolOfStream = session.symbolOfStream;
      for (let i = 0; i < ids.length; i++) ids[i] = symbolOfStream[ids[i]!]!;
    }
    if (this.firstTimestampNs === null) this.firstTimestampNs = chunk.timestampNs[0]!;
    this.lastTimestampNs = chunk.timestampNs[chunk.length - 1]!;
    return { done: false, value: chunk };
  }

  return(): IteratorResult<ReplayChunk, undefined> {
    this.end();
    return { done: true, value: undefined };
  }

  throw(error?: unknown): IteratorResult<ReplayChunk, undefined> {
    this.end();
    throw error;
  }

  [Symbol.iterator](): this {
    return this;
  }

  stats(): ReplayStats {
    return this.session.stats(this.firstTimestampNs, this.lastTimestampNs);
  }

  private end(): void {
    this.done = true;
    this.session.finish();
  }
}

/** Async wrapper of a {@link ChunkReplay}: pass-through at `'max'`, else due runs as chunk views. */
class PacedChunkReplay implements ReplayChunkAsyncIterator {
  readonly symbols: readonly string[];
  /** The chunk being paced and the next run of it to hand out. */
  private current: ReplayChunk | null = null;
  private run = 0;
  private readonly paced: ReplayChunk = {
    length: 0,
    symbolId: new Int32Array(0),
    row: new Uint32Array(0),
    timestampNs: new BigInt64Array(0),
    columns: {},
    batchEnds: new Int32Array(0),
    batchCount: 0,
    continuesBatch: false,
  };
  private pacedEnds = new Int32Array(0);
  private firstTimestampNs: bigint | undefined;
  private firstWallMs = 0;

  constructor(
    private readonly inner: ChunkReplay,
    private readonly speed: number | 'max',
    private readonly signal: AbortSignal | undefined,
  ) {
    this.symbols = inner.symbols;
  }

  async next(): Promise<IteratorResult<ReplayChunk, undefined>> {
    try {
      this.signal?.throwIfAborted();
      if (this.speed === 'max') return this.inner.next();
      return await this.nextPaced(this.speed);
    } catch (error) {
      this.inner.return();
      throw error;
    }
  }

  /** The runs of the current chunk that are due at `speed`, after sleeping until the first is. */
  private async nextPaced(speed: number): Promise<IteratorResult<ReplayChunk, undefined>> {
    let chunk = this.current;
    if (chunk === null || this.run >= chunk.batchCount) {
      const step = this.inner.next();
      if (step.done) return step;
      chunk = this.current = step.value;
      this.run = 0;
    }
    const ends = chunk.batchEnds;
    const ts = chunk.timestampNs;
    const first = this.run;
    const start = first === 0 ? 0 : ends[first - 1]!;
    if (this.firstTimestampNs === undefined) {
      this.firstTimestampNs = ts[start]!;
      this.firstWallMs = performance.now();
    }
    // ns of data time → ms of wall time: divide by 1e6 (ns per ms) and by the speed factor.
    const dueMs = (at: number): number =>
      this.firstWallMs + Number(ts[at]! - this.firstTimestampNs!) / 1e6 / speed;
    const waitMs = dueMs(start) - performance.now();
    // Below 1 ms setTimeout cannot be precise; skip and let the absolute schedule catch up.
    if (waitMs >= 1) await sleepMs(waitMs, this.signal);
    this.signal?.throwIfAborted();
    let last = first + 1;
    const now = performance.now();
    while (last < chunk.batchCount && dueMs(ends[last - 1]!) - now < 1) last++;
    this.run = last;
    const end = ends[last - 1]!;
    if (start === 0 && last === chunk.batchCount) return { done: false, value: chunk };
    const paced = this.paced;
    if (this.pacedEnds.length < chunk.batchCount) this.pacedEnds = new Int32Array(ends.length);
    for (let b = first; b < last; b++) this.pacedEnds[b - first] = ends[b]! - start;
    paced.length = end - start;
    paced.symbolId = chunk.symbolId.subarray(start, end);
    paced.row = chunk.row.subarray(start, end);
    paced.timestampNs = ts.subarray(start, end);
    paced.columns = {};
    for (const [name, values] of Object.entries(chunk.columns))
      paced.columns[name] = values.subarray(start, end);
    paced.batchEnds = this.pacedEnds.subarray(0, last - first);
    paced.batchCount = last - first;
    paced.continuesBatch = first === 0 && chunk.continuesBatch;
    return { done: false, value: paced };
  }

  async return(): Promise<IteratorResult<ReplayChunk, undefined>> {
    return this.inner.return();
  }

  async throw(error?: unknown): Promise<IteratorResult<ReplayChunk, undefined>> {
    this.inner.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  stats(): ReplayStats {
    return this.inner.stats();
  }
}
