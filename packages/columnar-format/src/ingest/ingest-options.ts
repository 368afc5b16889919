/**
 * Options and report of {@link ingest}.
 */

import type { PartitionScheme } from '../manifest.js';
import type { HygieneOptions, HygieneReport } from './apply-hygiene.js';
import type { SuspectPriceCounts } from './count-suspect-prices.js';
import type { ReplacedColumn } from './resolve-columns.js';
import type { TimestampUnit } from './timestamp-parser.js';

/**
 * The standard price/volume columns, recognised case-insensitively, in the order they are written after
 * `ts`; every other numeric input column follows them (see {@link IngestOptions}).
 */
export const VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
/** One of {@link VALUE_COLUMNS}. */
export type ValueColumn = (typeof VALUE_COLUMNS)[number];

/**
 * CSV header names of the time and symbol fields (matched case-insensitively, surrounding spaces
 * ignored). Any field left out is auto-detected: timestamp from `datetime|timestamp|time|date` (in that
 * priority), unless a `date` plus `tod|time` pair exists (then the two are combined); symbol from
 * `name|ticker|symbol`. Give either `timestamp` or `date` + `time`. Value columns are chosen with
 * {@link IngestOptions.columnMap}.
 */
export interface ColumnMapping {
  timestamp?: string;
  date?: string;
  time?: string;
  symbol?: string;
}

/** Progress callback payload, sent after each input file. */
export interface IngestProgress {
  /** Input files whose rows are all applied, in input order. */
  filesDone: number;
  filesTotal: number;
  rowsRead: number;
  /**
   * Input bytes read so far (on disk: compressed bytes of `*.gz`): every byte of finished read tasks plus
   * what the main thread has read of the task it is reading, so one large file advances as it is read
   * (in 1 MiB steps), not only when it is done. At most `bytesTotal`.
   */
  bytesRead: number;
  /** Size of all input files on disk, bytes. */
  bytesTotal: number;
}

/** Options of {@link ingest}. */
export interface IngestOptions {
  /**
   * Files and/or directories. Directories are scanned (not recursively) for `*.csv`, `*.csv.gz` and
   * `*.parquet` (case-insensitive), in name order. A file ending in `.gz` is gunzipped; a file ending in
   * `.parquet` is read as Parquet (any other name as CSV). Required.
   */
  inputs: string[];
  /** Dataset folder to create. Written atomically via a temp folder next to it. Required. */
  outDir: string;
  /** Header names of the time and symbol fields; default: auto-detect (see {@link ColumnMapping}). */
  mapping?: ColumnMapping;
  /**
   * Stored column → input column it takes its values from, e.g. `{ close: 'adjusted_close' }`: the stored
   * `close` holds the input's `adjusted_close` values. Keys are stored names (snake_case, e.g. `close`,
   * or a new name); values are input column names, matched after the same snake_case normalisation
   * (`'Adj Close'` and `'adj_close'` both name Yahoo's `Adj Close`). The source column is still stored
   * under its own name too; the input's own column of the target name (e.g. the raw `Close`) is not
   * stored (listed in `IngestReport.replacedColumns`). A target is always numeric (a non-number is an
   * InvalidNumberError). Default: none. A source missing from a file is an InvalidIngestOptionsError
   * naming the file and its columns.
   */
  columnMap?: Record<string, string>;
  /**
   * IANA zone of wall-clock values without an offset. Default `'UTC'` (no conversion), because most
   * vendor exports are UTC and guessing a zone silently shifts every bar. Values with `Z`/`±HH:MM` keep
   * their own offset.
   */
  timeZone?: string;
  /**
   * Unit of numeric epoch timestamps. Default: auto — a digits-only value is an epoch number whose unit
   * follows its digit count (<= 11 s, 12-14 ms, 15-17 us, 18-19 ns); anything else is parsed as text.
   * `'iso'` disables epoch numbers.
   */
  timestampUnit?: TimestampUnit;
  /**
   * Symbol from the file name when the CSV has no symbol column. Applied to the base name; capture
   * group 1 is the symbol (or the whole match without a group). Default
   * `/^(.+?)(?:_data)?\.csv(?:\.gz)?$/i` (`AAPL_data.csv` -> `AAPL`, `BRK.B.csv` -> `BRK.B`).
   * A name that does not match keeps its base name.
   */
  symbolFromFileName?: RegExp;
  /** Field delimiter (one character or string). Default `','`. */
  delimiter?: string;
  /**
   * Replace an existing dataset at `outDir`. Default `false` (an existing dataset is an
   * OutputExistsError). Only dataset folders (they hold `CURRENT`) are replaced: the new data becomes a
   * new generation published by one atomic rename of `CURRENT`; readers of the old generation keep it
   * until they close, then it is removed (FORMAT.md, "Dataset folder").
   */
  overwrite?: boolean;
  /**
   * Output partitioning (see `DatasetWriterOptions.partition`). Default `'none'`: one file per symbol.
   * Use `'day'` or `'month'` for symbols whose file could reach 2 GiB.
   */
  partition?: PartitionScheme;
  /** fsync every written file (see `DatasetWriterOptions.durable`). Default `true`. */
  durable?: boolean;
  /**
   * Store the column files in segment files of at most this many bytes (see
   * `DatasetWriterOptions.segmentBytes`). Default `'auto'`: segment files of 1 GiB from 500 column files
   * (`AUTO_SEGMENT_MIN_FILES`), one file per symbol (or partition) below; `false`: always one file each.
   * Segments make opening thousands of symbols for a full-market replay several times cheaper.
   */
  segmentBytes?: number | 'auto' | false;
  /**
   * Optional cleaning steps, all off by default; each reports how many rows it touched in
   * `IngestReport.hygiene`. Rows are always sorted by time and exact duplicates always dropped.
   */
  hygiene?: HygieneOptions;
  /**
   * Parsing lanes: an integer >= 1, or `'auto'` (default) = `os.availableParallelism()`, capped at the
   * number of tasks (files, or byte ranges of split files). The main thread is one lane, so `n` means
   * the main thread + `n − 1` worker threads; `1` parses in-process (no worker, no build needed). Workers run the built `dist/ingest-worker.js`; when it is missing (running from
   * sources without a build) ingest falls back to in-process. The dataset is identical for any count.
   */
  workers?: number | 'auto';
  /**
   * Bytes per range when one large CSV file is split into byte ranges (at line boundaries) that are
   * parsed in parallel. Default: automatic — with more than one worker, plain (unquoted, not gzipped)
   * CSV files larger than max(8 MiB, total input bytes / (4 × workers)) are split into ranges of that
   * size; with 1 worker nothing is split. Setting it splits such files even with 1 worker. A range that
   * meets a quote or any error makes ingest read that file as a whole, so results and errors (with
   * their line numbers) never depend on the split. Must be an integer >= 1.
   */
  splitBytes?: number;
  /**
   * Called after every input file (in input order), after every finished read task, and as the main
   * thread reads (about every MiB), with files, rows and bytes done. Default: none.
   */
  onProgress?: (p: IngestProgress) => void;
}

