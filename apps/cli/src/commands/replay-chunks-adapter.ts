/**
 * TEMPORARY ADAPTER (issue 16): the lead replaces `replayChunksAdapter` by `replayChunks` of
 * `@mmtape/merge-replay` when the chunk API lands, and deletes this file; `ReplayChunk` below mirrors that
 * API's interface field for field, so the switch is the one import in `replay-output.ts`.
 *
 * Today's `replayDataset` pushes batches to a callback and cannot be paused, so a consumer that awaits
 * (an output stream's backpressure) cannot pull from it. This adapter drives the same `KWayMerge` that
 * `replayDataset` drives, pulling one batch at a time, and copies the batches into reusable chunk buffers.
 * It keeps what output needs from `replayDataset` (partition chaining, verified reads, start/end, memory
 * statistics) and leaves out the prefetcher: files keep the kernel's read-around.
 */

import {
  InvalidReplayOptionError,
  KWayMerge,
  MissingColumnError,
  type ReplayColumnData,
  type ReplayColumnFile,
  type ReplayDatasetSource,
  type ReplayStats,
  UnknownSymbolError,
  UnsupportedColumnDtypeError,
} from '@mmtape/merge-replay';
import { MemorySampler, type ResidencyReporter, readProcessIo } from '@mmtape/prefetch';

/** A chunk of replayed events: the `ReplayChunk` of `@mmtape/merge-replay`'s chunk API. */
export interface ReplayChunk {
  /** Events in the chunk (≤ the arrays' length). */
  length: number;
  /** Symbol id (index in the replayed symbols, dataset order) of each event. */
  symbolId: Int32Array;
  /** Row of each event within its symbol's file (partition). */
  row: Uint32Array;
  /** Timestamp of each event, ns since the Unix epoch (UTC). */
  timestampNs: BigInt64Array;
  /** Requested columns, parallel to `symbolId`. */
  columns: Record<string, Float64Array | BigInt64Array>;
  /** One past the last event of each run of equal timestamps (batch) in the chunk; the last is `length`. */
  batchEnds: Int32Array;
  /** Runs in `batchEnds`. */
  batchCount: number;
  /** True when the first run continues the last batch of the previous chunk (same timestamp). */
  continuesBatch: boolean;
}

/** Options of {@link replayChunksAdapter}: those of `replayDataset` that output uses, and the chunk size. */
export interface ReplayChunksAdapterOptions {
  /** Symbols to replay (default all), replayed in dataset order. */
  symbols?: readonly string[];
  /** First timestamp (inclusive), ns since epoch. */
  startNs?: bigint;
  /** End (exclusive), ns since epoch. */
  endNs?: bigint;
  /** Columns gathered per event (f64 or i64). Default `['close']`. */
  columns?: readonly string[];
  /** Verified reads (checksum of each block before its rows are replayed). Default true. */
  verify?: boolean;
  /**
   * Prefetch mode of `replayDataset` (`'auto'`, true, false). Accepted so that callers already pass it to
   * the chunk API; ignored here (no prefetch windows: the kernel's read-around).
   */
  prefetch?: 'auto' | boolean;
  /** Events per chunk, ≥ 1. Default 65,536. */
  chunkEvents?: number;
}

/** Default of {@link ReplayChunksAdapterOptions.chunkEvents}. */
const DEFAULT_CHUNK_EVENTS = 65_536;

/**
 * Replays `dataset` in global (timestamp, symbol id) order as reusable chunks: the chunk (and its arrays)
 * is the same object every step, valid until the next one is pulled. Iterate once; `stats()` is complete
 * when the iteration has ended.
 *
 * @throws {InvalidReplayOptionError} when `chunkEvents` is not an integer ≥ 1.
 * @throws {UnknownSymbolError} / {@link MissingColumnError} / {@link UnsupportedColumnDtypeError} as
 * `replayDataset` does, and the merge's `UnsortedStreamError` and the files' checksum errors while iterating.
 */
