import type { PrefetchStream, SlidingWindowOptions, WillneedWorkerStream } from '@mmtape/prefetch';
import {
  emptyPrefetchStats,
  MemorySampler,
  readProcessIo,
  SlidingWindowPrefetcher,
  WillneedWorker,
  withDefaultWindow,
} from '@mmtape/prefetch';
import {
  InvalidReplayOptionError,
  MissingColumnError,
  UnknownSymbolError,
  UnsupportedColumnDtypeError,
} from './errors.js';
import { KWayMerge } from './k-way-merge.js';
import type { RowReader } from './merge-state.js';
import { PREFETCH_CHUNK_EVENTS } from './merge-tuning.js';
import {
  AUTO_PREFETCH_MIN_BYTES,
  type ReplayColumnData,
  type ReplayColumnFile,
  type ReplayContext,
  type ReplayDatasetSource,
  type ReplayOptions,
  type ReplayPrefetchOptions,
  type ReplayStats,
} from './replay-options.js';
import { adviseWholeFiles, residencyReporters } from './whole-file-advice.js';

/** Bytes per row of the columns prefetched: replay exposes only 8-byte dtypes (i64, f64). */
const BYTES_PER_ROW = 8;

/**
 * Stops the WILLNEED worker of a session that was dropped without being finished (an iterator abandoned
 * without `return()`), so its helper process does not go on scanning cursors until this one exits.
 */
const abandonedWorkers = new FinalizationRegistry<{
  worker: WillneedWorker | null;
  readers: readonly RowReaderHandle[];
}>(({ worker, readers }) => {
  worker?.close();
  for (const reader of readers) reader.close();
});

/** A file's row reader (`ReplayColumnFile.openRowReader`). */
type RowReaderHandle = ReturnType<NonNullable<ReplayColumnFile['openRowReader']>>;

/**
 * One replay of a dataset, shared by {@link replayDataset} (batches) and `replayChunks` (chunks): the
 * streams opened and checked, the merge, the prefetcher following its cursors, the memory sampler, and
 * the statistics at the end. Internal.
 */
export class ReplaySession {
  readonly merge: KWayMerge;
  readonly symbols: string[];
  /** True when some symbol is stored in several files (partitions, segments): stream id ≠ symbol id. */
  readonly chained: boolean;
  /** Symbol id of each stream. */
  readonly symbolOfStream: Int32Array;
  readonly columnNames: string[];
  readonly streamColumns: Record<string, (Float64Array | BigInt64Array)[]>;
  readonly streamTimestamps: BigInt64Array[];
  readonly files: ReplayColumnFile[];
  private readonly streamSymbol: number[];
  private readonly startedAtMs: number;
  private readonly ioAtStart: ReturnType<typeof readProcessIo>;
  private readonly prefetcher: SlidingWindowPrefetcher | null;
  /** Issues the forward WILLNEED windows from a helper process (see `ReplayPrefetchOptions.worker`). */
  private readonly willneedWorker: WillneedWorker | null;
  /** Window reads: each stream's row reader (see `ReplayOptions.prefetch`); empty when the merge reads the mapping. */
  private readonly rowReaders: RowReaderHandle[];
  private readonly sampler: MemorySampler | null;
  private readonly polledRows: Float64Array;
  private polledEpoch = -1;
  private finished = false;
  /** Time from the start of the call to the end of the setup (before the first batch), ms. */
  readonly openMs: number;
  /**
   * Events between two polls of `replayDataset`: max(1,024, streams), at most 8,192. One poll costs
   * O(streams), so this keeps it under one comparison per event, while a stream moves at most a few times
   * this many rows between two polls, far less than the prefetch window (262,144 rows by default, at
   * least 16,384).
   */
  readonly pollEvents: number;

