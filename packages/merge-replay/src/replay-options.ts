import type { ColumnRowReader } from '@mmtape/columnar-format';
import type { Advisable, MemorySample, PrefetchStats, SlidingWindowOptions } from '@mmtape/prefetch';
import type { MergeStrategy } from './k-way-merge.js';

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
  /**
   * The mapped file, advised by the prefetcher; its `residency()` (mincore, of a byte range or the whole
   * file), when present, is sampled, and decides whether a prefetch worker is worth starting.
   * With `filePath` (the file on disk; `MappedFile` of `@mmtape/mmap-core` has it when mapped) and
   * `baseOffsetBytes` (where these bytes start in it), a prefetch worker can advise the same pages.
   */
  readonly file: Advisable & {
    residency?(offsetBytes?: number, lengthBytes?: number): { residentBytes: number; totalBytes: number };
    readonly filePath?: string;
    readonly baseOffsetBytes?: number;
  };
  column(name: string): ReplayColumnData;
  timestampsNs(): BigInt64Array;
  /**
   * Verified reads, lazily (a `ColumnFile` of `@mmtape/columnar-format` has both): a view that is not
   * checked as a whole, and a check of the blocks holding rows `[startRow, endRow)` of a column that
   * returns the row up to which the column is then known good. When both are present (and
   * {@link ReplayOptions.verify} is not false) the replay checks every row range before the merge
   * reads it, instead of `column()` checking whole columns up front. `fromFile` (true while the replay
   * prefetches): check the blocks from file reads rather than through the mapping, so checking maps no
   * page ahead of the merge.
   */
  columnUnchecked?(name: string): ReplayColumnData;
  verifyRows?(name: string, startRow: number, endRow: number, fromFile?: boolean): number;
  /**
   * With verified reads and a prefetch helper process (`ColumnFile` has both): where column `name`'s block
   * checksums are, so the helper checks the blocks it reads ahead of the merge, and the record of blocks
   * `[startBlock, endBlock)` found good by it, which {@link verifyRows} then skips (see
   * `WillneedWorkerChecksums` of `@mmtape/prefetch`).
   */
  blockChecksums?(
    name: string,
  ): { blockBytes: number; tableOffsetBytes: number; firstEntry: number } | undefined;
  acceptCheckedBlocks?(name: string, startBlock: number, endBlock: number): void;
  /**
   * Row ranges copied out of the file with `pread` (`ColumnFile.openRowReader`): with it on every file
   * and the prefetch helper running, the merge reads windows of its own (`KWayMergeOptions.readRows`)
   * instead of the mapping, so the replay maps no page of the data (see {@link ReplayOptions.prefetch}).
   * `readRows` returns the row up to which the column is known good from `startRow` on (the replay
   * tells the helper, which then skips those blocks).
   */
  openRowReader?(options?: { verify?: boolean }): ColumnRowReader;
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

/**
 * Window options of the prefetcher: `SlidingWindowOptions` of `@mmtape/prefetch` (aheadRows, …), and
 * `worker`: `true` (default) issues the WILLNEED windows from a helper process (`WillneedWorker` of
 * `@mmtape/prefetch`: it maps the same files and advises its own mappings, so the kernel's page-cache
 * fill, ~1.3 s of CPU per GB on a cold cache, runs on another core), while the replay thread advises
 * only each stream's first window and releases what it passed; used when every replayed file is mapped
 * (`file.filePath`) and the helper's entry is built, else the replay thread advises every window. `false`:
 * the replay thread advises every window.
 */
