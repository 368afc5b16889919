/**
 * `@mmtape/columnar-format/pack`: compressed, chunked cold copies of dataset folders (`packDataset`),
 * byte-identical restoration (`hydrateDataset`, SHA-256 verified), and chunk-wise reading of a packed
 * copy for replay (`openPackedDataset`). OHLC(V) columns are stored as one `bar` frame per chunk
 * (pack format 2, 3 with segment files; `bars: false` for per-column frames). Layout in `pack-format.ts` and the package README.
 *
 * @example
 * ```ts
 * import { hydrateDataset, openPackedDataset, packDataset } from '@mmtape/columnar-format/pack';
 *
 * const { ratio } = await packDataset('data/us1m', 'cold/us1m', { chunkRows: 65_536 });
 * const packed = openPackedDataset('cold/us1m');
 * const chunk = await packed.open('AAPL').readChunk(0, ['ts', 'close']);
 * await hydrateDataset('cold/us1m', 'data/us1m-restored');
 * ```
 *
 * @module
 */
export {
  type HydrateDatasetOptions,
  type HydrateReport,
  hydrateDataset,
} from './hydrate-dataset.js';
export {
  BAR_COLUMN_NAMES,
  barGroupOf,
  DEFAULT_CHUNK_ROWS,
  type PackDatasetOptions,
  type PackReport,
  packDataset,
} from './pack-dataset.js';
export { isPackError, PackError, type PackErrorCode } from './pack-errors.js';
export {
  PACK_FORMAT,
  PACK_FORMAT_VERSION,
  PACK_INDEX_FILE,
  PACK_INDEX_MAX_BYTES,
  type PackedColumnEntry,
  type PackedFileEntry,
  type PackedFrameRef,
  type PackedOtherEntry,
  type PackedSegmentEntry,
  type PackIndex,
} from './pack-format.js';
export { isMmtapeDatasetDir, isMmtapePackDir } from './pack-output.js';
export { unsafePathReason } from './pack-paths.js';
export { openPackedDataset, type PackedChunk, PackedColumnFile, PackedDataset } from './packed-dataset.js';
export { type PackProblem, type PackVerifyReport, verifyPackedDataset } from './verify-packed-dataset.js';
