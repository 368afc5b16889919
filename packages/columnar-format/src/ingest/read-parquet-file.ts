/**
 * Reads one Parquet file into per-symbol builders, one row group at a time (hyparquet +
 * hyparquet-compressors: ZSTD, Snappy, GZIP, Brotli, LZ4), with the same column mapping and
 * auto-detection rules as CSV (`resolve-columns.ts`, applied to the top-level column names).
 *
 * Timestamp column: an INT64 `TIMESTAMP(MILLIS|MICROS|NANOS)` (or legacy `TIMESTAMP_MILLIS/MICROS`,
 * INT96) is an instant — UTC-adjusted values are taken as is, `isAdjustedToUTC = false` values are wall
 * clock in `timeZone`; a `DATE` is midnight in `timeZone`; a string goes through the CSV timestamp
 * parser; a plain integer is an epoch number (unit by magnitude or `timestampUnit`).
 */

import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetScan,
  type SchemaElement,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InvalidSymbolError, InvalidTimestampError, isMmtapeError, ParquetReadError } from '../errors.js';
import { FileValueColumns } from './file-value-columns.js';
import type { ReadContext, ReadFileResult } from './read-csv-file.js';
import { symbolFromPath } from './read-csv-file.js';
import { resolveColumns, type ValueColumnSource } from './resolve-columns.js';
import { SymbolBuilder } from './symbol-builder.js';

const NS_PER_MS = 1_000_000n;
/** 86,400 s * 1e9: ns per day, for DATE (days since the epoch). */
const NS_PER_DAY = 86_400_000_000_000n;

/** hyparquet parsers that turn every timestamp/date representation into int64 ns (bigint). */
const TO_NS = {
  timestampFromMilliseconds: (v: bigint) => BigInt(v) * NS_PER_MS,
  timestampFromMicroseconds: (v: bigint) => BigInt(v) * 1000n,
  timestampFromNanoseconds: (v: bigint) => BigInt(v),
  dateFromDays: (days: number) => BigInt(days) * NS_PER_DAY,
};

/**
 * Reads `path` into `ctx.builders`.
 * @throws MissingColumnError, InvalidTimestampError, InvalidNumberError, InvalidSymbolError (messages
 *   name the file and the 1-based row), ParquetReadError (not Parquet, unsupported feature, I/O).
 */
export async function readParquetFile(
  ctx: ReadContext,
  fileIndex: number,
  path: string,
): Promise<ReadFileResult> {
  let metadata: FileMetaData;
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (cause) {
    throw new ParquetReadError(
      `${path}: cannot read Parquet metadata: ${(cause as Error).message ?? cause}`,
      {
        path,
        cause,
      },
    );
  }
  // Top-level columns: schema[0] is the root; walk its children, skipping nested subtrees.
  const top: SchemaElement[] = [];
  for (let i = 1; i < metadata.schema.length; ) {
    const el = metadata.schema[i]!;
    top.push(el);
    i += 1 + countDescendants(metadata.schema, i);
  }
  const header = top.map((e) => e.name);
  const cols = resolveColumns(header, ctx.mapping, ctx.columnMap, path);
  // Nested (group) and date/time columns other than the time column are not values: skipped, unless
  // standard or mapped (then a non-number is reported as such).
  const isValue = (c: ValueColumnSource): boolean =>
    c.required || ((top[c.index]!.num_children ?? 0) === 0 && !isTemporal(top[c.index]!));
  const values = new FileValueColumns(cols.values.filter(isValue), cols.replaced, ctx.repairNonFinitePrices);
  for (const c of cols.values) {
    if (!isValue(c)) values.skipped.push({ header: c.header, example: `(${describeType(top[c.index]!)})` });
  }
  const needed = [
    cols.timestamp,
    cols.date,
    cols.time,
    cols.symbol,
    ...cols.values.map((c) => c.index),
  ].filter((i) => i >= 0);
  const names = [...new Set(needed.map((i) => header[i]!))];
  const tsElement = cols.timestamp >= 0 ? top[cols.timestamp]! : undefined;
  const tsTyped = tsElement !== undefined && isTemporal(tsElement);
  const tsNaive = tsElement !== undefined && isNaive(tsElement);
  const utc = ctx.timeZone === 'UTC' || ctx.timeZone === 'Etc/UTC';
  const builders = ctx.builders;
  const builderFor = (symbol: string): SymbolBuilder => {
    let b = builders.get(symbol);
    if (!b) {
      b = new SymbolBuilder(symbol, values.names);
      builders.set(symbol, b);
    }
    return b;
  };
  const fileSymbol = cols.symbol < 0 ? builderFor(symbolFromPath(path, ctx.symbolFromFileName)) : undefined;
  const ts = ctx.timestamps;
  const row = new Float64Array(cols.values.length);
  let rowsRead = 0;
  let sorted = true;
  let last: SymbolBuilder | undefined;

  try {
    const scan = await parquetScan({ file, metadata, columns: names, compressors, parsers: TO_NS });
    for (const range of scan.ranges) {
      const read = async (index: number) =>
        index < 0
          ? undefined
          : ((await scan.readColumn({
              column: header[index]!,
              rowStart: range.rowStart,
              rowEnd: range.rowEnd,
            })) as ArrayLike<unknown>);
      const tsCol = await read(cols.timestamp);
      const dateCol = await read(cols.date);
      const timeCol = await read(cols.time);
      const symCol = await read(cols.symbol);
      const valueCols = new Map<number, ArrayLike<unknown>>();
      for (const c of values.sources) valueCols.set(c.index, (await read(c.index))!);
      const n = range.rowEnd - range.rowStart;
      for (let j = 0; j < n; j++) {
        const rowNo = range.rowStart + j + 1;
        let ms: number;
        let sub: number;
        if (tsCol !== undefined) {
          const v = tsCol[j];
          if (tsTyped && typeof v === 'bigint' && (!tsNaive || utc)) {
            ms = Number(v / NS_PER_MS);
            sub = Number(v % NS_PER_MS);
            if (sub < 0) {
              sub += 1_000_000;
              ms -= 1;
            }
          } else {
            const text = tsTyped && typeof v === 'bigint' ? naiveIso(v) : textOf(v);
            if (text === undefined || !ts.parse(text)) throw badTimestamp(path, rowNo, v);
            ms = ts.ms;
            sub = ts.subMsNs;
          }
        } else {
          const d = dateCol![j];
          const t = timeCol![j];
          const dText = typeof d === 'bigint' ? naiveIso(d).slice(0, 10) : textOf(d);
          const tText = textOf(t);
          if (dText === undefined || tText === undefined || !ts.parseDateTime(dText, tText)) {
            throw badTimestamp(path, rowNo, `${String(d)} ${String(t)}`);
          }
          ms = ts.ms;
          sub = ts.subMsNs;
        }
        const sources = values.sources;
        for (let k = 0; k < sources.length; ) {
          const raw = valueCols.get(sources[k]!.index)![j];
          const v = toNumber(raw);
          if (!values.take(k, v, String(raw), builders.values(), (make) => make(rowNo), path)) continue;
          row[k] = v!;
          k++;
        }
        let b = fileSymbol;
        if (b === undefined) {
          const raw = symCol![j];
          const sym = typeof raw === 'string' ? raw.trim() : raw == null ? '' : String(raw).trim();
          if (sym.length === 0) {
            throw new InvalidSymbolError(`${path}: row ${rowNo}: symbol field is empty`, {
              path,
              line: rowNo,
              field: 'symbol',
            });
          }
          b = last !== undefined && last.symbol === sym ? last : builderFor(sym);
          last = b;
        }
        if (!b.push(ms, sub, fileIndex, row)) sorted = false;
        rowsRead++;
      }
    }
  } catch (e) {
    if (isMmtapeError(e)) throw e;
    throw new ParquetReadError(`${path}: cannot read Parquet: ${(e as Error).message ?? e}`, {
      path,
      cause: e,
    });
  }
  return { rowsRead, sorted, columns: values };
}

