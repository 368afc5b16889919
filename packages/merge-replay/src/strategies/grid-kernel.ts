/**
 * The WebAssembly kernel of bar blocks (`assembly/bar-grid.ts`): the one-pass bar grid of the `'block'`
 * strategy (`prepareBlockDirect`), the same output as its TypeScript path (`blockGridTile`). One instance
 * per process, shared by every merge that reads the given arrays ({@link GridKernel.shared}); a merge
 * with window reads runs one on its own memory, where its windows are ({@link GridKernel.over}). The
 * layout for the largest block's shape is a region of that memory (`KernelMemory`). Internal.
 *
 * Measured on 2,000 in-memory streams of bars × 20,000 rows, 5 % of bars missing, the whole replay
 * through `nextChunk` with a consumer reading ts and close (scratch `membars.mjs`, 2026-12-07, 4 alternating
 * processes each, best of 3 runs): 40.8 M events/s with one stream at a time in TypeScript, 45.6 with
 * `blockGridTile`, 51.3 with this kernel. Of its ~20 ns per event, copying the rows in is ~6 ns (reading
 * 2,000 streams' timestamps and values, ~1.7 ns per 8-byte row from `TypedArray.set`, as fast as a plain
 * loop or `Buffer.copy`) and the grid ~5 ns; the TypeScript tile spends ~17 ns on the same work, with 14
 * typed arrays live in its loop.
 *
 * @module
 */
import { type KernelExports, KernelMemory, RegionKernel } from './kernel-memory.js';

/** The exports of `assembly/index.ts` used here; addresses are byte offsets into `memory`. */
interface GridExports extends KernelExports {
  gridBars(
    tsAt: number,
    valueAt: number,
    copyRows: number,
    liveCount: number,
    liveIds: number,
    cursorLive: number,
    unionOffsets: number,
    union: number,
    unionLength: number,
    headHi: number,
    headLo: number,
    limit: number,
    fill: number,
    sym: number,
    row: number,
    out: number,
    tsOut: number,
    taken: number,
  ): number;
}

/** Byte offsets of the memory layout (see {@link GridKernel.ensure}). */
interface GridLayout {
  ts: number;
  values: number;
  tsAt: number;
  valueAt: number;
  copyRows: number;
  liveIds: number;
  cursorLive: number;
  unionOffsets: number;
  union: number;
  fill: number;
  sym: number;
  row: number;
  out: number;
  tsOut: number;
  taken: number;
}

/** `undefined`: not made yet; `null`: no WebAssembly here (see {@link GridKernel.shared}). */
let sharedKernel: GridKernel | null | undefined;

/**
 * The bar-grid kernel: copies a block's rows in (or points at the windows already in its memory), fills
 * the grid, copies it out.
 */
export class GridKernel extends RegionKernel<GridExports> {
  /** Live streams the per-stream arrays hold. */
  private streams = 0;
  private at: GridLayout | undefined;
  /** Capacity of the layout: copied rows (all live streams), distinct timestamps, grid slots. */
  private copied = 0;
  private unionMax = 0;
  private slots = 0;
  private ts32 = new Int32Array(0);
  private values = new Float64Array(0);
  private tsAt = new Uint32Array(0);
  private valueAt = new Uint32Array(0);
  private copyRows = new Int32Array(0);
  private liveIds = new Int32Array(0);
  private cursorLive = new Uint32Array(0);
  private unionOffsets = new Float64Array(0);
  private fill = new Int32Array(0);
  private sym = new Int32Array(0);
  private row = new Uint32Array(0);
  private out = new Float64Array(0);
  private tsOut = new Int32Array(0);
  private taken = new Int32Array(0);

  private constructor(memory: KernelMemory<GridExports>) {
    super(memory);
  }

  /**
   * The process's instance, or `null` without WebAssembly (see `kernelInstance`). Every merge shares it:
   * {@link fillGrid} keeps nothing in the kernel's memory between calls (rows in, grid out, in one
   * synchronous call), and a merge of a few hundred thousand events would spend more on instantiating
   * the module and growing a memory of its own than on its grid (measured: 100 in-memory streams × 2,000
   * bars, 18–19 M events/s with an instance per merge against 32–35 for the previous TypeScript path).
   * The memory stays at the largest block's layout (~17 MB for 2,000 streams and the default block).
   */
  static shared(): GridKernel | null {
    if (sharedKernel === undefined) {
      const memory = KernelMemory.shared();
      sharedKernel = memory === null ? null : new GridKernel(memory as KernelMemory<GridExports>);
    }
    return sharedKernel;
  }