export function replayChunksAdapter(
  dataset: ReplayDatasetSource,
  options: ReplayChunksAdapterOptions = {},
): Iterable<ReplayChunk> & { stats(): ReplayStats } {
  const capacity = options.chunkEvents ?? DEFAULT_CHUNK_EVENTS;
  if (!(Number.isSafeInteger(capacity) && capacity >= 1)) {
    throw new InvalidReplayOptionError({
      option: 'chunkEvents',
      expected: 'an integer >= 1',
      actual: capacity,
    });
  }
  const columnNames = [...new Set(options.columns ?? ['close'])];
  let stats: ReplayStats | null = null;

  function* run(): Generator<ReplayChunk, void, undefined> {
    const startedAtMs = performance.now();
    const ioAtStart = readProcessIo();
    const known = new Set(dataset.symbols);
    for (const symbol of options.symbols ?? []) {
      if (!known.has(symbol))
        throw new UnknownSymbolError({ symbol, path: dataset.dir, available: dataset.symbols });
    }
    const wanted = options.symbols ? new Set(options.symbols) : null;
    const symbols = dataset.symbols.filter((s) => wanted === null || wanted.has(s));
    const { startNs, endNs } = options;

    // One stream per file; a partitioned symbol's partitions are consecutive streams in time order.
    const files: ReplayColumnFile[] = [];
    const streamSymbol: number[] = [];
    if (typeof dataset.openRange === 'function') {
      dataset.openRange({ symbols, startNs, endNs }).forEach((range, id) => {
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
    const symbolOfStream = Int32Array.from(streamSymbol);
    const lazy = files.every(
      (f) => typeof f.columnUnchecked === 'function' && typeof f.verifyRows === 'function',
    );
    const view = (s: number, name: string, dtypes: readonly string[]): ReplayColumnData => {
      const file = files[s]!;
      const symbol = symbols[streamSymbol[s]!]!;
      const descriptor = file.columns.find((c) => c.name === name);
      if (descriptor === undefined) {
        throw new MissingColumnError({
          symbol,
          column: name,
          path: file.path,
          actual: file.columns.map((c) => c.name),
        });
      }
      if (!dtypes.includes(descriptor.dtype)) {
        throw new UnsupportedColumnDtypeError({ symbol, column: name, actual: descriptor.dtype });
      }
      return lazy ? file.columnUnchecked!(name) : name === 'ts' ? file.timestampsNs() : file.column(name);
    };
    const timestamps = files.map((_, s) => view(s, 'ts', ['i64']) as BigInt64Array);
    const streamColumns: Record<string, (Float64Array | BigInt64Array)[]> = {};
    for (const name of columnNames) {
      streamColumns[name] = files.map(
        (_, s) => view(s, name, ['f64', 'i64']) as Float64Array | BigInt64Array,
      );
    }
    const verifiedNames = ['ts', ...columnNames.filter((n) => n !== 'ts')];
    const merge = new KWayMerge(timestamps, {
      startNs,
      endNs,
      columns: streamColumns,
      ensureRows:
        lazy && options.verify !== false
          ? (s, startRow, endRow) => {
              let ready = files[s]!.rowCount;
              for (const name of verifiedNames)
                ready = Math.min(ready, files[s]!.verifyRows!(name, startRow, endRow));
              return ready;
            }
          : undefined,
    });
    const sampler = new MemorySampler(
      files.filter((f) => typeof f.file.residency === 'function').map((f) => f.file as ResidencyReporter),
    );
    sampler.sample();
    const openMs = performance.now() - startedAtMs;

    const chunk: ReplayChunk = {
      length: 0,
      symbolId: new Int32Array(capacity),
      row: new Uint32Array(capacity),
      timestampNs: new BigInt64Array(capacity),
      columns: Object.fromEntries(
        columnNames.map((name) => [
          name,
          streamColumns[name]![0] instanceof BigInt64Array
            ? new BigInt64Array(capacity)
            : new Float64Array(capacity),
        ]),
      ),
      batchEnds: new Int32Array(capacity),
      batchCount: 0,
      continuesBatch: false,
    };
    let firstTimestampNs: bigint | null = null;
    let lastTimestampNs: bigint | null = null;
    for (let batch = merge.next(); batch !== null; batch = merge.next()) {
      sampler.maybeSample();
      firstTimestampNs ??= batch.timestampNs;
      lastTimestampNs = batch.timestampNs;
      for (let from = 0; from < batch.length; ) {
        if (chunk.length === capacity) {
          yield chunk;
          chunk.continuesBatch = from > 0;
          chunk.length = 0;
          chunk.batchCount = 0;
        }
        const at = chunk.length;
        const n = Math.min(batch.length - from, capacity - at);
        const ids = batch.symbolIds;
        for (let i = 0; i < n; i++) chunk.symbolId[at + i] = symbolOfStream[ids[from + i]!]!;
        chunk.row.set(batch.rows.subarray(from, from + n), at);
        chunk.timestampNs.fill(batch.timestampNs, at, at + n);
        for (const name of columnNames) {
          const source = batch.columns[name]!;
          const target = chunk.columns[name]!;
          if (source.constructor !== target.constructor) {
            throw new UnsupportedColumnDtypeError({
              symbol: symbols[chunk.symbolId[at]!]!,
              column: name,
              actual:
                source instanceof BigInt64Array ? 'i64 (f64 in other files)' : 'f64 (i64 in other files)',
            });
          }
          (target as Float64Array).set(source.subarray(from, from + n) as Float64Array, at);
        }
        chunk.length = at + n;
        chunk.batchEnds[chunk.batchCount++] = chunk.length;
        from += n;
      }
    }
    if (chunk.length > 0) yield chunk;
    sampler.sample();

    const merged = merge.stats();
    const ioAtEnd = readProcessIo();
    const deviceReadBytes =
      ioAtStart === null || ioAtEnd === null ? -1 : ioAtEnd.readBytes - ioAtStart.readBytes;
    let rows = 0;
    for (let s = 0; s < files.length; s++) rows += Math.max(0, merge.endRows[s]! - merge.startRows[s]!);
    const neededBytes = rows * 8 * (1 + columnNames.filter((n) => n !== 'ts').length);
    const elapsedMs = performance.now() - startedAtMs;
    const summary = sampler.summary();
    stats = {
      events: merged.events,
      batches: merged.batches,
      elapsedMs,
      openMs,
      eventsPerSecond: merged.events === 0 || elapsedMs <= 0 ? 0 : merged.events / (elapsedMs / 1000),
      firstTimestampNs,
      lastTimestampNs,
      strategy: merged.strategy,
      strategySwitches: merged.strategySwitches,
      streams: files.length,
      peakRssBytes: summary.peakRssBytes,
      peakRssAnonBytes: summary.peakRssAnonBytes,
      peakRssFileBytes: summary.peakRssFileBytes,
      residentFraction: summary.residentFraction,
      peakResidentFraction: summary.peakResidentFraction,
      memorySamples: summary.samples,
      prefetch: null,
      neededBytes,
      deviceReadBytes,
      readAmplification: deviceReadBytes < 0 || neededBytes === 0 ? -1 : deviceReadBytes / neededBytes,
    };
  }

  return {
    [Symbol.iterator]: run,
    stats(): ReplayStats {
      if (stats === null) throw new Error('replayChunksAdapter: stats() before the iteration ended');
      return stats;
    },
  };
}
