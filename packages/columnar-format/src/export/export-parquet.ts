/**
 * Dataset -> one Parquet file, written atomically. Two layouts:
 *
 * - `full` (default, lossless): `timestamp` (INT64 TIMESTAMP(NANOS, UTC)), `symbol` (dictionary-encoded
 *   STRING), then every stored value column at its stored type (f64 → DOUBLE, i64 → INT64, ...): a reader
 *   gets back bit for bit what the dataset holds.
 * - `compact-close-f32` (lossy, opt-in): `timestamp`, `symbol`, `close` rounded to float32; the small
 *   consolidated file of the original design, for charts and quick scans, never for P&L.
 *
 * Row groups are either by symbol (rows ordered by (symbol, timestamp); a row group never holds two
 * symbols, so readers skip symbols by row-group statistics) or by time (rows ordered by
 * (timestamp, symbol), merged across symbols; readers skip time ranges).
 */

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { initZstd, zstdCompressSync } from '@mmtape/compression';
import { writeFileAtomicAsync } from '@mmtape/errors';
import type { SchemaElement } from 'hyparquet';
import { type ColumnSource, fileWriter, ParquetWriter } from 'hyparquet-writer';
import { Dataset } from '../dataset.js';
import type { ColumnData, DType } from '../dtype.js';
import { isMmtapeError, OutputExistsError, ParquetExportError } from '../errors.js';
import { CursorHeap, type RowCursor } from './cursor-heap.js';
import {
  type ParquetTimestampUnit,
  symbolSchemaElement,
  timestampSchemaElement,
  valueSchemaElement,
} from './parquet-column-schema.js';

/** Column layouts of {@link exportParquet}. */
export const PARQUET_LAYOUTS = ['full', 'compact-close-f32'] as const;
/**
 * `full`: every column at its stored type (lossless). `compact-close-f32`: `timestamp`, `symbol`,
 * `close` as float32 only (**lossy**: closes are rounded to 24-bit mantissas, ~1e-7 relative).
 */
export type ParquetLayout = (typeof PARQUET_LAYOUTS)[number];

/** Row-group orders of {@link exportParquet}. */
export const PARQUET_ROW_GROUP_ORDERS = ['symbol', 'time'] as const;
/**
 * `symbol`: rows ordered by (symbol, timestamp), each row group holds one symbol (split when a symbol
 * has more than `rowGroupRows` rows). `time`: rows ordered by (timestamp, symbol), `rowGroupRows` rows
 * per group across symbols.
 */
export type ParquetRowGroupOrder = (typeof PARQUET_ROW_GROUP_ORDERS)[number];

/** Options of {@link exportParquet}. */
export interface ExportParquetOptions {
  /** Column layout. Default `'full'` (lossless); `'compact-close-f32'` is lossy, see {@link ParquetLayout}. */
  layout?: ParquetLayout;
  /**
   * Value columns of the `full` layout, in this order (`ts`/`timestamp` may be listed and are skipped:
   * `timestamp` and `symbol` are always written). Default: every column of the first exported symbol,
   * in file order. A symbol without one of them is a ColumnNotFoundError. Not allowed with
   * `compact-close-f32` (its columns are fixed).
   */
  columns?: readonly string[];
  /**
   * Row-group order. Default `'symbol'` for `full`; `compact-close-f32` is always `'time'` (its
   * original design: one time-ordered file).
   */
  rowGroupsBy?: ParquetRowGroupOrder;
  /**
   * Most rows per row group. Default 1,000,000: about 50 MB uncompressed for six 8-byte columns, large
   * enough for efficient scans (DuckDB, Arrow, Polars) and small enough to keep the exporter's buffers
   * bounded.
   */
  rowGroupRows?: number;
  /**
   * Symbols to export; default all. Unknown symbols throw SymbolNotFoundError. With `rowGroupsBy:
   * 'symbol'` the file holds them in this order (default: the dataset's symbol order).
   */
  symbols?: readonly string[];
  /** Inclusive start, ns since the epoch (UTC). Default: no lower bound. */
  startNs?: bigint;
  /** Exclusive end, ns since the epoch (UTC). Default: no upper bound. */
  endNs?: bigint;
  /**
   * Unit of the `timestamp` column: `'ns'` (default; exact, INT64 TIMESTAMP(NANOS, UTC)) or `'us'`
   * (INT64 TIMESTAMP(MICROS, UTC), floored: lossy below 1 µs; for readers without nanosecond support).
   */
  timestampUnit?: ParquetTimestampUnit;
  /** zstd level 1..22. Default 3 (zstd's default: fast, good ratio). */
  zstdLevel?: number;
  /** Replace an existing `outPath`. Default `false` (an existing file is an OutputExistsError). */
  overwrite?: boolean;
  /** fsync the file before the rename. Default `true`. */
  durable?: boolean;
}

