/**
 * The WebAssembly kernel of the `'block'` strategy's sparse blocks (irregular ticks): packs, sorts and
 * emits a block as `assembly/sparse-block.ts` describes, the same algorithm and output as the TypeScript
 * path (`SparseSort.sortPacked` in `sparse-sort.ts`), 2–3× faster on the sort (bench/results/replay.md). The module
 * (~1 KB, compiled by the repository's `scripts/build-wasm.mjs`) is compiled once per process on first use;
 * one instance per process ({@link SparseKernel.shared}), its layout a region of the process's kernel
 * memory (`KernelMemory.shared`, which the bar grid kernel shares). Internal.
 *
 * @module
 */
import { type KernelExports, KernelMemory, RegionKernel } from './kernel-memory.js';

/** Exports of `assembly/index.ts`; addresses are byte offsets into `memory`. */
interface SparseExports extends KernelExports {
  packKeys(
    keys: number,
    liveCount: number,
    rowsLive: number,
    cursorLive: number,
    next: number,
    delta: number,
    idBits: number,
    packed: number,
  ): number;
  collectSparse(
    copied: number,
    copyRows: number,
    liveCount: number,
    cursorLive: number,
    headHi: number,
    headLo: number,
    limit: number,
    idBits: number,
    rowsLive: number,
    next: number,
    delta: number,
    packed: number,
    fault: number,
  ): number;
  sortEmit(
    packed: number,
    events: number,
    bits: number,
    idBits: number,
    liveIds: number,
    next: number,
    delta: number,
    headHi: number,
    headLo: number,
    sorted: number,
    counts: number,
    maxBucket: number,
    sym: number,
    row: number,
    ts: number,
    gather: number,
    starts: number,
  ): number;
  gatherF64(events: number, gather: number, stage: number, out: number): void;
  gatherI64(events: number, gather: number, stage: number, out: number): void;
}

/** Counters of the kernel's counting pass: 2^16 + 1 u32. */
const COUNTS_BYTES = (65_536 + 1) * 4;

/** Byte offsets of the memory layout (see {@link SparseKernel.ensure}). */
interface SparseLayout {
  keys: number;
  rowsLive: number;
  cursorLive: number;
  liveIds: number;
  next: number;
  delta: number;
  packed: number;
  sorted: number;
  counts: number;
  sym: number;
  row: number;
  ts: number;
  gather: number;
  starts: number;
  stageF64: number[];
  stageI64: number[];
  copied: number;
  copyRows: number;
  fault: number;
  outF64: number[];
  outI64: number[];
}

/** `undefined`: not made yet; `null`: no WebAssembly here (see {@link SparseKernel.shared}). */
let sharedKernel: SparseKernel | null | undefined;

/**
 * The sparse-block kernel. The block strategy copies a block's keys and staged columns into the input
 * views (`keys`, `stageF64`, `stageI64`) and calls {@link sort}, or lets {@link collect} copy them from
 * the streams, then copies the outputs out. Call {@link ensure} before each block: it lays the memory out
 * for the caller's shape and takes every view again when needed (another merge may have used the kernel,
 * or grown the memory, since).
 */
export class SparseKernel extends RegionKernel<SparseExports> {
  /** Event keys of the block, stream-major (ns after the block head); the block's `blockKeys`. */
  keys = new Float64Array(0);
  /** Staged gathered columns of the caller ({@link ensure}), stream-major: f64, and i64 as int32 halves. */
  stageF64: Float64Array[] = [];
  stageI64: Int32Array[] = [];
  /** Outputs of {@link sort}, in output order. */
  sym = new Int32Array(0);
  row = new Uint32Array(0);
  ts32 = new Int32Array(0);
  starts = new Int32Array(0);
  outF64: Float64Array[] = [];
  outI64: Int32Array[] = [];
  /** Rows taken from each live stream (by live index) by the last {@link sort} or {@link collect}. */
  rowsLive = new Int32Array(0);
  /** Capacity of the layout: events, streams, gathered f64 and i64 columns. */
  private capacity = 0;
  private streams = 0;
  private f64Columns = 0;
  private i64Columns = 0;
  /** Gathered columns of the current caller (at most the layout's). */
  private f64Active = 0;
  private i64Active = 0;
  private at: SparseLayout | undefined;
  private cursorLive = new Uint32Array(0);
  private liveIds = new Int32Array(0);
  /** Timestamps copied from the streams for {@link collect} (int32 halves), and the rows copied per stream. */
  private copied32 = new Int32Array(0);
  private copyRows = new Int32Array(0);
  /** {@link collect}'s report of decreasing timestamps: live index, row offset from its cursor, then bits. */
  private fault = new Int32Array(3);

