/**
 * `@mmtape/columnar-format/arrow`: hand columns to [apache-arrow](https://arrow.apache.org/docs/js/)
 * (an optional peer dependency, >= 17) without copying, and write Arrow IPC files.
 *
 * {@link columnToArrowVector} wraps the zero-copy typed-array view of a column in an Arrow `Vector`
 * whose data buffer IS that view (same `ArrayBuffer`, same offset): with the mmap backend the Arrow
 * vector reads straight from the memory-mapped file. Columns are stored uncompressed in the v1 column
 * file, so this holds for every column; the vector must not be used after the file is closed.
 *
 * @example
 * ```ts
 * import { ColumnFile } from '@mmtape/columnar-format';
 * import { columnFileToArrowTable, columnToArrowVector, writeArrowIpcFile } from '@mmtape/columnar-format/arrow';
 *
 * const file = ColumnFile.open('data/sp500/AAPL.col');
 * const close = columnToArrowVector(file, 'close');   // Vector<Float64>, no copy
 * console.log(close.get(0), close.length);
 * await writeArrowIpcFile('AAPL.arrow', [columnFileToArrowTable(file)]);
 * file.close();
 * ```
 *
 * @module
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFileAtomicAsync } from '@mmtape/errors';
import {
  type DataType,
  Float32,
  Float64,
  Int8,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Table,
  TimestampNanosecond,
  Uint8,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import type { ColumnFile } from '../column-file.js';

export { createEventArrowEncoder } from '../export/event-arrow-encoder.js';

import type { DType } from '../dtype.js';

/** Arrow type of each mmtape dtype (the `ts` column becomes `Timestamp(ns, UTC)`). */
function arrowType(dtype: DType, name: string): DataType {
  if (name === 'ts' && dtype === 'i64') return new TimestampNanosecond('UTC');
  switch (dtype) {
    case 'f64':
      return new Float64();
    case 'f32':
      return new Float32();
    case 'i64':
      return new Int64();
    case 'i32':
      return new Int32();
    case 'u8':
      return new Uint8();
    default:
      return new Int8();
  }
}

/**
 * An Arrow vector over one column of an open column file, without copying: `vector.data[0].values`
 * is the column's typed-array view over the mapped bytes (`values.buffer === file.bytes.buffer`).
 * `ts` is typed `Timestamp(ns, UTC)`, other columns by dtype (f64 → Float64, i64 → Int64, ...).
 *
 * @throws ColumnNotFoundError / ColumnFileClosedError from {@link ColumnFile.column}.
 */
export function columnToArrowVector(file: ColumnFile, name: string): Vector {
  const values = file.column(name);
  const dtype = file.columns.find((c) => c.name === name)!.dtype;
  // makeData keeps `data` as is when it is already the type's ArrayType (no copy, no null bitmap).
  return makeVector(makeData({ type: arrowType(dtype, name), length: values.length, data: values } as never));
}

/** Options of {@link columnFileToArrowTable}. */
export interface ArrowTableOptions {
  /** Columns to include, in this order. Default: every column in file order. */
  columns?: readonly string[];
  /**
   * Add a `symbol` (Utf8) column holding the file's symbol, so that tables of several symbols can be
   * concatenated. Default false. This column is materialised (it is not in the file).
   */
  symbolColumn?: boolean;
  /**
   * Name of the `ts` column in the table (its type stays Timestamp(ns, UTC)). Default `'ts'`, the stored
   * name; `mmtape export` passes `'timestamp'`, the name its CSV and Parquet files use too.
   */
  timestampName?: string;
}

/**
 * An Arrow table over the columns of an open column file; every data column is zero-copy (see
 * {@link columnToArrowVector}). The schema metadata carries `mmtape.symbol`.
 */
export function columnFileToArrowTable(file: ColumnFile, options: ArrowTableOptions = {}): Table {
  const names = options.columns ?? file.columns.map((c) => c.name);
  const vectors: Record<string, Vector> = {};
  if (options.symbolColumn) {
    vectors.symbol = vectorFromArray(
      Array.from({ length: file.rowCount }, () => file.symbol),
      new Utf8(),
    ) as Vector;
  }
  const tsName = options.timestampName ?? 'ts';
  for (const name of names) vectors[name === 'ts' ? tsName : name] = columnToArrowVector(file, name);
  const table = new Table(vectors);
  const metadata = new Map(table.schema.metadata);
  metadata.set('mmtape.symbol', file.symbol);
  return new Table(new Schema(table.schema.fields, metadata), table.batches);
}

/**
 * Writes tables with one schema as an Arrow IPC **file** (the random-access format with footer, readable
 * by pyarrow `ipc.open_file`, DuckDB's arrow extension, `arrow2csv`...). Batches are streamed to a temp
 * file in the same folder (`writeFileAtomicAsync` of `@mmtape/errors`), which is renamed over `path` when
 * complete; on error nothing is left behind. Not fsynced: the rename is atomic, not durable.
 *
 * @returns bytes written.
 * @throws TypeError when `tables` is empty; SystemCallError when a system call fails (ENOSPC, EACCES).
 */
export async function writeArrowIpcFile(path: string, tables: Iterable<Table>): Promise<number> {
  return writeFileAtomicAsync(
    path,
    async (tmp) => {
      const out = createWriteStream(tmp);
      const writer = new RecordBatchFileWriter();
      const stream = writer.toNodeStream();
      let bytes = 0;
      stream.on('data', (chunk: Uint8Array) => {
        bytes += chunk.byteLength;
      });
      stream.pipe(out);
      try {
        // One schema for the whole file: the first table's fields and metadata (all tables must share fields).
        let schema: Schema | undefined;
        for (const table of tables) {
          schema ??= table.schema;
          for (const batch of table.batches) writer.write(new RecordBatch(schema, batch.data));
        }
        if (!schema) throw new TypeError(`${path}: no tables to write (expected at least one Arrow table)`);
        writer.finish();
        await once(out, 'close');
        return bytes;
      } catch (error) {
        out.destroy();
        throw error;
      }
    },
    { what: 'Arrow IPC file', durable: false }, // not fsynced (as before): a rerun rewrites it
  );
}
