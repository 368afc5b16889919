/**
 * Parquet schema elements for the columns of an mmtape export: each dtype at its stored width, so a
 * reader gets back exactly the stored values (FORMAT.md "dtype codes" → Parquet physical/logical type).
 */

import type { SchemaElement } from 'hyparquet';
import type { DType } from '../dtype.js';

/** Unit of the exported `timestamp` column. */
export type ParquetTimestampUnit = 'ns' | 'us';

/** The `timestamp` column: INT64 TIMESTAMP(NANOS or MICROS, isAdjustedToUTC = true). */
export function timestampSchemaElement(unit: ParquetTimestampUnit): SchemaElement {
  return {
    name: 'timestamp',
    type: 'INT64',
    repetition_type: 'REQUIRED',
    // MICROS also has a legacy converted type; NANOS has none (Parquet format 2.6 LogicalType only).
    ...(unit === 'us' ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}),
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: unit === 'ns' ? 'NANOS' : 'MICROS' },
  };
}

/** The `symbol` column: BYTE_ARRAY STRING (UTF-8); the writer dictionary-encodes it. */
export function symbolSchemaElement(): SchemaElement {
  return {
    name: 'symbol',
    type: 'BYTE_ARRAY',
    repetition_type: 'REQUIRED',
    converted_type: 'UTF8',
    logical_type: { type: 'STRING' },
  };
}

/**
 * A value column at its stored dtype: f64 → DOUBLE, f32 → FLOAT, i64 → INT64, i32 → INT32,
 * u8 → INT32 annotated INT(8, unsigned) (Parquet has no 8-bit physical type).
 */
export function valueSchemaElement(name: string, dtype: DType): SchemaElement {
  switch (dtype) {
    case 'f64':
      return { name, type: 'DOUBLE', repetition_type: 'REQUIRED' };
    case 'f32':
      return { name, type: 'FLOAT', repetition_type: 'REQUIRED' };
    case 'i64':
      return { name, type: 'INT64', repetition_type: 'REQUIRED' };
    case 'i32':
      return { name, type: 'INT32', repetition_type: 'REQUIRED' };
    case 'u8':
      return {
        name,
        type: 'INT32',
        repetition_type: 'REQUIRED',
        converted_type: 'UINT_8',
        logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: false },
      };
  }
}
