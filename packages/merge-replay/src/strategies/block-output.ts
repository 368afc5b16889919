/**
 * The output side of the `'block'` strategy: hands a sorted block out as batches (views of the block
 * arrays for large batches, copies for small ones) or as chunks (views of the block arrays, after closing
 * the gaps a grid leaves). Internal.
 *
 * @module
 */
import { BLOCK_VIEW_EVENTS, HI, LO, TWO_POW_32 } from '../merge-tuning.js';
import type { ReplayChunk } from '../replay-chunk.js';
import type { BlockStrategy } from './block.js';
import { copyInt32 } from './block-kernels.js';

/**
 * Block step: emits the next bucket (distinct timestamp) of the current block from the sorted
 * arrays and advances the cursors of its streams. Returns the batch length (0 at the end).
 */
export function blockBatch(block: BlockStrategy): number {
  const u = block.blockBucket;
  if (u >= block.blockUnionLength) return 0;
  block.blockBucket = u + 1;
  const start = block.blockStarts[u]!;
  const end = block.blockEnds[u]!;
  const n = end - start;
  const batch = block.state.batch;
  if (n >= BLOCK_VIEW_EVENTS) {
    // Large batches (bars): zero-copy views of the block arrays; one view per array per batch.
    batch.symbolIds = block.blockSym.subarray(start, end);
    batch.rows = block.blockRow.subarray(start, end);
    const columns = batch.columns;
    const f64Names = block.state.f64Names;
    for (let c = 0; c < f64Names.length; c++) columns[f64Names[c]!] = block.blockF64[c]!.subarray(start, end);
    const i64Names = block.state.i64Names;
    for (let c = 0; c < i64Names.length; c++)
      columns[i64Names[c]!] = block.blockI64Big[c]!.subarray(start, end);
    block.state.batchViews = true;
  } else if (n === 1) {
    // Ticks: one event per batch, no loops.
    block.state.ownBatch();
    block.state.outSym[0] = block.blockSym[start]!;
    block.state.outRows[0] = block.blockRow[start]!;
    for (let c = 0; c < block.blockF64.length; c++) block.state.f64Outs[c]![0] = block.blockF64[c]![start]!;
    for (let c = 0; c < block.blockI64.length; c++) {
      block.state.i64Outs32[c]![0] = block.blockI64[c]![2 * start]!;
      block.state.i64Outs32[c]![1] = block.blockI64[c]![2 * start + 1]!;
    }
  } else {
    block.state.ownBatch();
    if (n > block.state.outRows.length) block.state.growBatch(n);
    copyInt32(block.blockSym, start, block.state.outSym, 0, n);
    const rows = block.state.outRows;
    const blockRow = block.blockRow;
    for (let i = 0; i < n; i++) rows[i] = blockRow[start + i]!;
    for (let c = 0; c < block.blockF64.length; c++) {
      const from = block.blockF64[c]!;
      const to = block.state.f64Outs[c]!;
      for (let i = 0; i < n; i++) to[i] = from[start + i]!;
    }
    for (let c = 0; c < block.blockI64.length; c++)
      copyInt32(block.blockI64[c]!, 2 * start, block.state.i64Outs32[c]!, 0, 2 * n);
  }
  // Radix blocks (ticks) from the block's contiguous copy of the timestamps (reading the stream would
  // miss the cache); bars from the block's distinct keys: one BigInt addition per batch.
  batch.timestampNs = block.blockRadix
    ? block.blockTs[start]!
    : block.blockHeadNs + BigInt(block.blockUnion[u]!);
  return n;
}

/**
 * The next chunk of the current (prepared) block: views of its sorted arrays from `blockPos`, up to
 * `chunkEvents` events or the end of the block. Bar blocks get each event's timestamp written here
 * (the block holds one key per distinct timestamp); radix blocks (ticks) already have them.
 */
