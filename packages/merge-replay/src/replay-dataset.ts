import type { Advisable, PrefetchStream, SlidingWindowOptions } from '@mmtape/prefetch';
import { SlidingWindowPrefetcher } from '@mmtape/prefetch';
import {
  InvalidReplayOptionError,
  MissingColumnError,
  UnknownSymbolError,
  UnsupportedColumnDtypeError,
} from './errors.js';
import { KWayMerge } from './k-way-merge.js';
import type { ReplayBatch } from './replay-batch.js';

/** Column data a {@link ReplayColumnFile} may return; mirrors `ColumnData` of `@mmtape/columnar-format`. */
export type ReplayColumnData = BigInt64Array | Float64Array | Float32Array | Int32Array | Uint8Array;

/**
 * The part of `ColumnFile` (`@mmtape/columnar-format`) that {@link replayDataset} uses. A real
 * `ColumnFile` satisfies it; tests may pass an in-memory fake.
 */
export interface ReplayColumnFile {
  readonly path?: string;
  readonly symbol: string;
  readonly rowCount: number;
  readonly columns: readonly { name: string; dtype: string; offsetBytes: number; lengthBytes: number }[];
  /** The mapped file, advised by the prefetcher. */
  readonly file: Advisable;
  column(name: string): ReplayColumnData;
  timestampsNs(): BigInt64Array;
}

/**
 * The part of `Dataset` (`@mmtape/columnar-format`) that {@link replayDataset} uses. A real `Dataset`
 * satisfies it.
 */
export interface ReplayDatasetSource {
  readonly dir?: string;
  /** Sorted symbol list; a symbol's index here orders ties. */
  readonly symbols: readonly string[];
  open(symbol: string): ReplayColumnFile;
}

/** Window options of the prefetcher: `SlidingWindowOptions` of `@mmtape/prefetch` (aheadRows, …). */
export type ReplayPrefetchOptions = SlidingWindowOptions;

/** Options of {@link replayDataset}. */
export interface ReplayOptions {
  /**
   * Symbols to replay. Default: all of `dataset.symbols`. They are replayed in dataset order (symbol id =
   * index in `ctx.symbols`, which keeps the dataset's sorted order), so ties stay ordered as the contract
   * says whatever order the caller lists them in. Duplicates are ignored.
   */
  symbols?: readonly string[];
  /** First timestamp (inclusive), ns since epoch. Default: the beginning of every symbol. */
  startNs?: bigint;
  /** End (exclusive), ns since epoch. Default: the end of every symbol. */
  endNs?: bigint;
  /**
   * Columns the consumer reads through `ctx.columns` (f64 or i64 only). Default `['close']`, the column
   * most strategies read. They are also the columns the prefetcher keeps warm.
   */
  columns?: readonly string[];
  /**
   * `true` (default): advise the kernel ahead of the merge with a `SlidingWindowPrefetcher` over the
   * `ts` column and the requested columns, because a full-market replay touches every file in
   * lockstep and page faults would otherwise dominate. `false`: no madvise calls. An object: prefetch
   * with these window options.
   */
  prefetch?: boolean | ReplayPrefetchOptions;
}

/**
 * Zero-copy access for the consumer of {@link replayDataset}: index every array by symbol id, then
 * by the batch's row. The arrays are views over the mapped files; do not use them after the dataset
 * is closed.
 */
export interface ReplayContext {
  /** Replayed symbols; `symbols[id]` is the symbol of symbol id `id`. */
  symbols: string[];
  /** `columns[name][id]` = column `name` of symbol `id` (Float64Array for f64, BigInt64Array for i64). */
  columns: Record<string, (Float64Array | BigInt64Array)[]>;
  /** `timestamps[id]` = the `ts` column of symbol `id` (ns since epoch). */
  timestamps: BigInt64Array[];
}

/** Result of {@link replayDataset}. */
export interface ReplayStats {
  /** Events (rows) replayed. */
  events: number;
  /** Batches (distinct timestamps) replayed. */
  batches: number;
  /** Wall time of the whole call, including opening files and the consumer's callbacks, in ms. */
  elapsedMs: number;
  /** `events / (elapsedMs / 1000)`; 0 when nothing was replayed. */
  eventsPerSecond: number;
  /** Timestamp of the first batch (ns since epoch), `null` when nothing was replayed. */
  firstTimestampNs: bigint | null;
  /** Timestamp of the last batch (ns since epoch), `null` when nothing was replayed. */
  lastTimestampNs: bigint | null;
}

/** Bytes per row of the columns prefetched: replay exposes only 8-byte dtypes (i64, f64). */
const BYTES_PER_ROW = 8;

