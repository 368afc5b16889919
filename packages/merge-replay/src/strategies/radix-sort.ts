/**
 * The TypeScript sorts of sparse blocks (irregular ticks) of {@link KWayMerge}'s `'block'` strategy: the
 * bucket sort of packed `(offset, stream)` keys (`bucketSortPacked`, the path without WebAssembly), and the
 * stable LSD radix sort of the integer offsets (split in two 32-bit halves) that both paths fall back to
 * when keys cluster or do not pack. Internal.
 *
 * @module
 */

import { RADIX_BITS, TWO_POW_32 } from '../merge-tuning.js';
/**
 * Splits the block's keys (exact integers < 2^52 in doubles) into 32-bit halves, sets `idx[e] = e`,
 * stores in `bitsOut[0]` the trailing zero bits every key shares, and returns the number of significant
 * bits of the largest key.
 */
export function radixSplit(
  keys: Float64Array,
  events: number,
  lo: Uint32Array,
  hi: Uint32Array,
  idx: Int32Array,
  bitsOut: Int32Array,
): number {
  let orLo = 0;
  let orHi = 0;
  for (let e = 0; e < events; e++) {
    const key = keys[e]!;
    const h = Math.floor(key / TWO_POW_32);
    const l = key - h * TWO_POW_32;
    lo[e] = l;
    hi[e] = h;
    idx[e] = e;
    orLo |= l;
    orHi |= h;
  }
  if (orLo !== 0) bitsOut[0] = 31 - Math.clz32(orLo & -orLo);
  else if (orHi !== 0) bitsOut[0] = 32 + 31 - Math.clz32(orHi & -orHi);
  else bitsOut[0] = 0;
  return orHi !== 0 ? 64 - Math.clz32(orHi) : 32 - Math.clz32(orLo);
}

/**
 * One stable counting pass of the LSD radix sort on the {@link RADIX_BITS}-bit digit at bit `shift` of the 64-bit key
 * `(hi, lo)`: from (lo, hi, idx) into (lo2, hi2, idx2). Returns false (and moves nothing) when every key
 * has the same digit.
 */
export function radixPass(
  events: number,
  shift: number,
  lo: Uint32Array,
  hi: Uint32Array,
  idx: Int32Array,
  lo2: Uint32Array,
  hi2: Uint32Array,
  idx2: Int32Array,
  counts: Int32Array,
): boolean {
  const mask = (1 << RADIX_BITS) - 1;
  counts.fill(0);
  if (shift >= 32) {
    const s = shift - 32;
    for (let e = 0; e < events; e++) counts[(hi[e]! >>> s) & mask]!++;
  } else if (shift === 0) {
    for (let e = 0; e < events; e++) counts[lo[e]! & mask]!++;
  } else {
    const back = 32 - shift;
    for (let e = 0; e < events; e++) counts[((lo[e]! >>> shift) | (hi[e]! << back)) & mask]!++;
  }
  let total = 0;
  for (let d = 0; d <= mask; d++) {
    const c = counts[d]!;
    if (c === events) return false;
    counts[d] = total;
    total += c;
  }
  const back = 32 - shift;
  for (let e = 0; e < events; e++) {
    const l = lo[e]!;
    const h = hi[e]!;
    const d = (shift >= 32 ? h >>> (shift - 32) : shift === 0 ? l : (l >>> shift) | (h << back)) & mask;
    const p = counts[d]!++;
    lo2[p] = l;
    hi2[p] = h;
    idx2[p] = idx[e]!;
  }
  return true;
}

/**
 * After the radix sort: the sorted position of every event into `slot` (indexed by stream-major event)
 * and the start of every run of equal keys into `starts` (plus the end). Returns the number of runs.
 */
export function radixRuns(
  events: number,
  lo: Uint32Array,
  hi: Uint32Array,
  idx: Int32Array,
  slot: Int32Array,
  starts: Int32Array,
): number {
  let runs = 0;
  let prevLo = -1;
  let prevHi = -1;
  for (let p = 0; p < events; p++) {
    const l = lo[p]!;
    const h = hi[p]!;
    if (l !== prevLo || h !== prevHi) {
      starts[runs++] = p;
      prevLo = l;
      prevHi = h;
    }
    slot[idx[p]!] = p;
  }
  starts[runs] = events;
  return runs;
}

/**
 * Bucket sort of a sparse block's packed keys `pack · P + i` (`pack` the ns offset from the block head,
 * `i` the stream's index among the block's live streams, `P` a power of two above every `i`; exact
 * integers below 2^53 in doubles, `maxKey` the largest): the stream travels inside the key, so only the
 * keys move. One counting pass on
 * the top {@link RADIX_BITS} bits of the key range, a scatter into `sortedKeys`, then an insertion sort of
 * each bucket. Equal packed keys are rows of one stream at one timestamp: interchangeable, the emit pass
 * numbers a stream's rows in output order. Returns false (and `sortedKeys` is garbage) when some bucket
 * holds more than `maxBucket` keys (clustered keys: the caller sorts another way).
 */
export function bucketSortPacked(
  keys: Float64Array,
  events: number,
  maxKey: number,
  maxBucket: number,
  counts: Int32Array,
  sortedKeys: Float64Array,
): boolean {
  const bits = maxKey < 1 ? 0 : Math.floor(Math.log2(maxKey)) + 1;
  const shift = bits > RADIX_BITS ? bits - RADIX_BITS : 0;
  const scale = 2 ** -shift;
  const buckets = counts.length;
  counts.fill(0);
  for (let e = 0; e < events; e++) {
    const d = Math.floor(keys[e]! * scale);
    if (d >= buckets) return false;
    counts[d]!++;
  }
  let total = 0;
  for (let d = 0; d < buckets; d++) {
    const c = counts[d]!;
    if (c > maxBucket) return false;
    counts[d] = total;
    total += c;
  }
  for (let e = 0; e < events; e++) {
    const key = keys[e]!;
    sortedKeys[counts[Math.floor(key * scale)]!++] = key;
  }
  let start = 0;
  for (let d = 0; d < buckets; d++) {
    const end = counts[d]!;
    for (let i = start + 1; i < end; i++) {
      const key = sortedKeys[i]!;
      if (!(key < sortedKeys[i - 1]!)) continue;
      let j = i - 1;
      while (j >= start && sortedKeys[j]! > key) {
        sortedKeys[j + 1] = sortedKeys[j]!;
        j--;
      }
      sortedKeys[j + 1] = key;
    }
    start = end;
  }
  return true;
}
