import { BATCH_VIEW_EVENTS } from './merge-tuning.js';
import type { ReplayBatch } from './replay-batch.js';
import type { ReplayChunk } from './replay-chunk.js';
import { grow } from './strategies/block-kernels.js';

/**
 * The batches of `KWayMerge.next()` as a thin layer over its chunks: a batch is one run of a chunk
 * (`batchEnds`). A run of at least {@link BATCH_VIEW_EVENTS} events is handed out as zero-copy `subarray`
 * views of the chunk's arrays; a shorter one is copied into the batch's own reused arrays (a view costs
 * more than copying a few elements), and so is a run that goes on across chunks (its parts are joined, so
 * a batch is always one whole distinct timestamp). Internal.
 */
export class ChunkBatcher {
  /** The reused batch. */
  readonly batch: ReplayBatch;
  /**
   * The chunk being handed out, taken apart once per chunk: its run ends, runs, events (0 before the
   * first chunk and after the last), whether its last run goes on in the next chunk, and its arrays; the
   * next run and where it starts.
   */
  private ends: Int32Array = new Int32Array(0);
  private runCount = 0;
  private length = 0;
  private lastOpen = false;
  private continues = false;
  private sym: Int32Array = new Int32Array(0);
  private row: Uint32Array = new Uint32Array(0);
  private ts: BigInt64Array = new BigInt64Array(0);
  private run = 0;
  private start = 0;
  /** True while the batch holds views of a chunk instead of its own arrays. */
  private views = false;
  /** The batch's own arrays, and Int32 views of the i64 ones (copied as int32 pairs: no BigInt per event). */
  private ownSym: Int32Array;
  private ownRow: Uint32Array;
  private ownF64: Float64Array[];
  private ownI64: BigInt64Array[];
  private ownI64Words: Int32Array[];
  /** The current chunk's columns in name order, and Int32 views of its i64 ones, taken once per chunk. */
  private readonly chunkF64: Float64Array[];
  private readonly chunkI64: BigInt64Array[];
  private readonly chunkI64Words: Int32Array[];

  /**
   * @param f64Names - gathered f64 columns (keys of `chunk.columns` and `batch.columns`).
   * @param i64Names - gathered i64 columns.
   * @param produce - the next chunk, or null at the end. Its `timestampNs` need only be right at the first
   *   event of each run (the only one read here), and it should split runs rarely (the `'block'` strategy
   *   hands out the rest of its block).
   * @param lastRunOpen - true when the last produced chunk's last run goes on in the next chunk.
   */
  constructor(
    private readonly f64Names: readonly string[],
    private readonly i64Names: readonly string[],
    private readonly produce: () => ReplayChunk | null,
    private readonly lastRunOpen: () => boolean,
  ) {
    const capacity = 64;
    this.ownSym = new Int32Array(capacity);
    this.ownRow = new Uint32Array(capacity);
    this.ownF64 = f64Names.map(() => new Float64Array(capacity));
    this.ownI64 = i64Names.map(() => new BigInt64Array(capacity));
    this.ownI64Words = this.ownI64.map((a) => new Int32Array(a.buffer));
    this.chunkF64 = f64Names.map(() => new Float64Array(0));
    this.chunkI64 = i64Names.map(() => new BigInt64Array(0));
    this.chunkI64Words = i64Names.map(() => new Int32Array(0));
    this.batch = { timestampNs: 0n, length: 0, symbolIds: this.ownSym, rows: this.ownRow, columns: {} };
    this.own();
  }

  /**
   * The next batch (all events of the next distinct timestamp), or null when the chunks are exhausted.
   * Whatever the producer throws (an unsorted stream) propagates.
   */
  next(): ReplayBatch | null {
    if (this.run >= this.runCount && !this.nextChunk()) return null;
    const run = this.run++;
    const start = this.start;
    const end = this.ends[run]!;
    this.start = end;
    const n = end - start;
    const batch = this.batch;
    batch.timestampNs = this.ts[start]!;
    if (end === this.length && this.lastOpen) {
      batch.length = this.join(start, n);
    } else if (n === 1) {
      // Ticks: one event per batch, no loops.
      if (this.views) this.own();
      this.ownSym[0] = this.sym[start]!;
      this.ownRow[0] = this.row[start]!;
      const ownF64 = this.ownF64;
      for (let c = 0; c < ownF64.length; c++) ownF64[c]![0] = this.chunkF64[c]![start]!;
      const ownI64 = this.ownI64Words;
      for (let c = 0; c < ownI64.length; c++) {
        const from = this.chunkI64Words[c]!;
        ownI64[c]![0] = from[2 * start]!;
        ownI64[c]![1] = from[2 * start + 1]!;
      }
      batch.length = 1;
    } else if (n >= BATCH_VIEW_EVENTS) {
      // Large batches (bars): views of the chunk arrays; one view per array per batch.
      batch.symbolIds = this.sym.subarray(start, end);
      batch.rows = this.row.subarray(start, end);
      const columns = batch.columns;
      const f64Names = this.f64Names;
      for (let c = 0; c < f64Names.length; c++)
        columns[f64Names[c]!] = this.chunkF64[c]!.subarray(start, end);
      const i64Names = this.i64Names;
      for (let c = 0; c < i64Names.length; c++)
        columns[i64Names[c]!] = this.chunkI64[c]!.subarray(start, end);
      this.views = true;
      batch.length = n;
    } else {
      if (this.views) this.own();
      this.copy(start, n, 0);
      batch.length = n;
    }
    return batch;
  }