  /**
   * Opens the streams of `options.symbols` in `[startNs, endNs)` and sets up the merge (with
   * `mergeOptions`), the prefetcher (its first windows advised) and the memory sampler. `pollChunks`:
   * chunks of {@link pollEvents} events (the batches of `replayDataset`: the tree and buckets move the
   * cursors a chunk at a time, so a chunk no larger than the poll interval keeps the prefetch windows as
   * close to the merge's reads as one poll per `pollEvents` batch events allows); else `chunkEvents`.
   * `windows`: the caller hands out no zero-copy view of the files (chunks), so the merge may read
   * windows with pread (see `ReplayOptions.prefetch`); `replayDataset`'s context reads the mapping, whose
   * pages only the replay thread's prefetcher releases, so it keeps reading through the mapping.
   */
  constructor(
    dataset: ReplayDatasetSource,
    options: ReplayOptions,
    mergeOptions: { gather: boolean; chunkEvents?: number; pollChunks?: boolean; windows?: boolean },
  ) {
    this.startedAtMs = performance.now();
    this.ioAtStart = readProcessIo();
    const symbols = selectSymbols(dataset, options.symbols);
    this.symbols = symbols;
    const columnNames = [...new Set(options.columns ?? ['close'])];
    this.columnNames = columnNames;
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
    this.files = files;
    this.streamSymbol = streamSymbol;
    this.chained = streamSymbol.some((id, s) => id !== s) || files.length !== symbols.length;
    this.symbolOfStream = Int32Array.from(streamSymbol);
    this.pollEvents = Math.max(1024, Math.min(files.length, 8192));
    // Lazy verified reads when every file supports them; else `column()` (which checks whole columns).
    const lazy = files.every(
      (f) => typeof f.columnUnchecked === 'function' && typeof f.verifyRows === 'function',
    );
    const view = (file: ReplayColumnFile, name: string): ReplayColumnData =>
      lazy ? file.columnUnchecked!(name) : name === 'ts' ? file.timestampsNs() : file.column(name);

    this.streamTimestamps = files.map((file, s) => {
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
    this.streamColumns = streamColumns;
    // The columns each stream reads, in the order of the prefetcher's (and its helper's) columns.
    const readNames = ['ts', ...columnNames.filter((name) => name !== 'ts')];
    // Before the merge reads a row: the prefetcher sets MADV_RANDOM on the files (or MADV_NORMAL when it
    // is off), so the merge's first reads fault single pages instead of reading around them.
    const verify = options.verify !== false;
    const readable =
      mergeOptions.windows === true && files.every((f) => typeof f.openRowReader === 'function');
    const prefetching = createPrefetcher(
      files,
      symbols,
      streamSymbol,
      readNames,
      options.prefetch ?? 'auto',
      options.autoPrefetchMinBytes ?? AUTO_PREFETCH_MIN_BYTES,
      lazy && verify,
      readable,
    );
    this.prefetcher = prefetching.prefetcher;
    this.willneedWorker = prefetching.worker;
    // Window reads (see ReplayOptions.prefetch): the merge copies rows out with pread, the helper reads ahead.
    this.rowReaders = prefetching.windows ? files.map((f) => f.openRowReader!({ verify })) : [];
    if (this.willneedWorker !== null || this.rowReaders.length > 0) {
      abandonedWorkers.register(this, { worker: this.willneedWorker, readers: this.rowReaders });
    }
    // With the prefetcher on (a replay larger than the memory budget), blocks are checked from file
    // reads: hashing them through the mapping would map each block ahead of the merge, up to twice the
    // pages the merge reads (a 64 KiB block straddles two 64 KiB fault-around blocks).
    const fromFile = this.prefetcher !== null || prefetching.windows;
    // Blocks the prefetch helper read and found good are not hashed again here (its checked runs).
    const worker = this.willneedWorker;
    const accepts = worker !== null && files.every((f) => typeof f.acceptCheckedBlocks === 'function');
    const ensureRows =
      lazy && options.verify !== false
        ? (stream: number, startRow: number, endRow: number): number => {
            const file = files[stream]!;
            let ready = file.rowCount;
            for (let c = 0; c < readNames.length; c++) {
              const name = readNames[c]!;
              if (accepts) acceptHelperRun(worker!, file, stream, c, name);
              const r = file.verifyRows!(name, startRow, endRow, fromFile);
              if (r < ready) ready = r;
            }
            return ready;
          }
        : undefined;
    const readRows = prefetching.windows
      ? this.windowReader(readNames, columnNames, accepts ? worker : null, verify)
      : undefined;

    this.merge = new KWayMerge(this.streamTimestamps, {
      startNs,
      endNs,
      strategy: options.strategy,
      stageRows: options.stageRows,
      blockEvents: options.blockEvents,
      chunkEvents:
        mergeOptions.pollChunks === true
          ? this.pollEvents
          : (mergeOptions.chunkEvents ??
            ((this.prefetcher !== null || this.willneedWorker !== null) && !prefetching.windows
              ? PREFETCH_CHUNK_EVENTS
              : undefined)),
      columns: mergeOptions.gather ? streamColumns : {},
      ensureRows,
      readRows,
      windowRows: options.windowRows,
    });
    // Window reads map nothing from here on: release what opening the files (their headers) and the
    // binary searches of startNs/endNs mapped, so the replay's resident set is its windows.
    if (prefetching.windows) adviseWholeFiles(files, 'dontneed');
    const memory = options.memory ?? true;
    this.sampler =
      memory === false ? null : new MemorySampler(residencyReporters(files), memory === true ? {} : memory);
    this.sampler?.sample();
    this.openMs = performance.now() - this.startedAtMs;
    this.polledRows = new Float64Array(files.length).fill(-1);
    this.pollPrefetch(); // the first windows, from each stream's start row, before the first batch
  }

  /**
   * The merge's window reader (`KWayMergeOptions.readRows`): column 0 is `ts`, column `c + 1` is
   * `columnNames[c]`. Before a read it records the blocks the helper checked (`worker`; its columns are
   * `readNames`), so the row reader hashes only the blocks the helper has not reached; after it, tells
   * the helper how far the column is known good (`verify`), so the helper does not check those blocks
   * again.
   */
  private windowReader(
    readNames: readonly string[],
    columnNames: readonly string[],
    worker: WillneedWorker | null,
    verify: boolean,
  ): RowReader {
    const files = this.files;
    const readers = this.rowReaders;
    const names = ['ts', ...columnNames];
    const helperColumn = names.map((name) => readNames.indexOf(name));
    return (stream, column, startRow, rowCount, into, intoOffsetBytes) => {
      const name = names[column]!;
      if (worker === null) {
        readers[stream]!.readRows(name, startRow, rowCount, into, intoOffsetBytes);
        return;
      }
      const helper = helperColumn[column]!;
      acceptHelperRun(worker, files[stream]!, stream, helper, name);
      const goodRows = readers[stream]!.readRows(name, startRow, rowCount, into, intoOffsetBytes);
      // Where the replay got first and checked blocks itself, the helper's checked reads skip them.
      if (verify) worker.readerChecked(stream, helper, goodRows);
    };
  }

  /**
   * Moves the prefetch windows to the merge's cursors when they changed since the last call, and lets
   * the memory sampler take its periodic sample. Cheap to call often; O(streams) when the cursors moved.
   */
  poll(): void {
    const epoch = this.merge.cursorEpoch;
    if (epoch !== this.polledEpoch) {
      this.polledEpoch = epoch;
      this.pollPrefetch();
    }
    this.sampler?.maybeSample();
  }

  private pollPrefetch(): void {
    const prefetcher = this.prefetcher;
    const worker = this.willneedWorker;
    if (prefetcher === null && worker === null) return;
    const merge = this.merge;
    const cursors = merge.cursorRows;
    const polledRows = this.polledRows;
    const streamSymbol = this.streamSymbol;
    for (let s = 0; s < this.files.length; s++) {
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
      prefetcher?.update(s, row);
      worker?.update(s, row);
    }
  }

  /** Releases the prefetcher's windows (idempotent); called when the replay ends, early or not. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.willneedWorker?.close();
    this.prefetcher?.finish();
    for (const reader of this.rowReaders) reader.close();
  }

  /** The statistics of the replay so far (see {@link ReplayStats}); takes a last memory sample. */
  stats(firstTimestampNs: bigint | null, lastTimestampNs: bigint | null): ReplayStats {
    const sampler = this.sampler;
    sampler?.sample();
    const merge = this.merge;
    const { events, batches, strategy, strategySwitches } = merge.stats();
    const ioAtEnd = readProcessIo();
    const ioAtStart = this.ioAtStart;
    const helper = this.willneedWorker?.usage();
    const deviceReadBytes =
      ioAtStart === null || ioAtEnd === null
        ? -1
        : ioAtEnd.readBytes - ioAtStart.readBytes + Math.max(0, helper?.readBytes ?? 0);
    const neededBytes = replayedBytes(
      merge.startRows,
      merge.endRows,
      1 + this.columnNames.filter((n) => n !== 'ts').length,
    );
    const elapsedMs = performance.now() - this.startedAtMs;
    const summary = sampler?.summary();
    return {
      events,
      batches,
      elapsedMs,
      openMs: this.openMs,
      eventsPerSecond: events === 0 || elapsedMs <= 0 ? 0 : events / (elapsedMs / 1000),
      firstTimestampNs,
      lastTimestampNs,
      strategy,
      strategySwitches,
      streams: this.files.length,
      peakRssBytes: summary?.peakRssBytes ?? -1,
      peakRssAnonBytes: summary?.peakRssAnonBytes ?? -1,
      peakRssFileBytes: summary?.peakRssFileBytes ?? -1,
      residentFraction: summary?.residentFraction ?? -1,
      peakResidentFraction: summary?.peakResidentFraction ?? -1,
      memorySamples: summary?.samples ?? [],
      prefetch: this.prefetchStats(),
      prefetchWorker: this.willneedWorker !== null,
      reads: this.rowReaders.length > 0 ? 'windows' : 'mapping',
      prefetchWorkerPeakRssBytes: helper?.peakRssBytes ?? -1,
      prefetchWorkerPrivateBytes: helper?.privateBytes ?? -1,
      neededBytes,
      deviceReadBytes,
      readAmplification: deviceReadBytes < 0 || neededBytes === 0 ? -1 : deviceReadBytes / neededBytes,
    };
  }

  /**
   * The prefetcher's counters, with the WILLNEED calls and bytes of the worker added (the worker's alone
   * with window reads, where the replay thread advises nothing); null without either.
   */
  private prefetchStats(): ReplayStats['prefetch'] {
    const worker = this.willneedWorker;
    const stats = this.prefetcher?.stats() ?? (worker === null ? null : emptyPrefetchStats());
    if (stats === null || worker === null) return stats;
    const issued = worker.stats();
    stats.willneedCalls += issued.willneedCalls;
    stats.willneedBytes += issued.willneedBytes;
    return stats;
  }

  /** A {@link ReplayContext} for zero-copy reads (per symbol; see `replayDataset` for chained symbols). */
  context(): ReplayContext {
    const { symbols, columnNames } = this;
    return this.chained
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
      : { symbols, columns: this.streamColumns, timestamps: this.streamTimestamps };
  }
}

/**
 * Records on `file` the run of blocks of column `name` (the helper's column `c` of stream `stream`) that
 * the prefetch helper read and found good, so `verifyRows` does not hash them again. Reads the run's end
 * first, then its start (see `WillneedWorker.checkedRunStart`): a valid run, or an empty one.
 */
function acceptHelperRun(
  worker: WillneedWorker,
  file: ReplayColumnFile,
  stream: number,
  c: number,
  name: string,
): void {
  const end = worker.checkedRunEnd(stream, c);
  const start = worker.checkedRunStart(stream, c);
  if (start < end) file.acceptCheckedBlocks!(name, start, end);
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
  const columns = file.columns;
  let descriptor: ReplayColumnFile['columns'][number] | undefined;
  for (let c = 0; c < columns.length && descriptor === undefined; c++) {
    if (columns[c]!.name === name) descriptor = columns[c];
  }
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
  names: readonly string[],
  prefetch: 'auto' | boolean | ReplayPrefetchOptions,
  autoMinBytes: number,
  verified: boolean,
  readable: boolean,
): { prefetcher: SlidingWindowPrefetcher | null; worker: WillneedWorker | null; windows: boolean } {
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
  if (prefetch === 'auto') {
    let rows = 0;
    for (const file of files) rows += file.rowCount;
    prefetch = rows * names.length * BYTES_PER_ROW > autoMinBytes;
  }
  if (prefetch === false || files.length === 0) {
    // Without windows the kernel's read-around is the read-ahead: undo a dataset opened with
    // accessPattern 'random' (a no-op on a mapping that is already MADV_NORMAL).
    adviseWholeFiles(files, 'normal');
    return { prefetcher: null, worker: null, windows: false };
  }
  const streams: PrefetchStream[] = files.map((file, id) => ({
    file: file.file,
    columns: names.map((name) => ({
      offsetBytes: descriptorOf(file, symbols[streamSymbol[id]!]!, name).offsetBytes,
      bytesPerRow: BYTES_PER_ROW,
    })),
    rowCount: file.rowCount,
  }));
  const { worker: useWorker = true, ...given } = prefetch === true ? {} : prefetch;
  // One window for the replay thread and its helper: the default is sized from the memory available now.
  const windows: SlidingWindowOptions = withDefaultWindow(given, streams);
  const worker = useWorker ? startWillneedWorker(files, streams, verified ? names : null, windows) : null;
  // Window reads when the helper reads ahead: the replay thread maps nothing, so it has nothing to advise
  // or release. MADV_RANDOM still goes on the files (the helper's first touches, a context read through
  // the mapping).
  if (worker !== null && readable) {
    if (windows.accessPattern !== 'keep') adviseWholeFiles(files, 'random');
    return { prefetcher: null, worker, windows: true };
  }
  return {
    prefetcher: new SlidingWindowPrefetcher(
      streams,
      worker === null ? windows : { ...windows, willneed: 'start' },
    ),
    worker,
    windows: false,
  };
}

/**
 * Fraction of the replayed columns' bytes in the page cache at or above which no WILLNEED worker is
 * started: the data is warm, the windows cost little on the replay thread, and a worker would cost more
 * than it saves. Measured on the 32 GB dataset cached (150 M events, 3 runs each): 8.1–8.5 s on the
 * replay thread alone, 8.9–10.9 s with the worker (measured with the worker thread the helper process
 * replaced: it maps every file again, and each DONTNEED of the replay thread then interrupted the other
 * core to flush its TLB).
 */
export const WORKER_MAX_RESIDENT_FRACTION = 0.9;

/**
 * Starts the WILLNEED worker for `streams`, or returns null when the replayed columns are mostly in the
 * page cache already ({@link WORKER_MAX_RESIDENT_FRACTION}; one mincore over them, ~19 ms per GiB), a file
 * is not mapped (no `filePath`: read into memory, or a test double) or the worker cannot start (its entry
 * is not built): the replay thread then advises every window itself. With `checkedNames` (verified reads:
 * the names of each stream's columns, in order) the helper also gets each column's block checksums, and
 * checks the blocks it reads ahead.
 */
function startWillneedWorker(
  files: readonly ReplayColumnFile[],
  streams: readonly PrefetchStream[],
  checkedNames: readonly string[] | null,
  windows: SlidingWindowOptions,
): WillneedWorker | null {
  const described: WillneedWorkerStream[] = [];
  let residentBytes = 0;
  let totalBytes = 0;
  for (let s = 0; s < files.length; s++) {
    const file = files[s]!.file;
    if (file.filePath === undefined) return null;
    const { columns, rowCount } = streams[s]!;
    if (typeof file.residency === 'function') {
      for (const column of columns) {
        const r = file.residency(column.offsetBytes, rowCount * column.bytesPerRow);
        residentBytes += r.residentBytes;
        totalBytes += r.totalBytes;
      }
    }
    const checksumsOf = files[s]!.blockChecksums;
    described.push({
      filePath: file.filePath,
      baseOffsetBytes: file.baseOffsetBytes ?? 0,
      byteLength: file.byteLength,
      columns:
        checkedNames === null || checksumsOf === undefined
          ? columns
          : columns.map((column, c) => ({
              ...column,
              checksums: checksumsOf.call(files[s], checkedNames[c]!),
            })),
      rowCount,
    });
  }
  if (totalBytes > 0 && residentBytes >= WORKER_MAX_RESIDENT_FRACTION * totalBytes) return null;
  try {
    return WillneedWorker.start(described, windows);
  } catch {
    return null;
  }
}
