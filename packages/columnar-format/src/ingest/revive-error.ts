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
  COLUMN_NAME_COLLISION: ColumnNameCollisionError,
  CSV_READ_FAILED: CsvReadError,
  FIELD_COUNT_MISMATCH: FieldCountError,
  INVALID_INGEST_OPTIONS: InvalidIngestOptionsError,
  INVALID_NUMBER: InvalidNumberError,
  INVALID_SYMBOL: InvalidSymbolError,
  INVALID_TIMESTAMP: InvalidTimestampError,
  MISSING_COLUMN: MissingColumnError,
  PARQUET_READ_FAILED: ParquetReadError,
};

/** The same error class, message and context fields as thrown in the worker; unknown errors become CsvReadError. */
export function reviveError(e: SerializedError): Error {
  const make = (e.code !== undefined ? BY_CODE[e.code] : undefined) ?? undefined;
  if (make !== undefined) return new make(e.message, e.context as ColumnarErrorContext);
  return new CsvReadError(`${e.context.path ?? ''}${e.context.path ? ': ' : ''}${e.message}`, {
    ...(e.context as ColumnarErrorContext),
    cause: e,
  });
}
