import { StreamArrayChangedError } from '../errors.js';
import type { MergeKernel, MergeState } from '../merge-state.js';
import {
  BLOCK_DIRECT_PROBE_STREAMS,
  BLOCK_GRID_SLACK,
  BLOCK_MAX_SPAN,
  BLOCK_MIN_EVENTS_PER_BATCH,
  BLOCK_RADIX_MIN_STREAMS,
  HI,
  LO,
  TWO_POW_32,
} from '../merge-tuning.js';
import type { ReplayChunk } from '../replay-chunk.js';
import {
  blockCollect,
  blockCollectStop,
  blockCount,
  blockHeadAndLimit,
  blockLimit,
  blockLive,
  blockPermuteF64,
  blockPermuteI64,
  blockScatter,
  copyFloat64,
  copyInt32,
  NEW_KEYS,
  UNSORTED,
} from './block-kernels.js';
import { blockChunk } from './block-output.js';
import { GridKernel } from './grid-kernel.js';
import {
  blockGridScatter,
  blockGridScatterF64,
  blockGridTile,
  GRID_TILE_STREAMS,
  unionHalves,
} from './grid-scatter.js';
import { type NativeMerge, nativeBlockKernel, nativeBoundsError } from './native-block.js';
import { SparseSort } from './sparse-sort.js';

/** True when `a`'s buffer can change length (a resizable ArrayBuffer, a growable SharedArrayBuffer). */
function isResizable(a: Int32Array | Float64Array): boolean {
  const b = a.buffer as { resizable?: boolean; growable?: boolean };
  return b.resizable === true || b.growable === true;
}

/**
 * The `'block'` strategy of `KWayMerge` (see `MergeStrategy`): sorts a block of time at once, at most
 * `k` rows of every live stream, into block arrays (symbol id, row, gathered columns in output order),
 * then hands the block out as chunks that are views of the block arrays ({@link chunk}). Bars go to a
 * (timestamp, stream) grid or a counting sort; irregular ticks are radix-sorted. A block with too few events per timestamp and few streams is not sorted:
 * {@link prepare} returns false and the facade falls back to another strategy. Internal.
 */
export class BlockStrategy {
  private readonly blockEvents: number;
  /** Live streams of the block being prepared, in ascending id. */
  readonly live: Int32Array;
  /** Rows of each stream in the current block. */
  readonly blockRows: Int32Array;
  /** Next event of the block arrays to hand out as a chunk, and whether the block was compacted. */
  blockPos = 0;
  blockCompacted = false;
  /** After {@link prepare} returned false: the block's distinct timestamps and events (the facade's choice). */
  fallbackDistinct = 0;
  fallbackEvents = 0;
  /** Runs of the last chunk that started in it (not continuing the previous chunk's last run). */
  chunkRunsStarted = 0;
  /** True when the last chunk's last run goes on in the next chunk. */
  chunkRunOpen = false;
  /** Run ends of the chunks (offsets from the chunk's start), grown to the block's runs. */
  chunkEnds = new Int32Array(0);
  /** Event keys of the block in stream-major order (offset from the block's first timestamp, ns). */
  blockKeys = new Float64Array(0);
  /** Bucket (distinct timestamp index) of each event in stream-major order, then its sorted position. */
  blockSlot = new Int32Array(0);
  /** Sorted distinct keys of the block and a scratch array for merging. */
  blockUnion = new Float64Array(0);
  private blockUnion2 = new Float64Array(0);
  /** The union as int64 timestamps in int32 halves (high words, low words), for the bar grid tiles. */
  private unionHi = new Int32Array(0);
  private unionLo = new Int32Array(0);
  blockUnionLength = 0;
  /** Start of each bucket in the sorted arrays (length union + 1), and the scatter cursors. */
  blockStarts = new Int32Array(0);
  private blockNext = new Int32Array(0);
  /** End (exclusive) of each bucket in the sorted arrays: `blockStarts[u + 1]`, or less in a grid. */
  blockEnds = new Int32Array(0);
  /**
   * True when the block's arrays are contiguous and every event's timestamp is in `blockTs` (sorted sparse
   * blocks, and bar blocks from the WebAssembly grid): nothing to close or write when handing it out.
   */
  blockInPlace = false;
  /** The block's events in output order: symbol id, row, gathered columns. */
  blockSym = new Int32Array(0);
  /** Timestamps of the block's events in output order (int64, and as int32 halves for the copy). */
  blockTs = new BigInt64Array(0);
  blockTs32 = new Int32Array(0);
  blockRow = new Uint32Array(0);
  blockF64: Float64Array[] = [];
  blockI64: Int32Array[] = [];
  /** The block's rows of each gathered column in stream-major order (copied in pass 1), f64 and i64. */
  blockStageF64: Float64Array[] = [];
  blockStageI64: Int32Array[] = [];
  /** `blockI64` as BigInt64Array views, for zero-copy batches. */
  blockI64Big: BigInt64Array[] = [];
  /** Smallest head timestamp of the block as (high, low) halves: keys are offsets from it. */
  readonly blockHead = new Float64Array(2);
  /** Next bucket of the block to emit; `blockUnionLength` when the block is drained. */
  blockBucket = 0;
  /** The sorts of sparse blocks (ticks): the WebAssembly kernel and the TypeScript paths. */
  private readonly sparse: SparseSort;
  /** Forced 'block': fallbacks since the last block that was sorted as a block. */
  blockFallbackStreak = 0;
  /** The one-pass bar grid of 'block' (prepareBlockDirect) missed once: use the general path only. */
  private blockDirectOff = false;
  /** Which kernels to use (`KWayMergeOptions.kernel`), and the bar-grid kernel once created. */
  private readonly kernel: MergeKernel;
  /** See {@link native}: `undefined` until first asked, `null` for none. */
  private nativeInstance: NativeMerge | null | undefined;
  /** Rows the native bar grid took from each live stream. */
  private nativeTaken = new Int32Array(0);
  /** The arrays the native handle holds (timestamps, then each gathered column) and their lengths. */
  private nativeArrays: (readonly (Int32Array | Float64Array)[])[] = [];
  private nativeLengths: Float64Array[] = [];
  private grid: GridKernel | null | undefined;