function countDescendants(schema: SchemaElement[], i: number): number {
  let n = 0;
  let pending = schema[i]!.num_children ?? 0;
  let j = i + 1;
  while (pending > 0) {
    pending--;
    n++;
    pending += schema[j]!.num_children ?? 0;
    j++;
  }
  return n;
}

/** Columns hyparquet converts through the timestamp/date parsers (so values arrive as bigint ns). */
function isTemporal(e: SchemaElement): boolean {
  const lt = e.logical_type?.type;
  return (
    e.type === 'INT96' ||
    e.converted_type === 'DATE' ||
    e.converted_type === 'TIMESTAMP_MILLIS' ||
    e.converted_type === 'TIMESTAMP_MICROS' ||
    lt === 'TIMESTAMP' ||
    lt === 'DATE'
  );
}

/** `nested column` or the logical/converted/physical type of a column, for the skipped-columns report. */
function describeType(e: SchemaElement): string {
  if ((e.num_children ?? 0) > 0) return 'nested column';
  return `${e.logical_type?.type ?? e.converted_type ?? e.type} column`;
}

/** Wall-clock columns: DATE and TIMESTAMP with isAdjustedToUTC = false. */
function isNaive(e: SchemaElement): boolean {
  const lt = e.logical_type;
  if (e.converted_type === 'DATE' || lt?.type === 'DATE') return true;
  return lt?.type === 'TIMESTAMP' && lt.isAdjustedToUTC === false;
}

/** int64 ns as `YYYY-MM-DDTHH:MM:SS.fffffffff` without a zone (wall clock). */
function naiveIso(ns: bigint): string {
  let ms = Number(ns / NS_PER_MS);
  let sub = Number(ns % NS_PER_MS);
  if (sub < 0) {
    sub += 1_000_000;
    ms -= 1;
  }
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.fffZ
  return `${iso.slice(0, 23)}${String(sub).padStart(6, '0')}`;
}

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  return undefined;
}

/** A value as a number: null/undefined -> NaN; undefined return = not a number. */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.length === 0 || t.toLowerCase() === 'nan') return Number.NaN;
    const x = Number(t);
    return Number.isNaN(x) ? undefined : x;
  }
  return undefined;
}

function badTimestamp(path: string, row: number, v: unknown): InvalidTimestampError {
  const shown = typeof v === 'bigint' ? v.toString() : String(v);
  return new InvalidTimestampError(
    `${path}: row ${row}: cannot parse timestamp ${JSON.stringify(shown)}; expected a Parquet TIMESTAMP/DATE, an ISO 8601 string or an epoch number`,
    { path, line: row, expected: 'TIMESTAMP, DATE, ISO 8601 string or epoch number', actual: shown },
  );
}
