import { InvalidReplayOptionError, UnsortedStreamError } from './errors.js';
import { MAX_STREAM_ROWS } from './merge-tuning.js';
import type { ReplayChunk } from './replay-chunk.js';
import { copyInt32, lowerBound } from './strategies/block-kernels.js';
import { KernelMemory } from './strategies/kernel-memory.js';

/** Options of {@link MergeState}: the validated subset of `KWayMergeOptions` it needs. */
export interface MergeStateOptions {
  startNs: bigint | undefined;
  endNs: bigint | undefined;
  columns: Readonly<Record<string, readonly (Float64Array | BigInt64Array)[]>>;
  stageRows: number;
  chunkEvents: number;
  ensureRows: ((stream: number, startRow: number, endRow: number) => number) | undefined;
  readRows: RowReader | undefined;
  windowRows: number;
  /** Windows in WebAssembly memory (`kernel: 'wasm'`), when `readRows` is given and WebAssembly is here. */
  kernelWindows: boolean;
}

/**
 * The kernels of a merge's `'block'` strategy (`KWayMergeOptions.kernel`, which says when each runs):
 * `'native'` the C kernels of `native/block_kernels.c` (optional, built at install; reads the streams in
 * place), `'wasm'` the WebAssembly kernels of `assembly/`, `'js'` the TypeScript paths. Same events from
 * each; only the speed differs.
 */
export type MergeKernel = 'native' | 'wasm' | 'js';

/**
 * Reads rows of a stream's columns into the merge's window buffers (see `KWayMergeOptions.readRows`):
 * rows `[startRow, startRow + rowCount)` of column `column` (0: the timestamps, `c + 1`: the `c`-th entry
 * of `columns`) of stream `stream`, as 8-byte elements in platform byte order, into
 * `into[intoOffsetBytes, intoOffsetBytes + 8 · rowCount)`. Must fill every byte or throw.
 */
export type RowReader = (
  stream: number,
  column: number,
  startRow: number,
  rowCount: number,
  into: Uint8Array,
  intoOffsetBytes: number,
) => void;

/**
 * What every strategy of `KWayMerge` shares: the streams and their replayed row ranges, the cursors, the
 * staging of stream heads (and of gathered columns), the read guard, and the reused outputs (the batch and
 * the chunk with their own arrays). Strategies read and advance it; the facade owns it. Internal.
 */
