/**
 * The sorts of the `'block'` strategy's sparse blocks (irregular ticks, fewer than
 * `BLOCK_MIN_EVENTS_PER_BATCH` events per distinct timestamp): packed `(offset, stream)` keys in the
 * WebAssembly kernel (`sparse-kernel.ts`) or in TypeScript (`bucketSortPacked`), the kernel's collection of
 * a block straight from the streams after a sparse one, and the stable LSD radix sort both fall back to.
 * They read and write the block arrays of {@link BlockStrategy}. Internal.
 *
 * @module
 */

import type { MergeKernel } from '../merge-state.js';
import {
  BLOCK_MAX_SPAN,
  BLOCK_MIN_EVENTS_PER_BATCH,
  BUCKET_SORT_MAX_EVENTS,
  RADIX_BITS,
} from '../merge-tuning.js';
import type { BlockStrategy } from './block.js';
import {
  blockEmitPacked,
  blockGatherF64,
  blockGatherI64,
  blockGatherStagedI64,
  blockPlace,
  maxOf,
  packBlockKeys,
  unpackBlockKeys,
} from './block-kernels.js';
import { type NativeMerge, nativeBoundsError } from './native-block.js';
import { bucketSortPacked, radixPass, radixRuns, radixSplit } from './radix-sort.js';
import { SparseKernel } from './sparse-kernel.js';

/** The sparse-block sorts of one {@link BlockStrategy} and their scratch arrays. */
export class SparseSort {
  /** The last block was sparse and sorted by the kernel: try {@link prepareDirect} for the next one. */
  next = false;
  /** Radix sort of sparse blocks: key halves and event indices, double-buffered, and the digit counts. */
  private radixLo = new Uint32Array(0);
  private radixHi = new Uint32Array(0);
  private radixIdx = new Int32Array(0);
  private radixLo2 = new Uint32Array(0);
  private radixHi2 = new Uint32Array(0);
  private radixIdx2 = new Int32Array(0);
  /** Keys in sorted order of the TypeScript bucket sort (see `bucketSortPacked`). */
  private radixKeys = new Float64Array(0);
  private readonly radixCounts = new Int32Array(1 << RADIX_BITS);
  /** [0]: trailing zero bits shared by every key of the block (set by radixSplit). */
  private readonly radixBits = new Int32Array(1);
  /** Emit pass of packed sparse blocks, per live index: next stream-major index, and row minus that index. */
  private readonly emitNext: Int32Array;
  private readonly emitRowDelta: Int32Array;
  /**
   * The WebAssembly kernel: `undefined` until the first sparse block (bars never create it), `null` for the
   * TypeScript path (`kernel: 'js'`, or no WebAssembly in the runtime).
   */
  private kernelInstance: SparseKernel | null | undefined;

  /** The native kernel's rows taken per live stream, and its report of decreasing timestamps. */
  private nativeRowsLive = new Int32Array(0);
  private readonly nativeFault = new Int32Array(2);

  constructor(
    private readonly block: BlockStrategy,
    kernel: MergeKernel,
  ) {
    const streams = Math.max(1, block.state.streamCount);
    this.emitNext = new Int32Array(streams);
    this.emitRowDelta = new Int32Array(streams);
    this.kernelInstance = kernel === 'js' ? null : undefined;
  }

