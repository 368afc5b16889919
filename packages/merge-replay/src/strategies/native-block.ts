/**
 * The optional native kernels of the `'block'` strategy, the sparse blocks (ticks), the bar grid and the
 * head and bound of every block:
 * `native/block_kernels.c` (N-API), built by
 * `scripts/build-native.mjs` (the package's `install` and `build`) into
 * `native/build/Release/mmtape_merge.node` when a C compiler and the Node headers are present. Loaded on
 * first use and kept for the process; `null` when the file is absent or fails to load, and the WebAssembly
 * kernels are used instead. Same algorithms and output as the WebAssembly kernels (`sparse-kernel.ts`,
 * `grid-kernel.ts`), but they read the streams in place (the mapped files: WebAssembly can only read its
 * own memory, so its kernels copy every block's rows in) and write the block arrays directly. Internal.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A merge's streams as the native kernel holds them (data pointers and lengths; opaque). */
export type NativeStreams = object;

/** The loaded native module and one merge's handle of its streams (`BlockStrategy.native`). */
export interface NativeMerge {
  kernel: NativeBlockKernel;
  handle: NativeStreams;
}

/** Exports of the native module (`native/block_kernels.c`). */
export interface NativeBlockKernel {
  /**
   * The streams of one merge: `ts[s]` the timestamps of stream `s` (int64 as int32 halves), `columns[c][s]`
   * its gathered column `c` (8-byte elements, at least as long). The caller keeps every array alive as
   * long as the handle (the kernel keeps their data pointers).
   *
   * @throws TypeError arrays of the wrong type or length.
   */
  streams(
    ts: readonly Int32Array[],
    columns: readonly (readonly (Float64Array | Int32Array)[])[],
  ): NativeStreams;
  /**
   * Collects, sorts and emits one sparse block straight into the block arrays, as
   * `SparseKernel.collect` and its copy-out do: live streams `live[0, liveCount)` (ascending id), up to
   * `k` rows each from `cursors[s]` below `limit` ns after the head `(headHi, headLo)`; writes `sym`,
   * `row`, `ts32` (int64 halves), `starts` (runs + 1 entries), `ends`, `rowsLive[i]` and each gathered
   * column into `columns` (the order of {@link streams}). Returns the number of runs, or -1 (keys
   * cluster: a bucket above `maxBucket`), -2 (an offset does not pack), -3 (timestamps decrease: the live
   * index in `fault[0]`, the row offset from its cursor in `fault[1]`), -4 (a row or an output outside
   * the arrays: a caller's bug).
   *
   * @throws TypeError arguments of the wrong type.
   */
  sparseBlock(
    handle: NativeStreams,
    liveCount: number,
    live: Int32Array,
    cursors: Uint32Array,
    endRows: Uint32Array,
    k: number,
    headHi: number,
    headLo: number,
    limit: number,
    maxBucket: number,
    sym: Int32Array,
    row: Uint32Array,
    ts32: Int32Array,
    starts: Int32Array,
    ends: Int32Array,
    rowsLive: Int32Array,
    fault: Int32Array,
    ...columns: (Float64Array | Int32Array)[]
  ): number;
  /**
   * The bar grid of one block (as `GridKernel.fillGrid`, the same output), reading rows
   * `[cursors[s], cursors[s] + rows)` of every live stream in place from `handle` (which must hold exactly
   * one gathered column). The grid is laid out in `sym`, `row`, `out`, `ts32` themselves (timestamp `u`'s
   * slots from `u × liveCount`: each must hold `liveCount × unionLength` events, else -4) and compacted
   * there: each timestamp's run to `starts[u]`/`ends[u]`, the rows taken per live stream to `taken[i]`. `union`: the
   * block's `unionLength` distinct timestamps as ns offsets from the head. Returns 0, -1 when a stream has
   * a row in the block that is not one of its timestamps, or repeats or decreases (the caller sorts the
   * block another way), or -4 (a row or an output outside the arrays: a caller's bug).
   *
   * @throws TypeError arguments of the wrong type.
   */
  gridBars(
    handle: NativeStreams,
    liveCount: number,
    live: Int32Array,
    cursors: Uint32Array,
    endRows: Uint32Array,
    rows: number,
    union: Float64Array,
    unionLength: number,
    headHi: number,
    headLo: number,
    limit: number,
    sym: Int32Array,
    row: Uint32Array,
    out: Float64Array,
    ts32: Int32Array,
    starts: Int32Array,
    ends: Int32Array,
    taken: Int32Array,
  ): number;
  /**
   * The head and bound of a block, as `blockHeadAndLimit` (`block-kernels.ts`, the same result) reading
   * the streams of `handle` in place with the streams ahead prefetched: stores the smallest timestamp at
   * the cursors of the live streams `live[0, liveCount)` in `head` as (high int32, low uint32) halves, and
   * returns the smallest key (ns after it) of the rows `k` ahead of the cursors, capped at `maxSpan` (ns;
   * `maxSpan` when no live stream has `k` rows ahead; negative when a stream's timestamps decrease, as
   * in TypeScript). Returns NaN when a live stream's cursor is not below its end or its end is past its
   * arrays, `k` < 1, or `head` has fewer than 2 elements (a caller's bug).
   *
   * @throws TypeError arguments of the wrong type.
   */
  headLimit(
    handle: NativeStreams,
    liveCount: number,
    live: Int32Array,
    cursors: Uint32Array,
    endRows: Uint32Array,
    k: number,
    maxSpan: number,
    head: Float64Array,
  ): number;
}

/**
 * The internal error for a native call that returned -4: it was given a row or an output outside its
 * arrays, a bug of the caller (the merge), not of the data.
 */
export function nativeBoundsError(call: string, liveCount: number, rows: number, capacity: number): Error {
  return new Error(
    `mmtape internal error: the native kernel's ${call} was given a row or an output outside its arrays (${liveCount} live streams, ${rows} rows each, capacity ${capacity})`,
  );
}

/** `undefined`: not tried yet; `null`: absent or failed to load. */
let kernel: NativeBlockKernel | null | undefined;

/** Where the module is, relative to this file: bundled in `dist/`, or `src/strategies/` under test. */
const CANDIDATES = [
  '../native/build/Release/mmtape_merge.node',
  '../../native/build/Release/mmtape_merge.node',
];

/** The native module, or `null` when it was not built or does not load here. */
export function nativeBlockKernel(): NativeBlockKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    const require = createRequire(import.meta.url);
    for (const rel of CANDIDATES) {
      const path = fileURLToPath(new URL(rel, import.meta.url));
      if (!existsSync(path)) continue;
      const m = require(path) as Partial<NativeBlockKernel>;
      if (
        typeof m.streams === 'function' &&
        typeof m.sparseBlock === 'function' &&
        typeof m.gridBars === 'function' &&
        typeof m.headLimit === 'function'
      ) {
        kernel = m as NativeBlockKernel;
        break;
      }
    }
  } catch {
    kernel = null;
  }
  return kernel;
}
