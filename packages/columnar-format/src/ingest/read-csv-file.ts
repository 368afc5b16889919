/**
 * Streams one CSV (optionally gzip) file and appends its rows to per-symbol builders. Plain files take
 * a byte fast path (lines and fields located in the raw bytes, numbers and timestamps parsed without
 * creating strings); the header, any line holding a quote, and files whose first 64 KiB hold quotes or
 * bare `\r` line ends are parsed by csv-parse.
 */

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
import { parseDecimalBytes } from './parse-decimal.js';
import { type LineRange, readLineBuffers } from './read-line-buffers.js';
import { type ResolvedColumns, resolveColumns } from './resolve-columns.js';
import { SymbolBuilder } from './symbol-builder.js';
import type { TimestampParser } from './timestamp-parser.js';

const VALUE_COUNT = VALUE_COLUMNS.length;

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
 * Reads `path` into `ctx.builders`; with `range`, only the lines starting in that byte range of a plain
 * CSV file (the header is still taken from the file's first line).
 * @throws QuoteInRangeError (with `range` only: the caller must read the whole file),
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
      throw new LineError(index, (line) => invalidTimestamp(path, line, shown));
    }
    for (let k = 0; k < row.length; k++) {
      const idx = c.values[k]!;
      if (idx < 0) {
        row[k] = Number.NaN;
        continue;
      }
      const s = record[idx]!;
      const v = numberFromText(s);
      if (v === undefined) throw new LineError(index, (line) => invalidNumber(path, line, k, s));
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
  // Byte fast path state (unquoted lines after the header): field bounds of the current line.
  const delimiterByte = ctx.delimiter.charCodeAt(0);
  let fieldStart = new Int32Array(0);
  let fieldEnd = new Int32Array(0);
  /** The raw bytes of the last symbol field seen by the byte path, and its builder. */
  let lastSymbolBytes: Buffer | undefined;
  let lastBytesBuilder: SymbolBuilder | undefined;
  const text = (b: Buffer, k: number): string => b.toString('utf8', fieldStart[k]!, fieldEnd[k]!);

  /**
   * One data line `b[start, end)`: fields located and parsed without creating strings. Returns false,
   * having done nothing, when the line holds a quote (it then goes through csv-parse).
   */
  const onLineBytes = (b: Buffer, start: number, end: number, lineNo: number): boolean => {
    const c = cols!;
    const fieldCount = c.fieldCount;
    let f = 0;
    let at = start;
    for (let i = start; i < end; i++) {
      const ch = b[i];
      if (ch === 0x22 /* '"' */) {
        if (range !== undefined) throw new QuoteInRangeError(path, range);
        return false;
      }
      if (ch === delimiterByte) {
        if (f < fieldCount) {
          fieldStart[f] = at;
          fieldEnd[f] = i;
        }
        f++;
        at = i + 1;
      }
    }
    if (f < fieldCount) {
      fieldStart[f] = at;
      fieldEnd[f] = end;
    }
    f++;
    if (f !== fieldCount) {
      throw new FieldCountError(
        `${path}:${lineNo}: expected ${fieldCount} fields (as in the header) but found ${f}`,
        { path, line: lineNo, expected: fieldCount, actual: f },
      );
    }
    recordIndex++;
    let ok: boolean;
    if (c.timestamp >= 0) {
      const k = c.timestamp;
      ok = ts.parseBytes(b, fieldStart[k]!, fieldEnd[k]!) || ts.parse(text(b, k));
    } else {
      ok =
        ts.parseDateTimeBytes(
          b,
          fieldStart[c.date]!,
          fieldEnd[c.date]!,
          fieldStart[c.time]!,
          fieldEnd[c.time]!,
        ) || ts.parseDateTime(text(b, c.date), text(b, c.time));
    }
    if (!ok) {
      const shown = c.timestamp >= 0 ? text(b, c.timestamp) : `${text(b, c.date)} ${text(b, c.time)}`;
      throw invalidTimestamp(path, lineNo, shown);
    }
    for (let k = 0; k < VALUE_COUNT; k++) {
      const idx = c.values[k]!;
      if (idx < 0) {
        row[k] = Number.NaN;
        continue;
      }
      const fs = fieldStart[idx]!;
      const fe = fieldEnd[idx]!;
      let v = parseDecimalBytes(b, fs, fe);
      if (Number.isNaN(v)) {
        const t = b.toString('utf8', fs, fe);
        const parsed = numberFromText(t);
        if (parsed === undefined) throw invalidNumber(path, lineNo, k, t);
        v = parsed;
        if (Number.isNaN(v)) ctx.missing[k]!++;
      }
      row[k] = v;
    }
    let builder = fileSymbol;
    if (builder === undefined) {
      const fs = fieldStart[c.symbol]!;
      const fe = fieldEnd[c.symbol]!;
      if (lastBytesBuilder !== undefined && sameBytes(lastSymbolBytes!, b, fs, fe)) {
        builder = lastBytesBuilder;
      } else {
        const sym = b.toString('utf8', fs, fe).trim();
        if (sym.length === 0) {
          throw new InvalidSymbolError(`${path}:${lineNo}: symbol field is empty`, {
            path,
            line: lineNo,
            field: 'symbol',
          });
        }
        builder = last !== undefined && last.symbol === sym ? last : builderFor(sym);
        last = builder;
        lastBytesBuilder = builder;
        lastSymbolBytes = Buffer.from(b.subarray(fs, fe));
      }
    }
    if (!builder.push(ts.ms, ts.subMsNs, fileIndex, row)) sorted = false;
    rowsRead++;
    return true;
  };

  try {
    if (range !== undefined) {
      // One byte range of a plain, unquoted file (see splitting in ingest.ts): the header is the file's
      // first non-empty line; only unquoted data lines are accepted (a quote could open a field that
      // spans the range boundary), anything else is a QuoteInRangeError and the caller reads the whole
      // file instead. Line numbers are relative to the range, so the caller also re-reads the whole
      // file to report any error.
      let header: string | undefined;
      await readLineBuffers(path, (b, start, end) => {
        header = b.toString('utf8', start, end);
        return true;
      });
      if (header === undefined || header.indexOf('"') >= 0) throw new QuoteInRangeError(path, range);
      onRecord(header.split(ctx.delimiter), recordIndex++);
      fieldStart = new Int32Array(cols!.fieldCount);
      fieldEnd = new Int32Array(cols!.fieldCount);
      let headerSkipped = range.startBytes > 0;
      await readLineBuffers(
        path,
        (b, start, end, lineNo) => {
          if (!headerSkipped) {
            headerSkipped = true; // range 0 starts with the header line
            return undefined;
          }
          onLineBytes(b, start, end, lineNo);
          return undefined;
        },
        range,
      );
    } else if (
      ctx.delimiter.length === 1 &&
      delimiterByte < 0x80 &&
      ctx.delimiter !== '"' &&
      (await isSimpleCsv(path))
    ) {
      // Fast path for unquoted CSV (the common vendor export): lines are split on bytes and numbers and
      // timestamps parsed from bytes. The header, and any line holding a quote (with the following lines
      // while quotes are unbalanced), is decoded and its fields are parsed by csv-parse.
      let pending: string | undefined;
      let pendingLine = 0;
      /** A complete record's text (quotes balanced), first line `at`. */
      const onRecordText = (line: string, at: number): void => {
        const record =
          line.indexOf('"') < 0 ? line.split(ctx.delimiter) : parseQuoted(line, ctx.delimiter, path, at);
        if (cols !== undefined && record.length !== cols.fieldCount) {
          throw new FieldCountError(
            `${path}:${at}: expected ${cols.fieldCount} fields (as in the header) but found ${record.length}`,
            { path, line: at, expected: cols.fieldCount, actual: record.length },
          );
        }
        onRecord(record, recordIndex++);
        if (cols !== undefined && fieldStart.length !== cols.fieldCount) {
          fieldStart = new Int32Array(cols.fieldCount);
          fieldEnd = new Int32Array(cols.fieldCount);
        }
      };
      await readLineBuffers(path, (b, start, end, lineNo): undefined => {
        if (cols !== undefined && pending === undefined && onLineBytes(b, start, end, lineNo))
          return undefined;
        let line = b.toString('utf8', start, end);
        if (pending !== undefined) {
          line = `${pending}\n${line}`;
          pending = undefined;
        }
        if (line.indexOf('"') >= 0 && countQuotes(line) % 2 === 1) {
          pending = line; // a quoted field spans lines: join until the quotes balance
          pendingLine ||= lineNo;
          return undefined;
        }
        const at = pendingLine || lineNo;
        pendingLine = 0;
        onRecordText(line, at);
        return undefined;
      });
      if (pending !== undefined) onRecordText(pending, pendingLine);
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

/**
 * A byte range met a quote (or a quoted header): it cannot be parsed on its own, because a quoted field
 * may span the range boundary. Internal: the caller reads the whole file instead.
 */
export class QuoteInRangeError extends Error {
  constructor(path: string, range: LineRange) {
    super(`${path}: bytes ${range.startBytes}..${range.endBytes} hold a quote; read the file as a whole`);
    this.name = 'QuoteInRangeError';
  }
}

/** Bytes sniffed to choose the fast path. */
const SNIFF_BYTES = 64 * 1024;

/**
 * True when the first 64 KiB have no quote character and use `\n` line ends (with or without `\r`):
 * the file is handled by the line-splitting fast path (which still defers any quoted line to csv-parse).
 */
export async function isSimpleCsv(path: string): Promise<boolean> {
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

/**
 * A value field's number: NaN for a missing value (empty, blanks, `NaN` in any case), undefined when the
 * text is not a number. Accepts what `Number()` accepts (`1e5`, ` 2 `, `0x1f`, `Infinity`).
 */
function numberFromText(s: string): number | undefined {
  const v = s.length === 0 ? Number.NaN : +s;
  if (Number.isNaN(v) || (v === 0 && !hasDigit(s))) {
    const t = s.trim();
    if (t.length !== 0 && t.toLowerCase() !== 'nan') return undefined;
    return Number.NaN;
  }
  return v;
}

function invalidNumber(path: string, line: number, k: number, actual: string): InvalidNumberError {
  const field = VALUE_COLUMNS[k]!;
  return new InvalidNumberError(
    `${path}:${line}: column "${field}" expected a number but found ${JSON.stringify(actual)}`,
    { path, line, field, expected: 'a number or empty', actual },
  );
}

function invalidTimestamp(path: string, line: number, shown: string): InvalidTimestampError {
  return new InvalidTimestampError(
    `${path}:${line}: cannot parse timestamp ${JSON.stringify(shown)}; expected YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|±HH:MM] or an epoch number`,
    { path, line, expected: 'ISO 8601 date/time or epoch number', actual: shown },
  );
}

/** True when `b[start, end)` equals `expected` (a short symbol: a loop beats a native call). */
function sameBytes(expected: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (expected.length !== end - start) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== b[start + i]) return false;
  return true;
}

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}