  /**
   * The block after a sparse one (ticks), in the WebAssembly kernel straight from the streams (see
   * `SparseKernel.collect`): no keys collected in TypeScript, no check of the union of timestamps. Returns
   * false (cursors untouched) when the keys cluster or do not pack: the general path prepares the block.
   * A block found dense (at least {@link BLOCK_MIN_EVENTS_PER_BATCH} events per timestamp) is still
   * emitted, and the next block takes the general path again.
   */
  prepareDirect(
    liveCount: number,
    limit: number,
    k: number,
    capacity: number,
    native: NativeMerge | null,
  ): boolean {
    if (native !== null) return this.prepareNative(native, liveCount, limit, k, capacity);
    const kernel = this.kernelInstance!;
    if (!this.ensureKernel(kernel, capacity)) {
      this.next = false;
      return false;
    }
    const live = this.block.live;
    const state = this.block.state;
    const cursors = state.cursors;
    const runs = kernel.collect(
      liveCount,
      live,
      cursors,
      state.endRows,
      state.streams32,
      state.bases,
      state.f64Sources,
      state.i64Sources32,
      k,
      this.block.blockHead[0]!,
      this.block.blockHead[1]!,
      limit,
      BUCKET_SORT_MAX_EVENTS,
    );
    if (runs === -3) {
      const s = live[kernel.faultStream]!;
      state.throwUnsorted(s, cursors[s]! + kernel.faultRow);
    }
    if (runs < 0) {
      this.next = false;
      return false;
    }
    const events = this.takeRows(kernel.rowsLive, liveCount, runs);
    this.ensureSparseArrays(events, false);
    this.takeKernelOutput(kernel, events, runs);
    this.block.blockInPlace = true;
    this.block.commitBlock(liveCount, runs);
    return true;
  }

  /**
   * After a direct block of `runs` runs: each live stream's rows taken (`rowsLive` by live index) into the
   * block's `blockRows`; returns the block's events. A block found dense hands the next one back to the
   * general path.
   */
  private takeRows(rowsLive: Int32Array, liveCount: number, runs: number): number {
    const live = this.block.live;
    const blockRows = this.block.blockRows;
    let events = 0;
    for (let i = 0; i < liveCount; i++) {
      const rows = rowsLive[i]!;
      blockRows[live[i]!] = rows;
      events += rows;
    }
    if (runs * BLOCK_MIN_EVENTS_PER_BATCH <= events) this.next = false;
    return events;
  }

  /**
   * {@link prepareDirect} in the native kernel (`native-block.ts`): reads the streams in place and
   * writes the block arrays, so nothing is copied in or out.
   */
  private prepareNative(
    native: NativeMerge,
    liveCount: number,
    limit: number,
    k: number,
    capacity: number,
  ): boolean {
    const block = this.block;
    const live = block.live;
    const state = block.state;
    const cursors = state.cursors;
    this.ensureSparseArrays(capacity, false);
    if (this.nativeRowsLive.length < liveCount) this.nativeRowsLive = new Int32Array(state.streamCount);
    const rowsLive = this.nativeRowsLive;
    const runs = native.kernel.sparseBlock(
      native.handle,
      liveCount,
      live,
      cursors,
      state.endRows,
      k,
      block.blockHead[0]!,
      block.blockHead[1]!,
      limit,
      BUCKET_SORT_MAX_EVENTS,
      block.blockSym,
      block.blockRow,
      block.blockTs32,
      block.blockStarts,
      block.blockEnds,
      rowsLive,
      this.nativeFault,
      ...block.blockF64,
      ...block.blockI64,
    );
    if (runs === -3) {
      const s = live[this.nativeFault[0]!]!;
      state.throwUnsorted(s, cursors[s]! + this.nativeFault[1]!);
    }
    if (runs === -4) throw nativeBoundsError('sparseBlock', liveCount, k, capacity);
    if (runs < 0) {
      this.next = false;
      return false;
    }
    this.takeRows(rowsLive, liveCount, runs);
    block.blockInPlace = true;
    block.commitBlock(liveCount, runs);
    return true;
  }

