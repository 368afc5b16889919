/**
 * Rebuilds a typed ingest error flattened by a worker thread (see `read-input-file.ts`).
 */

import {
  type ColumnarError,
  type ColumnarErrorContext,
  ColumnNameCollisionError,
  CsvReadError,
  FieldCountError,
  InvalidIngestOptionsError,
  InvalidNumberError,
  InvalidSymbolError,
  InvalidTimestampError,
  MissingColumnError,
  ParquetReadError,
} from '../errors.js';
import type { SerializedError } from './read-input-file.js';

type ErrorClass = new (message: string, context?: ColumnarErrorContext) => ColumnarError;

/** The errors a file reader can raise, by code. */
const BY_CODE: Record<string, ErrorClass> = {
  MMTAPE_INGEST_COLUMN_NAME_COLLISION: ColumnNameCollisionError,
  MMTAPE_INGEST_CSV_READ_FAILED: CsvReadError,
  MMTAPE_INGEST_FIELD_COUNT_MISMATCH: FieldCountError,
  MMTAPE_INGEST_INVALID_OPTIONS: InvalidIngestOptionsError,
  MMTAPE_INGEST_INVALID_NUMBER: InvalidNumberError,
  MMTAPE_FORMAT_INVALID_SYMBOL: InvalidSymbolError,
  MMTAPE_INGEST_INVALID_TIMESTAMP: InvalidTimestampError,
  MMTAPE_INGEST_MISSING_COLUMN: MissingColumnError,
  MMTAPE_INGEST_PARQUET_READ_FAILED: ParquetReadError,
};

/** The same error class, message and context fields as thrown in the worker; unknown errors become CsvReadError. */
export function reviveError(e: SerializedError): Error {
  const make = (e.code !== undefined ? BY_CODE[e.code] : undefined) ?? undefined;
  if (make !== undefined) return new make(e.message, e.context as ColumnarErrorContext);
  // A system error (EACCES, EIO...) becomes a cause with the same errno, so the kind stays `io`/`usage`.
  const cause =
    e.code !== undefined && /^E[A-Z0-9]+$/.test(e.code)
      ? Object.assign(new Error(e.message), { code: e.code, syscall: e.syscall ?? 'read' })
      : e;
  return new CsvReadError(`${e.context.path ?? ''}${e.context.path ? ': ' : ''}${e.message}`, {
    ...(e.context as ColumnarErrorContext),
    cause,
  });
}