  private constructor(memory: KernelMemory<SparseExports>) {
    super(memory);
  }

  /**
   * The process's instance, or `null` without WebAssembly (see `kernelInstance`). Every merge shares it:
   * a block's keys go in, are sorted and its outputs copied out in one synchronous sequence
   * ({@link ensure}, {@link sort} or {@link collect}, then the caller's copy), so nothing in the kernel's
   * memory outlives a block. An instance per merge cost its instantiation and the first touch of a new
   * ~19 MB memory on every replay (measured: 3,000 tick streams × 2,000 rows from segment files, chunk
   * API, 4 alternating processes, best of 8 runs each: 12.9–13.7 M events/s with an instance per merge,
   * 14.1–15.0 shared).
   */
  static shared(): SparseKernel | null {
    if (sharedKernel === undefined) {
      const memory = KernelMemory.shared();
      sharedKernel = memory === null ? null : new SparseKernel(memory as KernelMemory<SparseExports>);
    }
    return sharedKernel;
  }

  /**
   * Lays the memory out for blocks of up to `events` events of `streams` streams with `f64Columns` and
   * `i64Columns` gathered columns (growing it when needed), and sets the column views to the caller's.
   * Per event: keys 8, staged columns 8 each, copied timestamps 8, packed and sorted keys 16, symbol id 4,
   * row 4, timestamp 8, gather index 4, run start 4, output columns 8 each; per stream 24; counters 256 KiB.
   *
   * Returns false, with the layout and views unchanged, when the memory cannot grow that far (above 4 GiB
   * or out of memory): the caller sorts the block in TypeScript then.
   */
  ensure(events: number, streams: number, f64Columns: number, i64Columns: number): boolean {
    if (
      events > this.capacity ||
      streams > this.streams ||
      f64Columns > this.f64Columns ||
      i64Columns > this.i64Columns
    ) {
      if (!this.layOut(events, streams, f64Columns, i64Columns)) return false;
    }
    if (f64Columns !== this.f64Active || i64Columns !== this.i64Active) {
      this.f64Active = f64Columns;
      this.i64Active = i64Columns;
      this.takeViews();
    }
    return true;
  }

  /** Lays the memory out for at least the given shape and the layout's current one (see {@link ensure}). */
  private layOut(events: number, streams: number, f64Columns: number, i64Columns: number): boolean {
    const n = Math.max(events, this.capacity);
    const s = Math.max(streams, this.streams, 1);
    const f64 = Math.max(f64Columns, this.f64Columns);
    const i64 = Math.max(i64Columns, this.i64Columns);
    const at = this.place<SparseLayout>((take) => ({
      keys: take(8 * n),
      stageF64: Array.from({ length: f64 }, () => take(8 * n)),
      stageI64: Array.from({ length: i64 }, () => take(8 * n)),
      copied: take(8 * n),
      copyRows: take(4 * s),
      fault: take(12),
      rowsLive: take(4 * s),
      cursorLive: take(4 * s),
      liveIds: take(4 * s),
      next: take(4 * s),
      delta: take(4 * s),
      packed: take(8 * n),
      sorted: take(8 * n),
      counts: take(COUNTS_BYTES),
      sym: take(4 * n),
      row: take(4 * n),
      ts: take(8 * n),
      gather: take(4 * n),
      starts: take(4 * (n + 1)),
      outF64: Array.from({ length: f64 }, () => take(8 * n)),
      outI64: Array.from({ length: i64 }, () => take(8 * n)),
    }));
    if (at === null) return false;
    this.at = at;
    this.capacity = n;
    this.streams = s;
    this.f64Columns = f64;
    this.i64Columns = i64;
    this.takeViews();
    return true;
  }