  /**
   * Sorts a sparse block (ticks) of `events` events into the block arrays (symbol ids, rows, timestamps,
   * gathered columns, runs of equal timestamps); returns the number of runs. Packed `(offset, stream)` keys
   * in the WebAssembly kernel (the keys and staged columns copied into its memory), else the same in
   * TypeScript ({@link sortPacked}: `kernel: 'js'`, no WebAssembly, or a kernel memory that cannot grow to
   * the block); keys that cluster or do not pack take the stable LSD radix sort
   * with its positions (`blockSlot`).
   */
  sortBlock(events: number, liveCount: number, headHi: number, headLo: number): number {
    const live = this.block.live;
    const blockRows = this.block.blockRows;
    const cursors = this.block.state.cursors;
    const kernel = this.kernel();
    let runs: number;
    if (kernel !== null && this.ensureKernel(kernel, events)) {
      kernel.keys.set(this.block.blockKeys.subarray(0, events));
      for (let c = 0; c < kernel.stageF64.length; c++)
        kernel.stageF64[c]!.set(this.block.blockStageF64[c]!.subarray(0, events));
      for (let c = 0; c < kernel.stageI64.length; c++)
        kernel.stageI64[c]!.set(this.block.blockStageI64[c]!.subarray(0, 2 * events));
      runs = kernel.sort(events, liveCount, live, blockRows, cursors, headHi, headLo, BUCKET_SORT_MAX_EVENTS);
      if (runs >= 0) {
        this.ensureSparseArrays(events, false);
        this.takeKernelOutput(kernel, events, runs);
        // The next block is likely sparse too: the kernel collects it from the streams.
        this.next = true;
        return runs;
      }
    } else {
      runs = this.sortPacked(events, liveCount, headHi, headLo);
      if (runs >= 0) {
        this.block.blockEnds.set(this.block.blockStarts.subarray(1, runs + 1));
        return runs;
      }
    }
    const slot = this.block.blockSlot;
    runs = this.radixSort(events);
    blockPlace(liveCount, live, blockRows, cursors, slot, this.block.blockSym, this.block.blockRow);
    this.block.blockEnds.set(this.block.blockStarts.subarray(1, runs + 1));
    blockGatherI64(
      liveCount,
      live,
      blockRows,
      cursors,
      slot,
      this.block.state.streams32,
      this.block.state.bases,
      this.block.blockTs32,
    );
    this.block.gatherBlockColumns(events, slot);
    return runs;
  }

  /**
   * Sorts a sparse block (ticks) as packed keys `key · P + i` (`i` the stream's index among the `liveCount`
   * live streams, ascending id, `P` the power of two above it, so the order is (timestamp, symbol id)) and
   * emits it in one pass (see `bucketSortPacked`, `blockEmitPacked`): symbol ids, rows, timestamps, the
   * runs of equal timestamps, and the gathered columns from the block's stream-major copies. Returns the
   * number of runs, or -1 with the keys restored when the keys do not pack below 2^53 or cluster (a bucket
   * above {@link BUCKET_SORT_MAX_EVENTS}): the caller sorts with {@link radixSort} then.
   */
  private sortPacked(events: number, liveCount: number, headHi: number, headLo: number): number {
    this.ensureSparseArrays(events);
    // The loops live in kernels: this runs once per block, and a loop here would run in the interpreter
    // until on-stack replacement, then deoptimize at the code after it on every call.
    const keys = this.block.blockKeys;
    const maxKey = maxOf(keys, events);
    const packScale = 2 ** Math.ceil(Math.log2(Math.max(2, liveCount)));
    if ((maxKey + 1) * packScale > BLOCK_MAX_SPAN * 2) return -1;
    const live = this.block.live;
    const next = this.emitNext;
    const rowDelta = this.emitRowDelta;
    packBlockKeys(
      keys,
      liveCount,
      live,
      this.block.blockRows,
      this.block.state.cursors,
      packScale,
      next,
      rowDelta,
    );
    const sorted = this.radixKeys;
    const maxPacked = (maxKey + 1) * packScale - 1;
    if (!bucketSortPacked(keys, events, maxPacked, BUCKET_SORT_MAX_EVENTS, this.radixCounts, sorted)) {
      unpackBlockKeys(keys, events, packScale);
      return -1;
    }
    const gather = this.radixIdx;
    const runs = blockEmitPacked(
      sorted,
      events,
      packScale,
      live,
      next,
      rowDelta,
      headHi,
      headLo,
      this.block.blockSym,
      this.block.blockRow,
      this.block.blockTs32,
      gather,
      this.block.blockStarts,
    );
    for (let c = 0; c < this.block.blockF64.length; c++)
      blockGatherF64(events, gather, this.block.blockStageF64[c]!, this.block.blockF64[c]!);
    for (let c = 0; c < this.block.blockI64.length; c++)
      blockGatherStagedI64(events, gather, this.block.blockStageI64[c]!, this.block.blockI64[c]!);
    return runs;
  }