  /**
   * A kernel on `memory`: a merge's own instance, whose memory holds the merge's windows
   * (`MergeState.windowMemory`), so {@link fillGrid} reads their rows in place.
   */
  static over(memory: KernelMemory): GridKernel {
    return new GridKernel(memory as KernelMemory<GridExports>);
  }

  /**
   * Lays the memory out for blocks of `liveCount` streams of up to `rows` rows each, `unionMax` distinct
   * timestamps and `slots` grid slots (growing it when needed), and takes every view again. Returns false, with the
   * layout unchanged, when the memory cannot grow that far (above 4 GiB, or out of memory): the caller
   * fills the grid in TypeScript then.
   */
  ensure(liveCount: number, rows: number, unionMax: number, slots: number): boolean {
    const copied = liveCount * rows;
    if (
      copied <= this.copied &&
      liveCount <= this.streams &&
      unionMax <= this.unionMax &&
      slots <= this.slots
    )
      return true;
    const cellsIn = Math.max(copied, this.copied);
    const s = Math.max(liveCount, this.streams, 1);
    const distinct = Math.max(unionMax, this.unionMax, 256);
    const cells = Math.max(slots, this.slots, 1024);
    const at = this.place<GridLayout>((take) => ({
      ts: take(8 * cellsIn),
      values: take(8 * cellsIn),
      tsAt: take(4 * s),
      valueAt: take(4 * s),
      copyRows: take(4 * s),
      liveIds: take(4 * s),
      cursorLive: take(4 * s),
      unionOffsets: take(8 * distinct),
      union: take(8 * distinct),
      fill: take(4 * distinct),
      sym: take(4 * cells),
      row: take(4 * cells),
      out: take(8 * cells),
      tsOut: take(8 * cells),
      taken: take(4 * s),
    }));
    if (at === null) return false;
    this.at = at;
    this.copied = cellsIn;
    this.streams = s;
    this.unionMax = distinct;
    this.slots = cells;
    this.takeViews();
    return true;
  }

  /** Takes every view of the layout on the memory's current buffer (after a layout, or a growth). */
  protected takeViews(): void {
    const at = this.at;
    if (at === undefined) return;
    const buffer = this.memory.buffer;
    const { copied: cellsIn, streams: s, unionMax: distinct, slots: cells } = this;
    this.ts32 = new Int32Array(buffer, at.ts, 2 * cellsIn);
    this.values = new Float64Array(buffer, at.values, cellsIn);
    this.tsAt = new Uint32Array(buffer, at.tsAt, s);
    this.valueAt = new Uint32Array(buffer, at.valueAt, s);
    this.copyRows = new Int32Array(buffer, at.copyRows, s);
    this.liveIds = new Int32Array(buffer, at.liveIds, s);
    this.cursorLive = new Uint32Array(buffer, at.cursorLive, s);
    this.unionOffsets = new Float64Array(buffer, at.unionOffsets, distinct);
    this.fill = new Int32Array(buffer, at.fill, distinct);
    this.sym = new Int32Array(buffer, at.sym, cells);
    this.row = new Uint32Array(buffer, at.row, cells);
    this.out = new Float64Array(buffer, at.out, cells);
    this.tsOut = new Int32Array(buffer, at.tsOut, 2 * cells);
    this.taken = new Int32Array(buffer, at.taken, s);
  }

