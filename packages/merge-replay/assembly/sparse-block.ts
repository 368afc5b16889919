/**
 * The WebAssembly kernel of sparse blocks (irregular ticks) of the `'block'` strategy: packs each event's
 * timestamp offset and live-stream index into one u64 key, sorts the keys (counting pass on the top 16
 * bits, scatter, insertion sort), and emits the block in output order. The same algorithm as the
 * TypeScript path of `src/strategies/block.ts` (`sortPackedBlock`), with integer keys, and the same output.
 * Addresses are byte offsets into the module's memory, laid out by `src/strategies/sparse-kernel.ts`.
 *
 * @module
 */

/** Digit width of the counting pass: 16 bits (65,536 counters + 1, 256 KiB). */
const DIGIT_BITS: i32 = 16;
const BUCKETS: i32 = 1 << DIGIT_BITS;

/**
 * Sorts and emits one sparse block. Inputs: `keys` (f64 ns offsets from the block head, exact integers,
 * stream-major: the `rowsLive[i]` rows of live stream `i` in turn), `liveIds[i]` (symbol id) and
 * `cursorLive[i]` (first row) of each of the `liveCount` live streams, `idBits` with `2^idBits > liveCount`,
 * the head timestamp as int32 halves. Scratch: `next`, `delta` (i32 per live stream), `packed`, `sorted`
 * (u64 per event), `counts` (u32 × 65,537). Outputs per event in (timestamp, symbol id, row) order: `sym`
 * (i32), `row` (u32), `ts` (i64), `gather` (i32: the stream-major index of the event's staged values),
 * and `starts` (i32: start of each run of equal timestamps, then `events`).
 *
 * Returns the number of runs; -1 when a bucket of the counting pass holds more than `maxBucket` events
 * (clustered keys: insertion sort would be quadratic); -2 when a key does not fit 64 bits with the stream
 * index. Outputs are unspecified after a negative return.
 */
export function sortSparse(
  keys: usize,
  events: i32,
  liveCount: i32,
  rowsLive: usize,
  cursorLive: usize,
  liveIds: usize,
  next: usize,
  delta: usize,
  idBits: i32,
  headHi: i32,
  headLo: u32,
  packed: usize,
  sorted: usize,
  counts: usize,
  maxBucket: i32,
  sym: usize,
  row: usize,
  ts: usize,
  gather: usize,
  starts: usize,
): i32 {
  // Pack: (offset << idBits) | live index; a stream's rows keep their stream-major index in next/delta.
  let e: i32 = 0;
  let maxOffset: u64 = 0;
  let maxKey: u64 = 0;
  const id = <u64>idBits;
  for (let i: i32 = 0; i < liveCount; i++) {
    const end = e + load<i32>(rowsLive + (<usize>i << 2));
    store<i32>(next + (<usize>i << 2), e);
    store<i32>(delta + (<usize>i << 2), load<i32>(cursorLive + (<usize>i << 2)) - e);
    for (; e < end; e++) {
      const offset = <u64>load<f64>(keys + (<usize>e << 3));
      if (offset > maxOffset) maxOffset = offset;
      const key = (offset << id) | <u64>i;
      if (key > maxKey) maxKey = key;
      store<u64>(packed + (<usize>e << 3), key);
    }
  }
  if (idBits >= 64 || (maxOffset >> (<u64>64 - id)) != 0) return -2;
  // Counting pass on the top DIGIT_BITS bits of the key range.
  const bits: i32 = maxKey == 0 ? 0 : 64 - <i32>clz<u64>(maxKey);
  const shift = <u64>(bits > DIGIT_BITS ? bits - DIGIT_BITS : 0);
  memory.fill(counts, 0, <usize>(BUCKETS + 1) << 2);
  for (let k: i32 = 0; k < events; k++) {
    const at = counts + ((<usize>(load<u64>(packed + (<usize>k << 3)) >> shift) + 1) << 2);
    store<u32>(at, load<u32>(at) + 1);
  }
  for (let d: i32 = 0; d < BUCKETS; d++) {
    const at = counts + ((<usize>d + 1) << 2);
    const c = load<u32>(at);
    if (<i32>c > maxBucket) return -1;
    store<u32>(at, c + load<u32>(counts + (<usize>d << 2)));
  }
  for (let k: i32 = 0; k < events; k++) {
    const key = load<u64>(packed + (<usize>k << 3));
    const at = counts + (<usize>(key >> shift) << 2);
    const p = load<u32>(at);
    store<u32>(at, p + 1);
    store<u64>(sorted + (<usize>p << 3), key);
  }
  // Insertion sort: keys are out of order only inside a bucket (at most maxBucket of them).
  for (let k: i32 = 1; k < events; k++) {
    const key = load<u64>(sorted + (<usize>k << 3));
    let j = k;
    while (j > 0) {
      const before = load<u64>(sorted + (<usize>(j - 1) << 3));
      if (before <= key) break;
      store<u64>(sorted + (<usize>j << 3), before);
      j--;
    }
    store<u64>(sorted + (<usize>j << 3), key);
  }
  // Emit: equal keys are rows of one stream at one timestamp, numbered in row order here.
  const mask: u64 = (<u64>1 << id) - 1;
  const head: i64 = (<i64>headHi << 32) | <i64>headLo;
  let runs: i32 = 0;
  let previous: u64 = <u64>-1;
  let timestamp: i64 = 0;
  for (let p: i32 = 0; p < events; p++) {
    const key = load<u64>(sorted + (<usize>p << 3));
    const offset = key >> id;
    const i = <usize>(key & mask);
    if (offset != previous) {
      store<i32>(starts + (<usize>runs << 2), p);
      runs++;
      previous = offset;
      timestamp = head + <i64>offset;
    }
    const at = next + (i << 2);
    const s = load<i32>(at);
    store<i32>(at, s + 1);
    store<i32>(sym + (<usize>p << 2), load<i32>(liveIds + (i << 2)));
    store<u32>(row + (<usize>p << 2), <u32>(s + load<i32>(delta + (i << 2))));
    store<i32>(gather + (<usize>p << 2), s);
    store<i64>(ts + (<usize>p << 3), timestamp);
  }
  store<i32>(starts + (<usize>runs << 2), events);
  return runs;
}

/** `out[p] = stage[gather[p]]` for `events` f64 values (a gathered column into output order). */
export function gatherF64(events: i32, gather: usize, stage: usize, out: usize): void {
  for (let p: i32 = 0; p < events; p++) {
    const e = <usize>load<i32>(gather + (<usize>p << 2));
    store<f64>(out + (<usize>p << 3), load<f64>(stage + (e << 3)));
  }
}

/** As {@link gatherF64} for 64-bit integers. */
export function gatherI64(events: i32, gather: usize, stage: usize, out: usize): void {
  for (let p: i32 = 0; p < events; p++) {
    const e = <usize>load<i32>(gather + (<usize>p << 2));
    store<i64>(out + (<usize>p << 3), load<i64>(stage + (e << 3)));
  }
}