  constructor(
    readonly state: MergeState,
    blockEvents: number,
    kernel: MergeKernel,
  ) {
    this.blockEvents = blockEvents;
    this.kernel = kernel;
    this.sparse = new SparseSort(this, kernel);
    this.live = new Int32Array(Math.max(1, state.streamCount));
    this.blockRows = new Int32Array(Math.max(1, state.streamCount));
  }

  /** The next chunk of the current block, at most `capacity` events or `forBatches` (see `blockChunk`). */
  chunk(chunk: ReplayChunk, capacity: number, forBatches: boolean): ReplayChunk {
    return blockChunk(this, chunk, capacity, forBatches);
  }

  /** Forgets the current block: the next step prepares a new one from the cursors. */
  reset(): void {
    this.blockBucket = this.blockUnionLength = 0;
  }

  /** True when the current block is fully handed out (a new one must be prepared). */
  drained(): boolean {
    return this.blockBucket >= this.blockUnionLength;
  }

  /**
   * Sorts the next block of time (see {@link MergeStrategy} `'block'`) into the block arrays. When the
   * block has too few events per distinct timestamp, leaves the cursors untouched and switches to the
   * tree or buckets (restaging every stream) instead.
   */
  prepare(): boolean {
    this.blockBucket = 0;
    this.blockUnionLength = 0;
    const live = this.live;
    const cursors = this.state.cursors;
    const endRows = this.state.endRows;
    const streams32 = this.state.streams32;
    const head = this.blockHead;
    const liveCount = blockLive(this.state.streamCount, cursors, endRows, live);
    this.state.epoch[0]!++;
    if (liveCount === 0) return true;
    // The block ends before the earliest timestamp some stream has `k` rows ahead (exclusive), so every
    // stream contributes at most k rows; k doubles while that bound is the first timestamp itself.
    let k = Math.max(1, Math.floor(this.blockEvents / liveCount));
    // A block reads rows [cursor, cursor + k] of each live stream at most (the limit is below the key of
    // row cursor + k): those rows are cleared by the read guard first.
    const guarded = this.state.guarded;
    if (guarded) this.readyForBlock(liveCount, k);
    // One pass finds the smallest head and that bound: each stream's page is visited once (TLB). The
    // native kernel prefetches the streams ahead (each visit is a miss in another page).
    const bases = this.state.bases;
    const native = this.native(liveCount);
    let limit =
      native === null
        ? blockHeadAndLimit(liveCount, live, cursors, endRows, streams32, bases, head, k)
        : native.kernel.headLimit(native.handle, liveCount, live, cursors, endRows, k, BLOCK_MAX_SPAN, head);
    if (Number.isNaN(limit)) throw nativeBoundsError('headLimit', liveCount, k, 2);
    while (limit === 0) {
      k *= 2;
      if (guarded) this.readyForBlock(liveCount, k);
      limit = blockLimit(liveCount, live, cursors, endRows, streams32, bases, head, k);
    }
    const capacity = Math.min(k * liveCount, this.totalRemaining(liveCount));
    // A block with more distinct timestamps than capacity / 4 falls back, so the union never holds more
    // than that plus one stream's keys.
    this.ensureBlockCapacity(
      capacity,
      Math.floor(capacity / BLOCK_MIN_EVENTS_PER_BATCH) + Math.min(k, capacity) + 1,
    );
    if (
      this.sparse.next &&
      liveCount >= BLOCK_RADIX_MIN_STREAMS &&
      this.sparse.prepareDirect(liveCount, limit, k, capacity, native)
    ) {
      return true;
    }
    if (
      !this.blockDirectOff &&
      this.state.f64Sources.length === 1 &&
      this.state.i64Sources32.length === 0 &&
      this.prepareBlockDirect(liveCount, limit, k, capacity, native)
    ) {
      return true;
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
    const f64Sources = this.state.f64Sources;
    const i64Stages = this.blockStageI64;
    const i64Sources = this.state.i64Sources32;
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
      const base = bases[s]!;
      const src = streams32[s]!;
      const collected = blockCollect(
        src,
        first - base,
        endRows[s]! - base,
        headHi,
        headLo,
        limit,
        keys,
        events,
        this.blockUnion,
        sparse ? 0 : unionLength,
      );
      if (collected === UNSORTED) {
        this.state.throwUnsorted(s, first + blockCollectStop[0]!);
      }
      const rows = blockCollectStop[1]!;
      duplicates |= blockCollectStop[2]!;
      blockRows[s] = rows;
      for (let c = 0; c < f64Stages.length; c++)
        copyFloat64(f64Sources[c]![s]!, first - base, f64Stages[c]!, events, rows);
      for (let c = 0; c < i64Stages.length; c++)
        copyInt32(i64Sources[c]![s]!, 2 * (first - base), i64Stages[c]!, 2 * events, 2 * rows);
      if (!sparse && collected === NEW_KEYS) {
        unionLength = this.mergeIntoUnion(unionLength, events, events + rows);
        const bound = unionLength * BLOCK_MIN_EVENTS_PER_BATCH;
        if (bound > capacity || (i >= 15 && bound > events + rows)) sparse = true;
      }
      events += rows;
    }
    if (unionLength > 1 && unionLength * BLOCK_MIN_EVENTS_PER_BATCH > events) sparse = true;
    if (sparse && liveCount < BLOCK_RADIX_MIN_STREAMS) {
      this.fallbackDistinct = unionLength;
      this.fallbackEvents = events;
      return false;
    }
    const slot = this.blockSlot;
    this.blockInPlace = sparse;
    const grid = !sparse && duplicates === 0 && unionLength * liveCount <= BLOCK_GRID_SLACK * capacity;
    if (sparse) {
      // Ticks: sorted as packed (offset, stream) keys, each event placed and gathered (see SparseSort.sortBlock).
      unionLength = this.sparse.sortBlock(events, liveCount, headHi, headLo);
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
    if (!grid && !sparse) this.gatherBlockColumns(events, slot);
    this.commitBlock(liveCount, unionLength);
    return true;
  }

  /** Clears rows `[cursor, cursor + k]` of every live stream for a block (see {@link prepare}). */
  private readyForBlock(liveCount: number, k: number): void {
    const live = this.live;
    const cursors = this.state.cursors;
    const endRows = this.state.endRows;
    const ready = this.state.readyRows;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      const end = Math.min(cursors[s]! + k + 1, endRows[s]!);
      if (end > ready[s]!) this.state.extendReady(s, cursors[s]!, end);
    }
  }

