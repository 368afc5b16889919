/**
 * Streams one CSV (optionally gzip) file through csv-parse and appends its rows to per-symbol builders.
 */

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import {
  CsvReadError,
  FieldCountError,
  InvalidNumberError,
  InvalidSymbolError,
  InvalidTimestampError,
  isMmtapeError,
} from '../errors.js';
import { type ColumnMapping, VALUE_COLUMNS } from './ingest-options.js';
import { type ResolvedColumns, resolveColumns } from './resolve-columns.js';
import { SymbolBuilder } from './symbol-builder.js';
import type { TimestampParser } from './timestamp-parser.js';

/** State shared by all files of one ingest. */
export interface ReadContext {
  timestamps: TimestampParser;
  /** IANA zone of wall-clock values (the one `timestamps` was built with). */
  timeZone: string;
  mapping: ColumnMapping;
  delimiter: string;
  symbolFromFileName: RegExp;
  builders: Map<string, SymbolBuilder>;
  /** Missing-value counts per VALUE_COLUMNS entry. */
  missing: number[];
  /** Which VALUE_COLUMNS appear in at least one file. */
  present: boolean[];
}

/** Result for one file. */
export interface ReadFileResult {
  rowsRead: number;
  sorted: boolean;
}

/**
 * Reads `path` into `ctx.builders`.
 * @throws MissingColumnError, InvalidTimestampError, InvalidNumberError, FieldCountError,
 *   InvalidSymbolError (empty symbol field), CsvReadError (other CSV syntax/gzip/I/O errors). Messages
 *   name the file and 1-based line.
 */
export async function readCsvFile(
  ctx: ReadContext,
  fileIndex: number,
  path: string,
): Promise<ReadFileResult> {
  let cols: ResolvedColumns | undefined;
  let fileSymbol: SymbolBuilder | undefined;
  let last: SymbolBuilder | undefined;
  let rowsRead = 0;
  let sorted = true;
  const row = new Float64Array(VALUE_COLUMNS.length);
  const ts = ctx.timestamps;
  const builders = ctx.builders;

  const builderFor = (symbol: string): SymbolBuilder => {
    let b = builders.get(symbol);
    if (!b) {
      b = new SymbolBuilder(symbol);
      builders.set(symbol, b);
    }
    return b;
  };

  const onRecord = (record: string[], index: number): void => {
    if (cols === undefined) {
      cols = resolveColumns(record, ctx.mapping, path);
      cols.values.forEach((idx, c) => {
        if (idx >= 0) ctx.present[c] = true;
      });
      if (cols.symbol < 0) fileSymbol = builderFor(symbolFromPath(path, ctx.symbolFromFileName));
      return;
    }
    const c = cols;
    let ok: boolean;
    if (c.timestamp >= 0) ok = ts.parse(record[c.timestamp]!);
    else ok = ts.parseDateTime(record[c.date]!, record[c.time]!);
    if (!ok) {
      const shown = c.timestamp >= 0 ? record[c.timestamp]! : `${record[c.date]} ${record[c.time]}`;
      throw new LineError(
        index,
        (line) =>
          new InvalidTimestampError(
            `${path}:${line}: cannot parse timestamp ${JSON.stringify(shown)}; expected YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|±HH:MM] or an epoch number`,
            { path, line, expected: 'ISO 8601 date/time or epoch number', actual: shown },
          ),
      );
    }
    for (let k = 0; k < row.length; k++) {
      const idx = c.values[k]!;
      if (idx < 0) {
        row[k] = Number.NaN;
        continue;
      }
      const s = record[idx]!;
      let v = s.length === 0 ? Number.NaN : +s;
      if (Number.isNaN(v) || (v === 0 && !hasDigit(s))) {
        const t = s.trim();
        if (t.length !== 0 && t.toLowerCase() !== 'nan') {
          const field = VALUE_COLUMNS[k]!;
          throw new LineError(
            index,
            (line) =>
              new InvalidNumberError(
                `${path}:${line}: column "${field}" expected a number but found ${JSON.stringify(s)}`,
                { path, line, field, expected: 'a number or empty', actual: s },
              ),
          );
        }
        v = Number.NaN;
      }
      if (Number.isNaN(v)) ctx.missing[k]!++;
      row[k] = v;
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
  try {
    if (ctx.delimiter.length === 1 && ctx.delimiter !== '"' && (await isSimpleCsv(path))) {
      // Fast path for unquoted CSV (the common vendor export): split lines and fields directly. A line
      // holding a quote is handed to csv-parse (with the following lines while quotes are unbalanced).
      await readLines(path, (line, lineNo) => {
        const record =
          line.indexOf('"') < 0 ? line.split(ctx.delimiter) : parseQuoted(line, ctx.delimiter, path, lineNo);
        if (cols !== undefined && record.length !== cols.fieldCount) {
          throw new FieldCountError(
            `${path}:${lineNo}: expected ${cols.fieldCount} fields (as in the header) but found ${record.length}`,
            { path, line: lineNo, expected: cols.fieldCount, actual: record.length },
          );
        }
        onRecord(record, recordIndex++);
      });
    } else {
      // General path: csv-parse. Records are consumed by a Writable sink (csv-parse's on_record/info
      // options allocate two objects per record, which doubled the ingest time). Line numbers for our
      // own errors are recovered on the error path only, by re-parsing up to the failing record.
      const parser = parse({ delimiter: ctx.delimiter, bom: true, skip_empty_lines: true });
      const sink = new Writable({
        objectMode: true,
        highWaterMark: 1024,
        write: (record: string[], _enc, cb) => {
          try {
            onRecord(record, recordIndex++);
            cb();
          } catch (e) {
            cb(e as Error);
          }
        },
      });
      await run(path, parser, sink);
    }
  } catch (e) {
    if (isMmtapeError(e)) throw e;
    if (e instanceof LineError) throw e.make(await locateLine(path, ctx.delimiter, e.recordIndex));
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
  return { rowsRead, sorted };
}

/** Bytes sniffed to choose the fast path. */
const SNIFF_BYTES = 64 * 1024;

/**
 * True when the first 64 KiB have no quote character and use `\n` line ends (with or without `\r`):
 * the file is handled by the line-splitting fast path (which still defers any quoted line to csv-parse).
 */
async function isSimpleCsv(path: string): Promise<boolean> {
  const source = createReadStream(path, path.toLowerCase().endsWith('.gz') ? {} : { end: SNIFF_BYTES - 1 });
  const stream = path.toLowerCase().endsWith('.gz') ? source.pipe(createGunzip()) : source;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.byteLength >= SNIFF_BYTES) break;
    }
  } finally {
    source.destroy();
    stream.destroy();
  }
  if (head.includes(0x22)) return false; // '"'
  const cr = head.indexOf(0x0d);
  return cr < 0 || head[cr + 1] === 0x0a;
}

