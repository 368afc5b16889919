/**
 * `@mmtape/merge-replay`: replays many time-sorted streams in one global timestamp order.
 *
 * - {@link KWayMerge}: loser-tree k-way merge over `BigInt64Array` timestamp streams, one reused
 *   {@link ReplayBatch} per distinct timestamp, ties ordered by stream index (symbol id).
 * - {@link replayDataset}: the same over a columnar dataset, with zero-copy column access and madvise
 *   prefetching.
 *
 * ```ts
 * import { KWayMerge } from '@mmtape/merge-replay';
 *
 * const merge = new KWayMerge([new BigInt64Array([1n, 3n]), new BigInt64Array([1n, 2n])]);
 * for (const batch of merge) {
 *   // batch 1n: symbols [0, 1] rows [0, 0]; batch 2n: [1] [1]; batch 3n: [0] [1]
 *   console.log(batch.timestampNs, batch.symbolIds.slice(0, batch.length), batch.rows.slice(0, batch.length));
 * }
 * ```
 *
 * @module
 */
export type { MergeReplayErrorCode, MergeReplayErrorUnion } from './errors.js';
export {
  InvalidReplayOptionError,
  isMergeReplayError,
  isMmtapeError,
  MergeReplayError,
  MissingColumnError,
  StreamArrayChangedError,
  UnknownSymbolError,
  UnsortedStreamError,
  UnsupportedColumnDtypeError,
} from './errors.js';
export type { KWayMergeOptions, MergeStats, MergeStrategy, ReplayAsyncOptions } from './k-way-merge.js';
export { KWayMerge } from './k-way-merge.js';
export type { MergeKernel, RowReader } from './merge-state.js';
export type { ReplayBatch } from './replay-batch.js';
export type { ReplayChunk } from './replay-chunk.js';
export type {
  ReplayChunkAsyncIterator,
  ReplayChunkAsyncOptions,
  ReplayChunkIterator,
  ReplayChunkOptions,
} from './replay-chunks.js';
export { replayChunks, replayChunksAsync } from './replay-chunks.js';
export { replayDataset } from './replay-dataset.js';
export type {
  ReplayColumnData,
  ReplayColumnFile,
  ReplayContext,
  ReplayDatasetSource,
  ReplayOptions,
  ReplayPrefetchOptions,
  ReplayStats,
} from './replay-options.js';
export { AUTO_PREFETCH_MIN_BYTES } from './replay-options.js';
