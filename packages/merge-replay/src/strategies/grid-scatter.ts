/**
 * The bar grid kernels of the `'block'` strategy: a block of bars (at most one row per stream and
 * timestamp) becomes a (timestamp, stream) grid of `liveCount` slots per timestamp, filled in stream
 * order, so each timestamp's events come out contiguous and ordered by symbol id without a sort. Small
 * monomorphic functions over typed arrays, like `block-kernels.ts`. Internal to the package.
 *
 * @module
 */

import { HI, LO, TWO_POW_32 } from '../merge-tuning.js';

/**
 * Grid scatter of a bars block whose streams have at most one row per timestamp: the event of stream
 * `live[i]` with key `union[u]` (keys stream-major in `keys`) goes to slot `fill[u]++`, where `fill[u]`
 * starts at `u * liveCount`; streams go in id order, so each timestamp's events are contiguous and
 * ordered by symbol id without a counting pass. `slot[e]` becomes event `e`'s slot, for the gathers.
 */
export function blockGridScatter(
  keys: Float64Array,
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  cursors: Uint32Array,
  union: Float64Array,
  fill: Int32Array,
  slot: Int32Array,
  sym: Int32Array,
  rowsOut: Uint32Array,
): void {
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const end = e + blockRows[s]!;
    let row = cursors[s]!;
    let u = 0;
    for (; e < end; e++) {
      const key = keys[e]!;
      while (union[u]! < key) u++;
      const p = fill[u]!++;
      slot[e] = p;
      sym[p] = s;
      rowsOut[p] = row++;
    }
  }
}

/**
 * {@link blockGridScatter} fused with the gather of one staged f64 column (`stage`, stream-major, into
 * `out`): the usual replay of bars with one requested column, in one pass and without slots.
 */
export function blockGridScatterF64(
  keys: Float64Array,
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  cursors: Uint32Array,
  union: Float64Array,
  fill: Int32Array,
  sym: Int32Array,
  rowsOut: Uint32Array,
  stage: Float64Array,
  out: Float64Array,
): void {
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const end = e + blockRows[s]!;
    let row = cursors[s]!;
    let u = 0;
    for (; e < end; e++) {
      const key = keys[e]!;
      while (union[u]! < key) u++;
      const p = fill[u]!++;
      sym[p] = s;
      rowsOut[p] = row++;
      out[p] = stage[e]!;
    }
  }
}

/** Streams of a bar grid tile: {@link blockGridTile} fills this many streams' events per timestamp. */
export const GRID_TILE_STREAMS = 4;

/** Key (ns after the head `(headHi, headLo)`) of row `row` of a stream's int64 `src`, or +∞ at `end`. */
function keyOrEnd(src: Int32Array, row: number, end: number, headHi: number, headLo: number): number {
  if (row >= end) return Number.POSITIVE_INFINITY;
  return (src[2 * row + HI]! - headHi) * TWO_POW_32 + ((src[2 * row + LO]! >>> 0) - headLo);
}

/**
 * Splits the block's distinct keys (`union[0, unionLength)`, ns after the head `(headHi, headLo)`, below
 * 2^52) back into int64 timestamps as int32 halves: `hi[u]` signed, `lo[u]` the low word as stored in an
 * Int32Array. {@link blockGridTile} compares rows with these instead of computing each row's key.
 */
export function unionHalves(
  union: Float64Array,
  unionLength: number,
  headHi: number,
  headLo: number,
  hi: Int32Array,
  lo: Int32Array,
): void {
  for (let u = 0; u < unionLength; u++) {
    const key = union[u]!;
    const q = Math.floor(key / TWO_POW_32);
    let low = headLo + (key - q * TWO_POW_32);
    let high = headHi + q;
    if (low >= TWO_POW_32) {
      low -= TWO_POW_32;
      high++;
    }
    hi[u] = high;
    lo[u] = low | 0;
  }
}

/**
 * Grid scatter of a bars block for the {@link GRID_TILE_STREAMS} streams `live[at, at + 4)` at once,
 * with their f64 column: for each distinct timestamp `u` of the block in order (`unionHi[u]`,
 * `unionLo[u]`, see {@link unionHalves}), every one of the four streams whose next row has that timestamp
 * writes its event to slot `fill[u]++` (so a timestamp's events stay in stream id order) and moves to its
 * next row. A stream may miss timestamps (a halted symbol); its rows below `limit` (ns after the head
 * `(headHi, headLo)`) must all be timestamps of the block, strictly increasing. The rows taken go to
 * `blockRows[s]`. Returns false when some stream of the tile still has a row below `limit` at the end (a
 * timestamp missing from the block's, a repeated or decreasing one); the caller then drops the grid.
 *
 * This is the TypeScript path (`kernel: 'js'`, or no WebAssembly); `grid-kernel.ts` runs the same grid in
 * WebAssembly. Why this shape, measured on 2,000 in-memory streams of bars, 131 rows per block, 5 % of
 * bars missing (scratch micro-benchmark, 2026-12-07, M events/s of the grid pass alone): one stream at a
 * time, each row's key computed as a double and searched in the union, 44–63; four streams at once with
 * the same keys, 57–70 (four streams write adjacent slots of one timestamp, where one stream at a time
 * writes a new cache line per event); four at once comparing int32 halves, 57–76 with the arrays passed
 * as here (118–143 when they were module constants: V8 then needs no registers for the 14 arrays' bases
 * and lengths). Eight at once, with more live values than registers, was slower than four.
 */
