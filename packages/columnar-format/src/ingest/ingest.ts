/**
 * CSV / Parquet -> a new generation of a dataset folder (column files plus manifest.json), atomically, with
 * input files parsed in parallel on worker threads.
 */

import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { checkOutDir, DatasetWriter } from '../dataset-writer.js';
import { InvalidIngestOptionsError, InvalidSymbolError, NoDataError } from '../errors.js';
import { symbolToFileName } from '../symbol-file-name.js';
import type { ColumnInput } from '../write-column-file.js';
import { applyHygiene, compileHygiene, emptyHygieneReport } from './apply-hygiene.js';
import {
  countSuspectPrices,
  emptySuspectPriceCounts,
  type SuspectPriceCounts,
  type SuspectRow,
} from './count-suspect-prices.js';
import {
  type IngestColumnReport,
  type IngestFileReport,
  type IngestOptions,
  type IngestReport,
  type IngestSkippedColumn,
  type IngestSymbolReport,
  type IngestWarning,
  VALUE_COLUMNS,
} from './ingest-options.js';
import { createFileTaskRunner, workerCount } from './ingest-pool.js';
import { listInputFiles } from './list-input-files.js';
import { normalizeColumnName, RESERVED_COLUMN_NAMES, STORED_COLUMN_NAME } from './normalize-column-name.js';
import { planFileTasks } from './plan-file-tasks.js';
import { type FileChunks, type ReadFileTask, runFileTaskInProcess } from './read-input-file.js';
import type { LineRange } from './read-text-chunks.js';
import type { ReplacedColumn } from './resolve-columns.js';
import { reviveError } from './revive-error.js';
import { runInOrder } from './run-in-order.js';
import { SymbolBuilder } from './symbol-builder.js';
import { isValidTimeZone } from './timestamp-parser.js';

/**
 * Default of IngestOptions.symbolFromFileName: base name without `.csv`/`.csv.gz`/`.parquet` and a
 * trailing `_data`.
 */
export const DEFAULT_SYMBOL_FROM_FILE_NAME = /^(.+?)(?:_data)?\.(?:csv(?:\.gz)?|parquet)$/i;

const TIMESTAMP_UNITS = ['iso', 's', 'ms', 'us', 'ns'];

/**
 * Ingests CSV and Parquet files into a dataset folder: rows grouped by symbol across files, stable-sorted by time
 * (only when needed), exact duplicates dropped, one column file per symbol (`ts` i64 ns UTC, then every
 * numeric input column as f64: the present of open/high/low/close/volume, then the others, named in
 * snake_case, see {@link IngestReport.columns}) and `manifest.json`.
 *
 * Output is atomic: everything is written into a temp folder `outDir/.tmp-<owner>` which becomes a new
 * generation `outDir/gen-<id>` published by one atomic rename of the pointer `outDir/CURRENT` at the
 * end (FORMAT.md, "Dataset folder"); on any error the temp folder is removed and the dataset is
 * untouched (a new `outDir` this call created is removed again).
 *
 * Files are read on `options.workers` lanes (default `os.availableParallelism()`): the main thread plus
 * `workers - 1` worker threads; each worker hands back typed arrays per symbol (buffers transferred, not
 * copied) and the main thread appends them in input-file order, so the dataset is byte-identical for
 * any worker count. Large plain CSV files are split into byte ranges at line boundaries so that one
 * file can keep several lanes busy (see `IngestOptions.splitBytes`); the result is identical too.
 *
 * @throws InvalidIngestOptionsError (also: a `columnMap` source missing from a file), OutputExistsError,
 *   MissingColumnError, ColumnNameCollisionError, InvalidTimestampError, InvalidNumberError (also: a value
 *   that is not finite, e.g. `1e309`), FieldCountError, CsvReadError, ParquetReadError, InvalidSymbolError,
 *   NoDataError.
 * @example
 * ```ts
 * const report = await ingest({ inputs: ['intraday/', 'extra.parquet'], outDir: 'data/us1m', timeZone: 'America/New_York' });
 * console.log(report.rowsWritten, report.exactDuplicatesDropped.total);
 * ```
 */