  /** Moves the block's staged gathered columns (stream-major) to their sorted positions (`slot`). */
  gatherBlockColumns(events: number, slot: Int32Array): void {
    for (let c = 0; c < this.blockF64.length; c++)
      blockPermuteF64(events, slot, this.blockStageF64[c]!, this.blockF64[c]!);
    for (let c = 0; c < this.blockI64.length; c++)
      blockPermuteI64(events, slot, this.blockStageI64[c]!, this.blockI64[c]!);
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
  private prepareBlockDirect(
    liveCount: number,
    limit: number,
    k: number,
    capacity: number,
    native: NativeMerge | null,
  ): boolean {
    const live = this.live;
    const cursors = this.state.cursors;
    const endRows = this.state.endRows;
    const streams32 = this.state.streams32;
    const bases = this.state.bases;
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
        cursors[s]! - bases[s]!,
        endRows[s]! - bases[s]!,
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
    const sources = this.state.f64Sources[0]!;
    const blockRows = this.blockRows;
    // Rows [cursor, cursor + k] of each stream are cleared by the read guard: the block's rows and the next.
    if (native !== null) {
      this.ensureBlockTs(unionLength * liveCount);
      if (this.nativeTaken.length < liveCount) this.nativeTaken = new Int32Array(this.state.streamCount);
      const taken = this.nativeTaken;
      const result = native.kernel.gridBars(
        native.handle,
        liveCount,
        live,
        cursors,
        endRows,
        k + 1,
        union,
        unionLength,
        headHi,
        headLo,
        limit,
        sym,
        rowsOut,
        out,
        this.blockTs32,
        this.blockStarts,
        fill,
        taken,
      );
      if (result === -4) throw nativeBoundsError('gridBars', liveCount, k + 1, unionLength);
      if (result !== 0) return this.missDirect();
      for (let i = 0; i < liveCount; i++) blockRows[live[i]!] = taken[i]!;
      this.blockInPlace = true;
      this.commitBlock(liveCount, unionLength);
      return true;
    }
    const kernel = this.gridKernel();
    if (kernel?.ensure(liveCount, k + 1, unionLength, unionLength * liveCount)) {
      this.ensureBlockTs(unionLength * liveCount);
      const filled = kernel.fillGrid(
        liveCount,
        live,
        cursors,
        endRows,
        streams32,
        bases,
        sources,
        k + 1,
        union,
        unionLength,
        headHi,
        headLo,
        limit,
        sym,
        rowsOut,
        out,
        this.blockTs32,
        this.blockStarts,
        fill,
        blockRows,
        this.state.windowMemory === null ? null : this.state.windowAt,
      );
      if (!filled) return this.missDirect();
      this.blockInPlace = true;
      this.commitBlock(liveCount, unionLength);
      return true;
    }
    // Tiles of GRID_TILE_STREAMS streams, then the last few one by one (the grid fills each timestamp
    // in stream order).
    const tiled = liveCount - (liveCount % GRID_TILE_STREAMS);
    const unionHi = this.unionHi;
    const unionLo = this.unionLo;
    unionHalves(union, unionLength, headHi, headLo, unionHi, unionLo);
    for (let i = 0; i < tiled; i += GRID_TILE_STREAMS) {
      if (
        !blockGridTile(
          live,
          i,
          cursors,
          endRows,
          streams32,
          bases,
          sources,
          headHi,
          headLo,
          limit,
          unionHi,
          unionLo,
          unionLength,
          fill,
          sym,
          rowsOut,
          out,
          blockRows,
        )
      )
        return this.missDirect();
    }
    for (let i = tiled; i < liveCount; i++) {
      const s = live[i]!;
      const src = streams32[s]!;
      const values = sources[s]!;
      const base = bases[s]!;
      const first = cursors[s]! - base;
      const end = endRows[s]! - base;
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
        rowsOut[p] = row + base;
        out[p] = values[row]!;
      }
      blockRows[s] = row - first;
    }
    this.blockInPlace = false;
    this.commitBlock(liveCount, unionLength);
    return true;
  }

