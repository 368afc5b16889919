/**
 * Streams one CSV (optionally gzip) file and appends its rows to per-symbol builders. Plain (unquoted)
 * files are parsed by uDSV (see `read-plain-csv.ts`); files whose first 64 KiB hold quotes or bare `\r`
 * line ends, and files the fast path refuses later on (a quote, a malformed line), are parsed by
 * csv-parse. Both hand string fields to the same row handler (numbers, timestamps, symbols).
 */

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import {
  CsvReadError,
  FieldCountError,
  InvalidSymbolError,
  InvalidTimestampError,
  isMmtapeError,
} from '../errors.js';
import { FileValueColumns } from './file-value-columns.js';
import type { ColumnMapping } from './ingest-options.js';
import { parseDecimal } from './parse-decimal.js';
import { NotPlainCsvError, readPlainCsv, sniffPlainCsv } from './read-plain-csv.js';
import type { LineRange } from './read-text-chunks.js';
import { type ResolvedColumns, resolveColumns } from './resolve-columns.js';
import { SymbolBuilder } from './symbol-builder.js';
import type { TimestampParser } from './timestamp-parser.js';

/**
 * State of one read (a file or a byte range of it; `readInputFile` makes one per task). The reader may
 * discard and redo what it added (fast path refused mid-file), so it must not hold other files' rows.
 */
export interface ReadContext {
  timestamps: TimestampParser;
  /** IANA zone of wall-clock values (the one `timestamps` was built with). */
  timeZone: string;
  mapping: ColumnMapping;
  /** `IngestOptions.columnMap` (stored name → input column). */
  columnMap: Readonly<Record<string, string>>;
  /** ±Infinity in price columns is left to the bad-prices hygiene step instead of being an error. */
  repairNonFinitePrices: boolean;
  delimiter: string;
  symbolFromFileName: RegExp;
  builders: Map<string, SymbolBuilder>;
  /** Progress: called with the bytes of the file read so far by the current pass (compressed for `*.gz`). */
  onBytesRead?: ((bytes: number) => void) | undefined;
}

/** Result for one file. */
export interface ReadFileResult {
  rowsRead: number;
  sorted: boolean;
  /** The file's value columns; undefined for a file without a header (empty). */
  columns: FileValueColumns | undefined;
}

/**
 * Reads `path` into `ctx.builders`; with `range`, only the lines starting in that byte range of a plain
 * CSV file, parsed by uDSV (the header is still taken from the file's first line).
 * @throws NotPlainCsvError (with `range` only: the range is not plain CSV, the caller must read the
 *   whole file; with `range`, errors carry line 0 and the caller re-reads the whole file to report them),
 *   MissingColumnError, InvalidTimestampError, InvalidNumberError, FieldCountError,
 *   InvalidSymbolError (empty symbol field), CsvReadError (other CSV syntax/gzip/I/O errors). Messages
 *   name the file and 1-based line.
 */
