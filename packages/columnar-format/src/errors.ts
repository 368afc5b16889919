/**
 * Typed errors of `@mmtape/columnar-format`.
 *
 * Every error carries a literal `code` (`MMTAPE_FORMAT_*` for column files, `MMTAPE_DATASET_*` for dataset
 * folders, `MMTAPE_INGEST_*` for CSV/Parquet inputs, `MMTAPE_EXPORT_*`), a `kind` that decides the CLI exit
 * code, optional context fields (`path`, `line`, `offsetBytes`, `expected`, `actual`, `field`) and an
 * optional `cause`. All extend `MmtapeError` of `@mmtape/errors`: identify them with {@link isMmtapeError}
 * (a `Symbol.for('mmtape.error')` marker), not `instanceof`: two copies of this package can coexist.
 */

import {
  type ErrorKind,
  isMmtapeError,
  MMTAPE_ERROR_MARKER,
  MmtapeError,
  type MmtapeErrorCode,
  OutputExistsError,
  systemErrorKind,
} from '@mmtape/errors';

/** `OutputExistsError` (`MMTAPE_OUTPUT_EXISTS`) is the shared one of `@mmtape/errors`, thrown by its atomic writers too. */
export { isMmtapeError, MMTAPE_ERROR_MARKER, OutputExistsError };

/** Context fields carried by every error of this package. */
export interface ColumnarErrorContext {
  /** File or directory the error is about. */
  path?: string;
  /** 1-based line number in a CSV file. */
  line?: number;
  /** Byte offset in a binary file. */
  offsetBytes?: number;
  /** What the reader expected. */
  expected?: string | number;
  /** What the reader found. */
  actual?: string | number;
  /** Manifest field, option name or column name involved. */
  field?: string;
  /** Lower-layer error. */
  cause?: unknown;
}

/** Base class of every error thrown by this package. Use {@link isMmtapeError} to identify. */
export abstract class ColumnarError extends MmtapeError {
  abstract override readonly code: MmtapeErrorCode;
  readonly path: string | undefined;
  readonly line: number | undefined;
  readonly offsetBytes: number | undefined;
  readonly expected: string | number | undefined;
  readonly actual: string | number | undefined;
  readonly field: string | undefined;

  constructor(message: string, context: ColumnarErrorContext = {}) {
    super(message, { cause: context.cause });
    this.path = context.path;
    this.line = context.line;
    this.offsetBytes = context.offsetBytes;
    this.expected = context.expected;
    this.actual = context.actual;
    this.field = context.field;
  }
}

/**
 * The kind of an error wrapping `cause`: `io` when `cause` (a Node system error, or an mmtape error) says
 * the operating system refused; `missingPathKind` when it is a missing path (`ENOENT`...) or a usage
 * error; else `fallback`.
 */
function kindFromCause(
  cause: unknown,
  fallback: ErrorKind,
  missingPathKind: ErrorKind = fallback,
): ErrorKind {
  const system = systemErrorKind(cause);
  if (system === 'io') return 'io';
  if (system === 'usage') return missingPathKind;
  if (isMmtapeError(cause)) {
    if (cause.kind === 'io') return 'io';
    if (cause.kind === 'usage') return missingPathKind;
  }
  return fallback;
}

/** File could not be opened or read (missing, permission, mapping failure). Wraps the cause. */
export class FileOpenError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_OPEN_FAILED' as const;
  /** `io` when the operating system refused, else `data` (a file that a dataset names is missing or is not a file). */
  get kind(): ErrorKind {
    return kindFromCause(this.cause, 'data');
  }
}
/** File ends before a structure that must be inside it (header, descriptor, column). */
export class TruncatedFileError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_TRUNCATED_FILE' as const;
  readonly kind = 'data' as const;
}
/** The first 8 bytes are not the mmtape column-file magic. */
export class BadMagicError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_BAD_MAGIC' as const;
  readonly kind = 'data' as const;
}
/** The format version is not one this reader understands. */
export class UnsupportedVersionError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_UNSUPPORTED_VERSION' as const;
  readonly kind = 'data' as const;
}
/** Header fields are inconsistent (header length, dtype code, names, row count, duplicates). */
export class BadHeaderError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_BAD_HEADER' as const;
  readonly kind = 'data' as const;
}
/** A column's `offsetBytes + lengthBytes` lies past the end of the file or inside the header. */
export class ColumnOutOfBoundsError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS' as const;
  readonly kind = 'data' as const;
}
/** A column's `offsetBytes` is not 64-byte aligned. */
export class MisalignedColumnError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_MISALIGNED_COLUMN' as const;
  readonly kind = 'data' as const;
}
/** A column's `lengthBytes` is not `rowCount * dtypeSize`. */
export class ColumnLengthMismatchError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_COLUMN_LENGTH_MISMATCH' as const;
  readonly kind = 'data' as const;
}
/** A requested column does not exist. */
export class ColumnNotFoundError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_COLUMN_NOT_FOUND' as const;
  readonly kind = 'usage' as const;
}
/**
 * Rows asked of a column that it does not have (`ColumnFile.openRowReader`): context `path`, `field`
 * (the column), `expected` (its row count) and `actual` (the rows asked, `[start, end)`). A bug of the
 * caller, which should ask only for rows it knows exist.
 */
