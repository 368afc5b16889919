/**
 * The output side of the `'block'` strategy: hands a sorted block out as chunks, views of the block
 * arrays after closing the gaps a grid leaves (no copy). Internal.
 *
 * @module
 */
import { HI, LO, TWO_POW_32 } from '../merge-tuning.js';
import type { ReplayChunk } from '../replay-chunk.js';
import type { BlockStrategy } from './block.js';

/**
 * The next chunk of the current (prepared) block: views of its sorted arrays from `blockPos`, up to
 * `capacity` events or the end of the block. Bar blocks get each event's timestamp written here (the
 * block holds one key per distinct timestamp); blocks in place (`blockInPlace`: ticks, WebAssembly grids) already have them. `forBatches` (the
 * batches of `KWayMerge.next()`): the chunk is the rest of the block, and a bar block's timestamps are
 * written only at the first event of each run, the only ones the batches read (writing all of them costs
 * ~10 % of a bar replay). Sets `chunkRunsStarted` and `chunkRunOpen` (the chunk's last run goes on in the
 * next chunk) on the block.
 */
export function blockChunk(
  block: BlockStrategy,
  chunk: ReplayChunk,
  capacity: number,
  forBatches: boolean,
): ReplayChunk {
  const inPlace = block.blockInPlace;
  if (!block.blockCompacted) compactBlock(block);
  const unionLength = block.blockUnionLength;
  const starts = block.blockStarts;
  const blockEnds = block.blockEnds;
  let u = block.blockBucket;
  const start = block.blockPos;
  const blockEnd = blockEnds[unionLength - 1]!;
  const end = forBatches ? blockEnd : Math.min(start + capacity, blockEnd);
  const continues = start > starts[u]!;
  let runs = 0;
  let ends: Int32Array;
  if (inPlace && start === 0 && end === blockEnd) {
    // A whole block in place (run ends are offsets from 0): its run ends are the chunk's, and its
    // timestamps are written.
    ends = blockEnds;
    runs = unionLength;
    u = unionLength;
    block.chunkRunOpen = false;
  } else {
    if (block.chunkEnds.length < unionLength - u)
      block.chunkEnds = new Int32Array(Math.max(unionLength - u, 256));
    ends = block.chunkEnds;
    runs = chunkRuns(
      starts,
      blockEnds,
      u,
      unionLength,
      start,
      end,
      ends,
      inPlace,
      forBatches,
      block.blockTs32,
      block.blockUnion,
      block.blockHead[0]!,
      block.blockHead[1]!,
    );
    u = chunkRunsOut[0]!;
    block.chunkRunOpen = chunkRunsOut[1] === 1;
  }
  block.blockBucket = u;
  block.blockPos = end;
  const n = end - start;
  block.chunkRunsStarted = continues ? runs - 1 : runs;
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
  chunk.batchEnds = ends.subarray(0, runs);
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
  // Sorted blocks (ticks) and WebAssembly grids are contiguous: every run ends where the next starts.
  if (block.blockInPlace) return;
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
  block.ensureBlockTs(w);
}

/** {@link chunkRuns} outputs: [0] the first run (bucket) not finished by the chunk, [1] 1 when the chunk's last run goes on. */
const chunkRunsOut = new Int32Array(2);

/**
 * The runs of a block chunk of events `[start, end)` from bucket `u`: their ends relative to `start` into
 * `ends` (the last one may go on in the next chunk), and unless the timestamps are in place (`inPlace`) the timestamp
 * `head + union[u]` of each event (with `forBatches`, of each run's first event) into `ts32`. Returns the
 * number of runs; see {@link chunkRunsOut}. A kernel of its own, with typed arrays and numbers only: called
 * once per chunk with a loop over every run (every event, for ticks), inside `blockChunk` the loop
 * deoptimized on every call (measured with `--trace-deopt`: once per chunk).
 */
function chunkRuns(
  starts: Int32Array,
  blockEnds: Int32Array,
  u: number,
  unionLength: number,
  start: number,
  end: number,
  ends: Int32Array,
  inPlace: boolean,
  forBatches: boolean,
  ts32: Int32Array,
  union: Float64Array,
  headHi: number,
  headLo: number,
): number {
  let runs = 0;
  let open = 0;
  while (u < unionLength) {
    const runEnd = blockEnds[u]!;
    const to = runEnd < end ? runEnd : end;
    if (!inPlace) {
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
      const stop = forBatches ? from + 1 : to;
      for (let k = from; k < stop; k++) {
        ts32[2 * k + HI] = hi;
        ts32[2 * k + LO] = lo;
      }
    }
    ends[runs++] = to - start;
    if (runEnd > end) {
      open = 1; // the run goes on in the next chunk
      break;
    }
    u++;
    if (runEnd === end) break;
  }
  chunkRunsOut[0] = u;
  chunkRunsOut[1] = open;
  return runs;
}