/** Result of {@link exportParquet}. */
export interface ExportParquetReport {
  path: string;
  layout: ParquetLayout;
  rowGroupsBy: ParquetRowGroupOrder;
  /** Column names in file order (`timestamp`, `symbol`, then the value columns). */
  columns: string[];
  rows: number;
  rowGroups: number;
  symbols: number;
  bytes: number;
  elapsedMs: number;
}

const DEFAULT_ROW_GROUP_ROWS = 1_000_000;

/** One output value column: its name, stored dtype and output buffer. */
interface OutColumn {
  name: string;
  dtype: DType;
  schema: SchemaElement;
  buffer: ColumnData;
}

/**
 * Writes `dataset` (a Dataset or its folder) to one Parquet file at `outPath`:
 *
 * | column | `full` layout | `compact-close-f32` layout |
 * |---|---|---|
 * | `timestamp` | INT64 TIMESTAMP(NANOS, isAdjustedToUTC) (MICROS with `timestampUnit: 'us'`) | same |
 * | `symbol` | BYTE_ARRAY STRING, dictionary-encoded | same |
 * | value columns | each at its stored type: f64 DOUBLE, f32 FLOAT, i64 INT64, i32 INT32, u8 INT32 (UINT_8) | `close` FLOAT (float32, rounded: lossy) |
 *
 * Row order: `rowGroupsBy: 'symbol'` (rows by (symbol, timestamp), one symbol per row group) or `'time'`
 * (rows by (timestamp, symbol), merged from the per-symbol columns with a binary heap; symbols compared
 * by UTF-16 code units; rows of one symbol sharing a timestamp keep their stored order). Pages are
 * ZSTD-compressed (`@mmtape/compression` native zstd when it loads, else wasm). The file is written
 * through `writeFileAtomicAsync` of `@mmtape/errors` (`<name>.tmp-<pid>-<random>` next to `outPath`,
 * fsynced unless `durable: false`, renamed into place). The key-value metadata
 * records `mmtape.layout` and `mmtape.order`.
 *
 * @throws ParquetExportError (bad options, columns of one name with different dtypes across symbols, a
 *   value column named `timestamp`/`symbol`, write failure), ColumnNotFoundError (a chosen column missing
 *   in a symbol), OutputExistsError, SymbolNotFoundError.
 * @example
 * ```ts
 * const r = await exportParquet('data/us1m', 'us1m.parquet', { symbols: ['AAPL', 'MSFT'] });
 * // duckdb: SELECT symbol, count(*), sum(volume) FROM 'us1m.parquet' GROUP BY symbol
 * ```
 */