  /** The sparse-block kernel (the process's), taken on first use; `null` for the TypeScript path. */
  private kernel(): SparseKernel | null {
    if (this.kernelInstance === undefined) this.kernelInstance = SparseKernel.shared();
    return this.kernelInstance;
  }

  /** Lays the shared kernel out for a block of up to `events` events of this merge (`SparseKernel.ensure`). */
  private ensureKernel(kernel: SparseKernel, events: number): boolean {
    const state = this.block.state;
    return kernel.ensure(events, state.streamCount, state.f64Names.length, state.i64Names.length);
  }

  /** Copies the kernel's sorted block (`events` events, `runs` runs) into the block arrays. */
  private takeKernelOutput(kernel: SparseKernel, events: number, runs: number): void {
    this.block.blockSym.set(kernel.sym.subarray(0, events));
    this.block.blockRow.set(kernel.row.subarray(0, events));
    this.block.blockTs32.set(kernel.ts32.subarray(0, 2 * events));
    this.block.blockStarts.set(kernel.starts.subarray(0, runs + 1));
    this.block.blockEnds.set(kernel.starts.subarray(1, runs + 1));
    for (let c = 0; c < this.block.blockF64.length; c++)
      this.block.blockF64[c]!.set(kernel.outF64[c]!.subarray(0, events));
    for (let c = 0; c < this.block.blockI64.length; c++)
      this.block.blockI64[c]!.set(kernel.outI64[c]!.subarray(0, 2 * events));
  }

  /**
   * Grows the per-event timestamps and run starts to `events` events, and with `sortArrays` the arrays of
   * the TypeScript sorts of sparse blocks.
   */
  private ensureSparseArrays(events: number, sortArrays = true): void {
    if (this.block.blockTs.length < events) {
      this.block.blockTs = new BigInt64Array(Math.max(events, 1024));
      this.block.blockTs32 = new Int32Array(this.block.blockTs.buffer);
    }
    if (this.block.blockStarts.length < events + 1) {
      this.block.blockStarts = new Int32Array(events + 1);
      this.block.blockEnds = new Int32Array(events + 1);
    }
    if (sortArrays && this.radixLo.length < events) {
      const size = Math.max(events, 1024);
      this.radixLo = new Uint32Array(size);
      this.radixHi = new Uint32Array(size);
      this.radixIdx = new Int32Array(size);
      this.radixLo2 = new Uint32Array(size);
      this.radixHi2 = new Uint32Array(size);
      this.radixIdx2 = new Int32Array(size);
      this.radixKeys = new Float64Array(size);
    }
  }

  /**
   * Sorts the block's `events` keys (stream-major order) with a stable LSD radix sort on the 52-bit
   * integer keys, {@link RADIX_BITS} bits per pass, skipping the trailing bits that every key shares and any pass whose
   * digit is the same for all keys. Leaves each event's sorted position in `blockSlot`, the start of each
   * run of equal keys in `blockStarts`; returns the number of runs (batches).
   */
  private radixSort(events: number): number {
    this.ensureSparseArrays(events);
    const bits = radixSplit(
      this.block.blockKeys,
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
    return radixRuns(events, lo, hi, idx, this.block.blockSlot, this.block.blockStarts);
  }
}