/**
 * Replays a dataset (or a subset of its symbols) in global timestamp order, calling `onBatch` once per
 * distinct timestamp with the events of that timestamp and a {@link ReplayContext} for zero-copy reads.
 *
 * ```ts
 * import { Dataset } from '@mmtape/columnar-format';
 * import { replayDataset } from '@mmtape/merge-replay';
 *
 * const dataset = Dataset.open('data/bars');
 * const stats = replayDataset(dataset, { columns: ['close'] }, (batch, ctx) => {
 *   for (let i = 0; i < batch.length; i++) {
 *     const id = batch.symbolIds[i]!;
 *     const close = ctx.columns.close![id]![batch.rows[i]!];
 *   }
 * });
 * console.log(`${stats.eventsPerSecond.toFixed(0)} events/s`);
 * dataset.close();
 * ```
 *
 * `batch` is reused between calls: copy what you keep. Files are opened through `dataset.open` (cached
 * by the dataset) and are not closed here; the dataset's owner closes them.
 *
 * @throws {UnknownSymbolError} when `options.symbols` names a symbol the dataset lacks.
 * @throws {MissingColumnError} when a symbol's file lacks `ts` or a requested column.
 * @throws {UnsupportedColumnDtypeError} when a requested column is neither f64 nor i64.
 * @throws {UnsortedStreamError} when a symbol's `ts` column decreases inside the replayed range.
 * @throws {InvalidReplayOptionError} for malformed options. Whatever `onBatch` throws propagates (the
 * prefetcher is finished first).
 */
export function replayDataset(
  dataset: ReplayDatasetSource,
  options: ReplayOptions,
  onBatch: (batch: ReplayBatch, ctx: ReplayContext) => void,
): ReplayStats {
  const startedAtMs = performance.now();
  const symbols = selectSymbols(dataset, options.symbols);
  const columnNames = [...new Set(options.columns ?? ['close'])];
  const files = symbols.map((symbol) => dataset.open(symbol));

  const timestamps = files.map((file, id) => {
    descriptorOf(file, symbols[id]!, 'ts');
    return file.timestampsNs();
  });
  const columns: Record<string, (Float64Array | BigInt64Array)[]> = {};
  for (const name of columnNames) {
    columns[name] = files.map((file, id) => {
      const symbol = symbols[id]!;
      const descriptor = descriptorOf(file, symbol, name);
      if (descriptor.dtype !== 'f64' && descriptor.dtype !== 'i64') {
        throw new UnsupportedColumnDtypeError({ symbol, column: name, actual: descriptor.dtype });
      }
      return file.column(name) as Float64Array | BigInt64Array;
    });
  }

  const merge = new KWayMerge(timestamps, { startNs: options.startNs, endNs: options.endNs });
  const prefetcher = createPrefetcher(files, symbols, columnNames, options.prefetch ?? true);
  const ctx: ReplayContext = { symbols, columns, timestamps };
  let firstTimestampNs: bigint | null = null;
  let lastTimestampNs: bigint | null = null;
  try {
    if (prefetcher !== null) {
      for (let id = 0; id < files.length; id++) {
        if (merge.startRows[id]! < merge.endRows[id]!) prefetcher.update(id, merge.startRows[id]!);
      }
    }
    for (let batch = merge.next(); batch !== null; batch = merge.next()) {
      if (prefetcher !== null) {
        const { symbolIds, rows, length } = batch;
        for (let i = 0; i < length; i++) prefetcher.update(symbolIds[i]!, rows[i]!);
      }
      if (firstTimestampNs === null) firstTimestampNs = batch.timestampNs;
      lastTimestampNs = batch.timestampNs;
      onBatch(batch, ctx);
    }
  } finally {
    prefetcher?.finish();
  }

  const { events, batches } = merge.stats();
  const elapsedMs = performance.now() - startedAtMs;
  return {
    events,
    batches,
    elapsedMs,
    eventsPerSecond: events === 0 || elapsedMs <= 0 ? 0 : events / (elapsedMs / 1000),
    firstTimestampNs,
    lastTimestampNs,
  };
}

function selectSymbols(dataset: ReplayDatasetSource, requested: readonly string[] | undefined): string[] {
  const all = dataset.symbols;
  if (requested === undefined) return [...all];
  if (!Array.isArray(requested)) {
    throw new InvalidReplayOptionError({
      option: 'symbols',
      expected: 'an array of symbols',
      actual: requested,
    });
  }
  const wanted = new Set(requested);
  const known = new Set(all);
  for (const symbol of wanted) {
    if (!known.has(symbol)) throw new UnknownSymbolError({ symbol, path: dataset.dir, available: all });
  }
  return all.filter((symbol) => wanted.has(symbol));
}

function descriptorOf(
  file: ReplayColumnFile,
  symbol: string,
  name: string,
): ReplayColumnFile['columns'][number] {
  const descriptor = file.columns.find((column) => column.name === name);
  if (descriptor === undefined) {
    throw new MissingColumnError({
      symbol,
      column: name,
      path: file.path,
      actual: file.columns.map((column) => column.name),
    });
  }
  return descriptor;
}

function createPrefetcher(
  files: readonly ReplayColumnFile[],
  symbols: readonly string[],
  columnNames: readonly string[],
  prefetch: boolean | ReplayPrefetchOptions,
): SlidingWindowPrefetcher | null {
  if (prefetch === false || files.length === 0) return null;
  const names = ['ts', ...columnNames.filter((name) => name !== 'ts')];
  const streams: PrefetchStream[] = files.map((file, id) => ({
    file: file.file,
    columns: names.map((name) => ({
      offsetBytes: descriptorOf(file, symbols[id]!, name).offsetBytes,
      bytesPerRow: BYTES_PER_ROW,
    })),
    rowCount: file.rowCount,
  }));
  return new SlidingWindowPrefetcher(streams, prefetch === true ? undefined : prefetch);
}