/**
 * Streams `path` (gunzipping `*.gz`) as UTF-8 lines without their `\n`/`\r\n`; skips a BOM and empty
 * lines; calls `onLine` with the 1-based line number. A line with an odd number of quotes is joined
 * with the following lines until the quotes balance (a quoted field spanning lines). Memory is bounded
 * by the stream chunk size, so files larger than memory work.
 */
async function readLines(path: string, onLine: (line: string, lineNo: number) => void): Promise<void> {
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = path.toLowerCase().endsWith('.gz') ? source.pipe(createGunzip()) : source;
  if (stream !== source) source.on('error', (e: Error) => stream.destroy(e));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let pending: string | undefined;
  let pendingLine = 0;
  let first = true;
  const emit = (raw: string): void => {
    lineNo++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (pending !== undefined) {
      line = `${pending}\n${line}`;
      pending = undefined;
    }
    if (line.length === 0) return;
    if (line.indexOf('"') >= 0 && countQuotes(line) % 2 === 1) {
      pending = line;
      pendingLine ||= lineNo;
      return;
    }
    const at = pendingLine || lineNo;
    pendingLine = 0;
    onLine(line, at);
  };
  try {
    for await (const chunk of stream) {
      let text = rest + decoder.write(chunk as Buffer);
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        emit(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) emit(rest);
    if (pending !== undefined) onLine(pending, pendingLine);
  } finally {
    source.destroy();
  }
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** One (possibly multi-line) record with quotes, parsed by csv-parse. */
function parseQuoted(text: string, delimiter: string, path: string, lineNo: number): string[] {
  try {
    const records = parseSync(text, { delimiter, relax_column_count: true }) as string[][];
    return records[0] ?? [];
  } catch (e) {
    throw new CsvReadError(`${path}:${lineNo}: cannot read CSV: ${(e as Error).message}`, {
      path,
      line: lineNo,
      cause: e,
    });
  }
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
function run(path: string, parser: NodeJS.ReadWriteStream, sink: NodeJS.WritableStream): Promise<void> {
  const source = createReadStream(path);
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
    await run(path, parser, sink);
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

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}