export function blockChunk(block: BlockStrategy, chunk: ReplayChunk): ReplayChunk {
  if (!block.blockCompacted) compactBlock(block);
  const unionLength = block.blockUnionLength;
  const blockEnds = block.blockEnds;
  let u = block.blockBucket;
  const start = block.blockPos;
  const end = Math.min(start + block.state.chunkEvents, blockEnds[unionLength - 1]!);
  const continues = start > block.blockStarts[u]!;
  const runs = chunkRuns(
    block.blockStarts,
    blockEnds,
    u,
    unionLength,
    start,
    end,
    block.state.chunkEnds,
    block.blockRadix,
    block.blockTs32,
    block.blockUnion,
    block.blockHead[0]!,
    block.blockHead[1]!,
  );
  u = chunkRunsNext[0]!;
  block.blockBucket = u;
  block.blockPos = end;
  const n = end - start;
  const started = continues ? runs - 1 : runs;
  block.chunkRunsStarted = started;
  chunk.length = n;
  chunk.symbolId = block.blockSym.subarray(start, end);
  chunk.row = block.blockRow.subarray(start, end);
  chunk.timestampNs = block.blockTs.subarray(start, end);
  const columns = chunk.columns;
  const f64Names = block.state.f64Names;
  for (let c = 0; c < f64Names.length; c++) columns[f64Names[c]!] = block.blockF64[c]!.subarray(start, end);
  const i64Names = block.state.i64Names;
  for (let c = 0; c < i64Names.length; c++)
    columns[i64Names[c]!] = block.blockI64Big[c]!.subarray(start, end);
  chunk.batchEnds = block.state.chunkEnds.subarray(0, runs);
  chunk.batchCount = runs;
  chunk.continuesBatch = continues;
  return chunk;
}

/**
 * Closes the gaps a grid leaves between runs (streams missing at a timestamp), so the block's events
 * are contiguous and a chunk can be one view; sizes the per-event timestamps of a bar block.
 */
function compactBlock(block: BlockStrategy): void {
  block.blockCompacted = true;
  // Sorted blocks (ticks) are contiguous by construction: every run ends where the next starts.
  if (block.blockRadix) return;
  const unionLength = block.blockUnionLength;
  const starts = block.blockStarts;
  const ends = block.blockEnds;
  let w = 0;
  for (let u = 0; u < unionLength; u++) {
    const s = starts[u]!;
    const e = ends[u]!;
    if (s !== w) {
      block.blockSym.copyWithin(w, s, e);
      block.blockRow.copyWithin(w, s, e);
      for (const a of block.blockF64) a.copyWithin(w, s, e);
      for (const a of block.blockI64) a.copyWithin(2 * w, 2 * s, 2 * e);
      starts[u] = w;
      ends[u] = w + (e - s);
    }
    w += e - s;
  }
  if (block.blockTs.length < w) {
    block.blockTs = new BigInt64Array(Math.max(w, 1024));
    block.blockTs32 = new Int32Array(block.blockTs.buffer);
  }
}

/** {@link chunkRuns} output: [0] the first run (bucket) not finished by the chunk. */
const chunkRunsNext = new Int32Array(1);

/**
 * The runs of a block chunk of events `[start, end)` from bucket `u`: their ends relative to `start` into
 * `ends` (the last one may go on in the next chunk), and for bar blocks (`radix` false) each event's
 * timestamp, `head + union[u]`, into `ts32`. Returns the number of runs; the next bucket goes to
 * `chunkRunsNext[0]`. A kernel of its own, with typed arrays and numbers only: called once per chunk with
 * a loop over every run (every event, for ticks), inside `blockChunk` it deoptimized on every call.
 */
function chunkRuns(
  starts: Int32Array,
  blockEnds: Int32Array,
  u: number,
  unionLength: number,
  start: number,
  end: number,
  ends: Int32Array,
  radix: boolean,
  ts32: Int32Array,
  union: Float64Array,
  headHi: number,
  headLo: number,
): number {
  let runs = 0;
  while (u < unionLength) {
    const runEnd = blockEnds[u]!;
    const to = runEnd < end ? runEnd : end;
    if (!radix) {
      // ts = head + key, as (hi, lo) halves: key < 2^52 splits exactly into 2^32 · q + r.
      const key = union[u]!;
      const q = Math.floor(key / TWO_POW_32);
      let lo = headLo + (key - q * TWO_POW_32);
      let hi = headHi + q;
      if (lo >= TWO_POW_32) {
        lo -= TWO_POW_32;
        hi++;
      }
      const from = starts[u]! > start ? starts[u]! : start;
      for (let k = from; k < to; k++) {
        ts32[2 * k + HI] = hi;
        ts32[2 * k + LO] = lo;
      }
    }
    ends[runs++] = to - start;
    if (runEnd > end) break; // the run goes on in the next chunk
    u++;
    if (runEnd === end) break;
  }
  chunkRunsNext[0] = u;
  return runs;
}