export class RowRangeError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_ROW_RANGE' as const;
  readonly kind = 'usage' as const;
}
/** A column exists with another dtype than the accessor requires. */
export class ColumnDtypeMismatchError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_COLUMN_DTYPE_MISMATCH' as const;
  readonly kind = 'data' as const;
}
/** The column file was closed. */
export class ColumnFileClosedError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_FILE_CLOSED' as const;
  readonly kind = 'internal' as const;
}
/** `writeColumnFile` input is invalid (lengths differ, dtype vs data, names). */
export class InvalidWriteInputError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_INVALID_WRITE_INPUT' as const;
  readonly kind = 'usage' as const;
}
/** A symbol cannot be turned into a file name (empty, too long) or a file name is not a valid encoding. */
export class InvalidSymbolError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_INVALID_SYMBOL' as const;
  readonly kind = 'usage' as const;
}
/** `manifest.json` is missing, not JSON or a field is invalid (`field` names it). */
export class InvalidManifestError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_INVALID_MANIFEST' as const;
  readonly kind = 'data' as const;
}
/** A symbol is not in the dataset. */
export class SymbolNotFoundError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_SYMBOL_NOT_FOUND' as const;
  readonly kind = 'usage' as const;
}
/** A column file does not match its manifest entry (rows, symbol). */
export class DatasetMismatchError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_MISMATCH' as const;
  readonly kind = 'data' as const;
}
/** Ingest options are invalid (unknown time zone, no input files, ...). */
export class InvalidIngestOptionsError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_INVALID_OPTIONS' as const;
  readonly kind = 'usage' as const;
}
/** A CSV header lacks a required column (message lists the columns found). */
export class MissingColumnError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_MISSING_COLUMN' as const;
  readonly kind = 'data' as const;
}
/**
 * Two input columns (or a column and a name ingest writes itself, `ts`/`flags`) give the same stored name
 * after snake_case normalisation; `expected` and `actual` are the two header names, `field` the name.
 */
export class ColumnNameCollisionError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_COLUMN_NAME_COLLISION' as const;
  readonly kind = 'data' as const;
}
/** A CSV timestamp cannot be parsed. */
export class InvalidTimestampError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_INVALID_TIMESTAMP' as const;
  readonly kind = 'data' as const;
}
/** A CSV price/volume field is not a number (empty fields are missing values, not errors). */
export class InvalidNumberError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_INVALID_NUMBER' as const;
  readonly kind = 'data' as const;
}
/** A CSV row has another number of fields than the header. */
export class FieldCountError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_FIELD_COUNT_MISMATCH' as const;
  readonly kind = 'data' as const;
}
/** Any other CSV syntax or I/O failure while reading an input (quotes, gzip). Wraps the cause. */
export class CsvReadError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_CSV_READ_FAILED' as const;
  /** `io` when the operating system refused, `usage` for a missing input path, else `data`. */
  get kind(): ErrorKind {
    return kindFromCause(this.cause, 'data', 'usage');
  }
}
/** A Parquet input could not be read (not Parquet, unsupported encoding, I/O). Wraps the cause. */
export class ParquetReadError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_PARQUET_READ_FAILED' as const;
  /** `io` when the operating system refused, `usage` for a missing input path, else `data`. */
  get kind(): ErrorKind {
    return kindFromCause(this.cause, 'data', 'usage');
  }
}
/** `exportParquet` failed (bad options, empty selection, write failure). Wraps the cause. */
export class ParquetExportError extends ColumnarError {
  readonly code = 'MMTAPE_EXPORT_PARQUET_FAILED' as const;
  /** `usage` for bad options or an empty selection (no `cause`), `io` when the operating system refused a write, else `internal`. */
  get kind(): ErrorKind {
    return this.cause === undefined ? 'usage' : kindFromCause(this.cause, 'internal', 'usage');
  }
}
/** Ingest found no data rows in any input. */
export class NoDataError extends ColumnarError {
  readonly code = 'MMTAPE_INGEST_NO_DATA' as const;
  readonly kind = 'data' as const;
}

