import { countDatasetFiles, Dataset } from '@mmtape/columnar-format';
import { formatTimestampNs } from '@mmtape/columnar-format/export';
import { type IngestOptions, type IngestReport, ingest } from '@mmtape/columnar-format/ingest';
import { CliUsageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { settingsOf } from '../context.js';

/** Options of `mmtape ingest`, as parsed from the command line. */
export interface IngestCommandOptions {
  /** Output dataset folder. */
  out: string;
  /** IANA time zone of naive wall-clock timestamps (default UTC). */
  tz?: string;
  /** Name of a single timestamp column. */
  timestampColumn?: string;
  /** Name of the date column when date and time are separate. */
  dateColumn?: string;
  /** Name of the time-of-day column when date and time are separate. */
  timeColumn?: string;
  /** Name of the symbol column (otherwise the symbol comes from the file name). */
  symbolColumn?: string;
  /** Regular expression with one capture group extracting the symbol from the file base name. */
  symbolPattern?: string;
  /** Field delimiter (default `,`). */
  delimiter?: string;
  /** Unit of numeric epoch timestamps: s, ms, us, ns (default: detected by magnitude). */
  timestampUnit?: 's' | 'ms' | 'us' | 'ns';
  /** Replace an existing dataset folder. */
  overwrite?: boolean;
  /** Output partitioning: none (default), day, month. */
  partition?: 'none' | 'day' | 'month';
  /** Skip fsync of each file (faster, not crash-durable). */
  noFsync?: boolean;
  /**
   * Segment files of at most this many MiB; 0 = one file per symbol. Default: `ingest`'s `'auto'`
   * (1,024 MiB segments from 500 column files).
   */
  segmentMb?: number;
  /** Keep only the last row of rows sharing a timestamp. */
  dropDuplicateTimestamps?: boolean;
  /** Repair high/low to the max/min of open, high, low, close. */
  repairOhlc?: boolean;
  /** NaN/zero/negative prices: keep (default), drop or flag. */
  badPrices?: 'keep' | 'drop' | 'flag';
  /** Session filter `HH:MM-HH:MM` in --session-tz (default: --tz, else UTC). */
  session?: string;
  /** IANA zone of --session. */
  sessionTz?: string;
  /** The volume column is cumulative: store deltas, negatives clipped to 0. */
  cumulativeVolume?: boolean;
  /** Worker threads parsing files: a count or `'auto'` (default: one per core; 1 = in-process). */
  workers?: number | 'auto';
  /** `--column-map`: stored column → input column it takes its values from (see `parseColumnMap` in arguments.ts). */
  columnMap?: Record<string, string>;
}

/** What `mmtape ingest` returns: the ingest report plus the time range as ISO text and the file layout. */
export interface IngestCommandResult extends IngestReport {
  /** `firstTimestampNs` / `lastTimestampNs` as ISO 8601 UTC (`formatTimestampNs`). */
  firstTimestamp: string;
  lastTimestamp: string;
  /** Column files written and the segment files holding them (0: one file per column file). */
  columnFiles: number;
  segmentFiles: number;
}

/**
 * Runs `mmtape ingest`: CSV/Parquet files and folders → a dataset of column files + manifest.json.
 * Flags win over the config file's `ingest` defaults (timeZone, delimiter, timestampUnit, symbolPattern).
 * Ingest only writes files, so `--no-use-memory-mapped` has nothing to change here.
 */
export async function runIngest(
  inputs: string[],
  commandOptions: IngestCommandOptions,
  ctx: CommandContext,
): Promise<IngestCommandResult> {
  const defaults = settingsOf(ctx).config.ingest ?? {};
  const options: IngestCommandOptions = {
    ...(defaults.timeZone ? { tz: defaults.timeZone } : {}),
    ...(defaults.delimiter ? { delimiter: defaults.delimiter } : {}),
    ...(defaults.timestampUnit ? { timestampUnit: defaults.timestampUnit } : {}),
    ...(defaults.symbolPattern ? { symbolPattern: defaults.symbolPattern } : {}),
    ...stripUndefined(commandOptions),
    out: commandOptions.out,
  };
  const mapping: NonNullable<IngestOptions['mapping']> = {};
  if (options.timestampColumn) mapping.timestamp = options.timestampColumn;
  if (options.dateColumn) mapping.date = options.dateColumn;
  if (options.timeColumn) mapping.time = options.timeColumn;
  if (options.symbolColumn) mapping.symbol = options.symbolColumn;
  let started = false;
  const ingestOptions: IngestOptions = {
    inputs,
    outDir: options.out,
    ...(Object.keys(mapping).length > 0 ? { mapping } : {}),
    ...(options.tz ? { timeZone: options.tz } : {}),
    ...(options.timestampUnit ? { timestampUnit: options.timestampUnit } : {}),
    ...(options.symbolPattern ? { symbolFromFileName: symbolPatternRegExp(options.symbolPattern) } : {}),
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.partition ? { partition: options.partition } : {}),
    ...(options.noFsync ? { durable: false } : {}),
    ...(options.segmentMb === undefined
      ? {}
      : { segmentBytes: options.segmentMb === 0 ? false : Math.round(options.segmentMb * 2 ** 20) }),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.columnMap ? { columnMap: options.columnMap } : {}),
    hygiene: {
      ...(options.dropDuplicateTimestamps ? { dropDuplicateTimestamps: true } : {}),
      ...(options.repairOhlc ? { repairOhlc: true } : {}),
      ...(options.badPrices ? { badPrices: options.badPrices } : {}),
      ...(options.cumulativeVolume ? { cumulativeVolume: true } : {}),
      ...(options.session
        ? { session: parseSession(options.session, options.sessionTz ?? options.tz ?? 'UTC') }
        : {}),
    },
    // Byte-based: one large file advances as it is read, not only when it is done.
    onProgress: (p) => {
      if (!started) {
        ctx.progress.start(
          `ingest (${p.filesTotal} file${p.filesTotal === 1 ? '' : 's'})`,
          p.bytesTotal,
          'bytes',
        );
        started = true;
      }
      ctx.progress.update(p.bytesRead);
    },
  };
  const report = await ingest(ingestOptions);
  if (started) ctx.progress.stop();
  // Diagnostics about the data just stored: stderr (and `warnings` under --json), never mixed into the summary.
  for (const w of report.warnings) ctx.warn(w.code, w.message, w.count);
  for (const r of report.replacedColumns) {
    ctx.warn(
      'COLUMN_REPLACED',
      `column map: ${r.name} <- "${r.from}"; the input's own "${r.header}" column is left out`,
    );
  }
  if (report.skippedColumns.length > 0) {
    ctx.warn(
      'COLUMNS_SKIPPED',
      `columns left out (not numeric): ${report.skippedColumns.map((c) => (c.example === '' ? `"${c.header}" (empty)` : `"${c.header}" (e.g. ${JSON.stringify(c.example)})`)).join(', ')}`,
    );
  }
  // Status, not a warning: descending files (Alpha Vantage) are common and stored sorted; the list is
  // the report's `outOfOrderFiles`.
  if (report.outOfOrderFiles.length > 0)
    ctx.note(`files not sorted by time (sorted on ingest): ${report.outOfOrderFiles.join(', ')}`);
  const dataset = Dataset.open(report.outDir, { verify: false });
  let files: ReturnType<typeof countDatasetFiles>;
  try {
    files = countDatasetFiles(dataset);
  } finally {
    dataset.close();
  }
  const result: IngestCommandResult = {
    ...report,
    firstTimestamp: formatTimestampNs(BigInt(report.firstTimestampNs)),
    lastTimestamp: formatTimestampNs(BigInt(report.lastTimestampNs)),
    columnFiles: files.columnFiles,
    segmentFiles: files.segmentFiles,
  };
  ctx.say(
    `ingested ${report.rowsWritten.toLocaleString('en-US')} rows of ${report.symbols.length} symbols from ${report.files.length} files into ${report.outDir}`,
  );
  ctx.say(
    `  rows read: ${report.rowsRead.toLocaleString('en-US')}, exact duplicates dropped: ${report.exactDuplicatesDropped.total}`,
  );
  for (const d of report.exactDuplicatesDropped.bySymbol.slice(0, 10)) {
    ctx.say(`    ${d.symbol}: ${d.count} duplicate rows dropped`);
  }
  ctx.say(
    `  columns stored: ts, ${report.columns.map((c) => c.name).join(', ')}${options.badPrices === 'flag' ? ', flags' : ''}`,
  );
  const missing = Object.entries(report.missingValues).filter(([, n]) => n > 0);
  if (missing.length > 0)
    ctx.say(`  missing values (stored as NaN): ${missing.map(([c, n]) => `${c}=${n}`).join(', ')}`);
  if (report.sameTimestampRows > 0)
    ctx.say(`  rows sharing a timestamp with different values (kept): ${report.sameTimestampRows}`);
  const touched = Object.entries(report.hygiene).filter(([, n]) => n > 0);
  if (touched.length > 0) ctx.say(`  hygiene: ${touched.map(([k, n]) => `${k}=${n}`).join(', ')}`);
  ctx.say(
    `  time range: ${result.firstTimestamp} .. ${result.lastTimestamp}; ${report.elapsedMs.toFixed(0)} ms`,
  );
  ctx.say(
    files.segmentFiles > 0
      ? `  layout: ${files.columnFiles} column files in ${files.segmentFiles} segment file${files.segmentFiles === 1 ? '' : 's'} (--segment-mb 0 for one file per symbol)`
      : '  layout: one column file per symbol (or partition)',
  );
  return result;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `09:30-16:00` -> session option. */
function parseSession(value: string, timeZone: string): { timeZone: string; start: string; end: string } {
  const [start = '', end = ''] = value.split('-');
  return { timeZone, start, end };
}

/**
 * Compiles `--symbol-pattern` (or the config's `ingest.symbolPattern`).
 * @throws CliUsageError (exit 1) naming the pattern and the regex syntax error.
 */
function symbolPatternRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (cause) {
    throw new CliUsageError(
      `--symbol-pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(cause as Error).message}`,
      { cause },
    );
  }
}