export async function exportParquet(
  dataset: Dataset | string,
  outPath: string,
  options: ExportParquetOptions = {},
): Promise<ExportParquetReport> {
  const started = performance.now();
  const { layout, order, rowGroupRows, unit } = checkOptions(options);
  const level = options.zstdLevel ?? 3;
  const path = resolve(outPath);
  if (existsSync(path) && !(options.overwrite ?? false)) {
    throw new OutputExistsError(`${path} already exists; pass overwrite: true to replace it`, { path });
  }
  const ds = typeof dataset === 'string' ? Dataset.open(dataset) : dataset;
  try {
    return await writeFileAtomicAsync(
      path,
      async (tmp) => {
        await initZstd();
        const ranges = ds.openRange({
          ...(options.symbols ? { symbols: options.symbols } : {}),
          ...(options.startNs !== undefined ? { startNs: options.startNs } : {}),
          ...(options.endNs !== undefined ? { endNs: options.endNs } : {}),
        });
        const firstFile = ranges.find((r) => r.slices.length > 0)?.slices[0]?.file;
        const plan = planColumns(layout, options.columns, firstFile?.columns ?? []);
        // One cursor per (symbol, partition slice), in symbol order then time order: a symbol's slices
        // never overlap in time, so ordering ties by cursor index = by symbol, then by stored order.
        const cursors: RowCursor[] = [];
        for (const r of ranges) {
          for (const s of r.slices) {
            const values = plan.map(({ name, dtype }) => {
              // ColumnNotFoundError names the columns the file has; compact needs an f64 close to round.
              const data = layout === 'full' ? s.file.column(name) : s.file.f64(name);
              const stored = s.file.columns.find((c) => c.name === name)!.dtype;
              // compact-close-f32 rounds any numeric close; full keeps one dtype per column across symbols.
              if (layout === 'full' && stored !== dtype) {
                throw new ParquetExportError(
                  `column "${name}" is ${stored} for symbol ${JSON.stringify(r.symbol)} but ${dtype} for the first exported symbol; export them separately or choose --columns`,
                  { path: s.file.path, field: name, expected: dtype, actual: stored },
                );
              }
              return data;
            });
            cursors.push({
              symbol: r.symbol,
              ts: s.file.timestampsNs(),
              values,
              row: s.startRow,
              end: s.endRow,
            });
          }
        }
        const total = cursors.reduce((n, c) => n + (c.end - c.row), 0);
        const capacity = Math.min(rowGroupRows, total) || 1;
        const out: OutColumn[] = plan.map((p) => ({ ...p, buffer: allocate(p.dtype, capacity) }));
        const schema: SchemaElement[] = [
          { name: 'schema', num_children: 2 + out.length },
          timestampSchemaElement(unit),
          symbolSchemaElement(),
          ...out.map((c) => c.schema),
        ];
        const writer = new ParquetWriter({
          writer: fileWriter(tmp),
          schema,
          codec: 'ZSTD',
          compressors: { ZSTD: (bytes: Uint8Array) => zstdCompressSync(bytes, level) },
          createdBy: '@mmtape/columnar-format exportParquet',
          kvMetadata: [
            { key: 'mmtape.layout', value: layout },
            { key: 'mmtape.order', value: order === 'symbol' ? 'symbol,timestamp' : 'timestamp,symbol' },
          ],
        });
        const tsOut = new BigInt64Array(capacity);
        const symOut: string[] = new Array(capacity);
        let fill = 0;
        let rows = 0;
        let rowGroups = 0;
        const flush = async (): Promise<void> => {
          if (fill === 0) return;
          const n = fill;
          const columnData: ColumnSource[] = [
            { name: 'timestamp', data: tsOut.subarray(0, n) },
            {
              name: 'symbol',
              data: n === capacity ? symOut : symOut.slice(0, n),
              encoding: 'RLE_DICTIONARY',
            },
            ...out.map((c) => ({ name: c.name, data: c.buffer.subarray(0, n) })),
          ];
          await writer.write({ columnData, rowGroupSize: n });
          rowGroups++;
          rows += n;
          fill = 0;
        };
        // Copies rows c.row..c.row+n-1 of a cursor to the output buffers at `fill`.
        const copy = (c: RowCursor, n: number): void => {
          if (unit === 'ns') tsOut.set(c.ts.subarray(c.row, c.row + n), fill);
          else for (let i = 0; i < n; i++) tsOut[fill + i] = floorDiv(c.ts[c.row + i]!, 1000n);
          symOut.fill(c.symbol, fill, fill + n);
          // Same dtype on both sides (checked above), except compact close: f64 -> Float32Array rounds.
          out.forEach((o, k) => {
            (o.buffer as Float64Array).set(c.values[k]!.subarray(c.row, c.row + n) as Float64Array, fill);
          });
          fill += n;
          c.row += n;
        };
        if (order === 'symbol') {
          for (const [i, c] of cursors.entries()) {
            while (c.row < c.end) {
              copy(c, Math.min(c.end - c.row, capacity - fill));
              if (fill === capacity) await flush();
            }
            if (cursors[i + 1]?.symbol !== c.symbol) await flush();
          }
        } else {
          const heap = new CursorHeap(cursors);
          for (let c = heap.pop(); c !== undefined; c = heap.pop()) {
            // Emit rows of this cursor while it stays below the next cursor (ties go to the lower index).
            const next = heap.peek();
            const limitTs = next === undefined ? undefined : next.ts[next.row]!;
            const limitWins = next === undefined ? false : next.index < c.index;
            let n = 0;
            const room = capacity - fill;
            while (
              n < room &&
              c.row + n < c.end &&
              (limitTs === undefined ||
                c.ts[c.row + n]! < limitTs ||
                (c.ts[c.row + n] === limitTs && !limitWins))
            ) {
              n++;
            }
            copy(c, n);
            if (fill === capacity) await flush();
            if (c.row < c.end) heap.push(c);
          }
          await flush();
        }
        await writer.finish();
        return {
          path,
          layout,
          rowGroupsBy: order,
          columns: ['timestamp', 'symbol', ...out.map((c) => c.name)],
          rows,
          rowGroups,
          symbols: new Set(cursors.map((c) => c.symbol)).size,
          bytes: statSync(tmp).size,
          elapsedMs: performance.now() - started,
        };
      },
      { durable: options.durable ?? true, what: 'Parquet file' },
    );
  } catch (e) {
    // Typed errors pass; a failed system call (hyparquet-writer's writes, or the atomic write's own
    // open/fsync/rename as SystemCallError) becomes a ParquetExportError naming the output.
    if (isMmtapeError(e) && !isMmtapeError(e, 'MMTAPE_SYSTEM_CALL_FAILED')) throw e;
    throw new ParquetExportError(`cannot write ${path}: ${(e as Error).message ?? e}`, { path, cause: e });
  } finally {
    if (typeof dataset === 'string') ds.close();
  }
}

