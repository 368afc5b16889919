/**
 * The WebAssembly kernel of sparse blocks (irregular ticks) of the `'block'` strategy: packs each event's
 * timestamp offset and live-stream index into one u64 key, sorts the keys (counting pass on the top 16
 * bits, scatter, insertion sort), and emits the block in output order. The same algorithm as the
 * TypeScript path of `src/strategies/sparse-sort.ts` (`sortPacked`), with integer keys, and the same output.
 * Addresses are byte offsets into the module's memory, laid out by `src/strategies/sparse-kernel.ts`.
 *
 * @module
 */

/** Digit width of the counting pass: 16 bits (65,536 counters + 1, 256 KiB). */
const DIGIT_BITS: i32 = 16;
const BUCKETS: i32 = 1 << DIGIT_BITS;

/**
 * Packs a sparse block's keys from f64 offsets: `keys` (ns offsets from the block head, exact integers,
 * stream-major: the `rowsLive[i]` rows of live stream `i` in turn) into `packed` as `(offset << idBits) | i`,
 * and sets per live stream its first stream-major index (`next`) and cursor row minus it (`delta`, from
 * `cursorLive`). Returns the largest packed key's bit length, or -2 when an offset does not fit 64 bits
 * with the stream index.
 */
export function packKeys(
  keys: usize,
  liveCount: i32,
  rowsLive: usize,
  cursorLive: usize,
  next: usize,
  delta: usize,
  idBits: i32,
  packed: usize,
): i32 {
  let e: i32 = 0;
  let maxOffset: u64 = 0;
  const id = <u64>idBits;
  for (let i: i32 = 0; i < liveCount; i++) {
    const end = e + load<i32>(rowsLive + (<usize>i << 2));
    store<i32>(next + (<usize>i << 2), e);
    store<i32>(delta + (<usize>i << 2), load<i32>(cursorLive + (<usize>i << 2)) - e);
    for (; e < end; e++) {
      const offset = <u64>load<f64>(keys + (<usize>e << 3));
      if (offset > maxOffset) maxOffset = offset;
      store<u64>(packed + (<usize>e << 3), (offset << id) | <u64>i);
    }
  }
  if ((maxOffset >> (<u64>64 - id)) != 0) return -2;
  return bitLength(((maxOffset << id) | ((<u64>1 << id) - 1)));
}

/**
 * Collects a sparse block straight from the streams' copied rows: `copied` holds, stream after stream,
 * `copyRows[i]` int64 timestamps of live stream `i` from its cursor `cursorLive[i]`. Takes each stream's rows
 * below `limit` (ns after the head `(headHi, headLo)`), packs them into `packed` as `(offset << idBits) | i`
 * (compact), and sets `rowsLive[i]` (rows taken), `next[i]` (the stream's first index in `copied`, where
 * its staged columns are too) and `delta[i]` (cursor row minus it). Returns the number of events, or -3
 * when a stream's timestamps decrease (its live index to `fault[0]`, the row offset from its cursor to
 * `fault[1]`), or -2 when an offset does not fit 64 bits with the stream index. The largest packed key's
 * bit length goes to `fault[2]`.
 */
export function collectSparse(
  copied: usize,
  copyRows: usize,
  liveCount: i32,
  cursorLive: usize,
  headHi: i32,
  headLo: u32,
  limit: f64,
  idBits: i32,
  rowsLive: usize,
  next: usize,
  delta: usize,
  packed: usize,
  fault: usize,
): i32 {
  const head: i64 = (<i64>headHi << 32) | <i64>headLo;
  const bound = <u64>limit;
  const id = <u64>idBits;
  const room: u64 = <u64>64 - id;
  let at: i32 = 0;
  let events: i32 = 0;
  let maxOffset: u64 = 0;
  for (let i: i32 = 0; i < liveCount; i++) {
    const n = load<i32>(copyRows + (<usize>i << 2));
    const base = copied + (<usize>at << 3);
    // Timestamps compare as signed int64; once a row is known to be >= the head, its offset is exact as
    // an unsigned difference (no overflow whatever the span).
    let previous: i64 = head;
    let offset: u64 = 0;
    let r: i32 = 0;
    for (; r < n; r++) {
      const ts = load<i64>(base + (<usize>r << 3));
      if (ts < previous) {
        store<i32>(fault, i);
        store<i32>(fault + 4, r);
        return -3;
      }
      const o = <u64>ts - <u64>head;
      if (o >= bound) break;
      previous = ts;
      offset = o;
      store<u64>(packed + (<usize>(events + r) << 3), (o << id) | <u64>i);
    }
    if (offset > maxOffset) maxOffset = offset;
    store<i32>(rowsLive + (<usize>i << 2), r);
    store<i32>(next + (<usize>i << 2), at);
    store<i32>(delta + (<usize>i << 2), load<i32>(cursorLive + (<usize>i << 2)) - at);
    events += r;
    at += n;
  }
  if ((maxOffset >> room) != 0) return -2;
  store<i32>(fault + 8, bitLength((maxOffset << id) | ((<u64>1 << id) - 1)));
  return events;
}

/** Bits needed for `x` (0 for 0). */
function bitLength(x: u64): i32 {
  return x == 0 ? 0 : 64 - <i32>clz<u64>(x);
}

/**
 * Sorts `events` packed keys (`bits` the largest one's bit length) and emits the block: a counting pass on
 * the top 16 bits, a scatter into `sorted`, an insertion sort (keys are out of order only inside a
 * bucket). Then per event in (timestamp, symbol id, row) order: `sym` (i32, `liveIds[i]`), `row` (u32),
 * `ts` (i64, head + offset), `gather` (i32: the index of the event's staged values, numbered from
 * `next[i]`, which this advances), and `starts` (i32: start of each run of equal timestamps, then
 * `events`). Equal keys are rows of one stream at one timestamp, numbered in row order here. Returns the
 * number of runs, or -1 when a bucket holds more than `maxBucket` keys (clustered keys: insertion sort
 * would be quadratic).
 */
export function sortEmit(
  packed: usize,
  events: i32,
  bits: i32,
  idBits: i32,
  liveIds: usize,
  next: usize,
  delta: usize,
  headHi: i32,
  headLo: u32,
  sorted: usize,
  counts: usize,
  maxBucket: i32,
  sym: usize,
  row: usize,
  ts: usize,
  gather: usize,
  starts: usize,
): i32 {
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
  const id = <u64>idBits;
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