/** A view handed out by a reader does not alias the mapped memory (`verifyNoCopies()`). */
export class ZeroCopyViolationError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_ZERO_COPY_VIOLATION' as const;
  readonly kind = 'internal' as const;
}
/** An operation needs rows sorted by `ts` (binary search, partitioning) but they are not. */
export class NotSortedError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_NOT_SORTED' as const;
  readonly kind = 'data' as const;
}
/** A symbol spans several partitions, so it has no single column file; use `openPartitions`/`openRange`. */
export class MultiPartitionSymbolError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_MULTI_PARTITION_SYMBOL' as const;
  readonly kind = 'usage' as const;
}
/** The partition header checksum differs from the one recorded in `manifest.json`. */
export class PartitionChecksumError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_PARTITION_CHECKSUM_MISMATCH' as const;
  readonly kind = 'data' as const;
}
/** A dataset writer was used wrongly (duplicate symbol, after finish/abort, bad options). */
export class DatasetWriterError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_WRITER_MISUSE' as const;
  readonly kind = 'usage' as const;
}

/**
 * A dataset folder's generation pointer `CURRENT` is missing or invalid, or the generation it named was
 * removed before it could be leased (FORMAT.md, "Dataset folder"); `field` names the file or generation.
 */
export class DatasetGenerationError extends ColumnarError {
  readonly code = 'MMTAPE_DATASET_GENERATION' as const;
  readonly kind = 'data' as const;
}

/**
 * The header checksum (XXH64 of the header bytes before it, FORMAT.md "Header checksum") does not match:
 * a byte of the fixed header, symbol, descriptors (dtype codes, offsets, stats) or block checksum table
 * changed. `offsetBytes` is where the stored checksum is; `expected` the stored, `actual` the computed
 * value (16 hex digits).
 */
export class HeaderChecksumMismatchError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH' as const;
  readonly kind = 'data' as const;
}

/** Context of {@link BlockChecksumMismatchError}: the block's place besides the common fields. */
export interface BlockChecksumContext extends ColumnarErrorContext {
  /** Index of the block in its column, from 0. */
  blockIndex: number;
  /** Byte range of the block in the file (member), `[startBytes, endBytes)`. */
  startBytes: number;
  endBytes: number;
}

/**
 * A block of a column does not hash to its XXH64 in the block checksum table (FORMAT.md, "Block
 * checksums"): the column's bytes changed on disk. `path` names the file, `field` the column,
 * `blockIndex` and `[startBytes, endBytes)` the block, `expected` the stored and `actual` the computed
 * XXH64 (16 hex digits). Thrown by verified reads (replay, panel load, export, pack) the first time a
 * reader touches the block.
 */
export class BlockChecksumMismatchError extends ColumnarError {
  readonly code = 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH' as const;
  readonly kind = 'data' as const;
  readonly blockIndex: number;
  readonly startBytes: number;
  readonly endBytes: number;

  constructor(message: string, context: BlockChecksumContext) {
    super(message, { ...context, offsetBytes: context.offsetBytes ?? context.startBytes });
    this.blockIndex = context.blockIndex;
    this.startBytes = context.startBytes;
    this.endBytes = context.endBytes;
  }
}

/** Every error code of this package. */
export type ColumnarErrorCode = ColumnarError['code'];
/**
 * An event-stream encoder was given bad input: a column whose dtype it cannot write, a chunk lacking a
 * declared column or holding another array type, a symbol id outside the symbol list, a bad range.
 */
export class InvalidEventStreamInputError extends ColumnarError {
  readonly code = 'MMTAPE_EXPORT_INVALID_EVENT_INPUT' as const;
  readonly kind = 'usage' as const;
}
