/**
 * The WebAssembly kernel of bar blocks of the `'block'` strategy (`prepareBlockDirect` in
 * `src/strategies/block.ts`): places a block of bars, at most one row per stream and timestamp, in a
 * (timestamp, stream) grid of `liveCount` slots per timestamp, in stream order, so each timestamp's events
 * come out contiguous and ordered by symbol id without a sort. Four streams at a time fill adjacent slots
 * of each timestamp (one cache line), comparing int64 timestamps directly. The same output as the
 * TypeScript path (`blockGridTile` in `src/strategies/grid-scatter.ts`). Addresses are byte offsets into
 * the module's memory, laid out by `src/strategies/grid-kernel.ts`.
 *
 * @module
 */

/** Timestamp of row `r` of a copied stream at `base`, or `past` (never a block timestamp) at its end `n`. */
// @ts-ignore: decorator
@inline
function tsAt(base: usize, r: i32, n: i32, past: i64): i64 {
  return r < n ? load<i64>(base + (<usize>r << 3)) : past;
}

/**
 * True when row `r` of a copied stream (at `base`, `n` rows) is still inside the block: a timestamp below
 * the head (decreasing) or less than `limit` ns after it. The grid then missed it (a timestamp the block
 * does not have, a repeated or decreasing one).
 */
// @ts-ignore: decorator
@inline
function leftBehind(base: usize, r: i32, n: i32, head: i64, limit: u64): bool {
  if (r >= n) return false;
  const ts = load<i64>(base + (<usize>r << 3));
  return ts < head || <u64>(ts - head) < limit;
}

/**
 * Fills the grid of one bar block. Inputs: per live stream `i`, `copyRows[i]` rows from its cursor
 * `cursorLive[i]`: int64 timestamps at address `tsAddrs[i]`, f64 values at `valueAddrs[i]` (u32 addresses: rows
 * the caller copied in, or the stream's window when the merge reads windows in this memory); `liveIds[i]`
 * its symbol id; `unionOffsets[0, unionLength)` the block's distinct timestamps as f64 offsets (ns) from the head
 * `(headHi, headLo)` (int64 halves), increasing, written to `union` as int64 here; `limit` (ns after `head`) the end of the block; `fill[u]` the first slot of timestamp `u`
 * (`u · liveCount`). Writes `sym` (i32), `row` (u32), `out` (f64) and `tsOut` (i64) of each event at slot
 * `fill[u]++`, and per live stream the rows taken (`taken[i]`). Returns 0, or -1 when some stream has a row in the block
 * that is not one of the block's timestamps, or repeats or decreases: the caller then sorts the block
 * another way.
 */
export function gridBars(
  tsAddrs: usize,
  valueAddrs: usize,
  copyRows: usize,
  liveCount: i32,
  liveIds: usize,
  cursorLive: usize,
  unionOffsets: usize,
  union: usize,
  unionLength: i32,
  headHi: i32,
  headLo: u32,
  limit: f64,
  fill: usize,
  sym: usize,
  row: usize,
  out: usize,
  tsOut: usize,
  taken: usize,
): i32 {
  const head: i64 = (<i64>headHi << 32) | <i64>headLo;
  for (let u: i32 = 0; u < unionLength; u++) {
    store<i64>(union + (<usize>u << 3), head + <i64>(<u64>load<f64>(unionOffsets + (<usize>u << 3))));
  }
  const bound = <u64>limit;
  const tiled = liveCount & ~3;
  for (let i: i32 = 0; i < tiled; i += 4) {
    if (!tile(i, tsAddrs, valueAddrs, copyRows, liveIds, cursorLive, union, unionLength, head, bound, fill, sym, row, out, tsOut, taken)) return -1;
  }
  for (let i: i32 = tiled; i < liveCount; i++) {
    if (!single(i, tsAddrs, valueAddrs, copyRows, liveIds, cursorLive, union, unionLength, head, bound, fill, sym, row, out, tsOut, taken)) return -1;
  }
  return 0;
}