export function blockGridTile(
  live: Int32Array,
  at: number,
  cursors: Uint32Array,
  endRows: Uint32Array,
  streams32: readonly Int32Array[],
  bases: Uint32Array,
  sources: readonly Float64Array[],
  headHi: number,
  headLo: number,
  limit: number,
  unionHi: Int32Array,
  unionLo: Int32Array,
  unionLength: number,
  fill: Int32Array,
  sym: Int32Array,
  rowsOut: Uint32Array,
  out: Float64Array,
  blockRows: Int32Array,
): boolean {
  // A stream past its end gets high word headHi - 1: below every timestamp of the block, never equal.
  const past = headHi - 1;
  const s0 = live[at]!;
  const s1 = live[at + 1]!;
  const s2 = live[at + 2]!;
  const s3 = live[at + 3]!;
  const t0 = streams32[s0]!;
  const t1 = streams32[s1]!;
  const t2 = streams32[s2]!;
  const t3 = streams32[s3]!;
  const v0 = sources[s0]!;
  const v1 = sources[s1]!;
  const v2 = sources[s2]!;
  const v3 = sources[s3]!;
  // Rows are window indexes (row - bases[s]); rowsOut gets the stream's row.
  const b0 = bases[s0]!;
  const b1 = bases[s1]!;
  const b2 = bases[s2]!;
  const b3 = bases[s3]!;
  const e0 = endRows[s0]! - b0;
  const e1 = endRows[s1]! - b1;
  const e2 = endRows[s2]! - b2;
  const e3 = endRows[s3]! - b3;
  const f0 = cursors[s0]! - b0;
  const f1 = cursors[s1]! - b1;
  const f2 = cursors[s2]! - b2;
  const f3 = cursors[s3]! - b3;
  let r0 = f0;
  let r1 = f1;
  let r2 = f2;
  let r3 = f3;
  let h0 = r0 < e0 ? t0[2 * r0 + HI]! : past;
  let l0 = r0 < e0 ? t0[2 * r0 + LO]! : 0;
  let h1 = r1 < e1 ? t1[2 * r1 + HI]! : past;
  let l1 = r1 < e1 ? t1[2 * r1 + LO]! : 0;
  let h2 = r2 < e2 ? t2[2 * r2 + HI]! : past;
  let l2 = r2 < e2 ? t2[2 * r2 + LO]! : 0;
  let h3 = r3 < e3 ? t3[2 * r3 + HI]! : past;
  let l3 = r3 < e3 ? t3[2 * r3 + LO]! : 0;
  for (let u = 0; u < unionLength; u++) {
    const kh = unionHi[u]!;
    const kl = unionLo[u]!;
    let p = fill[u]!;
    if (l0 === kl && h0 === kh) {
      sym[p] = s0;
      rowsOut[p] = r0 + b0;
      out[p++] = v0[r0++]!;
      h0 = r0 < e0 ? t0[2 * r0 + HI]! : past;
      l0 = r0 < e0 ? t0[2 * r0 + LO]! : 0;
    }
    if (l1 === kl && h1 === kh) {
      sym[p] = s1;
      rowsOut[p] = r1 + b1;
      out[p++] = v1[r1++]!;
      h1 = r1 < e1 ? t1[2 * r1 + HI]! : past;
      l1 = r1 < e1 ? t1[2 * r1 + LO]! : 0;
    }
    if (l2 === kl && h2 === kh) {
      sym[p] = s2;
      rowsOut[p] = r2 + b2;
      out[p++] = v2[r2++]!;
      h2 = r2 < e2 ? t2[2 * r2 + HI]! : past;
      l2 = r2 < e2 ? t2[2 * r2 + LO]! : 0;
    }
    if (l3 === kl && h3 === kh) {
      sym[p] = s3;
      rowsOut[p] = r3 + b3;
      out[p++] = v3[r3++]!;
      h3 = r3 < e3 ? t3[2 * r3 + HI]! : past;
      l3 = r3 < e3 ? t3[2 * r3 + LO]! : 0;
    }
    fill[u] = p;
  }
  if (
    keyOrEnd(t0, r0, e0, headHi, headLo) < limit ||
    keyOrEnd(t1, r1, e1, headHi, headLo) < limit ||
    keyOrEnd(t2, r2, e2, headHi, headLo) < limit ||
    keyOrEnd(t3, r3, e3, headHi, headLo) < limit
  )
    return false;
  blockRows[s0] = r0 - f0;
  blockRows[s1] = r1 - f1;
  blockRows[s2] = r2 - f2;
  blockRows[s3] = r3 - f3;
  return true;
}