  /**
   * Ends a prepared block: every live stream's cursor moves past its `blockRows` (the block's rows are
   * emitted from the block arrays), and the block's `unionLength` batches become current.
   */
  commitBlock(liveCount: number, unionLength: number): void {
    const live = this.live;
    const cursors = this.state.cursors;
    const blockRows = this.blockRows;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      cursors[s] = cursors[s]! + blockRows[s]!;
    }
    this.blockUnionLength = unionLength;
    this.blockFallbackStreak = 0;
    this.blockPos = 0;
    this.blockCompacted = false;
  }

  /**
   * The bar-grid WebAssembly kernel: on the memory holding the merge's windows when it has one (the rows
   * are read in place), else the process's (see `GridKernel.shared`); `null` with `kernel: 'js'` or
   * without WebAssembly.
   */
  private gridKernel(): GridKernel | null {
    if (this.grid === undefined) {
      const memory = this.state.windowMemory;
      this.grid =
        this.kernel === 'js' ? null : memory === null ? GridKernel.shared() : GridKernel.over(memory);
    }
    return this.grid;
  }

  /**
   * The native kernel and this merge's streams in it (see `native-block.ts`), made on first use; `null`
   * without it: not built, `kernel` not `'native'`, window reads (their arrays move as the windows are
   * refilled) or an array on a resizable buffer. Its one handle serves the sparse blocks and the bar grid.
   * Checks the arrays of the `liveCount` live streams first (see {@link checkNativeArrays}).
   */
  native(liveCount: number): NativeMerge | null {
    if (this.nativeInstance === undefined) {
      const kernel = this.kernel === 'native' ? nativeBlockKernel() : null;
      const state = this.state;
      const arrays: (readonly (Int32Array | Float64Array)[])[] = [
        state.streams32,
        ...state.f64Sources,
        ...state.i64Sources32,
      ];
      this.nativeArrays = arrays;
      this.nativeLengths = arrays.map((list) => Float64Array.from(list, (a: { length: number }) => a.length));
      this.nativeInstance =
        kernel === null || state.readRows !== undefined || arrays.some((list) => list.some(isResizable))
          ? null
          : { kernel, handle: kernel.streams(state.streams32, arrays.slice(1)) };
    }
    if (this.nativeInstance !== null) this.checkNativeArrays(liveCount);
    return this.nativeInstance;
  }

  /**
   * Before each native call: every live stream's arrays still have the length the native handle took
   * (a detached array has none, and its memory may be freed: reading it would be reading freed memory).
   * @throws StreamArrayChangedError naming the stream and the array, its length then and now (in rows).
   */
  private checkNativeArrays(liveCount: number): void {
    const arrays = this.nativeArrays;
    const lengths = this.nativeLengths;
    const live = this.live;
    for (let c = 0; c < arrays.length; c++) {
      const list = arrays[c]!;
      const length = lengths[c]!;
      for (let i = 0; i < liveCount; i++) {
        const s = live[i]!;
        if (list[s]!.length !== length[s]) {
          const names = this.state.f64Names.concat(this.state.i64Names);
          throw new StreamArrayChangedError({
            streamIndex: s,
            array: c === 0 ? 'timestamps' : `column ${names[c - 1]}`,
            expected: length[s]! / (c === 0 || c > this.state.f64Names.length ? 2 : 1),
            actual: list[s]!.length / (c === 0 || c > this.state.f64Names.length ? 2 : 1),
          });
        }
      }
    }
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
      total += this.state.endRows[s]! - this.state.cursors[s]!;
    }
    return total;
  }

  /** Grows the block arrays to hold `events` events and `distinct` distinct timestamps. */
  private ensureBlockCapacity(events: number, distinct: number): void {
    if (this.blockKeys.length < events) {
      const size = Math.max(events, 1024);
      this.blockSlot = new Int32Array(size);
      this.blockKeys = new Float64Array(size);
      this.blockStageF64 = this.state.f64Names.map(() => new Float64Array(size));
      this.blockStageI64 = this.state.i64Names.map(() => new Int32Array(2 * size));
    }
    this.ensureBlockOutput(events);
    if (this.blockUnion.length < distinct) {
      const size = Math.max(distinct, 256);
      this.blockUnion = new Float64Array(size);
      this.blockUnion2 = new Float64Array(size);
      this.unionHi = new Int32Array(size);
      this.unionLo = new Int32Array(size);
      this.blockStarts = new Int32Array(size + 1);
      this.blockNext = new Int32Array(size);
      this.blockEnds = new Int32Array(size);
    }
  }

  /** Grows the block's per-event timestamps (`blockTs`, `blockTs32`) to `events` entries. */
  ensureBlockTs(events: number): void {
    if (this.blockTs.length >= events) return;
    this.blockTs = new BigInt64Array(Math.max(events, 1024));
    this.blockTs32 = new Int32Array(this.blockTs.buffer);
  }

  /** Grows the sorted output arrays of the block (symbol id, row, gathered columns) to `slots` entries. */
  private ensureBlockOutput(slots: number): void {
    if (this.blockSym.length >= slots) return;
    const size = Math.max(slots, 1024);
    this.blockSym = new Int32Array(size);
    this.blockRow = new Uint32Array(size);
    this.blockF64 = this.state.f64Names.map(() => new Float64Array(size));
    this.blockI64 = this.state.i64Names.map(() => new Int32Array(2 * size));
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
}