export async function readCsvFile(
  ctx: ReadContext,
  fileIndex: number,
  path: string,
  range?: LineRange,
): Promise<ReadFileResult> {
  let cols: ResolvedColumns | undefined;
  let values: FileValueColumns | undefined;
  let fileSymbol: SymbolBuilder | undefined;
  let last: SymbolBuilder | undefined;
  let rowsRead = 0;
  let sorted = true;
  let row = new Float64Array(0);
  const ts = ctx.timestamps;
  const builders = ctx.builders;

  const builderFor = (symbol: string): SymbolBuilder => {
    let b = builders.get(symbol);
    if (!b) {
      b = new SymbolBuilder(symbol, values!.names);
      builders.set(symbol, b);
    }
    return b;
  };

  let recordAt = 0; // index of the record being handled, for lineFail
  const lineFail = (make: (line: number) => Error): Error => new LineError(recordAt, make);
  const onRecord = (record: string[], index: number): void => {
    recordAt = index;
    if (cols === undefined) {
      cols = resolveColumns(record, ctx.mapping, ctx.columnMap, path);
      values = new FileValueColumns(cols.values, cols.replaced, ctx.repairNonFinitePrices);
      row = new Float64Array(cols.values.length);
      if (cols.symbol < 0) fileSymbol = builderFor(symbolFromPath(path, ctx.symbolFromFileName));
      return;
    }
    const c = cols;
    let ok: boolean;
    if (c.timestamp >= 0) ok = ts.parse(record[c.timestamp]!);
    else ok = ts.parseDateTime(record[c.date]!, record[c.time]!);
    if (!ok) {
      const shown = c.timestamp >= 0 ? record[c.timestamp]! : `${record[c.date]} ${record[c.time]}`;
      throw new LineError(index, (line) => invalidTimestamp(path, line, shown));
    }
    const vc = values!;
    const sources = vc.sources;
    for (let k = 0; k < sources.length; ) {
      const s = record[sources[k]!.index]!;
      const v = numberFromText(s);
      const odd = v === undefined || v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY;
      if (odd && !vc.take(k, v, s, builders.values(), lineFail, path)) {
        continue; // column k was not numeric and is dropped; the next one moved to k
      }
      if (v !== undefined && Number.isNaN(v)) vc.missing[k]!++;
      else vc.numeric[k] = true;
      row[k] = v!;
      k++;
    }
    let b = fileSymbol;
    if (b === undefined) {
      const sym = record[c.symbol]!.trim();
      if (sym.length === 0) {
        throw new LineError(
          index,
          (line) =>
            new InvalidSymbolError(`${path}:${line}: symbol field is empty`, { path, line, field: 'symbol' }),
        );
      }
      b = last !== undefined && last.symbol === sym ? last : builderFor(sym);
      last = b;
    }
    if (!b.push(ts.ms, ts.subMsNs, fileIndex, row)) sorted = false;
    rowsRead++;
  };

  let recordIndex = 0;
  const onFields = (record: string[]): void => onRecord(record, recordIndex++);

  try {
    if (range !== undefined) {
      // One byte range of a plain, unquoted file (see splitting in ingest.ts), parsed by uDSV; the
      // header is the file's first non-empty line. Anything the fast path refuses (a quote could open
      // a field that spans the range boundary) is a NotPlainCsvError, and the caller then reads the
      // whole file. Line numbers would be relative to the range, so the caller also re-reads the whole
      // file to report any error.
      const head = await sniffPlainCsv(path);
      if (head === undefined) throw new NotPlainCsvError(path, 'not plain at its head');
      await readPlainCsv(path, head, ctx.delimiter, onFields, range, ctx.onBytesRead);
    } else {
      const head = fastPathDelimiter(ctx.delimiter) ? await sniffPlainCsv(path) : undefined;
      let plain = head !== undefined;
      if (head !== undefined) {
        // Fast path for unquoted CSV (the common vendor export): uDSV splits lines and fields.
        try {
          await readPlainCsv(path, head, ctx.delimiter, onFields, undefined, ctx.onBytesRead);
        } catch (e) {
          if (!(e instanceof NotPlainCsvError)) throw e;
          // A quote or a malformed line: start again with csv-parse (exact records and errors).
          plain = false;
          ctx.builders.clear();
          cols = fileSymbol = last = values = undefined;
          rowsRead = 0;
          sorted = true;
          recordIndex = 0;
        }
      }
      if (!plain) {
        // General path: csv-parse. Records are consumed by a Writable sink (csv-parse's on_record/info
        // options allocate two objects per record, which doubled the ingest time). Line numbers for our
        // own errors are recovered on the error path only, by re-parsing up to the failing record.
        const parser = parse({ delimiter: ctx.delimiter, bom: true, skip_empty_lines: true });
        const sink = new Writable({
          objectMode: true,
          highWaterMark: 1024,
          write: (record: string[], _enc, cb) => {
            try {
              onFields(record);
              cb();
            } catch (e) {
              cb(e as Error);
            }
          },
        });
        await run(path, parser, sink, ctx.onBytesRead);
      }
    }
  } catch (e) {
    if (isMmtapeError(e)) throw e;
    if (e instanceof NotPlainCsvError) throw e;
    if (e instanceof LineError) {
      // A range's line would be relative to the range; the caller re-reads the whole file to report it.
      throw e.make(range === undefined ? await locateLine(path, ctx.delimiter, e.recordIndex) : 0);
    }
    const err = e as { code?: string; lines?: number; record?: unknown[]; message?: string };
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const expected = cols?.fieldCount ?? 0;
      const actual = Array.isArray(err.record) ? err.record.length : -1;
      throw new FieldCountError(
        `${path}:${err.lines}: expected ${expected} fields (as in the header) but found ${actual}`,
        { path, line: err.lines, expected, actual, cause: e },
      );
    }
    const where = err.lines !== undefined ? `${path}:${err.lines}` : path;
    throw new CsvReadError(`${where}: cannot read CSV: ${err.message ?? String(e)}`, {
      path,
      line: err.lines,
      cause: e,
    });
  }
  return { rowsRead, sorted, columns: values };
}

