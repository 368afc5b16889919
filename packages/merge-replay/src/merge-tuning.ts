/**
 * The measured thresholds and sizes of {@link KWayMerge}'s strategies (each with the measurement that chose
 * it) and the int64 word order. Internal: the package exports none of them.
 *
 * @module
 */

/**
 * Default target events per block of the `'block'` strategy: 262,144 events. Working memory is ~46 bytes
 * per event with one gathered f64 column (key 8, slot 4, staged column 8, then symbol id 4, row 4 and
 * column 8 in a grid ~5 % larger than the events for bars, and a quarter of the union arrays), 11.5 MiB.
 * Longer blocks read longer sequential runs of each stream (the hardware
 * prefetcher needs runs of several cache lines: at 3,000 streams a 65,536-event block reads 21 rows =
 * 168 bytes per stream). Measured in-memory on 3,000 bar streams x 2,000 rows with a gathered column
 * (CPU time, loaded 2-core machine): 16,384 → 8 M events/s, 65,536 → 8–9, 262,144 → 14–15,
 * 1,048,576 → 15 (4× the memory for +3 %). Again with the grid and the single read of each stream
 * (best of 9, CPU time, loaded): 131,072 → 14, 262,144 → 17, 524,288 → 18, 1,048,576 → 17.
 */
export const DEFAULT_BLOCK_EVENTS = 262_144;

/**
 * Mean events per batch a block must reach to be sorted as a block (else it falls back): 4. Below
 * that the distinct timestamps are nearly as many as the events and the tree is faster.
 */
export const BLOCK_MIN_EVENTS_PER_BATCH = 4;

/** Mean events per batch at or above which `'auto'` uses blocks: 8 (twice the fallback bound: hysteresis). */
export const BLOCK_AT_EVENTS_PER_BATCH = 8;

/**
 * Digit width of the radix sort of sparse blocks: 16 bits (65,536 counters, 256 KiB, in L2), so a block
 * of irregular ticks spanning up to 2^48 ns sorts in 3 passes. Measured in-memory on 1,000 tick streams
 * (packages/merge-replay/bench/merge.mjs, loaded 2-core machine): 8 bits 2.8 M events/s, 11 bits 2.8,
 * 16 bits 3.8 (tree 2.7–3.1 in the same runs).
 */
export const RADIX_BITS = 16;

/**
 * Largest bucket of the bucket sorts of a sparse block (`bucketSortPacked` and the
 * WebAssembly kernel's `sortEmit`: top 16 bits of the key range, then insertion sort per bucket): 64 events. Irregular ticks put a few events in each of the
 * 65,536 buckets (a 262,144-event block: 4 on average); a bucket above 64 means clustered keys, where
 * insertion sort turns quadratic, and the block takes the LSD radix sort instead. Measured in-memory on
 * 3,000 tick streams × 2,000 rows (CPU time, loaded 2-core machine): see bench/results/replay-chunks.md.
 */
export const BUCKET_SORT_MAX_EVENTS = 64;

/**
 * Live streams below which `'auto'` emits a sparse block (ticks) through the tree or buckets instead of
 * radix-sorting it: with few streams the loser tree's `log2 N` comparisons per event cost less than the
 * radix sort's passes.
 */
export const BLOCK_RADIX_MIN_STREAMS = 8;

/**
 * Live streams from which `'auto'` uses blocks even for irregular ticks (sorted blocks): 256. Measured
 * in memory with the chunk API after the WebAssembly kernel (seeded ticks, mean gap 1 s, × 2,000 rows,
 * consumer reads ts and close, CPU time, best of 5, quiet 2-core machine; tree vs forced block, M events/s):
 * 100 streams 7.9 vs 7.3, 150: 7.5 vs 5.7, 200: 6.8 vs 7.1, 300: 6.8 vs 10.4, 1,000: 5.8 vs 14.0. (Before the
 * kernel the crossover was above 500 streams: 1,000 streams 2.51 vs 3.47 with the batch API.)
 */
export const BLOCK_AT_STREAMS = 256;

/**
 * Batches (runs of a chunk) of at least this many events are handed out by `KWayMerge.next()` as zero-copy
 * `subarray` views of the chunk's arrays (one view per array per batch; for the `'block'` strategy those
 * are the block arrays); smaller ones (ticks) are copied element by element into the batch's own arrays,
 * because a view costs more than copying a few elements.
 */
export const BATCH_VIEW_EVENTS = 32;

/**
 * A block of bars whose distinct timestamps × live streams is at most this many times its event
 * capacity is scattered into a grid (one slot per stream per timestamp, so no counting pass); else it
 * is counting-sorted. Bars fill the grid to ~95 %.
 */