export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  const timeZone = options.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) {
    throw new InvalidIngestOptionsError(`timeZone ${JSON.stringify(timeZone)} is not a valid IANA zone`, {
      field: 'timeZone',
      actual: timeZone,
    });
  }
  if (options.timestampUnit !== undefined && !TIMESTAMP_UNITS.includes(options.timestampUnit)) {
    throw new InvalidIngestOptionsError(
      `timestampUnit ${JSON.stringify(options.timestampUnit)} is not one of ${TIMESTAMP_UNITS.join(', ')}`,
      { field: 'timestampUnit', actual: String(options.timestampUnit) },
    );
  }
  const workers = options.workers;
  if (workers !== undefined && workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1)) {
    throw new InvalidIngestOptionsError(
      `workers must be an integer >= 1 or 'auto' but is ${String(workers)}`,
      {
        field: 'workers',
        actual: String(workers),
      },
    );
  }
  const splitBytes = options.splitBytes;
  if (splitBytes !== undefined && !(Number.isInteger(splitBytes) && splitBytes >= 1)) {
    throw new InvalidIngestOptionsError(`splitBytes must be an integer >= 1 but is ${String(splitBytes)}`, {
      field: 'splitBytes',
      actual: String(splitBytes),
    });
  }
  const columnMap = checkColumnMap(options.columnMap);
  checkOutDir(outDir, options.overwrite ?? false);
  const hygiene = compileHygiene(options.hygiene);
  const files = listInputFiles(options.inputs);
  const pattern = options.symbolFromFileName ?? DEFAULT_SYMBOL_FROM_FILE_NAME;
  const delimiter = options.delimiter ?? ',';
  const taskOf = (path: string, range?: LineRange): ReadFileTask => ({
    path,
    range,
    timeZone,
    timestampUnit: options.timestampUnit,
    mapping: options.mapping ?? {},
    columnMap,
    repairNonFinitePrices: hygiene.badPrices !== 'keep',
    delimiter,
    symbolPattern: { source: pattern.source, flags: pattern.flags },
  });

  const ctx = {
    builders: new Map<string, SymbolBuilder>(),
    /** Value columns by first appearance in files with rows. */
    columns: new Map<string, ColumnStats>(),
    skipped: new Map<string, IngestSkippedColumn>(),
    replaced: new Map<string, ReplacedColumn>(),
  };
  const fileReports: IngestFileReport[] = [];
  const emptyFiles: string[] = [];
  let filesWithRows = 0;
  let rowsRead = 0;
  let filesDone = 0;
  // Byte progress: every byte of finished tasks, plus what the main-thread lane has read of its task.
  const fileBytes = files.map((f) => statSync(f).size);
  const bytesTotal = fileBytes.reduce((a, b) => a + b, 0);
  let finishedTaskBytes = 0;
  const readingTaskBytes = new Map<number, number>();
  const reportProgress = (): void => {
    if (options.onProgress === undefined) return;
    let bytesRead = finishedTaskBytes;
    for (const b of readingTaskBytes.values()) bytesRead += b;
    options.onProgress({
      filesDone,
      filesTotal: files.length,
      rowsRead,
      bytesRead: Math.min(bytesRead, bytesTotal),
      bytesTotal,
    });
  };
  /** Adds the value columns of one file with rows (its parts agree on them) to ctx. */
  const collectColumns = (parts: readonly FileChunks[], fileRows: number): void => {
    const first = parts[0]!;
    first.columns.forEach((name, k) => {
      let c = ctx.columns.get(name);
      if (c === undefined) {
        c = { headers: [], files: 0, rows: 0, missing: 0, numeric: false };
        ctx.columns.set(name, c);
      }
      const header = first.headers[k]!;
      if (!c.headers.includes(header)) c.headers.push(header);
      c.files++;
      c.rows += fileRows;
      for (const r of parts) {
        c.missing += r.missing[k]!;
        if (r.numeric[k]) c.numeric = true;
      }
    });
    for (const r of parts) {
      for (const s of r.skipped) {
        const seen = ctx.skipped.get(s.header);
        if (seen === undefined) ctx.skipped.set(s.header, { header: s.header, files: 1, example: s.example });
        else if (r === first) seen.files++;
      }
      for (const x of r.replaced) ctx.replaced.set(`${x.name}\0${x.header}\0${x.from}`, x);
    }
  };
  /** Applies file `i`'s result, given as the results of its consecutive byte ranges (or one part). */
  const apply = (i: number, parts: readonly FileChunks[]): void => {
    let fileRows = 0;
    let fileSorted = true;
    // Last (ms, subMsNs) per symbol of this file so far: a range whose first row of a symbol goes
    // back in time relative to the previous range makes the file out of order, as a single pass would.
    const lastOf = new Map<string, { ms: number; sub: number }>();
    for (const r of parts) fileRows += r.rowsRead;
    if (fileRows === 0) emptyFiles.push(files[i]!);
    else {
      filesWithRows++;
      collectColumns(parts, fileRows);
    }
    for (const r of parts) {
      if (!r.sorted) fileSorted = false;
      for (const chunk of r.symbols) {
        if (parts.length > 1 && chunk.length > 0) {
          const prev = lastOf.get(chunk.symbol);
          const ms = chunk.ms[0]!;
          const sub = chunk.subMsNs[0]!;
          if (prev !== undefined && (ms < prev.ms || (ms === prev.ms && sub < prev.sub))) fileSorted = false;
          const n = chunk.length - 1;
          lastOf.set(chunk.symbol, { ms: chunk.ms[n]!, sub: chunk.subMsNs[n]! });
        }
        let b = ctx.builders.get(chunk.symbol);
        if (b === undefined) {
          b = new SymbolBuilder(chunk.symbol);
          ctx.builders.set(chunk.symbol, b);
        }
        b.append(chunk, i);
      }
    }
    rowsRead += fileRows;
    fileReports.push({ path: files[i]!, rowsRead: fileRows, sorted: fileSorted, exactDuplicatesDropped: 0 });
    filesDone = i + 1;
    reportProgress();
  };
  const wantedLanes = workers === 'auto' || workers === undefined ? availableParallelism() : workers;
  const plan = planFileTasks(files, wantedLanes, delimiter, options.splitBytes);
  const runner = createFileTaskRunner(workerCount(wantedLanes, plan.length));
  try {
    // Lanes pull tasks in input order; results are applied strictly in file order (output does not
    // depend on which lane finishes first). At most 8 tasks per lane run ahead of the next one to
    // apply: a worker thread's first task is slow (thread start, module load, cold JIT: ~300 ms against
    // ~20 ms for a warm 1 MB file), and a shorter window left the main-thread lane idle waiting for it.
    // The window hardly changes peak memory: every applied row is kept until the end anyway. A file split into byte ranges is applied once all its ranges are
    // in; if any range failed (a quote, a parse error) the file is read again as a whole, in-process,
    // so results and errors (with exact line numbers) never depend on the split.
    const taskBytes = (t: number): number => {
      const { file, range } = plan[t]!;
      return range === undefined ? fileBytes[file]! : range.endBytes - range.startBytes;
    };
    const lanes = runner.lanes.map((run) => async (t: number) => {
      const result = await run(taskOf(files[plan[t]!.file]!, plan[t]!.range), (bytes) => {
        readingTaskBytes.set(t, Math.min(bytes, taskBytes(t)));
        reportProgress();
      });
      readingTaskBytes.delete(t);
      finishedTaskBytes += taskBytes(t);
      reportProgress();
      return result;
    });
    let parts: FileChunks[] = [];
    let partFailed = false;
    await runInOrder(plan.length, lanes, runner.threads * 8, async (t, result) => {
      const task = plan[t]!;
      if (task.range === undefined) {
        if (!result.ok) throw result.thrown ?? reviveError(result.error);
        apply(task.file, [result.value]);
        return;
      }
      if (result.ok) parts.push(result.value);
      else partFailed = true;
      if (!task.lastOfFile) return;
      const collected = parts;
      // Ranges must agree on the file's columns (a column found not numeric in one range but not in
      // another): else the file is read as a whole, which applies the first-value rule in file order.
      const failed = partFailed || !sameColumns(collected);
      parts = [];
      partFailed = false;
      if (!failed) {
        apply(task.file, collected);
        return;
      }
      const whole = await runFileTaskInProcess(taskOf(files[task.file]!));
      if (!whole.ok) throw whole.thrown ?? reviveError(whole.error);
      apply(task.file, [whole.value]);
    });
  } finally {
    await runner.close();
  }
  if (rowsRead === 0) {
    throw new NoDataError(`no data rows in ${files.length} input file(s)`, { path: files[0] });
  }
  // Stored value columns: the standard ones present, then the others by first appearance; a column that
  // held only empty fields in every file is kept only when it is standard or a columnMap target.
  const standard = new Set<string>(VALUE_COLUMNS);
  const columnNames = [
    ...VALUE_COLUMNS.filter((c) => ctx.columns.has(c)),
    ...[...ctx.columns.entries()]
      .filter(([name, c]) => !standard.has(name) && (c.numeric || name in columnMap))
      .map(([name]) => name),
  ];
  for (const [name, c] of ctx.columns) {
    if (columnNames.includes(name)) continue;
    for (const header of c.headers) {
      const s = ctx.skipped.get(header);
      if (s === undefined) ctx.skipped.set(header, { header, files: c.files, example: '' });
    }
  }

  const symbols = [...ctx.builders.keys()].sort(compareCodeUnits);
  const fileNames = new Map<string, string>();
  for (const s of symbols) fileNames.set(s, symbolToFileName(s)); // validates every symbol before writing
  checkCaseCollisions(fileNames);

  const writer = DatasetWriter.create(outDir, {
    overwrite: options.overwrite ?? false,
    partition: options.partition ?? 'none',
    durable: options.durable ?? true,
    segmentBytes: options.segmentBytes ?? 'auto',
  });
  const hygieneReport = emptyHygieneReport();
  const suspectPrices = emptySuspectPriceCounts();
  try {
    const symbolReports: IngestSymbolReport[] = [];
    let rowsWritten = 0;
    let sameTimestampRows = 0;
    let first: bigint | undefined;
    let last: bigint | undefined;
    for (const symbol of symbols) {
      const builder = ctx.builders.get(symbol)!;
      const inputSorted = builder.sorted;
      const rowsIn = builder.length;
      const done = builder.finish((fileIndex) => {
        fileReports[fileIndex]!.exactDuplicatesDropped++;
      });
      ctx.builders.delete(symbol); // free input arrays early
      const values = columnNames.map((name) => {
        const k = done.columns.indexOf(name);
        return k >= 0 ? done.values[k]! : new Float64Array(done.tsNs.length).fill(Number.NaN);
      });
      const clean = applyHygiene(done.tsNs, columnNames, values, hygiene, hygieneReport);
      countSuspectPrices(symbol, clean.tsNs, columnNames, clean.values, suspectPrices);
      if (clean.tsNs.length === 0) {
        symbolReports.push({
          symbol,
          file: '',
          rowsRead: rowsIn,
          rowsWritten: 0,
          exactDuplicatesDropped: done.duplicates,
          sameTimestampRows: done.sameTimestampRows,
          inputSorted,
          firstTimestampNs: '0',
          lastTimestampNs: '0',
        });
        continue; // every row removed by hygiene: the symbol is left out of the dataset
      }
      const columns: ColumnInput[] = [{ name: 'ts', dtype: 'i64', data: clean.tsNs }];
      columnNames.forEach((name, c) => {
        columns.push({ name, dtype: 'f64', data: clean.values[c]! });
      });
      if (clean.flags) columns.push({ name: 'flags', dtype: 'u8', data: clean.flags });
      const file = writer.writeSymbol(symbol, columns).file;
      const lo = clean.tsNs[0]!;
      const hi = clean.tsNs[clean.tsNs.length - 1]!;
      if (first === undefined || lo < first) first = lo;
      if (last === undefined || hi > last) last = hi;
      rowsWritten += clean.tsNs.length;
      sameTimestampRows += done.sameTimestampRows;
      symbolReports.push({
        symbol,
        file,
        rowsRead: rowsIn,
        rowsWritten: clean.tsNs.length,
        exactDuplicatesDropped: done.duplicates,
        sameTimestampRows: done.sameTimestampRows,
        inputSorted,
        firstTimestampNs: lo.toString(),
        lastTimestampNs: hi.toString(),
      });
    }
    const columnReports: IngestColumnReport[] = columnNames.map((name) => {
      const c = ctx.columns.get(name)!;
      return {
        name,
        headers: c.headers,
        files: c.files,
        filesWithout: filesWithRows - c.files,
        rowsFilled: rowsRead - c.rows,
        missingValues: c.missing,
      };
    });
    const missingValues = Object.fromEntries(columnReports.map((c) => [c.name, c.missingValues]));
    const report: IngestReport = {
      outDir,
      columns: columnReports,
      skippedColumns: [...ctx.skipped.values()],
      replacedColumns: [...ctx.replaced.values()],
      emptyFiles,
      suspectPrices,
      warnings: warningsOf(emptyFiles, suspectPrices, columnReports, filesWithRows, hygiene.badPrices),
      generation: '', // set once published
      files: fileReports,
      symbols: symbolReports,
      rowsRead,
      rowsWritten,
      exactDuplicatesDropped: {
        total: symbolReports.reduce((n, x) => n + x.exactDuplicatesDropped, 0),
        bySymbol: symbolReports
          .filter((s) => s.exactDuplicatesDropped > 0)
          .map((s) => ({ symbol: s.symbol, count: s.exactDuplicatesDropped })),
        byFile: fileReports
          .filter((f) => f.exactDuplicatesDropped > 0)
          .map((f) => ({ path: f.path, count: f.exactDuplicatesDropped })),
      },
      sameTimestampRows,
      outOfOrderFiles: fileReports.filter((f) => !f.sorted).map((f) => f.path),
      missingValues,
      firstTimestampNs: (first ?? 0n).toString(),
      lastTimestampNs: (last ?? 0n).toString(),
      hygiene: hygieneReport,
      elapsedMs: 0,
    };
    const source = {
      tool: '@mmtape/columnar-format ingest',
      inputs: options.inputs.map((p) => resolve(p)),
      files: files.length,
      timeZone,
      timestampUnit: options.timestampUnit ?? 'auto',
      mapping: options.mapping ?? 'auto',
      columnMap,
      report: {
        rowsRead,
        rowsWritten,
        exactDuplicatesDropped: report.exactDuplicatesDropped.total,
        exactDuplicatesByFile: report.exactDuplicatesDropped.byFile,
        sameTimestampRows,
        outOfOrderFiles: report.outOfOrderFiles,
        missingValues,
        hygiene: hygieneReport,
        skippedColumns: report.skippedColumns,
        replacedColumns: report.replacedColumns,
        emptyFiles,
        suspectPrices,
      },
    };
    writer.finish({ source });
    report.generation = writer.generation!;
    report.elapsedMs = performance.now() - started;
    return report;
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/** Per stored value column, over files with rows. */
interface ColumnStats {
  headers: string[];
  files: number;
  rows: number;
  missing: number;
  /** Held a number (not only empty fields) somewhere. */
  numeric: boolean;
}

/** True when every part (byte range) of a file has the same value columns. */
function sameColumns(parts: readonly FileChunks[]): boolean {
  const first = parts[0]?.columns.join('\0');
  return parts.every((p) => p.columns.join('\0') === first);
}

/**
 * Validates `columnMap`: targets are stored names (`[a-z_][a-z0-9_]*`, not `ts`/`flags`), sources are
 * non-empty. @throws InvalidIngestOptionsError
 */
function checkColumnMap(map: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [target, source] of Object.entries(map ?? {})) {
    if (!STORED_COLUMN_NAME.test(target) || RESERVED_COLUMN_NAMES.includes(target)) {
      throw new InvalidIngestOptionsError(
        `columnMap target ${JSON.stringify(target)} is not a stored column name (lower-case letters, digits and _, not ts or flags)`,
        { field: 'columnMap', expected: 'snake_case name', actual: target },
      );
    }
    if (typeof source !== 'string' || normalizeColumnName(source, 0) === 'column_0') {
      throw new InvalidIngestOptionsError(`columnMap ${target}: the source column name is empty`, {
        field: 'columnMap',
        actual: String(source),
      });
    }
    out[target] = source;
  }
  return out;
}