  /** Takes every view of the layout on the memory's current buffer (after a layout, or a growth). */
  protected takeViews(): void {
    const at = this.at;
    if (at === undefined) return;
    const buffer = this.memory.buffer;
    const n = this.capacity;
    const s = this.streams;
    this.keys = new Float64Array(buffer, at.keys, n);
    this.stageF64 = at.stageF64.slice(0, this.f64Active).map((o) => new Float64Array(buffer, o, n));
    this.stageI64 = at.stageI64.slice(0, this.i64Active).map((o) => new Int32Array(buffer, o, 2 * n));
    this.copied32 = new Int32Array(buffer, at.copied, 2 * n);
    this.copyRows = new Int32Array(buffer, at.copyRows, s);
    this.fault = new Int32Array(buffer, at.fault, 3);
    this.rowsLive = new Int32Array(buffer, at.rowsLive, s);
    this.cursorLive = new Uint32Array(buffer, at.cursorLive, s);
    this.liveIds = new Int32Array(buffer, at.liveIds, s);
    this.sym = new Int32Array(buffer, at.sym, n);
    this.row = new Uint32Array(buffer, at.row, n);
    this.ts32 = new Int32Array(buffer, at.ts, 2 * n);
    this.starts = new Int32Array(buffer, at.starts, n + 1);
    this.outF64 = at.outF64.slice(0, this.f64Active).map((o) => new Float64Array(buffer, o, n));
    this.outI64 = at.outI64.slice(0, this.i64Active).map((o) => new Int32Array(buffer, o, 2 * n));
  }

  /**
   * Sorts and emits the block whose `events` keys and staged columns are in the input views: the live
   * streams `live[0, liveCount)` (ascending id) with `blockRows[s]` rows each from `cursors[s]`, keys
   * offsets from the head `(headHi, headLo)`. Fills the outputs (`sym`, `row`, `ts32`, `starts`, `outF64`,
   * `outI64`) and returns the number of runs of equal timestamps; -1 when keys cluster (a bucket above
   * `maxBucket`), -2 when a key does not pack into 64 bits: the caller sorts another way then.
   */
  sort(
    events: number,
    liveCount: number,
    live: Int32Array,
    blockRows: Int32Array,
    cursors: Uint32Array,
    headHi: number,
    headLo: number,
    maxBucket: number,
  ): number {
    const rowsLive = this.rowsLive;
    const cursorLive = this.cursorLive;
    const liveIds = this.liveIds;
    for (let i = 0; i < liveCount; i++) {
      const s = live[i]!;
      liveIds[i] = s;
      rowsLive[i] = blockRows[s]!;
      cursorLive[i] = cursors[s]!;
    }
    const idBits = idBitsFor(liveCount);
    const at = this.at!;
    const bits = this.kernels.packKeys(
      at.keys,
      liveCount,
      at.rowsLive,
      at.cursorLive,
      at.next,
      at.delta,
      idBits,
      at.packed,
    );
    if (bits < 0) return bits;
    return this.emit(events, bits, idBits, headHi, headLo, maxBucket);
  }

