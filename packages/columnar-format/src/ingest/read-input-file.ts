/**
 * Reads one input file (CSV, CSV.gz or Parquet) into per-symbol chunks. This is the unit of work of
 * parallel ingest: the same function runs in a worker thread (see `ingest-worker.ts`) or in-process.
 */

import { isSystemError } from '@mmtape/errors';
import { isMmtapeError } from '../errors.js';
import type { SkippedColumn } from './file-value-columns.js';
import type { ColumnMapping } from './ingest-options.js';
import { type ReadContext, readCsvFile } from './read-csv-file.js';
import type { LineRange } from './read-text-chunks.js';
import type { ReplacedColumn } from './resolve-columns.js';
import type { SymbolBuilder, SymbolChunk } from './symbol-builder.js';
import { TimestampParser, type TimestampUnit } from './timestamp-parser.js';

/** Everything a worker needs to read one file; structured-clone friendly (no RegExp, no functions). */
export interface ReadFileTask {
  path: string;
  timeZone: string;
  timestampUnit: TimestampUnit | undefined;
  mapping: ColumnMapping;
  /** `IngestOptions.columnMap`. */
  columnMap: Record<string, string>;
  /** ±Infinity prices are left to the bad-prices hygiene step (`badPrices` is drop or flag). */
  repairNonFinitePrices: boolean;
  delimiter: string;
  /** `symbolFromFileName` as source and flags. */
  symbolPattern: { source: string; flags: string };
  /** Only the lines starting in this byte range (plain CSV only); undefined = the whole file. */
  range?: LineRange | undefined;
}

/** Rows of one file, grouped by symbol (symbols in first-seen order). */
export interface FileChunks {
  rowsRead: number;
  sorted: boolean;
  /** The file's value columns (stored names); empty for a file without a header. */
  columns: string[];
  /** Header name of each entry of {@link columns}. */
  headers: string[];
  /** Missing-value counts per entry of {@link columns}. */
  missing: number[];
  /** Per entry of {@link columns}: whether it held a number (not only empty fields). */
  numeric: boolean[];
  /** Columns left out because they are not numeric. */
  skipped: SkippedColumn[];
  /** Columns left out because `columnMap` stores another column under their name. */
  replaced: ReplacedColumn[];
  symbols: SymbolChunk[];
}

/** A worker's answer: the chunks, or the error it raised (rebuilt on the main thread). */
export type FileTaskResult =
  | { ok: true; value: FileChunks }
  /** `thrown` is the original error, set only in-process (it does not cross the thread boundary). */
  | { ok: false; error: SerializedError; thrown?: unknown };

/** An error flattened for postMessage: tagged mmtape errors keep their code and context fields. */
export interface SerializedError {
  name: string;
  code: string | undefined;
  /** The failed system call, when `code` is an errno name. */
  syscall?: string;
  message: string;
  context: Record<string, string | number | undefined>;
}

/** True for `*.parquet` (case-insensitive). */
export function isParquetPath(path: string): boolean {
  return /\.parquet$/i.test(path);
}

/**
 * Reads `task.path`; rejects with the reader's typed errors.
 * @param onBytesRead progress of a CSV read: bytes of the file read so far (Parquet: not called).
 */
export async function readInputFile(
  task: ReadFileTask,
  onBytesRead?: (bytes: number) => void,
): Promise<FileChunks> {
  const ctx: ReadContext = {
    timestamps: new TimestampParser(task.timeZone, task.timestampUnit),
    timeZone: task.timeZone,
    mapping: task.mapping,
    columnMap: task.columnMap,
    repairNonFinitePrices: task.repairNonFinitePrices,
    delimiter: task.delimiter,
    symbolFromFileName: new RegExp(task.symbolPattern.source, task.symbolPattern.flags),
    builders: new Map<string, SymbolBuilder>(),
    onBytesRead,
  };
  // The Parquet reader (hyparquet + compressors, ~100 ms to load) is imported on first use, so threads
  // that only read CSV start faster.
  const r = isParquetPath(task.path)
    ? await (await import('./read-parquet-file.js')).readParquetFile(ctx, 0, task.path)
    : await readCsvFile(ctx, 0, task.path, task.range);
  const c = r.columns;
  return {
    rowsRead: r.rowsRead,
    sorted: r.sorted,
    columns: c?.names ?? [],
    headers: c?.sources.map((x) => x.header) ?? [],
    missing: c?.missing ?? [],
    numeric: c?.numeric ?? [],
    skipped: c?.skipped ?? [],
    replaced: c?.replaced ?? [],
    symbols: [...ctx.builders.values()].map((b) => b.toChunk()),
  };
}

/** {@link readInputFile} with the error caught and flattened (for the worker boundary). */
export async function runFileTask(task: ReadFileTask): Promise<FileTaskResult> {
  try {
    return { ok: true, value: await readInputFile(task) };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}

/**
 * {@link runFileTask} for the in-process runner: keeps the original error object, and reports the bytes
 * read as it goes (a worker thread's task reports only when done).
 */
export async function runFileTaskInProcess(
  task: ReadFileTask,
  onBytesRead?: (bytes: number) => void,
): Promise<FileTaskResult> {
  try {
    return { ok: true, value: await readInputFile(task, onBytesRead) };
  } catch (e) {
    return { ok: false, error: serializeError(e), thrown: e };
  }
}

/** The array buffers of `chunks`, to transfer instead of copy. */
export function transferListOf(chunks: FileChunks): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of chunks.symbols) {
    out.add(c.ms.buffer);
    out.add(c.subMsNs.buffer);
    for (const v of c.values) out.add(v.buffer);
  }
  return [...out];
}

const CONTEXT_FIELDS = ['path', 'line', 'offsetBytes', 'expected', 'actual', 'field'] as const;

function serializeError(e: unknown): SerializedError {
  const err = e as Record<string, unknown> & { message?: string; name?: string };
  const context: Record<string, string | number | undefined> = {};
  if (isMmtapeError(e)) {
    for (const k of CONTEXT_FIELDS) {
      const v = err[k];
      if (typeof v === 'string' || typeof v === 'number') context[k] = v;
    }
  }
  return {
    name: typeof err?.name === 'string' ? err.name : 'Error',
    // mmtape codes revive the same class; a system errno (EACCES...) keeps its kind (see revive-error.ts).
    code: (isMmtapeError(e) || isSystemError(e)) && typeof err.code === 'string' ? err.code : undefined,
    ...(isSystemError(e) && e.syscall !== undefined ? { syscall: e.syscall } : {}),
    message: typeof err?.message === 'string' ? err.message : String(e),
    context,
  };
}
