/**
 * The `'block'` strategy's kernels: small monomorphic functions over typed arrays (so V8 optimizes each on
 * its own), used by {@link KWayMerge}. Internal to the package.
 *
 * @module
 */

import { BLOCK_MAX_SPAN, HI, LO, TWO_POW_32 } from '../merge-tuning.js';

/** Key of int64 element `row` of `src` (int32 halves): ns after the head `(head[0], head[1])`, as a double. */
export function keyAt(src: Int32Array, row: number, head: Float64Array): number {
  return (src[2 * row + HI]! - head[0]!) * TWO_POW_32 + ((src[2 * row + LO]! >>> 0) - head[1]!);
}

/** Lists the live streams (ascending id, cursor before the end) in `live`; returns their count. */
export function blockLive(
  count: number,
  cursors: Uint32Array,
  endRows: Uint32Array,
  live: Int32Array,
): number {
  let liveCount = 0;
  for (let s = 0; s < count; s++) if (cursors[s]! < endRows[s]!) live[liveCount++] = s;
  return liveCount;
}

/**
 * Stores the smallest head timestamp of the live streams in `head` as (high, low) halves, and returns
 * the smallest key (ns after that head, capped at 2^52 ns) of the rows `k` ahead of the cursors: the
 * same as {@link blockLimit}, with both rows of a stream read in one visit.
 */
export function blockHeadAndLimit(
  liveCount: number,
  live: Int32Array,
  cursors: Uint32Array,
  endRows: Uint32Array,
  streams32: readonly Int32Array[],
  bases: Uint32Array,
  head: Float64Array,
  k: number,
): number {
  let hi0 = 0x7fffffff;
  let lo0 = 0xffffffff;
  let limHi = 0x7fffffff;
  let limLo = 0xffffffff;
  let bounded = false;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const base = bases[s]!;
    const row = cursors[s]! - base;
    const src = streams32[s]!;
    const h = src[2 * row + HI]!;
    const l = src[2 * row + LO]! >>> 0;
    if (h < hi0 || (h === hi0 && l < lo0)) {
      hi0 = h;
      lo0 = l;
    }
    const r = row + k;
    if (r >= endRows[s]! - base) continue;
    const h2 = src[2 * r + HI]!;
    const l2 = src[2 * r + LO]! >>> 0;
    if (h2 < limHi || (h2 === limHi && l2 < limLo)) {
      limHi = h2;
      limLo = l2;
    }
    bounded = true;
  }
  head[0] = hi0;
  head[1] = lo0;
  if (!bounded) return BLOCK_MAX_SPAN;
  const limit = (limHi - hi0) * TWO_POW_32 + (limLo - lo0);
  return limit < BLOCK_MAX_SPAN ? limit : BLOCK_MAX_SPAN;
}

/** Smallest key, over the live streams, of the row `k` ahead of the cursor (capped at 2^52 ns). */
export function blockLimit(
  liveCount: number,
  live: Int32Array,
  cursors: Uint32Array,
  endRows: Uint32Array,
  streams32: readonly Int32Array[],
  bases: Uint32Array,
  head: Float64Array,
  k: number,
): number {
  let limit = BLOCK_MAX_SPAN;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const r = cursors[s]! + k;
    if (r >= endRows[s]!) continue;
    const key = keyAt(streams32[s]!, r - bases[s]!, head);
    if (key < limit) limit = key;
  }
  return limit;
}

/** {@link blockCollect} results. */
export const ALL_KNOWN = 0;
/** {@link blockCollect}: some key is not in the union yet. */
export const NEW_KEYS = 1;
/** {@link blockCollect}: a row is smaller than its predecessor (offset in `blockCollectStop[0]`). */
export const UNSORTED = 2;
/**
 * {@link blockCollect} outputs: [0] the offending row offset when unsorted, [1] the new end of `keys`,
 * [2] 1 when two of the stream's rows share a timestamp, else 0.
 */
export const blockCollectStop = new Int32Array(3);

/**
 * Appends the keys (ns after the head `(headHi, headLo)`) of rows `first…` of one stream below `limit`
 * to `keys` from `at`, and checks them against the union of keys so far (`union[0, unionLength)`,
 * sorted). The row count goes to `blockCollectStop[1]`, whether two rows share a key to
 * `blockCollectStop[2]`. Returns {@link ALL_KNOWN}, {@link NEW_KEYS} (some key is not in the union), or
 * {@link UNSORTED} with the offset of the first row smaller than its predecessor in `blockCollectStop[0]`.
 */