  /**
   * Collects a block known to be sparse straight from the streams: copies up to `k` rows of each live
   * stream (timestamps and gathered columns) into the kernel's memory, takes each stream's rows whose key
   * (ns after the head) is below `limit`, and sorts and emits them as {@link sort} does; `rowsLive[i]` then
   * holds the rows taken from live stream `i`. Returns the number of runs; -1 or -2 as {@link sort} (the
   * cursors are untouched, the caller prepares the block another way); -3 when a stream's timestamps
   * decrease ({@link faultStream}, {@link faultRow}).
   */
  collect(
    liveCount: number,
    live: Int32Array,
    cursors: Uint32Array,
    endRows: Uint32Array,
    streams32: readonly Int32Array[],
    bases: Uint32Array,
    f64Sources: readonly (readonly Float64Array[])[],
    i64Sources32: readonly (readonly Int32Array[])[],
    k: number,
    headHi: number,
    headLo: number,
    limit: number,
    maxBucket: number,
  ): number {
    copyStreamRows(
      liveCount,
      live,
      cursors,
      endRows,
      streams32,
      bases,
      f64Sources,
      i64Sources32,
      k,
      this.liveIds,
      this.cursorLive,
      this.copyRows,
      this.copied32,
      this.stageF64,
      this.stageI64,
    );
    const idBits = idBitsFor(liveCount);
    const o = this.at!;
    const events = this.kernels.collectSparse(
      o.copied,
      o.copyRows,
      liveCount,
      o.cursorLive,
      headHi,
      headLo,
      limit,
      idBits,
      o.rowsLive,
      o.next,
      o.delta,
      o.packed,
      o.fault,
    );
    if (events < 0) return events;
    return this.emit(events, this.fault[2]!, idBits, headHi, headLo, maxBucket);
  }

  /** After {@link collect} returned -3: the live index of the stream whose timestamps decrease. */
  get faultStream(): number {
    return this.fault[0]!;
  }

  /** After {@link collect} returned -3: the offset from that stream's cursor of the first decreasing row. */
  get faultRow(): number {
    return this.fault[1]!;
  }

  /** Sorts the packed keys, emits the block and gathers the columns; see {@link sort}. */
  private emit(
    events: number,
    bits: number,
    idBits: number,
    headHi: number,
    headLo: number,
    maxBucket: number,
  ): number {
    const at = this.at!;
    const k = this.kernels;
    const runs = k.sortEmit(
      at.packed,
      events,
      bits,
      idBits,
      at.liveIds,
      at.next,
      at.delta,
      headHi,
      headLo,
      at.sorted,
      at.counts,
      maxBucket,
      at.sym,
      at.row,
      at.ts,
      at.gather,
      at.starts,
    );
    if (runs < 0) return runs;
    for (let c = 0; c < this.f64Active; c++) k.gatherF64(events, at.gather, at.stageF64[c]!, at.outF64[c]!);
    for (let c = 0; c < this.i64Active; c++) k.gatherI64(events, at.gather, at.stageI64[c]!, at.outI64[c]!);
    return runs;
  }
}

/**
 * Copies up to `k` rows from the cursor of each live stream into the kernel's memory: timestamps into
 * `copied32` and gathered columns into the stages, stream after stream, with each stream's id, cursor and
 * rows copied (by live index). A function of its own so that it is optimized once, not per block.
 */
function copyStreamRows(
  liveCount: number,
  live: Int32Array,
  cursors: Uint32Array,
  endRows: Uint32Array,
  streams32: readonly Int32Array[],
  bases: Uint32Array,
  f64Sources: readonly (readonly Float64Array[])[],
  i64Sources32: readonly (readonly Int32Array[])[],
  k: number,
  liveIds: Int32Array,
  cursorLive: Uint32Array,
  copyRows: Int32Array,
  copied32: Int32Array,
  stageF64: readonly Float64Array[],
  stageI64: readonly Int32Array[],
): void {
  let at = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const first = cursors[s]!;
    const n = Math.min(k, endRows[s]! - first);
    liveIds[i] = s;
    cursorLive[i] = first;
    copyRows[i] = n;
    const w = first - bases[s]!;
    copied32.set(streams32[s]!.subarray(2 * w, 2 * (w + n)), 2 * at);
    for (let c = 0; c < f64Sources.length; c++) stageF64[c]!.set(f64Sources[c]![s]!.subarray(w, w + n), at);
    for (let c = 0; c < i64Sources32.length; c++)
      stageI64[c]!.set(i64Sources32[c]![s]!.subarray(2 * w, 2 * (w + n)), 2 * at);
    at += n;
  }
}

/** Bits of a live-stream index: `2^bits > liveCount - 1`, at least 1. */
function idBitsFor(liveCount: number): number {
  return Math.max(1, 32 - Math.clz32(liveCount - 1));
}