export class MergeState {
  /** Number of streams. */
  readonly streamCount: number;
  /** First row of each stream inside `[startNs, endNs)` (binary search). */
  readonly startRows: Uint32Array;
  /** One past the last row of each stream inside `[startNs, endNs)`. */
  readonly endRows: Uint32Array;
  readonly streams: readonly BigInt64Array[];
  /** Rows staged per stream; stream `s` owns staging rows `[s * stageRows, (s + 1) * stageRows)`. */
  readonly stageRows: number;
  /** Staged timestamps of every stream: one contiguous buffer, as int64 and as (hi, lo) int32 pairs. */
  readonly stageKeys: BigInt64Array;
  readonly stageHi: Int32Array;
  readonly stageLo: Uint32Array;
  /** True when `columns` were given: every emitted event is gathered. */
  readonly gathering: boolean;
  /** Staging index of (stream `s`, row `r`) is `(r + stageDelta[s]) | 0` while `r < stageEnd[s]`. */
  readonly stageDelta: Int32Array;
  /** One past the last staged row of each stream. */
  readonly stageEnd: Uint32Array;
  /** Gathered f64 columns: names, sources per stream, staging buffers. */
  readonly f64Names: string[] = [];
  readonly f64Sources: Float64Array[][] = [];
  readonly f64Stages: Float64Array[] = [];
  /** Gathered i64 columns: staged and copied as (int32, int32) pairs, so no BigInt is made per event. */
  readonly i64Names: string[] = [];
  /** Int32 views of each stream's gathered i64 columns (`i64Sources32[c][s]`). */
  readonly i64Sources32: Int32Array[][] = [];
  readonly i64Stages32: Int32Array[] = [];
  /** Int32 views of each stream's timestamps, and of each gathered column (f64 first, then i64) per stream. */
  readonly streams32: Int32Array[];
  readonly gatherSources32: Int32Array[][] = [];
  /** Int32 views of the staging buffers of the gathered columns, in the order of `gatherSources32`. */
  readonly gatherStages32: Int32Array[] = [];
  /**
   * Row held at index 0 of each stream's arrays (`streams32[s]`, the gathered sources): 0 when the merge
   * reads the given arrays; the first row of the stream's window when it reads windows
   * ({@link RowReader}). Every read of row `r` of stream `s` indexes `r - bases[s]`.
   */
  readonly bases: Uint32Array;
  /** The window reader; `undefined` when the merge reads the given arrays. */
  readonly readRows: RowReader | undefined;
  /** True when reads go through {@link extendReady} first (a read guard, or windows). */
  readonly guarded: boolean;
  /**
   * Window capacity of each stream, rows (windows only): 0 until the stream is first read, then
   * `windowRows` (fewer for a stream with fewer rows left), more when a block needs more rows at once; 0
   * again once the stream is exhausted (see {@link releaseExhausted}).
   */
  readonly windowCaps: Uint32Array;
  /** Rows per window ({@link RowReader}). */
  readonly windowRows: number;
  /** Window fills until the next {@link releaseExhausted} sweep. */
  private fillsUntilSweep = 0;
  /** The streams holding a window (`windowCaps[s] > 0`), `[0, windowedCount)`. */
  private windowedStreams = new Int32Array(0);
  private windowedCount = 0;
  /**
   * Byte views of each stream's window arrays (timestamps, then the gathered columns in the order of
   * `gatherSources32`), made when the window is (re)allocated: the reads fill them, one per column.
   */
  private readonly windowBytes: Uint8Array[][] = [];
  /** Rows of each slot of the first windows' buffers (0 until the first), and those buffers. */
  private slabRows = 0;
  private slabs: Int32Array[] = [];
  /**
   * The WebAssembly memory holding the windows (see `MergeStateOptions.kernelWindows`), or `null`: the
   * windows are arrays of their own. The bar grid's kernel of this merge runs on this memory and reads
   * the rows in place.
   */
  readonly windowMemory: KernelMemory | null;
  /**
   * Byte address in {@link windowMemory} of each stream's window of each column (`windowAt[0]`: the
   * timestamps, `windowAt[c + 1]`: `gatherSources32[c]`), or -1 when that window is not in it (no window,
   * or the memory could not grow: an array of its own then).
   */
  readonly windowAt: Float64Array[] = [];
  /** Addresses of the first windows' buffers in {@link windowMemory} (-1: arrays of their own). */
  private slabAt: number[] = [];
  /** 1 while stream `s`'s window is its slot of the first windows' buffers. */
  private inSlab: Uint8Array;
  /** Reader column index (0: timestamps) of each entry of `gatherSources32`. */
  readonly gatherColumns: number[] = [];
  /** Head row of each stream: the next row to emit. */
  readonly cursors: Uint32Array;
  /** Read guard (see `KWayMergeOptions.ensureRows`) and, per stream, the row it cleared up to. */
  readonly ensureRows: ((stream: number, startRow: number, endRow: number) => number) | undefined;
  readonly readyRows: Float64Array;
  /** [0]: `KWayMerge.cursorEpoch`; a double in a typed array so the field never changes representation. */
  readonly epoch = new Float64Array(1);
  // ---- the chunk (KWayMerge.nextChunk, and the batches handed out from it) ----
  readonly chunkEvents: number;
  /** The reused chunk: views of the chunk's own arrays (tree, buckets) or of the block arrays (block). */
  readonly chunk: ReplayChunk;
  /**
   * The chunk's own arrays, `chunkEvents` long, that the tree and buckets fill (allocated by
   * {@link ownChunkArrays} when they first run; block chunks are views of the block arrays instead).
   */
  chunkSym = new Int32Array(0);
  chunkRow = new Uint32Array(0);
  chunkTs = new BigInt64Array(0);
  chunkTs32 = new Int32Array(0);
  chunkEnds = new Int32Array(0);
  chunkF64: Float64Array[] = [];
  chunkI64Big: BigInt64Array[] = [];
  chunkI64: Int32Array[] = [];

