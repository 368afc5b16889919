import type {
  Advisable,
  MemorySample,
  PrefetchStats,
  PrefetchStream,
  ResidencyReporter,
  SlidingWindowOptions,
} from '@mmtape/prefetch';
import { MemorySampler, readProcessIo, SlidingWindowPrefetcher } from '@mmtape/prefetch';
import {
  InvalidReplayOptionError,
  MissingColumnError,
  UnknownSymbolError,
  UnsupportedColumnDtypeError,
} from './errors.js';
import { KWayMerge, type MergeStrategy } from './k-way-merge.js';
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
  /** The mapped file, advised by the prefetcher; its `residency()` (mincore), when present, is sampled. */
  readonly file: Advisable & Partial<ResidencyReporter>;
  column(name: string): ReplayColumnData;
  timestampsNs(): BigInt64Array;
  /**
   * Verified reads, lazily (a `ColumnFile` of `@mmtape/columnar-format` has both): a view that is not
   * checked as a whole, and a check of the blocks holding rows `[startRow, endRow)` of a column that
   * returns the row up to which the column is then known good. When both are present (and
   * {@link ReplayOptions.verify} is not false) the replay checks every row range before the merge
   * reads it, instead of `column()` checking whole columns up front.
   */
  columnUnchecked?(name: string): ReplayColumnData;
  verifyRows?(name: string, startRow: number, endRow: number): number;
}

/**
 * The part of `Dataset` (`@mmtape/columnar-format`) that {@link replayDataset} uses. A real `Dataset`
 * satisfies it.
 */
export interface ReplayDatasetSource {
  readonly dir?: string;
  /** Sorted symbol list; a symbol's index here orders ties. */
  readonly symbols: readonly string[];
  /** The single file of a symbol (used when `openRange` is absent). */
  open(symbol: string): ReplayColumnFile;
  /**
   * Partition files of each symbol overlapping `[startNs, endNs)`, in time order (`Dataset.openRange`
   * of `@mmtape/columnar-format`). When present it is used instead of `open`, so partitioned symbols
   * replay as one chained stream and partitions outside the range are never opened.
   */
  openRange?(options: {
    symbols?: readonly string[];
    startNs?: bigint;
    endNs?: bigint;
  }): readonly { symbol: string; slices: readonly { file: ReplayColumnFile }[] }[];
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
   * `'auto'` (default): prefetch (as `true`) only when the replayed bytes (`ts` and `columns` of the
   * replayed rows, 8 bytes each) exceed {@link AUTO_PREFETCH_MIN_BYTES}; below that the prefetcher
   * only costs time (two madvise calls per stream and column, ~10 % of a warm 3,000-stream replay)
   * and the page cache holds the data anyway. `true`: advise the kernel ahead of the merge with a
   * `SlidingWindowPrefetcher` over the `ts` column and the requested columns, and release what the
   * merge has passed, so the resident set stays a small window of the dataset (the RSS bound of the
   * replay-memory benchmark); the prefetcher first advises `MADV_RANDOM` over each replayed file, so page
   * faults read no more than their page and its WILLNEED windows are the only read-ahead
   * (`@mmtape/prefetch` README, "I/O policy"). `false`: no windows; each replayed file is advised
   * `MADV_NORMAL` once (the kernel default, restoring read-around on a dataset opened with
   * `accessPattern: 'random'`). An object: prefetch with these window options.
   */
  prefetch?: 'auto' | boolean | ReplayPrefetchOptions;
  /** Threshold of `prefetch: 'auto'`, bytes. Default {@link AUTO_PREFETCH_MIN_BYTES} (256 MiB). */
  autoPrefetchMinBytes?: number;
  /** Merge algorithm (see `MergeStrategy`). Default `'auto'`. */
  strategy?: MergeStrategy;
  /**
   * `true` (default): copy each event's values of `columns` into `batch.columns[name][i]`, aligned with
   * `batch.symbolIds`, while the batch is built from the staged rows (the cheapest way to read them for a
   * full-market replay: one dense array per batch). `false`: only the zero-copy `ctx.columns` access.
   */
  gather?: boolean;
  /** Rows per stream staged at a time (see `KWayMergeOptions.stageRows`). Default 64. */
  stageRows?: number;
  /** Target events per block of the `'block'` strategy (see `KWayMergeOptions.blockEvents`). Default 262,144. */
  blockEvents?: number;
  /**
   * Verified reads: `true` (default) checks each block of `ts` and of `columns` against its checksum
   * the first time the merge reads a row of it (files with `verifyRows`, such as `ColumnFile`; with a
   * file opened with `verify: false` the check is a no-op), so a corrupt block throws the file's typed
   * error (`BlockChecksumMismatchError`) before any of its rows is replayed. `false`: no check here
   * (views from `columnUnchecked`). Cost: one XXH64 pass over the replayed bytes.
   */
  verify?: boolean;
  /**
   * Memory measurement: `true` (default) samples page-cache residency of the replayed files (mincore)
   * and RSS split into anon / file-backed (`/proc/self/status`) at the start, every 250 ms, and at the
   * end; an object sets `intervalMs`; `false` samples nothing (the memory fields of the stats are -1).
   */
  memory?: boolean | { intervalMs?: number };
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
  /** Part of `elapsedMs` spent before the first batch: opening files, views, staging, prefetch setup. */
  openMs: number;
  /** `events / (elapsedMs / 1000)`; 0 when nothing was replayed. */
  eventsPerSecond: number;
  /** Timestamp of the first batch (ns since epoch), `null` when nothing was replayed. */
  firstTimestampNs: bigint | null;
  /** Timestamp of the last batch (ns since epoch), `null` when nothing was replayed. */
  lastTimestampNs: bigint | null;
  /** Merge algorithm in use at the end, and how often `'auto'` switched. */
  strategy: 'tree' | 'buckets' | 'sweep' | 'block';
  strategySwitches: number;
  /** Files replayed: one per symbol, or one per partition for partitioned datasets. */
  streams: number;
  /** Peak RSS of the process (VmHWM) at the last sample, bytes; -1 without sampling. */
  peakRssBytes: number;
  /** Largest RssAnon / RssFile seen in the samples, bytes; -1 without sampling. */
  peakRssAnonBytes: number;
  peakRssFileBytes: number;
  /** Fraction of the replayed files resident in the page cache (mincore) at the end, 0…1; -1 without sampling. */
  residentFraction: number;
  /** Largest resident fraction seen in the samples; -1 without sampling. */
  peakResidentFraction: number;
  /** Every memory sample (start, intervals, end). */
  memorySamples: MemorySample[];
  /** Advice issued by the prefetcher, `null` when prefetch was off. */
  prefetch: PrefetchStats | null;
  /**
   * Bytes the replay needed: the replayed rows of `ts` and of each requested column (counted once each),
   * 8 bytes per value, summed over the streams (`Σ (endRow - startRow) × 8 × (1 + columns)`). The
   * lower bound of what a cold replay must read from the device.
   */
  neededBytes: number;
  /**
   * Bytes this process read from the block device during the call: the difference of `read_bytes` in
   * `/proc/self/io` (Linux task I/O accounting) between the start and the end, which counts page-fault
   * reads, kernel read-around and the read-ahead the prefetcher's WILLNEED started, not page-cache hits.
   * -1 where `/proc/self/io` is unavailable. Reads started by other processes are not counted.
   */
  deviceReadBytes: number;
  /**
   * `deviceReadBytes / neededBytes`: read amplification of this run (0 on a warm page cache, 1 when a
   * cold replay reads each needed byte once). -1 when `deviceReadBytes` is unknown or nothing was needed.
   */
  readAmplification: number;
}