/** {@link gridBars} for live streams `i … i + 3`. */
function tile(
  i: i32,
  tsAddrs: usize,
  valueAddrs: usize,
  copyRows: usize,
  liveIds: usize,
  cursorLive: usize,
  union: usize,
  unionLength: i32,
  head: i64,
  limit: u64,
  fill: usize,
  sym: usize,
  row: usize,
  out: usize,
  tsOut: usize,
  taken: usize,
): bool {
  const past = head - 1;
  const q = <usize>i << 2;
  const b0 = <usize>load<u32>(tsAddrs + q);
  const b1 = <usize>load<u32>(tsAddrs + q + 4);
  const b2 = <usize>load<u32>(tsAddrs + q + 8);
  const b3 = <usize>load<u32>(tsAddrs + q + 12);
  const w0 = <usize>load<u32>(valueAddrs + q);
  const w1 = <usize>load<u32>(valueAddrs + q + 4);
  const w2 = <usize>load<u32>(valueAddrs + q + 8);
  const w3 = <usize>load<u32>(valueAddrs + q + 12);
  const n0 = load<i32>(copyRows + q);
  const n1 = load<i32>(copyRows + q + 4);
  const n2 = load<i32>(copyRows + q + 8);
  const n3 = load<i32>(copyRows + q + 12);
  const s0 = load<i32>(liveIds + q);
  const s1 = load<i32>(liveIds + q + 4);
  const s2 = load<i32>(liveIds + q + 8);
  const s3 = load<i32>(liveIds + q + 12);
  const c0 = load<i32>(cursorLive + q);
  const c1 = load<i32>(cursorLive + q + 4);
  const c2 = load<i32>(cursorLive + q + 8);
  const c3 = load<i32>(cursorLive + q + 12);
  let r0: i32 = 0;
  let r1: i32 = 0;
  let r2: i32 = 0;
  let r3: i32 = 0;
  let k0 = tsAt(b0, 0, n0, past);
  let k1 = tsAt(b1, 0, n1, past);
  let k2 = tsAt(b2, 0, n2, past);
  let k3 = tsAt(b3, 0, n3, past);
  for (let u: i32 = 0; u < unionLength; u++) {
    const key = load<i64>(union + (<usize>u << 3));
    const at = fill + (<usize>u << 2);
    let p = load<i32>(at);
    if (k0 == key) {
      store<i32>(sym + (<usize>p << 2), s0);
      store<i32>(row + (<usize>p << 2), c0 + r0);
      store<f64>(out + (<usize>p << 3), load<f64>(w0 + (<usize>r0 << 3)));
      store<i64>(tsOut + (<usize>p << 3), key);
      p++;
      r0++;
      k0 = tsAt(b0, r0, n0, past);
    }
    if (k1 == key) {
      store<i32>(sym + (<usize>p << 2), s1);
      store<i32>(row + (<usize>p << 2), c1 + r1);
      store<f64>(out + (<usize>p << 3), load<f64>(w1 + (<usize>r1 << 3)));
      store<i64>(tsOut + (<usize>p << 3), key);
      p++;
      r1++;
      k1 = tsAt(b1, r1, n1, past);
    }
    if (k2 == key) {
      store<i32>(sym + (<usize>p << 2), s2);
      store<i32>(row + (<usize>p << 2), c2 + r2);
      store<f64>(out + (<usize>p << 3), load<f64>(w2 + (<usize>r2 << 3)));
      store<i64>(tsOut + (<usize>p << 3), key);
      p++;
      r2++;
      k2 = tsAt(b2, r2, n2, past);
    }
    if (k3 == key) {
      store<i32>(sym + (<usize>p << 2), s3);
      store<i32>(row + (<usize>p << 2), c3 + r3);
      store<f64>(out + (<usize>p << 3), load<f64>(w3 + (<usize>r3 << 3)));
      store<i64>(tsOut + (<usize>p << 3), key);
      p++;
      r3++;
      k3 = tsAt(b3, r3, n3, past);
    }
    store<i32>(at, p);
  }
  if (
    leftBehind(b0, r0, n0, head, limit) ||
    leftBehind(b1, r1, n1, head, limit) ||
    leftBehind(b2, r2, n2, head, limit) ||
    leftBehind(b3, r3, n3, head, limit)
  ) {
    return false;
  }
  store<i32>(taken + q, r0);
  store<i32>(taken + q + 4, r1);
  store<i32>(taken + q + 8, r2);
  store<i32>(taken + q + 12, r3);
  return true;
}

/** {@link gridBars} for the one live stream `i` (the last streams, fewer than a tile). */
function single(
  i: i32,
  tsAddrs: usize,
  valueAddrs: usize,
  copyRows: usize,
  liveIds: usize,
  cursorLive: usize,
  union: usize,
  unionLength: i32,
  head: i64,
  limit: u64,
  fill: usize,
  sym: usize,
  row: usize,
  out: usize,
  tsOut: usize,
  taken: usize,
): bool {
  const past = head - 1;
  const q = <usize>i << 2;
  const b = <usize>load<u32>(tsAddrs + q);
  const w = <usize>load<u32>(valueAddrs + q);
  const n = load<i32>(copyRows + q);
  const s = load<i32>(liveIds + q);
  const c = load<i32>(cursorLive + q);
  let r: i32 = 0;
  let k = tsAt(b, 0, n, past);
  for (let u: i32 = 0; u < unionLength; u++) {
    if (k != load<i64>(union + (<usize>u << 3))) continue;
    const at = fill + (<usize>u << 2);
    const p = load<i32>(at);
    store<i32>(at, p + 1);
    store<i32>(sym + (<usize>p << 2), s);
    store<i32>(row + (<usize>p << 2), c + r);
    store<f64>(out + (<usize>p << 3), load<f64>(w + (<usize>r << 3)));
    store<i64>(tsOut + (<usize>p << 3), k);
    r++;
    k = tsAt(b, r, n, past);
  }
  if (leftBehind(b, r, n, head, limit)) return false;
  store<i32>(taken + q, r);
  return true;
}