export type ReplayPrefetchOptions = SlidingWindowOptions & { worker?: boolean };

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
   * `accessPattern: 'random'`). An object: prefetch with these window options. Without `aheadRows` or
   * `aheadBytes`, the window is `defaultAheadRows` of `@mmtape/prefetch` (262,144 rows, less when half the
   * available memory cannot hold every stream's window), the same for the replay thread and its helper.
   *
   * Window reads (`replayChunks`, `replayChunksAsync`: they hand out copies, no zero-copy context): when
   * prefetching with the helper process, and every file can copy rows out (`openRowReader`, a
   * `ColumnFile` can), the merge does not read the mapping at all. It reads each
   * stream's rows with `pread` into windows of its own (4,096 rows of each column,
   * `KWayMergeOptions.readRows`), checked block by block as they are read, while the helper reads ahead
   * and checks what it read. No page of the data is then mapped into the replay's process: its resident
   * set is the windows (32 KiB per stream and column), and the replay thread makes no DONTNEED calls.
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
   * Rows per window of each stream and column when the merge reads windows (see {@link prefetch}; the
   * `KWayMergeOptions.windowRows` of the merge). Default 4,096.
   */
  windowRows?: number;
  /**
   * Verified reads: `true` (default) checks each block of `ts` and of `columns` against its checksum
   * the first time the merge reads a row of it (files with `verifyRows`, such as `ColumnFile`; with a
   * file opened with `verify: false` the check is a no-op), so a corrupt block throws the file's typed
   * error (`BlockChecksumMismatchError`) before any of its rows is replayed. `false`: no check here
   * (views from `columnUnchecked`). Cost: one XXH64 pass over the replayed bytes.
   */
  verify?: boolean;
  /**
   * Memory measurement: `true` (default) samples RSS split into anon / file-backed (`/proc/self/status`)
   * at the start, every 250 ms, and at the end, with the page-cache residency of the replayed files
   * (mincore) measured within 1 % of the replay's time (`MemorySampler` of `@mmtape/prefetch`: on a
   * 30 GiB dataset one measurement takes ~0.5 s, so residency is then measured about once a minute); an
   * object sets `intervalMs` and `residencyBudget`; `false` samples nothing (the memory fields of the
   * stats are -1).
   */
  memory?: boolean | { intervalMs?: number; residencyBudget?: number };
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
  strategy: 'tree' | 'buckets' | 'block';
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
  /** Advice issued by the prefetcher (and its worker), `null` when prefetch was off. */
  prefetch: PrefetchStats | null;
  /**
   * Whether a helper process issued the forward WILLNEED windows (`ReplayPrefetchOptions.worker`): false
   * without prefetch, with `worker: false`, when the replayed columns were mostly cached already, or when
   * the helper could not start.
   */
  prefetchWorker: boolean;
  /**
   * How the merge read the rows: `'windows'`, copied out with `pread` into windows of its own while the
   * helper read ahead (no page of the data mapped into the replay's process, see {@link
   * ReplayOptions.prefetch}); `'mapping'`, through the mapped files (no prefetch, no helper, or files
   * that cannot copy rows out).
   */
  reads: 'windows' | 'mapping';
  /**
   * Peak RSS (VmHWM) of that helper process, bytes: part of the replay's footprint besides
   * {@link peakRssBytes}. -1 without a helper or where `/proc` does not say.
   */
  prefetchWorkerPeakRssBytes: number;
  /**
   * Memory only that helper holds, bytes (`Private_Clean + Private_Dirty` when it stopped): the rest of
   * its RSS is pages this process maps too (the Node binary), so {@link peakRssBytes} + this is the
   * physical footprint of both. -1 without a helper or where `/proc` does not say.
   */
  prefetchWorkerPrivateBytes: number;
  /**
   * Bytes the replay needed: the replayed rows of `ts` and of each requested column (counted once each),
   * 8 bytes per value, summed over the streams (`Σ (endRow - startRow) × 8 × (1 + columns)`). The
   * lower bound of what a cold replay must read from the device.
   */
  neededBytes: number;
  /**
   * Bytes the replay read from the block device during the call: the difference of `read_bytes` in
   * `/proc/self/io` (Linux task I/O accounting) between the start and the end, plus the `read_bytes` of the
   * prefetch helper process (its WILLNEED and reads ahead), which counts page-fault reads, kernel
   * read-around and the read-ahead the prefetcher's WILLNEED started, not page-cache hits. -1 where
   * `/proc/self/io` is unavailable. Reads started by other processes are not counted.
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