/**
 * With `prefetch: 'auto'` (the default of {@link ReplayOptions.prefetch}), {@link replayDataset}
 * prefetches only when the replayed column bytes (`ts` plus the requested columns, 8 bytes per value,
 * over the replayed files' rows) exceed this: 256 MiB. Below it the whole replayed data fits a modest
 * RSS and the madvise calls are pure overhead (measured: `pnpm bench replay`, 3,000 streams × 2,000 bars,
 * 96 MB of ts + close, warm page cache: prefetch on costs ~10 % of the run).
 */
export const AUTO_PREFETCH_MIN_BYTES = 256 * 2 ** 20;

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
  const ioAtStart = readProcessIo();
  const symbols = selectSymbols(dataset, options.symbols);
  const columnNames = [...new Set(options.columns ?? ['close'])];
  const { startNs, endNs } = options;

  // Streams: one per file. Partitioned symbols contribute one stream per partition, in time order, so
  // stream ids ascend with symbol ids and a symbol's partitions never share a timestamp.
  const files: ReplayColumnFile[] = [];
  const streamSymbol: number[] = [];
  if (typeof dataset.openRange === 'function') {
    const ranges = dataset.openRange({ symbols, startNs, endNs });
    ranges.forEach((range, id) => {
      for (const slice of range.slices) {
        files.push(slice.file);
        streamSymbol.push(id);
      }
    });
  } else {
    symbols.forEach((symbol, id) => {
      files.push(dataset.open(symbol));
      streamSymbol.push(id);
    });
  }
  const chained = streamSymbol.some((id, s) => id !== s) || files.length !== symbols.length;
  // Lazy verified reads when every file supports them; else `column()` (which checks whole columns).
  const lazy = files.every(
    (f) => typeof f.columnUnchecked === 'function' && typeof f.verifyRows === 'function',
  );
  const view = (file: ReplayColumnFile, name: string): ReplayColumnData =>
    lazy ? file.columnUnchecked!(name) : name === 'ts' ? file.timestampsNs() : file.column(name);

  const streamTimestamps = files.map((file, s) => {
    const symbol = symbols[streamSymbol[s]!]!;
    const descriptor = descriptorOf(file, symbol, 'ts');
    if (descriptor.dtype !== 'i64') {
      throw new UnsupportedColumnDtypeError({ symbol, column: 'ts', actual: descriptor.dtype });
    }
    return view(file, 'ts') as BigInt64Array;
  });
  const streamColumns: Record<string, (Float64Array | BigInt64Array)[]> = {};
  for (const name of columnNames) {
    streamColumns[name] = files.map((file, s) => {
      const symbol = symbols[streamSymbol[s]!]!;
      const descriptor = descriptorOf(file, symbol, name);
      if (descriptor.dtype !== 'f64' && descriptor.dtype !== 'i64') {
        throw new UnsupportedColumnDtypeError({ symbol, column: name, actual: descriptor.dtype });
      }
      return view(file, name) as Float64Array | BigInt64Array;
    });
  }
  const verifiedNames = ['ts', ...columnNames.filter((name) => name !== 'ts')];
  const ensureRows =
    lazy && options.verify !== false
      ? (stream: number, startRow: number, endRow: number): number => {
          const file = files[stream]!;
          let ready = file.rowCount;
          for (const name of verifiedNames) {
            const r = file.verifyRows!(name, startRow, endRow);
            if (r < ready) ready = r;
          }
          return ready;
        }
      : undefined;

  // The consumer's view is per symbol; for chained symbols it points at the partition being replayed.
  const ctx: ReplayContext = chained
    ? {
        symbols,
        columns: Object.fromEntries(
          columnNames.map((name) => [
            name,
            symbols.map(() => new Float64Array(0) as Float64Array | BigInt64Array),
          ]),
        ),
        timestamps: symbols.map(() => new BigInt64Array(0)),
      }
    : { symbols, columns: streamColumns, timestamps: streamTimestamps };
  const currentStream = new Int32Array(symbols.length).fill(-1);
  const symbolOfStream = Int32Array.from(streamSymbol);

  // Before the merge reads a row: the prefetcher sets MADV_RANDOM on the files (or MADV_NORMAL when it
  // is off), so the merge's first reads fault single pages instead of reading around them.
  const prefetcher = createPrefetcher(
    files,
    symbols,
    streamSymbol,
    columnNames,
    options.prefetch ?? 'auto',
    options.autoPrefetchMinBytes ?? AUTO_PREFETCH_MIN_BYTES,
  );
  const merge = new KWayMerge(streamTimestamps, {
    startNs,
    endNs,
    strategy: options.strategy,
    stageRows: options.stageRows,
    blockEvents: options.blockEvents,
    columns: options.gather === false ? {} : streamColumns,
    ensureRows,
  });
  const memory = options.memory ?? true;
  const sampler =
    memory === false
      ? null
      : new MemorySampler(
          files.filter((f) => typeof f.file.residency === 'function').map((f) => f.file as ResidencyReporter),
          memory === true ? {} : memory,
        );
  sampler?.sample();
  const openMs = performance.now() - startedAtMs;

  const cursors = merge.cursorRows;
  const polledRows = new Float64Array(files.length).fill(-1);
  // Between two polls a stream moves at most `pollEvents` rows, far less than the prefetch window
  // (131,072 rows by default), while one poll costs O(streams): polling every max(1,024, streams)
  // events keeps that under one comparison per event.
  const pollEvents = Math.max(1024, Math.min(files.length, 8192));
  let untilPoll = 0;
  // Cursors unchanged since the last poll (blocks move them once per block): nothing to scan.
  let polledEpoch = -1;
  let firstTimestampNs: bigint | null = null;
  let lastTimestampNs: bigint | null = null;
  const pollPrefetch = (): void => {
    if (prefetcher === null) return;
    for (let s = 0; s < files.length; s++) {
      const row = cursors[s]!;
      if (row === polledRows[s] || row >= merge.endRows[s]!) continue;
      // Partitions after the first are advised once the replay reaches them, not all up front.
      if (
        polledRows[s] === -1 &&
        row === merge.startRows[s] &&
        s > 0 &&
        streamSymbol[s - 1] === streamSymbol[s]
      ) {
        if (merge.endRows[s - 1]! > cursors[s - 1]!) continue;
      }
      polledRows[s] = row;
      prefetcher.update(s, row);
    }
  };
  try {
    pollPrefetch(); // the first windows, from each stream's start row, before the first batch
    for (let batch = merge.next(); batch !== null; batch = merge.next()) {
      if (untilPoll <= 0) {
        untilPoll = pollEvents;
        const epoch = merge.cursorEpoch;
        if (epoch !== polledEpoch) {
          polledEpoch = epoch;
          pollPrefetch();
        }
        sampler?.maybeSample();
      }
      untilPoll -= batch.length;
      if (chained) {
        const ids = batch.symbolIds;
        for (let i = 0; i < batch.length; i++) {
          const stream = ids[i]!;
          const id = symbolOfStream[stream]!;
          ids[i] = id;
          if (currentStream[id] !== stream) {
            currentStream[id] = stream;
            for (const name of columnNames) ctx.columns[name]![id] = streamColumns[name]![stream]!;
            ctx.timestamps[id] = streamTimestamps[stream]!;
          }
        }
      }
      if (firstTimestampNs === null) firstTimestampNs = batch.timestampNs;
      lastTimestampNs = batch.timestampNs;
      onBatch(batch, ctx);
    }
  } finally {
    prefetcher?.finish();
  }
  sampler?.sample();

  const { events, batches, strategy, strategySwitches } = merge.stats();
  const ioAtEnd = readProcessIo();
  const deviceReadBytes =
    ioAtStart === null || ioAtEnd === null ? -1 : ioAtEnd.readBytes - ioAtStart.readBytes;
  const neededBytes = replayedBytes(
    merge.startRows,
    merge.endRows,
    1 + columnNames.filter((n) => n !== 'ts').length,
  );
  const elapsedMs = performance.now() - startedAtMs;
  const summary = sampler?.summary();
  return {
    events,
    batches,
    elapsedMs,
    openMs,
    eventsPerSecond: events === 0 || elapsedMs <= 0 ? 0 : events / (elapsedMs / 1000),
    firstTimestampNs,
    lastTimestampNs,
    strategy,
    strategySwitches,
    streams: files.length,
    peakRssBytes: summary?.peakRssBytes ?? -1,
    peakRssAnonBytes: summary?.peakRssAnonBytes ?? -1,
    peakRssFileBytes: summary?.peakRssFileBytes ?? -1,
    residentFraction: summary?.residentFraction ?? -1,
    peakResidentFraction: summary?.peakResidentFraction ?? -1,
    memorySamples: summary?.samples ?? [],
    prefetch: prefetcher?.stats() ?? null,
    neededBytes,
    deviceReadBytes,
    readAmplification: deviceReadBytes < 0 || neededBytes === 0 ? -1 : deviceReadBytes / neededBytes,
  };
}

