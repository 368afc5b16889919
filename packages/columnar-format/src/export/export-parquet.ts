/**
 * Dataset -> one consolidated Parquet file (`timestamp`, `symbol`, `close`), rows ordered by
 * (timestamp, symbol), ZSTD-compressed, written atomically.
 */

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { initZstd, zstdCompressSync } from '@mmtape/compression';
import { writeFileAtomicAsync } from '@mmtape/errors';
import type { SchemaElement } from 'hyparquet';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { Dataset } from '../dataset.js';
import { isMmtapeError, OutputExistsError, ParquetExportError } from '../errors.js';

/** Options of {@link exportParquet}. */
export interface ExportParquetOptions {
  /**
   * Rows per row group. Default 1,000,000: about 13 MB uncompressed per group (8 + 4 bytes plus a
   * dictionary index per row), large enough for efficient scans (DuckDB, Arrow) and small enough to
   * keep the exporter's buffers bounded.
   */
  rowGroupRows?: number;
  /** Symbols to export; default all. Unknown symbols throw SymbolNotFoundError. */
  symbols?: readonly string[];
  /** Inclusive start, ns since the epoch (UTC). Default: no lower bound. */
  startNs?: bigint;
  /** Exclusive end, ns since the epoch (UTC). Default: no upper bound. */
  endNs?: bigint;
  /**
   * Unit of the `timestamp` column: `'ns'` (default; exact, INT64 TIMESTAMP(NANOS, UTC)) or `'us'`
   * (INT64 TIMESTAMP(MICROS, UTC), floored; for readers without nanosecond support).
   */
  timestampUnit?: 'ns' | 'us';
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
  rows: number;
  rowGroups: number;
  symbols: number;
  bytes: number;
  /** Sum of `close` as float32 values widened to f64 (what a reader of the file sums). */
  sumClose: number;
  elapsedMs: number;
}

const DEFAULT_ROW_GROUP_ROWS = 1_000_000;

/**
 * Writes `dataset` (a Dataset or its folder) to one Parquet file at `outPath`:
 *
 * | column | Parquet type | notes |
 * |---|---|---|
 * | `timestamp` | INT64 TIMESTAMP(NANOS, isAdjustedToUTC) | or MICROS with `timestampUnit: 'us'` |
 * | `symbol` | BYTE_ARRAY STRING | dictionary-encoded |
 * | `close` | FLOAT (float32) | rounded from the dataset's f64 |
 *
 * Rows are ordered by (timestamp, symbol) (symbols compared by UTF-16 code units; rows of one symbol
 * sharing a timestamp keep their stored order), merged from the per-symbol columns with a binary heap.
 * Pages are ZSTD-compressed (`@mmtape/compression` native zstd when it loads, else wasm).
 * The file is written through `writeFileAtomicAsync` of `@mmtape/errors` (`<name>.tmp-<pid>-<random>`
 * next to `outPath`, fsynced unless `durable: false`, renamed into place).
 *
 * @throws ParquetExportError (bad options, a symbol without `close`, write failure), OutputExistsError,
 *   SymbolNotFoundError.
 * @example
 * ```ts
 * const r = await exportParquet('data/us1m', 'us1m.parquet', { symbols: ['AAPL', 'MSFT'] });
 * // duckdb: SELECT symbol, count(*) FROM 'us1m.parquet' GROUP BY symbol
 * ```
 */