/** Per input file. */
export interface IngestFileReport {
  path: string;
  rowsRead: number;
  /** False when a symbol's rows in this file go back in time. */
  sorted: boolean;
  exactDuplicatesDropped: number;
}

/** Per symbol. */
export interface IngestSymbolReport {
  symbol: string;
  /** Column file name inside `outDir`. */
  file: string;
  rowsRead: number;
  rowsWritten: number;
  exactDuplicatesDropped: number;
  /** Rows kept whose timestamp equals the previous row's (different values, e.g. ticks). */
  sameTimestampRows: number;
  /** False when rows had to be sorted. */
  inputSorted: boolean;
  firstTimestampNs: string;
  lastTimestampNs: string;
}

/** One stored value column (f64). */
export interface IngestColumnReport {
  /** Stored name (snake_case of the header name, or a `columnMap` target). */
  name: string;
  /** Input header names it was read from (several when files spell it differently, e.g. `Close`, `close`). */
  headers: string[];
  /** Input files with rows that have this column. */
  files: number;
  /** Input files with rows that lack it: their rows hold NaN in this column. */
  filesWithout: number;
  /** Rows stored as NaN because their file lacks the column (counted over rows read). */
  rowsFilled: number;
  /** Empty (or `NaN`) fields in files that have the column, counted over rows read. */
  missingValues: number;
}

/** An input column that ingest did not store because it is not numeric. */
export interface IngestSkippedColumn {
  /** Header name as written. */
  header: string;
  /** Input files in which it was skipped. */
  files: number;
  /**
   * Its first non-empty value in the first such file (not a number); `''` when the column held only
   * empty fields in every file (then it is not stored either, unless standard or a `columnMap` target).
   */
  example: string;
}

/**
 * Something the user should look at that is not an error, reported whatever the hygiene options:
 * `EMPTY_FILES` (empty or header-only input files, skipped), `NON_POSITIVE_PRICES` / `HIGH_BELOW_LOW`
 * (stored rows, see {@link SuspectPriceCounts}), `PARTIAL_COLUMNS` (columns absent from some files, NaN
 * there). `message` is one line.
 */
export interface IngestWarning {
  code: 'EMPTY_FILES' | 'NON_POSITIVE_PRICES' | 'HIGH_BELOW_LOW' | 'PARTIAL_COLUMNS';
  /** Files, rows or columns concerned. */
  count: number;
  message: string;
}

/** Result of {@link ingest}. Timestamps are int64 ns (UTC) as decimal strings. */
export interface IngestReport {
  outDir: string;
  /** The generation folder this ingest published inside `outDir` (`gen-…`, FORMAT.md "Dataset folder"). */
  generation: string;
  /**
   * The value columns stored after `ts`, in order: the standard open/high/low/close/volume present, then
   * every other numeric input column by first appearance (file order, then header order); `flags` (u8)
   * follows when `hygiene.badPrices` is `'flag'`. Every symbol has every column (NaN where its file
   * lacked it).
   */
  columns: IngestColumnReport[];
  /** Input columns not stored because they are not numeric (time and symbol columns are not listed). */
  skippedColumns: IngestSkippedColumn[];
  /** Input columns not stored because `columnMap` stores another column under their name. */
  replacedColumns: ReplacedColumn[];
  /** Input files with no data rows (empty or header only), skipped. */
  emptyFiles: string[];
  /** Stored rows with suspicious prices (also summarised in {@link warnings}). */
  suspectPrices: SuspectPriceCounts;
  /** One-line warnings (see {@link IngestWarning}); empty when there is nothing to say. */
  warnings: IngestWarning[];
  files: IngestFileReport[];
  symbols: IngestSymbolReport[];
  rowsRead: number;
  rowsWritten: number;
  exactDuplicatesDropped: {
    total: number;
    bySymbol: { symbol: string; count: number }[];
    byFile: { path: string; count: number }[];
  };
  sameTimestampRows: number;
  /** Input files in which some symbol's rows were not in time order. */
  outOfOrderFiles: string[];
  /** Empty (or `NaN`) fields per stored value column, counted over rows read (see {@link columns}). */
  missingValues: Record<string, number>;
  firstTimestampNs: string;
  lastTimestampNs: string;
  /** Rows touched by each hygiene step (all 0 when `hygiene` is not set). */
  hygiene: HygieneReport;
  elapsedMs: number;
}