/**
 * Bytes of the rows `[startRows[s], endRows[s])` of `columnCount` 8-byte columns, summed over streams:
 * the bytes a replay needs (see {@link ReplayStats.neededBytes}).
 */
export function replayedBytes(
  startRows: ArrayLike<number>,
  endRows: ArrayLike<number>,
  columnCount: number,
): number {
  let rows = 0;
  for (let s = 0; s < startRows.length; s++) rows += Math.max(0, endRows[s]! - startRows[s]!);
  return rows * columnCount * BYTES_PER_ROW;
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
  streamSymbol: readonly number[],
  columnNames: readonly string[],
  prefetch: 'auto' | boolean | ReplayPrefetchOptions,
  autoMinBytes: number,
): SlidingWindowPrefetcher | null {
  if (!(typeof autoMinBytes === 'number' && autoMinBytes >= 0)) {
    throw new InvalidReplayOptionError({
      option: 'autoPrefetchMinBytes',
      expected: 'a number of bytes >= 0',
      actual: autoMinBytes,
    });
  }
  if (
    prefetch !== 'auto' &&
    typeof prefetch !== 'boolean' &&
    (typeof prefetch !== 'object' || prefetch === null)
  ) {
    throw new InvalidReplayOptionError({
      option: 'prefetch',
      expected: "'auto', true, false or window options",
      actual: prefetch,
    });
  }
  const names = ['ts', ...columnNames.filter((name) => name !== 'ts')];
  if (prefetch === 'auto') {
    let rows = 0;
    for (const file of files) rows += file.rowCount;
    prefetch = rows * names.length * BYTES_PER_ROW > autoMinBytes;
  }
  if (prefetch === false || files.length === 0) {
    // Without windows the kernel's read-around is the read-ahead: undo a dataset opened with
    // accessPattern 'random' (a no-op on a mapping that is already MADV_NORMAL).
    for (const file of files)
      if (file.file.byteLength > 0) file.file.advise('normal', 0, file.file.byteLength);
    return null;
  }
  const streams: PrefetchStream[] = files.map((file, id) => ({
    file: file.file,
    columns: names.map((name) => ({
      offsetBytes: descriptorOf(file, symbols[streamSymbol[id]!]!, name).offsetBytes,
      bytesPerRow: BYTES_PER_ROW,
    })),
    rowCount: file.rowCount,
  }));
  return new SlidingWindowPrefetcher(streams, prefetch === true ? undefined : prefetch);
}