export function blockCollect(
  src: Int32Array,
  first: number,
  end: number,
  headHi: number,
  headLo: number,
  limit: number,
  keys: Float64Array,
  at: number,
  union: Float64Array,
  unionLength: number,
): number {
  let prev = -1;
  let j = 0;
  let result = ALL_KNOWN;
  let duplicates = 0;
  let n = at;
  let row = first;
  for (; row < end; row++) {
    const key = (src[2 * row + HI]! - headHi) * TWO_POW_32 + ((src[2 * row + LO]! >>> 0) - headLo);
    if (!(key < limit)) break;
    if (key !== prev) {
      if (key < prev) {
        blockCollectStop[0] = row - first;
        return UNSORTED;
      }
      while (j < unionLength && union[j]! < key) j++;
      if (j === unionLength || union[j] !== key) result = NEW_KEYS;
      prev = key;
    } else {
      duplicates = 1;
    }
    keys[n++] = key;
  }
  blockCollectStop[1] = row - first;
  blockCollectStop[2] = duplicates;
  return result;
}

/** Bucket of every event (into `slot`) and the start of every bucket (`starts`, length + 1 entries). */
export function blockCount(
  keys: Float64Array,
  events: number,
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  union: Float64Array,
  unionLength: number,
  slot: Int32Array,
  starts: Int32Array,
): void {
  starts.fill(0, 0, unionLength + 1);
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const end = e + blockRows[live[i]!]!;
    let j = 0;
    for (; e < end; e++) {
      const key = keys[e]!;
      while (union[j]! < key) j++;
      slot[e] = j;
      starts[j + 1]!++;
    }
  }
  for (let u = 0; u < unionLength; u++) starts[u + 1] = starts[u + 1]! + starts[u]!;
  if (e !== events) throw new Error(`mmtape internal error: block counted ${e} of ${events} events`);
}

/** Stable scatter: streams in id order, rows in order, to their bucket's next position; `slot` becomes that position. */
export function blockScatter(
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  cursors: Uint32Array,
  slot: Int32Array,
  next: Int32Array,
  sym: Int32Array,
  rowsOut: Uint32Array,
): void {
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const end = e + blockRows[s]!;
    let row = cursors[s]!;
    for (; e < end; e++) {
      const p = next[slot[e]!]!++;
      slot[e] = p;
      sym[p] = s;
      rowsOut[p] = row++;
    }
  }
}

/** Symbol id and row of every event of the block at its sorted position (`slot`). */
export function blockPlace(
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  cursors: Uint32Array,
  slot: Int32Array,
  sym: Int32Array,
  rowsOut: Uint32Array,
): void {
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const end = e + blockRows[s]!;
    let row = cursors[s]!;
    for (; e < end; e++) {
      const p = slot[e]!;
      sym[p] = s;
      rowsOut[p] = row++;
    }
  }
}

/** Moves staged f64 values (stream-major event `e`) to their sorted positions `slot[e]`. */
export function blockPermuteF64(
  events: number,
  slot: Int32Array,
  stage: Float64Array,
  out: Float64Array,
): void {
  for (let e = 0; e < events; e++) out[slot[e]!] = stage[e]!;
}

/** Moves staged i64 values (int32 halves, stream-major event `e`) to their sorted positions `slot[e]`. */
export function blockPermuteI64(events: number, slot: Int32Array, stage: Int32Array, out: Int32Array): void {
  for (let e = 0; e < events; e++) {
    const p = 2 * slot[e]!;
    out[p] = stage[2 * e]!;
    out[p + 1] = stage[2 * e + 1]!;
  }
}

/** Copies the int64 timestamps (int32 halves) of the block's events to their sorted positions. */
export function blockGatherI64(
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  cursors: Uint32Array,
  slot: Int32Array,
  sources: readonly Int32Array[],
  bases: Uint32Array,
  out: Int32Array,
): void {
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const end = e + blockRows[s]!;
    const src = sources[s]!;
    let at = 2 * (cursors[s]! - bases[s]!);
    for (; e < end; e++) {
      const p = 2 * slot[e]!;
      out[p] = src[at++]!;
      out[p + 1] = src[at++]!;
    }
  }
}