  /**
   * Locates `[startNs, endNs)` in every stream (binary search, through the read guard), checks the
   * streams and the gathered columns, and sets up the staging and the outputs. Nothing is staged yet.
   *
   * @throws {InvalidReplayOptionError} for a stream that is not a BigInt64Array or has more than 2^32-1
   * rows, or a column that is not one Float64Array/BigInt64Array per stream covering its range.
   */
  constructor(streams: readonly BigInt64Array[], options: MergeStateOptions) {
    const { startNs, endNs, columns, stageRows, ensureRows, readRows, windowRows, kernelWindows } = options;
    this.ensureRows = ensureRows;
    this.readRows = readRows;
    this.guarded = ensureRows !== undefined || readRows !== undefined;
    this.chunkEvents = options.chunkEvents;
    const count = streams.length;
    this.streamCount = count;
    this.streams = streams;
    this.startRows = new Uint32Array(count);
    this.endRows = new Uint32Array(count);
    this.cursors = new Uint32Array(count);
    this.readyRows = new Float64Array(count);
    this.bases = new Uint32Array(count);
    this.windowCaps = new Uint32Array(count);
    this.windowRows = windowRows;
    this.inSlab = new Uint8Array(readRows === undefined ? 0 : count);
    this.windowMemory = readRows !== undefined && kernelWindows ? KernelMemory.create() : null;
    this.stageRows = stageRows;
    this.stageKeys = new BigInt64Array(count * stageRows);
    this.stageHi = new Int32Array(this.stageKeys.buffer);
    this.stageLo = new Uint32Array(this.stageKeys.buffer);
    this.stageDelta = new Int32Array(count);
    this.streams32 = new Array<Int32Array>(count);
    this.stageEnd = new Uint32Array(count);
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
      this.readyRows[s] = this.guarded ? first : end;
      this.bases[s] = readRows === undefined ? 0 : first;
    }
    let column = 0;
    for (const [name, perStream] of Object.entries(columns)) {
      column++;
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
        this.f64Sources.push([...(perStream as Float64Array[])]);
        this.f64Names.push(name);
        this.f64Stages.push(new Float64Array(stage.buffer));
        this.gatherSources32.splice(this.f64Names.length - 1, 0, sources);
        this.gatherStages32.splice(this.f64Names.length - 1, 0, stage);
        this.gatherColumns.splice(this.f64Names.length - 1, 0, column);
      } else {
        this.i64Names.push(name);
        this.i64Sources32.push(sources);
        this.i64Stages32.push(stage);
        this.gatherSources32.push(sources);
        this.gatherStages32.push(stage);
        this.gatherColumns.push(column);
      }
    }
    // Windows are allocated when a stream is first read: until then (and once exhausted) its arrays are empty.
    if (readRows !== undefined) {
      for (let j = 0; j <= this.gatherSources32.length; j++)
        this.windowAt.push(new Float64Array(count).fill(-1));
      for (let s = 0; s < count; s++) this.allocateWindow(s, 0);
      this.windowMemory?.onGrow(() => this.retakeWindowViews());
    }
    this.gathering = this.f64Names.length + this.i64Names.length > 0;
    this.chunk = {
      length: 0,
      symbolId: this.chunkSym,
      row: this.chunkRow,
      timestampNs: this.chunkTs,
      columns: {},
      batchEnds: this.chunkEnds,
      batchCount: 0,
      continuesBatch: false,
    };
  }

  /** Streams not yet exhausted (cursor before the end of the range). */
  liveStreams(): number {
    let live = 0;
    for (let s = 0; s < this.streamCount; s++) if (this.cursors[s]! < this.endRows[s]!) live++;
    return live;
  }

  /** Stages every live stream at its cursor (after blocks, which read the streams directly). */
  restage(): void {
    for (let s = 0; s < this.streamCount; s++)
      if (this.cursors[s]! < this.endRows[s]!) this.stage(s, this.cursors[s]!);
  }

  /**
   * Copies rows `[row, row + stageRows)` (clamped to the range end) of stream `s` and of its gathered
   * columns into its staging slot. An element loop over int32 halves: `TypedArray.set(subarray(…))`
   * costs a view allocation per call, several times the copy of 64 rows, and int32 copies keep every
   * bit pattern (NaN payloads included).
   */
  stage(s: number, row: number): void {
    const end = Math.min(row + this.stageRows, this.endRows[s]!);
    if (end > this.readyRows[s]!) this.extendReady(s, row, end);
    const at = s * this.stageRows;
    const from = 2 * (row - this.bases[s]!);
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
   * Makes rows `[row, end)` of stream `s` readable, `row` being the first row the caller reads (its
   * cursor, or the row it stages). Reading the given arrays: calls the read guard for rows
   * `[readyRows[s], end)` and records how far it cleared (rows are cleared in order from the first
   * replayed row, so `readyRows` is a contiguous frontier). Reading windows: moves the window to start at
   * `row` (the rows already held from there are kept, the rest read; the window grows when `end - row`
   * exceeds it) and fills it as far as it holds.
   */
  extendReady(s: number, row: number, end: number): void {
    const readRows = this.readRows;
    if (readRows === undefined) {
      const from = this.readyRows[s]!;
      const ready = this.ensureRows!(s, from, end);
      if (!(ready >= end))
        throw new Error(`mmtape internal error: read guard cleared ${ready} < ${end} rows`);
      this.readyRows[s] = ready;
      return;
    }
    const base = this.bases[s]!;
    const held = this.readyRows[s]!;
    if (row < base || row > held) {
      throw new Error(`mmtape internal error: window of stream ${s} holds [${base}, ${held}), asked ${row}`);
    }
    // A stream's first window holds only the rows asked for: a block visits every live stream, also the
    // partitions whose time has not come (for its bound), and a full window for each of those would be
    // memory held for nothing. From its second fill on, a stream gets `windowRows` (fewer near its end).
    if (this.windowCaps[s] === 0 && held === this.startRows[s]) this.firstWindow(s, end - row);
    else {
      const wanted = Math.max(end - row, Math.min(this.windowRows, this.endRows[s]! - row));
      if (wanted > this.windowCaps[s]!) this.allocateWindow(s, wanted, row - base, held - row);
      else if (row > base && held > row) this.shiftWindow(s, row - base, held - row);
    }
    this.bases[s] = row;
    const fillEnd = Math.min(this.endRows[s]!, row + this.windowCaps[s]!);
    const from = Math.max(held, row);
    if (fillEnd > from) {
      const at = 8 * (from - row);
      const rows = fillEnd - from;
      const bytes = this.windowBytes[s]!;
      readRows(s, 0, from, rows, bytes[0]!, at);
      for (let c = 1; c < bytes.length; c++)
        readRows(s, this.gatherColumns[c - 1]!, from, rows, bytes[c]!, at);
    }
    this.readyRows[s] = Math.max(fillEnd, held);
    if (--this.fillsUntilSweep <= 0) this.releaseExhausted();
  }

  /**
   * Frees the windows of the streams the merge has passed the end of (a symbol's earlier partitions, a
   * symbol that stopped trading), so a replay of many chained streams holds windows only for the live
   * ones (and those passed since the last sweep). A sweep over the streams holding a window, once per
   * as many window fills: O(1) per fill.
   */
  private releaseExhausted(): void {
    const list = this.windowedStreams;
    let kept = 0;
    for (let i = 0; i < this.windowedCount; i++) {
      const s = list[i]!;
      if (this.cursors[s]! >= this.endRows[s]!) this.allocateWindow(s, 0);
      else list[kept++] = s;
    }
    this.windowedCount = kept;
    this.fillsUntilSweep = Math.max(16, kept);
  }

  /**
   * Gives stream `s` window arrays of at least `rows` rows (the power of two at or above; 0: empty
   * arrays), keeping the `keep` rows held from window index `from` at index 0, and frees its old ones.
   */
  private allocateWindow(s: number, rows: number, from = 0, keep = 0): void {
    const capacity = rows === 0 ? 0 : 2 ** Math.ceil(Math.log2(rows));
    const memory = this.windowMemory;
    const columns = this.windowAt.length;
    // Regions first: taking one may grow the memory, which takes every view again (the old window's too).
    const at: number[] = [];
    for (let j = 0; j < columns; j++)
      at.push(memory === null || capacity === 0 ? -1 : memory.alloc(8 * capacity));
    const windows: Int32Array[] = [];
    for (let j = 0; j < columns; j++) {
      const old = j === 0 ? this.streams32[s]! : this.gatherSources32[j - 1]![s]!;
      const window =
        at[j]! >= 0 ? new Int32Array(memory!.buffer, at[j]!, 2 * capacity) : new Int32Array(2 * capacity);
      if (keep > 0) window.set(old.subarray(2 * from, 2 * (from + keep)));
      windows.push(window);
    }
    this.freeWindow(s);
    for (let j = 0; j < columns; j++) this.windowAt[j]![s] = at[j]!;
    this.installWindow(s, windows, capacity);
  }

  /** Returns stream `s`'s window regions to {@link windowMemory} (a first window's slot stays in its buffer). */
  private freeWindow(s: number): void {
    if (this.inSlab[s] === 1) {
      this.inSlab[s] = 0;
      return;
    }
    const memory = this.windowMemory;
    if (memory === null) return;
    const bytes = 8 * this.windowCaps[s]!;
    for (const at of this.windowAt) if (at[s]! >= 0) memory.free(at[s]!, bytes);
  }

  /**
   * Stream `s`'s first window of `rows` rows: its slot in one buffer per column shared by every stream's
   * first window (`slabRows` rows each, set by the first call), or arrays of its own when it asks for
   * more. One buffer instead of thousands of small arrays that the full windows then replace: those left
   * holes in the allocator's heap (+20–25 MiB of peak RSS on the 32 GB replay).
   */
  private firstWindow(s: number, rows: number): void {
    if (this.slabRows === 0) {
      this.slabRows = 2 ** Math.ceil(Math.log2(Math.max(1, rows)));
      const length = 2 * this.slabRows * this.streamCount;
      const memory = this.windowMemory;
      this.slabAt = this.windowAt.map(() => (memory === null ? -1 : memory.alloc(4 * length)));
      this.slabs = this.slabAt.map((at) =>
        at >= 0 ? new Int32Array(memory!.buffer, at, length) : new Int32Array(length),
      );
    }
    if (rows > this.slabRows) {
      this.allocateWindow(s, rows);
      return;
    }
    const at = 2 * this.slabRows * s;
    for (let j = 0; j < this.slabAt.length; j++) {
      const slab = this.slabAt[j]!;
      this.windowAt[j]![s] = slab < 0 ? -1 : slab + 4 * at;
    }
    this.inSlab[s] = 1;
    this.installWindow(
      s,
      this.slabs.map((slab) => slab.subarray(at, at + 2 * this.slabRows)),
      this.slabRows,
    );
  }

  /** Makes `windows` (timestamps, then each gathered column, int32 views) stream `s`'s window arrays. */
  private installWindow(s: number, windows: Int32Array[], capacity: number): void {
    this.setWindowViews(s, windows, capacity);
    if (this.windowCaps[s] === 0 && capacity > 0) {
      if (this.windowedCount === this.windowedStreams.length) {
        const grown = new Int32Array(Math.max(16, 2 * this.windowedCount));
        grown.set(this.windowedStreams);
        this.windowedStreams = grown;
      }
      this.windowedStreams[this.windowedCount++] = s;
    }
    this.windowCaps[s] = capacity;
  }

  /** Points every view of stream `s`'s window (timestamps, then each gathered column) at `windows`. */
  private setWindowViews(s: number, windows: Int32Array[], capacity: number): void {
    this.windowBytes[s] = windows.map((w) => new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
    this.streams32[s] = windows[0]!;
    const sources = this.gatherSources32;
    const f64Count = this.f64Names.length;
    for (let c = 0; c < sources.length; c++) {
      const window = windows[c + 1]!;
      sources[c]![s] = window;
      if (c < f64Count) this.f64Sources[c]![s] = new Float64Array(window.buffer, window.byteOffset, capacity);
      else this.i64Sources32[c - f64Count]![s] = window;
    }
  }

  /** After {@link windowMemory} grew: every view of a window in it again, on the new buffer. */
  private retakeWindowViews(): void {
    const buffer = this.windowMemory!.buffer;
    this.slabs = this.slabs.map((slab, j) => {
      const at = this.slabAt[j]!;
      return at < 0 ? slab : new Int32Array(buffer, at, slab.length);
    });
    for (let i = 0; i < this.windowedCount; i++) {
      const s = this.windowedStreams[i]!;
      const capacity = this.windowCaps[s]!;
      const windows = this.windowAt.map((at, j) => {
        if (at[s]! >= 0) return new Int32Array(buffer, at[s]!, 2 * capacity);
        return j === 0 ? this.streams32[s]! : this.gatherSources32[j - 1]![s]!;
      });
      this.setWindowViews(s, windows, capacity);
    }
  }

  /** Moves the `keep` rows held from window index `from` of stream `s` to index 0. */
  private shiftWindow(s: number, from: number, keep: number): void {
    this.streams32[s]!.copyWithin(0, 2 * from, 2 * (from + keep));
    const sources = this.gatherSources32;
    for (let c = 0; c < sources.length; c++) sources[c]![s]!.copyWithin(0, 2 * from, 2 * (from + keep));
  }

  /**
   * Copies the gathered columns of staging index `idx` to chunk slot `at` (the tree and buckets fill the
   * chunk's own arrays event by event).
   */
  gather(at: number, idx: number): void {
    const f64Outs = this.chunkF64;
    for (let c = 0; c < f64Outs.length; c++) f64Outs[c]![at] = this.f64Stages[c]![idx]!;
    const i64Outs = this.chunkI64;
    for (let c = 0; c < i64Outs.length; c++) {
      const out = i64Outs[c]!;
      const stage = this.i64Stages32[c]!;
      out[2 * at] = stage[2 * idx]!;
      out[2 * at + 1] = stage[2 * idx + 1]!;
    }
  }

  /**
   * Allocates the chunk's own arrays (capacity `chunkEvents`) the first time the tree or buckets run:
   * a replay that stays in blocks never needs them.
   */
  ownChunkArrays(): void {
    if (this.chunkSym.length > 0) return;
    const capacity = this.chunkEvents;
    this.chunkSym = new Int32Array(capacity);
    this.chunkRow = new Uint32Array(capacity);
    this.chunkTs = new BigInt64Array(capacity);
    this.chunkTs32 = new Int32Array(this.chunkTs.buffer);
    this.chunkEnds = new Int32Array(capacity);
    this.chunkF64 = this.f64Names.map(() => new Float64Array(capacity));
    this.chunkI64Big = this.i64Names.map(() => new BigInt64Array(capacity));
    this.chunkI64 = this.chunkI64Big.map((a) => new Int32Array(a.buffer));
  }

  throwUnsorted(streamIndex: number, row: number): never {
    const stream = this.streams[streamIndex]!;
    throw new UnsortedStreamError({ streamIndex, row, expected: stream[row - 1]!, actual: stream[row]! });
  }
}