export const BLOCK_GRID_SLACK = 2;
/** Streams whose timestamps make the probed union of the one-pass bar grid (see `prepareBlockDirect`). */
export const BLOCK_DIRECT_PROBE_STREAMS = 16;

/** Keys of a block are offsets from its first timestamp as doubles: exact below 2^52 ns (52 days). */
export const BLOCK_MAX_SPAN = 2 ** 52;
/** 2^32: the weight of the high Int32 half when an int64 offset is rebuilt as a double. */
export const TWO_POW_32 = 2 ** 32;

/**
 * Default rows staged per stream: 64 rows = 512 bytes of a column, so the staged heads of 8 streams
 * share a 4 KiB page and a 3,000-stream batch touches ~375 staging pages per column instead of one
 * page per stream of every mapped column (TLB misses), while one `TypedArray.set` per 64 rows keeps the
 * copy overhead small. Measured with bench/suites/replay.mjs (`REPLAY_STAGE_ROWS`, bench/README.md):
 * 32–128 rows are within noise of each other on 3,000 bar streams, 1,024 rows is slower.
 */
export const DEFAULT_STAGE_ROWS = 64;

/**
 * Default rows per window of `KWayMergeOptions.readRows`: 4,096 rows, 32 KiB of each 8-byte column per
 * stream (2,000 streams × 2 columns: 125 MiB). Each window fill is one read per column; a block reads
 * ~k + 1 rows of each stream (131 at 2,000 streams), so a window is refilled every ~30 blocks.
 */
export const DEFAULT_WINDOW_ROWS = 4096;

/**
 * Batches between two decisions of the `'auto'` strategy: 256 batches are at least 256 events, so the
 * O(N) rebuild on a switch costs at most N / 256 per event, and with the 2 / 4 events-per-batch
 * hysteresis a switch needs a real change in the data.
 */
export const ADAPT_WINDOW_BATCHES = 256;
/** Mean events per batch at or above which `'auto'` uses buckets (measured crossover ≈ 2–3, bench/merge.mjs). */
export const BUCKETS_AT_EVENTS_PER_BATCH = 4;
/** Mean events per batch below which `'auto'` goes back to the tree. */
export const TREE_BELOW_EVENTS_PER_BATCH = 2;

/** Largest row index representable in `ReplayBatch.rows` (a Uint32Array). */
export const MAX_STREAM_ROWS = 0xffffffff;

/** True on a little-endian host (the int32 halves of an int64, and WebAssembly memory's byte order). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Int32 index of the high half of int64 element `i` is `2 * i + HI` (platform byte order). */
export const HI = LITTLE_ENDIAN ? 1 : 0;
/** Int32 index of the low half of int64 element `i` is `2 * i + LO`. */
export const LO = LITTLE_ENDIAN ? 0 : 1;

/**
 * Default events per chunk of `KWayMerge.nextChunk` (`chunkEvents`): 262,144 events, the default block
 * ({@link DEFAULT_BLOCK_EVENTS}), so a block of the `'block'` strategy (whose chunks are views of the
 * block arrays, ending at a block boundary) is handed out as one chunk whose run ends are the block's, with
 * no per-chunk copy of them (one run per event for ticks). The tree and buckets fill chunk arrays of this
 * capacity: 6 MiB with one f64 column. Measured in memory on 3,000 streams × 2,000 rows (seed 42), the
 * consumer reading ts and close of every event, 12 in-process alternations, median M events/s: ticks
 * 16,384 → 22.9, 65,536 → 22.8, 262,144 → 26.9 (and 26.8 against 65,536); bars 16,384 → 64.4, 262,144 →
 * 68.7; from a segment file with verified reads (`replayChunks`, median wall time of 16): ticks 418.9 →
 * 362.1 ms, bars equal (200.8 against 205.0). (16,384 was the default while the merge was 3× slower and
 * the chunk copy a small part of it: then 16,384 and above were within noise.) A replay that prefetches
 * through the mapping uses {@link PREFETCH_CHUNK_EVENTS} instead.
 */
export const DEFAULT_CHUNK_EVENTS = DEFAULT_BLOCK_EVENTS;

/**
 * Default `chunkEvents` of a replay whose prefetcher advises the mapping (a replay larger than the memory
 * budget without window reads): 16,384, the smallest prefetch window (`@mmtape/prefetch`
 * `defaultAheadRows`), so that between two polls of the cursors (one per chunk) no stream moves past its
 * window.
 */
export const PREFETCH_CHUNK_EVENTS = 16_384;
