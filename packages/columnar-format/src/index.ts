/**
 * `@mmtape/columnar-format`: the mmtape binary column file (header + 64-byte aligned columns, see
 * FORMAT.md), zero-copy typed-array views over memory-mapped files, block checksums, the column-file
 * writer, and dataset folders of immutable generations (pointer `CURRENT`, `manifest.json` per
 * generation, reader leases, garbage collection) with their writer.
 *
 * This core entry loads one third-party module (`hash-wasm`, XXH64) besides `@mmtape/mmap-core` and
 * `@mmtape/errors`, so a worker thread that only reads column files stays light. The heavy layers are
 * subpath exports of the same package:
 * - `@mmtape/columnar-format/ingest`: CSV/Parquet → dataset (csv-parse, uDSV, luxon, hyparquet, piscina);
 * - `@mmtape/columnar-format/export`: dataset → Parquet (hyparquet-writer, zstd) and `formatTimestampNs`;
 * - `@mmtape/columnar-format/arrow`: zero-copy Arrow vectors and IPC files (optional peer `apache-arrow`);
 * - `@mmtape/columnar-format/pack`: compressed cold copies of datasets (`@mmtape/compression`).
 *
 * @example
 * ```ts
 * import { Dataset } from '@mmtape/columnar-format';
 *
 * const ds = Dataset.open('data/us1m');
 * const f = ds.open('AAPL');
 * const ts = f.timestampsNs();       // BigInt64Array, ns UTC, zero-copy over the mapping
 * const close = f.f64('close');      // Float64Array
 * ds.close();
 * ```
 *
 * @module
 */

export type { BadBlock } from './block-verifier.js';
export { CHECKSUM_SEED, xxh64, xxh64Hex } from './checksum.js';
export type { ColumnDescriptor } from './column-descriptor.js';
export type { ColumnFileOpenOptions, ColumnRowReader, VerifyReport, ViewAliasCheck } from './column-file.js';
export { ColumnFile } from './column-file.js';
export { countDatasetFiles, type DatasetFileCounts } from './count-dataset-files.js';
export type {
  DatasetCorruptionReport,
  DatasetOpenOptions,
  DatasetProblem,
  DatasetVerifyReport,
  OpenRangeOptions,
  PartitionSlice,
  SymbolRange,
} from './dataset.js';
export { Dataset } from './dataset.js';
export type { DatasetWriterOptions } from './dataset-writer.js';
export { AUTO_SEGMENT_MIN_FILES, DatasetWriter, MAX_SEGMENT_BYTES, splitByTime } from './dataset-writer.js';
export type { ColumnData, DType } from './dtype.js';
export { DTYPE_CODE, DTYPE_SIZE_BYTES } from './dtype.js';
export type { BlockChecksumContext, ColumnarErrorCode, ColumnarErrorContext } from './errors.js';
export {
  BadHeaderError,
  BadMagicError,
  BlockChecksumMismatchError,
  ColumnarError,
  ColumnDtypeMismatchError,
  ColumnFileClosedError,
  ColumnLengthMismatchError,
  ColumnNameCollisionError,
  ColumnNotFoundError,
  ColumnOutOfBoundsError,
  CsvReadError,
  DatasetGenerationError,
  DatasetMismatchError,
  DatasetWriterError,
  FieldCountError,
  FileOpenError,
  HeaderChecksumMismatchError,
  InvalidEventStreamInputError,
  InvalidIngestOptionsError,
  InvalidManifestError,
  InvalidNumberError,
  InvalidSymbolError,
  InvalidTimestampError,
  InvalidWriteInputError,
  isMmtapeError,
  MisalignedColumnError,
  MissingColumnError,
  MultiPartitionSymbolError,
  NoDataError,
  NotSortedError,
  OutputExistsError,
  ParquetExportError,
  ParquetReadError,
  PartitionChecksumError,
  RowRangeError,
  SymbolNotFoundError,
  TruncatedFileError,
  UnsupportedVersionError,
  ZeroCopyViolationError,
} from './errors.js';
export type {
  CollectGenerationsOptions,
  CollectGenerationsReport,
} from './generations/collect-generations.js';
export { collectGenerations } from './generations/collect-generations.js';
export { CURRENT_FILE_NAME, readCurrentGeneration } from './generations/dataset-layout.js';
export {
  COLUMN_ALIGNMENT_BYTES,
  FORMAT_VERSION,
  MAGIC,
  MAX_CHECKSUM_BLOCK_BYTES,
  MIN_CHECKSUM_BLOCK_BYTES,
} from './header.js';
export type {
  DatasetManifest,
  DatasetPartitionEntry,
  DatasetSymbolEntry,
  PartitionScheme,
} from './manifest.js';
export {
  MANIFEST_FILE_NAME,
  MANIFEST_MAX_BYTES,
  readManifest,
  SEGMENT_FILE_EXTENSION,
  SEGMENT_MEMBER_ALIGNMENT_BYTES,
  validateManifest,
} from './manifest.js';
export { COLUMN_FILE_EXTENSION, fileNameToSymbol, symbolToFileName } from './symbol-file-name.js';
export type {
  ColumnInput,
  WriteColumnFileInput,
  WriteColumnFileOptions,
  WrittenColumnFile,
} from './write-column-file.js';
export { DEFAULT_CHECKSUM_BLOCK_BYTES, writeColumnFile } from './write-column-file.js';