/** True when the fast path can take `delimiter`: one ASCII character other than `"`. */
function fastPathDelimiter(delimiter: string): boolean {
  return delimiter.length === 1 && delimiter.charCodeAt(0) < 0x80 && delimiter !== '"';
}

/** Error raised inside the record loop; the 1-based line is filled in afterwards by {@link locateLine}. */
class LineError extends Error {
  constructor(
    readonly recordIndex: number,
    readonly make: (line: number) => Error,
  ) {
    super(`record ${recordIndex}`);
  }
}

/** Parses `path` (gunzipping `*.gz`) into `sink` through `parser`; every stream's error rejects. */
function run(
  path: string,
  parser: NodeJS.ReadWriteStream,
  sink: NodeJS.WritableStream,
  onBytesRead: ((bytes: number) => void) | undefined,
): Promise<void> {
  const source = createReadStream(path);
  if (onBytesRead !== undefined) source.on('data', () => onBytesRead(source.bytesRead));
  return path.toLowerCase().endsWith('.gz')
    ? pipeline(source, createGunzip(), parser, sink)
    : pipeline(source, parser, sink);
}

/**
 * 1-based line on which record `recordIndex` (0 = header) ends, found by parsing the file again with
 * csv-parse's `info` (slow, error path only; exact with empty lines and quoted newlines).
 */
async function locateLine(path: string, delimiter: string, recordIndex: number): Promise<number> {
  let line = -1;
  const parser = parse({ delimiter, bom: true, skip_empty_lines: true, info: true, to: recordIndex + 1 });
  const sink = new Writable({
    objectMode: true,
    write: (rec: { info: { lines: number } }, _enc, cb) => {
      line = rec.info.lines;
      cb();
    },
  });
  try {
    await run(path, parser, sink, undefined);
  } catch {
    // the first parse already succeeded up to this record
  }
  return line;
}

/** Symbol for a file without a symbol column (see IngestOptions.symbolFromFileName). */
export function symbolFromPath(path: string, pattern: RegExp): string {
  const base = basename(path);
  const m = pattern.exec(base);
  pattern.lastIndex = 0;
  if (!m) return base;
  return m[1] ?? m[0];
}

/**
 * A value field's number: NaN for a missing value (empty, blanks, `NaN` in any case), undefined when the
 * text is not a number. Accepts what `Number()` accepts (`1e5`, ` 2 `, `0x1f`, `Infinity`).
 */
function numberFromText(s: string): number | undefined {
  const d = parseDecimal(s); // the common shape, faster than Number()
  if (!Number.isNaN(d)) return d;
  const v = s.length === 0 ? Number.NaN : +s;
  if (Number.isNaN(v) || (v === 0 && !hasDigit(s))) {
    const t = s.trim();
    if (t.length !== 0 && t.toLowerCase() !== 'nan') return undefined;
    return Number.NaN;
  }
  return v;
}

function invalidTimestamp(path: string, line: number, shown: string): InvalidTimestampError {
  return new InvalidTimestampError(
    `${path}:${line}: cannot parse timestamp ${JSON.stringify(shown)}; expected YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|±HH:MM] or an epoch number`,
    { path, line, expected: 'ISO 8601 date/time or epoch number', actual: shown },
  );
}

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}
