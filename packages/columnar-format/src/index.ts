/**
 * `@mmtape/columnar-format`: the mmtape binary column file (header + 64-byte aligned columns, see
 * FORMAT.md), zero-copy typed-array views over memory-mapped files, an atomic writer, dataset folders
 * of immutable generations (pointer `CURRENT`, `manifest.json` per generation, reader leases, garbage
 * collection), parallel CSV/Parquet ingest and Parquet export.
 *
 * @example
 * ```ts
 * import { Dataset, exportParquet, ingest } from '@mmtape/columnar-format';
 *
 * await ingest({ inputs: ['intraday/'], outDir: 'data/us1m', timeZone: 'America/New_York' }); // all cores
 * await exportParquet('data/us1m', 'us1m.parquet'); // every column at its stored type; ZSTD
 * const ds = Dataset.open('data/us1m');
 * const f = ds.open('AAPL');
 * const ts = f.timestampsNs();       // BigInt64Array, ns UTC, zero-copy over the mapping
 * const close = f.f64('close');      // Float64Array
 * ds.close();
 * ```
 *
 * @module
 */

export {
  type WriteDirAtomicOptions,
  type WriteFileAtomicOptions,
  writeDirAtomic,
  writeFileAtomic,
} from './atomic-write.js';
export type { BadBlock } from './block-verifier.js';
export { CHECKSUM_SEED, xxh64, xxh64Hex } from './checksum.js';
export type { ColumnDescriptor } from './column-descriptor.js';
export type { ColumnFileOpenOptions, VerifyReport, ViewAliasCheck } from './column-file.js';
export { ColumnFile } from './column-file.js';
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
  SymbolNotFoundError,
  TruncatedFileError,
  UnsupportedVersionError,
  ZeroCopyViolationError,
} from './errors.js';
export type {
  ExportParquetOptions,
  ExportParquetReport,
  ParquetLayout,
  ParquetRowGroupOrder,
} from './export/export-parquet.js';
export { exportParquet, PARQUET_LAYOUTS, PARQUET_ROW_GROUP_ORDERS } from './export/export-parquet.js';
export { formatTimestampNs } from './export/format-timestamp-ns.js';
export type { ParquetTimestampUnit } from './export/parquet-column-schema.js';
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
export type { HygieneOptions, HygieneReport } from './ingest/apply-hygiene.js';
export type { SuspectPriceCounts, SuspectRow } from './ingest/count-suspect-prices.js';
export { DEFAULT_SYMBOL_FROM_FILE_NAME, ingest } from './ingest/ingest.js';
export { ingestCsv } from './ingest/ingest-csv.js';
export type {
  ColumnMapping,
  IngestColumnReport,
  IngestFileReport,
  IngestOptions,
  IngestProgress,
  IngestReport,
  IngestSkippedColumn,
  IngestSymbolReport,
  IngestWarning,
  ValueColumn,
} from './ingest/ingest-options.js';
export { VALUE_COLUMNS } from './ingest/ingest-options.js';
export { normalizeColumnName } from './ingest/normalize-column-name.js';
export type { ReplacedColumn } from './ingest/resolve-columns.js';
export type { TimestampUnit } from './ingest/timestamp-parser.js';
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