/** First row whose timestamp is >= `value`; `probe(row)` (the read guard) runs before each row is read. */
export function lowerBound(
  stream: BigInt64Array,
  value: bigint,
  probe: ((row: number) => unknown) | undefined,
): number {
  let low = 0;
  let high = stream.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    probe?.(mid);
    if (stream[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Copies `length` elements `from[fromIndex…]` → `to[toIndex…]` with a plain loop: for the short runs of the
 * block merge it is faster than `subarray` + `set` (no view allocated per run).
 */
export function copyInt32(
  from: Int32Array,
  fromIndex: number,
  to: Int32Array,
  toIndex: number,
  length: number,
): void {
  for (let k = 0; k < length; k++) to[toIndex + k] = from[fromIndex + k]!;
}

/** {@link copyInt32} for Float64Array. */
export function copyFloat64(
  from: Float64Array,
  fromIndex: number,
  to: Float64Array,
  toIndex: number,
  length: number,
): void {
  for (let k = 0; k < length; k++) to[toIndex + k] = from[fromIndex + k]!;
}

/** Copies `from` into the start of the larger `to` and returns `to` (growing a reused buffer). */
export function grow<T extends Int32Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Emit pass of a sparse block sorted as packed keys (see `bucketSortPacked`): for each sorted key
 * `pack · P + i` writes the event's symbol id (`live[i]`), row, timestamp (head + pack, int32 halves into
 * `ts32`) and the stream-major index of its staged values (`gather`), and records the start of every run
 * of equal timestamps in `starts` (plus the end). `next[i]` enters as stream `i`'s first stream-major index
 * and `rowDelta[i]` as its cursor row minus that index: a stream's rows come out in row order because equal
 * keys of one stream are interchangeable. Returns the number of runs.
 */
export function blockEmitPacked(
  sorted: Float64Array,
  events: number,
  packScale: number,
  live: Int32Array,
  next: Int32Array,
  rowDelta: Int32Array,
  headHi: number,
  headLo: number,
  sym: Int32Array,
  rowsOut: Uint32Array,
  ts32: Int32Array,
  gather: Int32Array,
  starts: Int32Array,
): number {
  const inverse = 1 / packScale;
  let runs = 0;
  let prev = -1;
  let hi = 0;
  let lo = 0;
  for (let p = 0; p < events; p++) {
    const key = sorted[p]!;
    const pack = Math.floor(key * inverse);
    const i = key - pack * packScale;
    if (pack !== prev) {
      starts[runs++] = p;
      prev = pack;
      // ts = head + pack, as (hi, lo) halves: pack < 2^53 splits exactly into 2^32 · q + r.
      const q = Math.floor(pack / TWO_POW_32);
      lo = headLo + (pack - q * TWO_POW_32);
      hi = headHi + q;
      if (lo >= TWO_POW_32) {
        lo -= TWO_POW_32;
        hi++;
      }
    }
    const e = next[i]!;
    next[i] = e + 1;
    sym[p] = live[i]!;
    rowsOut[p] = e + rowDelta[i]!;
    gather[p] = e;
    ts32[2 * p + HI] = hi;
    ts32[2 * p + LO] = lo;
  }
  starts[runs] = events;
  return runs;
}

/** Gathers staged f64 values (stream-major) into output order: `out[p] = stage[gather[p]]`. */
export function blockGatherF64(
  events: number,
  gather: Int32Array,
  stage: Float64Array,
  out: Float64Array,
): void {
  for (let p = 0; p < events; p++) out[p] = stage[gather[p]!]!;
}

/** Gathers staged i64 values (int32 halves, stream-major) into output order. */
export function blockGatherStagedI64(
  events: number,
  gather: Int32Array,
  stage: Int32Array,
  out: Int32Array,
): void {
  for (let p = 0; p < events; p++) {
    const e = 2 * gather[p]!;
    out[2 * p] = stage[e]!;
    out[2 * p + 1] = stage[e + 1]!;
  }
}

/** Largest of `values[0, length)`, at least 0. */
export function maxOf(values: Float64Array, length: number): number {
  let max = 0;
  for (let e = 0; e < length; e++) if (values[e]! > max) max = values[e]!;
  return max;
}

/**
 * Packs a sparse block's stream-major keys in place as `key · packScale + i` (`i` the index among the
 * live streams) and sets, per live index, the first stream-major index (`next`) and the cursor row minus it
 * (`rowDelta`) for `blockEmitPacked`.
 */
export function packBlockKeys(
  keys: Float64Array,
  liveCount: number,
  live: Int32Array,
  blockRows: Int32Array,
  cursors: Uint32Array,
  packScale: number,
  next: Int32Array,
  rowDelta: Int32Array,
): void {
  let e = 0;
  for (let i = 0; i < liveCount; i++) {
    const s = live[i]!;
    const end = e + blockRows[s]!;
    next[i] = e;
    rowDelta[i] = cursors[s]! - e;
    for (; e < end; e++) keys[e] = keys[e]! * packScale + i;
  }
}

/** Undoes {@link packBlockKeys} on `keys[0, events)` (exact: `packScale` is a power of two). */
export function unpackBlockKeys(keys: Float64Array, events: number, packScale: number): void {
  for (let e = 0; e < events; e++) keys[e] = Math.floor(keys[e]! / packScale);
}