/** The warnings of {@link IngestReport.warnings}. */
function warningsOf(
  emptyFiles: readonly string[],
  suspect: SuspectPriceCounts,
  columns: readonly IngestColumnReport[],
  filesWithRows: number,
  badPrices: 'keep' | 'drop' | 'flag',
): IngestWarning[] {
  const out: IngestWarning[] = [];
  const where = (r: SuspectRow | undefined): string =>
    r === undefined
      ? '?'
      : `${r.symbol} ${new Date(Number(BigInt(r.timestampNs) / 1_000_000n)).toISOString()}`;
  const list = (xs: readonly string[]): string =>
    xs.length <= 5 ? xs.join(', ') : `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more`;
  if (emptyFiles.length > 0) {
    out.push({
      code: 'EMPTY_FILES',
      count: emptyFiles.length,
      message: `skipped ${emptyFiles.length} empty or header-only input file${emptyFiles.length === 1 ? '' : 's'}: ${list(emptyFiles.map((f) => basename(f)))}`,
    });
  }
  const n = suspect.nonPositivePriceRows;
  if (n > 0) {
    out.push({
      code: 'NON_POSITIVE_PRICES',
      count: n,
      message: `${n} stored row${n === 1 ? ' has' : 's have'} a zero or negative open/high/low/close, first ${where(suspect.firstNonPositivePrice)}${badPrices === 'flag' ? ' (flagged in column flags)' : ' (bad-prices drop or flag handles them)'}`,
    });
  }
  const m = suspect.highBelowLowRows;
  if (m > 0) {
    out.push({
      code: 'HIGH_BELOW_LOW',
      count: m,
      message: `${m} stored row${m === 1 ? ' has' : 's have'} high < low, first ${where(suspect.firstHighBelowLow)} (repair-ohlc sets high/low to the max/min of open, high, low, close)`,
    });
  }
  const partial = columns.filter((c) => c.filesWithout > 0);
  if (partial.length > 0) {
    out.push({
      code: 'PARTIAL_COLUMNS',
      count: partial.length,
      message: `column${partial.length === 1 ? '' : 's'} ${list(partial.map((c) => `"${c.name}" (absent from ${c.filesWithout} of ${filesWithRows} files, ${c.rowsFilled} row${c.rowsFilled === 1 ? '' : 's'} stored as NaN)`))}`,
    });
  }
  return out;
}

function checkCaseCollisions(fileNames: Map<string, string>): void {
  const seen = new Map<string, string>();
  for (const [symbol, file] of fileNames) {
    const key = file.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InvalidSymbolError(
        `symbols ${JSON.stringify(other)} and ${JSON.stringify(symbol)} differ only by case; their files would collide on case-insensitive file systems`,
        { field: 'symbol', expected: other, actual: symbol },
      );
    }
    seen.set(key, symbol);
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