function checkOptions(options: ExportParquetOptions): {
  layout: ParquetLayout;
  order: ParquetRowGroupOrder;
  rowGroupRows: number;
  unit: ParquetTimestampUnit;
} {
  const layout = options.layout ?? 'full';
  if (!PARQUET_LAYOUTS.includes(layout)) {
    throw new ParquetExportError(
      `layout must be one of ${PARQUET_LAYOUTS.join(', ')} but is ${JSON.stringify(layout)}`,
      { field: 'layout', actual: String(layout) },
    );
  }
  const order = options.rowGroupsBy ?? (layout === 'full' ? 'symbol' : 'time');
  if (!PARQUET_ROW_GROUP_ORDERS.includes(order)) {
    throw new ParquetExportError(
      `rowGroupsBy must be one of ${PARQUET_ROW_GROUP_ORDERS.join(', ')} but is ${JSON.stringify(order)}`,
      { field: 'rowGroupsBy', actual: String(order) },
    );
  }
  if (layout === 'compact-close-f32' && order !== 'time') {
    throw new ParquetExportError(
      `layout compact-close-f32 is ordered by time; rowGroupsBy 'symbol' needs layout 'full'`,
      {
        field: 'rowGroupsBy',
        expected: 'time',
        actual: order,
      },
    );
  }
  if (layout === 'compact-close-f32' && options.columns !== undefined) {
    throw new ParquetExportError(
      'layout compact-close-f32 has fixed columns (timestamp, symbol, close float32); columns need layout full',
      { field: 'columns' },
    );
  }
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) {
    throw new ParquetExportError(`rowGroupRows must be an integer >= 1 but is ${rowGroupRows}`, {
      field: 'rowGroupRows',
      actual: rowGroupRows,
    });
  }
  const unit = options.timestampUnit ?? 'ns';
  if (unit !== 'ns' && unit !== 'us') {
    throw new ParquetExportError(`timestampUnit must be 'ns' or 'us' but is ${JSON.stringify(unit)}`, {
      field: 'timestampUnit',
      actual: String(unit),
    });
  }
  return { layout, order, rowGroupRows, unit };
}

/** The value columns to write: name, stored dtype (from the first exported file) and schema element. */
function planColumns(
  layout: ParquetLayout,
  chosen: readonly string[] | undefined,
  firstColumns: readonly { name: string; dtype: DType }[],
): Omit<OutColumn, 'buffer'>[] {
  if (layout === 'compact-close-f32') {
    return [{ name: 'close', dtype: 'f32', schema: valueSchemaElement('close', 'f32') }];
  }
  const names = (chosen ?? firstColumns.map((c) => c.name)).filter((n) => n !== 'ts' && n !== 'timestamp');
  const seen = new Set<string>();
  return names.flatMap((name) => {
    if (name === 'symbol') {
      throw new ParquetExportError('a value column named "symbol" would collide with the symbol column', {
        field: 'columns',
        actual: name,
      });
    }
    if (seen.has(name)) return [];
    seen.add(name);
    // A column the first file lacks: dtype f64 placeholder; column() of that file throws ColumnNotFoundError.
    const dtype = firstColumns.find((c) => c.name === name)?.dtype ?? 'f64';
    return [{ name, dtype, schema: valueSchemaElement(name, dtype) }];
  });
}

function allocate(dtype: DType, length: number): ColumnData {
  switch (dtype) {
    case 'f64':
      return new Float64Array(length);
    case 'f32':
      return new Float32Array(length);
    case 'i64':
      return new BigInt64Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'u8':
      return new Uint8Array(length);
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}