  /** Produces the next chunk and starts at its first run; false at the end. */
  private nextChunk(): boolean {
    const chunk = this.produce();
    this.run = 0;
    this.start = 0;
    if (chunk === null) {
      this.runCount = 0;
      this.length = 0;
      return false;
    }
    this.ends = chunk.batchEnds;
    this.runCount = chunk.batchCount;
    this.length = chunk.length;
    this.lastOpen = this.lastRunOpen();
    this.continues = chunk.continuesBatch;
    this.sym = chunk.symbolId;
    this.row = chunk.row;
    this.ts = chunk.timestampNs;
    const f64Names = this.f64Names;
    for (let c = 0; c < f64Names.length; c++) this.chunkF64[c] = chunk.columns[f64Names[c]!] as Float64Array;
    const i64Names = this.i64Names;
    for (let c = 0; c < i64Names.length; c++) {
      const a = chunk.columns[i64Names[c]!] as BigInt64Array;
      this.chunkI64[c] = a;
      this.chunkI64Words[c] = new Int32Array(a.buffer, a.byteOffset, 2 * a.length);
    }
    return true;
  }

  /**
   * A run that goes on in the next chunk(s): copies its `n` events from `start` of the current chunk, then
   * the first run of each following chunk until the run closes, into the batch's own arrays. Returns its
   * length.
   */
  private join(start: number, n: number): number {
    if (this.views) this.own();
    this.copy(start, n, 0);
    let length = n;
    for (;;) {
      if (!this.nextChunk() || !this.continues)
        throw new Error('mmtape internal error: a chunk run marked open did not continue in the next chunk');
      const part = this.ends[0]!;
      this.copy(0, part, length);
      length += part;
      this.run = 1;
      this.start = part;
      if (!(part === this.length && this.lastOpen)) return length;
    }
  }

  /** Copies `n` events of the current chunk from `start` to the batch's own arrays at `at` (growing them). */
  private copy(start: number, n: number, at: number): void {
    if (at + n > this.ownSym.length) this.grow(at + n);
    const sym = this.ownSym;
    const rows = this.ownRow;
    const fromSym = this.sym;
    const fromRow = this.row;
    for (let i = 0; i < n; i++) sym[at + i] = fromSym[start + i]!;
    for (let i = 0; i < n; i++) rows[at + i] = fromRow[start + i]!;
    for (let c = 0; c < this.ownF64.length; c++) {
      const from = this.chunkF64[c]!;
      const to = this.ownF64[c]!;
      for (let i = 0; i < n; i++) to[at + i] = from[start + i]!;
    }
    for (let c = 0; c < this.ownI64Words.length; c++) {
      const from = this.chunkI64Words[c]!;
      const to = this.ownI64Words[c]!;
      for (let i = 2 * start, j = 2 * at, e = 2 * (start + n); i < e; i++, j++) to[j] = from[i]!;
    }
  }

  /** Grows the own arrays to at least `size` events (doubling), keeping their contents. */
  private grow(size: number): void {
    const capacity = Math.max(size, 2 * this.ownSym.length);
    this.ownSym = grow(this.ownSym, new Int32Array(capacity));
    this.ownRow = grow(this.ownRow, new Uint32Array(capacity));
    this.ownF64 = this.ownF64.map((a) => grow(a, new Float64Array(capacity)));
    this.ownI64Words = this.ownI64Words.map((a) => grow(a, new Int32Array(2 * capacity)));
    this.ownI64 = this.ownI64Words.map((a) => new BigInt64Array(a.buffer));
    this.own();
  }

  /** Points the batch at its own arrays (after views of a chunk, or growth). */
  private own(): void {
    const batch = this.batch;
    batch.symbolIds = this.ownSym;
    batch.rows = this.ownRow;
    const columns = batch.columns;
    this.f64Names.forEach((name, c) => {
      columns[name] = this.ownF64[c]!;
    });
    this.i64Names.forEach((name, c) => {
      columns[name] = this.ownI64[c]!;
    });
    this.views = false;
  }
}