export async function exportParquet(
  dataset: Dataset | string,
  outPath: string,
  options: ExportParquetOptions = {},
): Promise<ExportParquetReport> {
  const started = performance.now();
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
        // One cursor per (symbol, partition slice), in symbol order then time order: a symbol's slices
        // never overlap in time, so ordering ties by cursor index = by symbol, then by stored order.
        const cursors: Cursor[] = [];
        for (const r of ranges) {
          for (const s of r.slices) {
            if (!s.file.has('close')) {
              throw new ParquetExportError(`symbol ${JSON.stringify(r.symbol)} has no "close" column`, {
                path: s.file.path,
                field: 'close',
              });
            }
            cursors.push({
              symbol: r.symbol,
              ts: s.file.timestampsNs(),
              close: s.file.f64('close'),
              row: s.startRow,
              end: s.endRow,
            });
          }
        }
        const schema: SchemaElement[] = [
          { name: 'schema', num_children: 3 },
          {
            name: 'timestamp',
            type: 'INT64',
            repetition_type: 'REQUIRED',
            ...(unit === 'us' ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}),
            logical_type: {
              type: 'TIMESTAMP',
              isAdjustedToUTC: true,
              unit: unit === 'ns' ? 'NANOS' : 'MICROS',
            },
          },
          {
            name: 'symbol',
            type: 'BYTE_ARRAY',
            repetition_type: 'REQUIRED',
            converted_type: 'UTF8',
            logical_type: { type: 'STRING' },
          },
          { name: 'close', type: 'FLOAT', repetition_type: 'REQUIRED' },
        ];
        const writer = new ParquetWriter({
          writer: fileWriter(tmp),
          schema,
          codec: 'ZSTD',
          compressors: { ZSTD: (bytes: Uint8Array) => zstdCompressSync(bytes, level) },
          createdBy: '@mmtape/columnar-format exportParquet',
          kvMetadata: [{ key: 'mmtape.order', value: 'timestamp,symbol' }],
        });
        const tsOut = new BigInt64Array(Math.min(rowGroupRows, totalRows(cursors)) || 1);
        const symOut: string[] = new Array(tsOut.length);
        const closeOut = new Float32Array(tsOut.length);
        let fill = 0;
        let rows = 0;
        let rowGroups = 0;
        let sumClose = 0;
        const flush = async (): Promise<void> => {
          if (fill === 0) return;
          const n = fill;
          await writer.write({
            columnData: [
              { name: 'timestamp', data: tsOut.subarray(0, n) },
              { name: 'symbol', data: n === symOut.length ? symOut : symOut.slice(0, n) },
              { name: 'close', data: closeOut.subarray(0, n) },
            ],
            rowGroupSize: n,
          });
          rowGroups++;
          fill = 0;
        };
        const heap = new CursorHeap(cursors);
        for (let c = heap.pop(); c !== undefined; c = heap.pop()) {
          // Emit rows of this cursor while it stays below the next cursor (ties go to the lower index).
          const next = heap.peek();
          const limitTs = next === undefined ? undefined : next.ts[next.row]!;
          const limitWins = next === undefined ? false : next.index < c.index;
          do {
            const t = c.ts[c.row]!;
            tsOut[fill] = unit === 'ns' ? t : floorDiv(t, 1000n);
            symOut[fill] = c.symbol;
            const v = Math.fround(c.close[c.row]!);
            closeOut[fill] = v;
            sumClose += v;
            fill++;
            rows++;
            c.row++;
            if (fill === tsOut.length) await flush();
          } while (
            c.row < c.end &&
            (limitTs === undefined || c.ts[c.row]! < limitTs || (c.ts[c.row] === limitTs && !limitWins))
          );
          if (c.row < c.end) heap.push(c);
        }
        await flush();
        await writer.finish();
        return {
          path,
          rows,
          rowGroups,
          symbols: new Set(cursors.map((c) => c.symbol)).size,
          bytes: statSync(tmp).size,
          sumClose,
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

interface Cursor {
  symbol: string;
  ts: BigInt64Array;
  close: Float64Array;
  row: number;
  end: number;
}

interface HeapEntry extends Cursor {
  /** Position in the (symbol, time) cursor list: the tie-breaker. */
  index: number;
}

/** Min-heap of cursors by (current timestamp, cursor index). */
class CursorHeap {
  readonly #items: HeapEntry[] = [];

  constructor(cursors: Cursor[]) {
    cursors.forEach((c, index) => {
      if (c.row < c.end) this.push(Object.assign(c, { index }));
    });
  }

  peek(): HeapEntry | undefined {
    return this.#items[0];
  }

  push(c: Cursor): void {
    const a = this.#items;
    a.push(c as HeapEntry);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): HeapEntry | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(x: HeapEntry, y: HeapEntry): boolean {
  const a = x.ts[x.row]!;
  const b = y.ts[y.row]!;
  return a < b || (a === b && x.index < y.index);
}

function totalRows(cursors: Cursor[]): number {
  let n = 0;
  for (const c of cursors) n += c.end - c.row;
  return n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}