  /**
   * Fills the grid of one bar block and writes it out compacted: the live streams `live[0, liveCount)`
   * (ascending id) with their rows from `cursors[s]` (at most `rows` each, all cleared by the read guard),
   * timestamps `streams32[s]` (int64 as int32 halves) and values `sources[s]`; the block's distinct keys
   * `union[0, unionLength)` (ns after the head `(headHi, headLo)`) and its end `limit`. On success writes
   * every event to `sym`, `rowsOut`, `out` and its timestamp to `ts32` (int64 as int32 halves; the host is
   * little-endian, see `kernelInstance`) in (timestamp, symbol id) order, each timestamp's run to
   * `starts[u]` / `ends[u]`, each stream's rows to `blockRows[s]`, and returns true. Returns false when a
   * stream has a row in the block that is not one of the block's timestamps, or repeats or decreases (the
   * caller sorts the block another way; nothing it reads was written). Call {@link ensure} first with the
   * same `liveCount` and `rows`. `windowAt` (`MergeState.windowAt`: addresses of the timestamp and value
   * windows per stream, -1 for none) only for a kernel {@link over} the windows' memory, else `null`: the
   * rows of a stream with windows there are read in place, the others copied in.
   */
  fillGrid(
    liveCount: number,
    live: Int32Array,
    cursors: Uint32Array,
    endRows: Uint32Array,
    streams32: readonly Int32Array[],
    bases: Uint32Array,
    sources: readonly Float64Array[],
    rows: number,
    union: Float64Array,
    unionLength: number,
    headHi: number,
    headLo: number,
    limit: number,
    sym: Int32Array,
    rowsOut: Uint32Array,
    out: Float64Array,
    ts32: Int32Array,
    starts: Int32Array,
    ends: Int32Array,
    blockRows: Int32Array,
    windowAt: readonly Float64Array[] | null,
  ): boolean {
    const at = this.at!;
    pointIn(
      liveCount,
      live,
      cursors,
      endRows,
      streams32,
      bases,
      sources,
      rows,
      windowAt,
      at,
      this.ts32,
      this.values,
      this.tsAt,
      this.valueAt,
      this.copyRows,
      this.liveIds,
      this.cursorLive,
    );
    this.unionOffsets.set(union.subarray(0, unionLength));
    const fill = this.fill;
    for (let u = 0, first = 0; u < unionLength; u++, first += liveCount) fill[u] = first;
    const result = this.kernels.gridBars(
      at.tsAt,
      at.valueAt,
      at.copyRows,
      liveCount,
      at.liveIds,
      at.cursorLive,
      at.unionOffsets,
      at.union,
      unionLength,
      headHi | 0,
      headLo,
      limit,
      at.fill,
      at.sym,
      at.row,
      at.out,
      at.tsOut,
      at.taken,
    );
    if (result !== 0) return false;
    const taken = this.taken;
    for (let i = 0; i < liveCount; i++) blockRows[live[i]!] = taken[i]!;
    // Out, compacted: the run of timestamp u is slots [u · liveCount, fill[u]).
    let w = 0;
    for (let u = 0, first = 0; u < unionLength; u++, first += liveCount) {
      const n = fill[u]! - first;
      sym.set(this.sym.subarray(first, first + n), w);
      rowsOut.set(this.row.subarray(first, first + n), w);
      out.set(this.out.subarray(first, first + n), w);
      ts32.set(this.tsOut.subarray(2 * first, 2 * (first + n)), 2 * w);
      starts[u] = w;
      w += n;
      ends[u] = w;
    }
    return true;
  }
}

/**
 * Points the kernel at rows `[cursor, cursor + rows)` (to the stream's end) of every live stream: the
 * address of its window's rows when `windowAt` has one for it, else the rows copied into the kernel's
 * memory (slot `i` of `rows` rows of the copy-in area).
 */
function pointIn(
  liveCount: number,
  live: Int32Array,
  cursors: Uint32Array,
  endRows: Uint32Array,
  streams32: readonly Int32Array[],
  bases: Uint32Array,
  sources: readonly Float64Array[],
  rows: number,
  windowAt: readonly Float64Array[] | null,
  at: GridLayout,
  ts32: Int32Array,
  values: Float64Array,
  tsAt: Uint32Array,
  valueAt: Uint32Array,
  copyRows: Int32Array,
  liveIds: Int32Array,
  cursorLive: Uint32Array,
): void {
  const tsWindows = windowAt === null ? null : windowAt[0]!;
  const valueWindows = windowAt === null ? null : windowAt[1]!;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const first = cursors[s]!;
    const n = Math.min(rows, endRows[s]! - first);
    liveIds[i] = s;
    cursorLive[i] = first;
    copyRows[i] = n;
    const w = first - bases[s]!;
    const tsWindow = tsWindows === null ? -1 : tsWindows[s]!;
    const valueWindow = valueWindows === null ? -1 : valueWindows[s]!;
    if (tsWindow >= 0 && valueWindow >= 0) {
      tsAt[i] = tsWindow + 8 * w;
      valueAt[i] = valueWindow + 8 * w;
      continue;
    }
    ts32.set(streams32[s]!.subarray(2 * w, 2 * (w + n)), 2 * i * rows);
    values.set(sources[s]!.subarray(w, w + n), i * rows);
    tsAt[i] = at.ts + 8 * i * rows;
    valueAt[i] = at.values + 8 * i * rows;
  }
}
