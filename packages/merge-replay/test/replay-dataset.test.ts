import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ColumnFile, Dataset, DatasetWriter } from '@mmtape/columnar-format';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidReplayOptionError,
  type ReplayColumnFile,
  type ReplayContext,
  type ReplayDatasetSource,
  type ReplayOptions,
  replayDataset,
} from '../src/index.js';
import { coldDataset } from './cold-dataset.js';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

// Compile-time contract check: the real columnar-format classes satisfy the adapter's structural types.
const _datasetFits: ReplayDatasetSource = undefined as unknown as Dataset;
const _fileFits: ReplayColumnFile = undefined as unknown as ColumnFile;
void _datasetFits;
void _fileFits;

const SECOND_NS = 1_000_000_000n;
const T0 = 1_700_000_000n * SECOND_NS;

interface Bars {
  symbol: string;
  ts: bigint[];
  close: number[];
}

const BARS: Bars[] = [
  { symbol: 'AAPL', ts: [T0, T0 + SECOND_NS, T0 + 3n * SECOND_NS], close: [10, 11, 13] },
  { symbol: 'MSFT', ts: [T0 + SECOND_NS, T0 + 2n * SECOND_NS, T0 + 3n * SECOND_NS], close: [20, 22, 23] },
  { symbol: 'ZZZ', ts: [], close: [] },
];

/** Expected (timestamp, symbol, close) triples: timestamp order, ties by dataset symbol order. */
function expected(bars: Bars[], startNs?: bigint, endNs?: bigint) {
  const out: [bigint, string, number][] = [];
  for (const b of bars) {
    b.ts.forEach((t, i) => {
      if ((startNs === undefined || t >= startNs) && (endNs === undefined || t < endNs))
        out.push([t, b.symbol, b.close[i]!]);
    });
  }
  return out.sort((x, y) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : 1));
}

function record(dataset: ReplayDatasetSource, options: Parameters<typeof replayDataset>[1] = {}) {
  const seen: [bigint, string, number][] = [];
  let context: ReplayContext | undefined;
  const stats = replayDataset(dataset, options, (batch, ctx) => {
    context = ctx;
    for (let i = 0; i < batch.length; i++) {
      const id = batch.symbolIds[i]!;
      const row = batch.rows[i]!;
      expect(ctx.timestamps[id]![row]).toBe(batch.timestampNs);
      seen.push([batch.timestampNs, ctx.symbols[id]!, Number(ctx.columns.close![id]![row])]);
    }
  });
  return { seen, stats, context };
}

describe('replayDataset over a real columnar-format dataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmtape-merge-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // One generation, written through the dataset API (FORMAT.md of columnar-format, "Dataset folder").
  const writer = DatasetWriter.create(dir, { durable: false });
  for (const b of BARS) {
    writer.writeSymbol(b.symbol, [
      { name: 'ts', dtype: 'i64', data: BigInt64Array.from(b.ts) },
      { name: 'close', dtype: 'f64', data: Float64Array.from(b.close) },
      { name: 'volume', dtype: 'f32', data: Float32Array.from(b.close) },
    ]);
  }
  writer.finish();

  it('replays every symbol in timestamp order with zero-copy context and stats', () => {
    const dataset = Dataset.open(dir);
    try {
      const { seen, stats, context } = record(dataset);
      expect(seen).toEqual(expected(BARS));
      expect(stats).toMatchObject({
        events: 6,
        batches: 4,
        firstTimestampNs: T0,
        lastTimestampNs: T0 + 3n * SECOND_NS,
      });
      expect(stats.eventsPerSecond).toBeGreaterThan(0);
      expect(context!.symbols).toEqual(['AAPL', 'MSFT', 'ZZZ']);
      // Zero-copy: the context arrays are the column file's own views.
      expect(context!.columns.close![0]!.buffer).toBe(dataset.open('AAPL').f64('close').buffer);
    } finally {
      dataset.close();
    }
  });

  it('honours symbols, startNs and endNs, without prefetch', () => {
    const dataset = Dataset.open(dir);
    try {
      const startNs = T0 + SECOND_NS;
      const endNs = T0 + 3n * SECOND_NS;
      const { seen, stats, context } = record(dataset, {
        symbols: ['MSFT', 'AAPL'],
        startNs,
        endNs,
        prefetch: false,
      });
      expect(context!.symbols).toEqual(['AAPL', 'MSFT']); // dataset order, whatever order was asked
      expect(seen).toEqual(expected(BARS.slice(0, 2), startNs, endNs));
      expect(stats.events).toBe(3);
    } finally {
      dataset.close();
    }
  });

  it('rejects an unknown symbol, a missing column and a non-8-byte column with typed errors', () => {
    const dataset = Dataset.open(dir);
    try {
      expect(() => replayDataset(dataset, { symbols: ['NOPE'] }, () => {})).toThrowError(
        expect.objectContaining({ code: 'MMTAPE_REPLAY_UNKNOWN_SYMBOL', symbol: 'NOPE' }),
      );
      expect(() => replayDataset(dataset, { columns: ['open'] }, () => {})).toThrowError(
        expect.objectContaining({ code: 'MMTAPE_REPLAY_MISSING_COLUMN', symbol: 'AAPL', column: 'open' }),
      );
      expect(() => replayDataset(dataset, { columns: ['volume'] }, () => {})).toThrowError(
        expect.objectContaining({ code: 'MMTAPE_REPLAY_UNSUPPORTED_DTYPE', actual: 'f32' }),
      );
    } finally {
      dataset.close();
    }
  });
});

/** In-memory ColumnFile fake whose `file` records every advise call. */
function fakeFile(symbol: string, ts: BigInt64Array, close: Float64Array) {
  const advice: [string, number, number][] = [];
  const tsOffsetBytes = 64;
  const closeOffsetBytes = tsOffsetBytes + ts.byteLength;
  const file: ReplayColumnFile = {
    symbol,
    rowCount: ts.length,
    columns: [
      { name: 'ts', dtype: 'i64', offsetBytes: tsOffsetBytes, lengthBytes: ts.byteLength },
      { name: 'close', dtype: 'f64', offsetBytes: closeOffsetBytes, lengthBytes: close.byteLength },
    ],
    file: {
      byteLength: closeOffsetBytes + close.byteLength,
      advise: (kind, offsetBytes, lengthBytes) => {
        advice.push([kind, offsetBytes, lengthBytes]);
      },
    },
    column: (name) => (name === 'ts' ? ts : close),
    timestampsNs: () => ts,
  };
  return { file, advice };
}

describe('replayDataset prefetching (recording fake)', () => {
  const ROWS = 10_000;
  const PAGE = 4096;
  const makeDataset = () => {
    const a = fakeFile(
      'A',
      BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(2 * i)),
      new Float64Array(ROWS).fill(1),
    );
    const b = fakeFile(
      'B',
      BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(2 * i + 1)),
      new Float64Array(ROWS).fill(2),
    );
    const dataset: ReplayDatasetSource = { symbols: ['A', 'B'], open: (s) => (s === 'A' ? a.file : b.file) };
    return { dataset, a, b };
  };

  it('advises MADV_RANDOM, then each column once in WILLNEED requests of half the window, and releases everything', () => {
    const { dataset, a, b } = makeDataset();
    const stats = replayDataset(
      dataset,
      { prefetch: { aheadRows: 1024, behindRows: 512, stepRows: 256, pageSizeBytes: PAGE } },
      () => {},
    );
    expect(stats.events).toBe(2 * ROWS);
    for (const { advice, file } of [a, b]) {
      const [ts, close] = file.columns;
      // Layout: ts [64, 80,064), close [80,064, 160,064), file 160,064 bytes, pages of 4,096.
      expect([ts!.offsetBytes, close!.offsetBytes, file.file.byteLength]).toEqual([64, 80_064, 160_064]);
      // Before any row is read: MADV_RANDOM over the whole file. Then the first window, rows [0, 1024)
      // of each column: ts [64, 8,256) -> [0, 12,288); close [80,064, 88,256) -> [77,824, 90,112).
      expect(advice.slice(0, 3)).toEqual([
        ['random', 0, 160_064],
        ['willneed', 0, 12_288],
        ['willneed', 77_824, 12_288],
      ]);
      // Each column's WILLNEED calls form one chain from its first page to its last (ts's last page is
      // close's first, so the chains are followed from each column's first call): ascending, contiguous,
      // no byte twice, and no call outside the two chains.
      const willneed = advice
        .map((call, index) => ({ call, index }))
        .filter(({ call }) => call[0] === 'willneed');
      let chained = 0;
      for (const [column, firstIndex, otherFirstIndex] of [
        [ts!, 1, 2],
        [close!, 2, 1],
      ] as const) {
        const end = Math.min(Math.ceil((column.offsetBytes + ROWS * 8) / PAGE) * PAGE, file.file.byteLength);
        const chain = [advice[firstIndex]!];
        let at = chain[0]![1] + chain[0]![2];
        while (at < end) {
          const next = willneed.find(({ call, index }) => index !== otherFirstIndex && call[1] === at);
          expect(next, `${column.name}: a WILLNEED starting at ${at}`).toBeDefined();
          chain.push(next!.call);
          at += next!.call[2];
        }
        expect(at).toBe(end);
        // Every request after the first and before the last holds at least requestRows = 512 rows.
        for (const [, , length] of chain.slice(1, -1)) expect(length).toBeGreaterThanOrEqual(512 * 8);
        chained += chain.length;
      }
      expect(willneed.length).toBe(chained);
      for (const [, offsetBytes, lengthBytes] of advice) {
        expect(offsetBytes + lengthBytes).toBeLessThanOrEqual(file.file.byteLength);
      }
      // DONTNEED, after the run, covers every byte of both columns; a release goes back at most to the
      // 64 KiB fault-around block where the previous one ended (pages a fault there mapped again).
      const released = advice.filter(([k]) => k === 'dontneed').sort((x, y) => x[1] - y[1] || x[2] - y[2]);
      for (let i = 1; i < released.length; i++) {
        const previousEnd = released[i - 1]![1] + released[i - 1]![2];
        expect(released[i]![1]).toBeGreaterThanOrEqual(Math.floor(previousEnd / 65_536) * 65_536);
      }
      expect(released.reduce((sum, [, , length]) => sum + length, 0)).toBeGreaterThanOrEqual(2 * ROWS * 8);
    }
  });

  it('reports the bytes it needed (ts + requested columns of the replayed rows) exactly', () => {
    const full = replayDataset(makeDataset().dataset, { prefetch: false, memory: false }, () => {});
    expect(full.neededBytes).toBe(2 * ROWS * 2 * 8);
    // 'ts' listed again and 'close' twice count once each.
    const listed = replayDataset(
      makeDataset().dataset,
      { columns: ['close', 'ts', 'close'], prefetch: false, memory: false },
      () => {},
    );
    expect(listed.neededBytes).toBe(2 * ROWS * 2 * 8);
    // From 10,000 ns: A (even ts) from row 5,000, B (odd ts 2i + 1) from row 5,000; until 15,000 ns
    // (exclusive): A rows < 7,500, B rows < 7,500 (2 × 7,499 + 1 = 14,999).
    const range = replayDataset(
      makeDataset().dataset,
      { startNs: 10_000n, endNs: 15_000n, prefetch: false, memory: false },
      () => {},
    );
    expect(range.events).toBe(2 * 2_500);
    expect(range.neededBytes).toBe(2 * 2_500 * 2 * 8);
    // Device bytes come from /proc/self/io (nothing is read from disk for in-memory fakes beyond noise);
    // the ratio is their quotient, -1 when unknown.
    if (range.deviceReadBytes >= 0) {
      expect(range.readAmplification).toBeCloseTo(range.deviceReadBytes / range.neededBytes, 12);
    } else {
      expect(range.readAmplification).toBe(-1);
    }
    const none = replayDataset(makeDataset().dataset, { startNs: 10n ** 15n, prefetch: false }, () => {});
    expect(none.neededBytes).toBe(0);
    expect(none.readAmplification).toBe(-1);
  });

  it("with 'block' (cursors move once per block) still moves the window through every stream to its end", () => {
    // 4 symbols sharing every timestamp: 4 events per batch, enough for blocks.
    const shared = BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i));
    const symbols = ['A', 'B', 'C', 'D'];
    const fakes = symbols.map((symbol, id) => fakeFile(symbol, shared, new Float64Array(ROWS).fill(id)));
    const dataset: ReplayDatasetSource = { symbols, open: (s) => fakes[symbols.indexOf(s)]!.file };
    const stats = replayDataset(
      dataset,
      {
        strategy: 'block',
        blockEvents: 2_048, // 512 rows per stream per block: ~20 blocks, polled once each
        prefetch: { aheadRows: 1024, behindRows: 512, stepRows: 256, pageSizeBytes: PAGE },
      },
      () => {},
    );
    expect(stats.events).toBe(4 * ROWS);
    expect(stats.strategy).toBe('block');
    for (const { advice, file } of fakes) {
      const [ts, close] = file.columns;
      // ts's last page is close's first: close's calls start there or after.
      const closeFirstPage = Math.floor(close!.offsetBytes / PAGE) * PAGE;
      const willneedTs = advice.filter(([k, off]) => k === 'willneed' && off < closeFirstPage);
      // About one WILLNEED of ts per block (each moves the cursor 512 rows >= stepRows), ascending.
      expect(willneedTs.length).toBeGreaterThanOrEqual(15);
      for (let i = 1; i < willneedTs.length; i++)
        expect(willneedTs[i]![1]).toBeGreaterThan(willneedTs[i - 1]![1]);
      const last = willneedTs.at(-1)!;
      expect(last[1] + last[2]).toBeGreaterThanOrEqual(ts!.offsetBytes + (ROWS - 1024) * 8);
    }
  });

  it('starts the window at the binary-searched start row', () => {
    const { dataset, a } = makeDataset();
    replayDataset(
      dataset,
      { startNs: 10_000n, prefetch: { aheadRows: 1024, stepRows: 256, pageSizeBytes: PAGE } },
      () => {},
    );
    const ts = a.file.columns[0]!;
    // Row 5000 of A holds 10000n: the first advice starts at its page, not at row 0.
    expect(a.advice[0]).toEqual(['random', 0, a.file.file.byteLength]);
    expect(a.advice[1]![1]).toBe(Math.floor((ts.offsetBytes + 5000 * 8) / PAGE) * PAGE);
  });

  it('advises only MADV_NORMAL over each whole file with prefetch: false (kernel read-around)', () => {
    const { dataset, a, b } = makeDataset();
    replayDataset(dataset, { prefetch: false }, () => {});
    expect(a.advice).toEqual([['normal', 0, 160_064]]);
    expect(b.advice).toEqual([['normal', 0, 160_064]]);
  });

  it("prefetches with 'auto' (the default) only above autoPrefetchMinBytes of ts + requested columns", () => {
    // 2 streams × 10,000 rows × (ts + close) × 8 bytes = 320,000 bytes replayed.
    const replayed = 2 * ROWS * 2 * 8;
    const run = (options: Parameters<typeof replayDataset>[1]) => {
      const { dataset, a, b } = makeDataset();
      const stats = replayDataset(dataset, options, () => {});
      return { stats, calls: a.advice.length + b.advice.length };
    };
    const byDefault = run({});
    expect(byDefault.stats.prefetch).toBeNull();
    expect(byDefault.calls).toBe(2); // MADV_NORMAL on each file
    expect(run({ prefetch: 'auto', autoPrefetchMinBytes: replayed }).calls).toBe(2);
    const above = run({ autoPrefetchMinBytes: replayed - 1 });
    expect(above.calls).toBeGreaterThan(0);
    expect(above.stats.prefetch?.willneedCalls).toBeGreaterThan(0);
    // Same advice as forcing the prefetcher on with the default windows.
    const forced = run({ prefetch: true, autoPrefetchMinBytes: 10 * replayed });
    expect(forced.calls).toBe(above.calls);
    for (const bad of [-1, Number.NaN, '1' as unknown as number]) {
      const error = catchError(() => run({ autoPrefetchMinBytes: bad }));
      expect(error).toBeInstanceOf(InvalidReplayOptionError);
      expect((error as Error).message).toContain('autoPrefetchMinBytes');
    }
    const badMode = catchError(() => run({ prefetch: 'on' as unknown as boolean }));
    expect(badMode).toBeInstanceOf(InvalidReplayOptionError);
  });

  it('finishes the prefetcher when the consumer throws', () => {
    const { dataset, a } = makeDataset();
    expect(() =>
      replayDataset(dataset, { prefetch: { aheadRows: 64, stepRows: 8, pageSizeBytes: PAGE } }, () => {
        throw new Error('consumer failed');
      }),
    ).toThrowError('consumer failed');
    // finish() releases the rest of the advised columns.
    expect(a.advice.at(-1)![0]).toBe('dontneed');
  });
});

describe('replayDataset over partitioned datasets (DatasetWriter partition: day)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmtape-replay-partitioned-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const HOUR_NS = 3_600n * SECOND_NS;
  const DAY0 = 1_704_067_200n * SECOND_NS; // 2024-01-01T00:00:00Z

  /** 5 symbols × 3 days of 6-hourly bars (some missing), written once whole and once per UTC day. */
  function write(dir: string, partition: 'none' | 'day', segmentBytes?: number): void {
    const writer = DatasetWriter.create(dir, { partition, segmentBytes });
    for (let s = 0; s < 5; s++) {
      const ts: bigint[] = [];
      for (let h = 0; h < 72; h += 6) if ((h / 6 + s) % 4 !== 0) ts.push(DAY0 + BigInt(h) * HOUR_NS);
      writer.writeSymbol(`S${s}`, [
        { name: 'ts', dtype: 'i64', data: BigInt64Array.from(ts) },
        { name: 'close', dtype: 'f64', data: Float64Array.from(ts, (_, i) => s * 1000 + i) },
      ]);
    }
    writer.finish();
  }

  function events(
    dir: string,
    options: { startNs?: bigint; endNs?: bigint; prefetch?: ReplayOptions['prefetch'] } = {},
  ) {
    const dataset = Dataset.open(dir);
    const out: [bigint, number, number][] = [];
    try {
      const stats = replayDataset(dataset, { ...options, memory: false }, (batch, ctx) => {
        for (let i = 0; i < batch.length; i++) {
          const id = batch.symbolIds[i]!;
          const row = batch.rows[i]!;
          expect(ctx.timestamps[id]![row]).toBe(batch.timestampNs);
          out.push([batch.timestampNs, id, (ctx.columns.close![id] as Float64Array)[row]!]);
        }
      });
      return { out, stats };
    } finally {
      dataset.close();
    }
  }

  it('replays each symbol as one chained stream, identical to the unpartitioned dataset', () => {
    write(join(root, 'whole'), 'none');
    write(join(root, 'daily'), 'day');
    const whole = events(join(root, 'whole'));
    const daily = events(join(root, 'daily'));
    expect(daily.stats.streams).toBe(15);
    expect(whole.stats.streams).toBe(5);
    expect(daily.out).toEqual(whole.out);
    expect(daily.stats.events).toBe(whole.stats.events);
    const range = { startNs: DAY0 + 30n * HOUR_NS, endNs: DAY0 + 54n * HOUR_NS };
    const dailyRange = events(join(root, 'daily'), range);
    // Day 0 is pruned by the manifest; on day 2 only the 48 h bar is in range, missing for S0 and S4.
    expect(dailyRange.stats.streams).toBe(8);
    expect(dailyRange.out).toEqual(events(join(root, 'whole'), range).out);
    expect(dailyRange.out.every(([ts]) => ts >= range.startNs && ts < range.endNs)).toBe(true);
  });

  it('replays segment files (one mapping, advised through slices) exactly like one file per symbol', () => {
    write(join(root, 'segments'), 'day', 8192);
    write(join(root, 'whole-for-segments'), 'none');
    const whole = events(join(root, 'whole-for-segments'));
    const segmented = events(join(root, 'segments'), { prefetch: true });
    expect(segmented.stats.streams).toBe(15);
    expect(segmented.stats.prefetch?.willneedCalls).toBeGreaterThan(0);
    expect(segmented.out).toEqual(whole.out);
    // Just written, the files are in the page cache: no WILLNEED worker (the replay thread advises).
    expect(segmented.stats.prefetchWorker).toBe(false);
    expect(events(join(root, 'segments'), { prefetch: { worker: false } }).out).toEqual(whole.out);
    expect(events(join(root, 'whole-for-segments'), { prefetch: { worker: false } }).out).toEqual(whole.out);
    const range = { startNs: DAY0 + 30n * HOUR_NS, endNs: DAY0 + 54n * HOUR_NS };
    expect(events(join(root, 'segments'), range).out).toEqual(
      events(join(root, 'whole-for-segments'), range).out,
    );
  });

  it('starts the WILLNEED worker for files not in the page cache; it only advises, the events are the same', () => {
    write(join(root, 'cold'), 'none');
    const whole = events(join(root, 'cold'));
    const dataset = Dataset.open(join(root, 'cold'));
    try {
      // The same files, reporting no page in the page cache (as after a cold start).
      const cold = coldDataset(dataset, (f) => ({
        blockChecksums: (name) => {
          described.push(name);
          return f.blockChecksums(name);
        },
        acceptCheckedBlocks: (name, startBlock, endBlock) => {
          expect(startBlock).toBeLessThan(endBlock);
          f.acceptCheckedBlocks(name, startBlock, endBlock);
        },
      }));
      // The helper is told each file's columns' block checksums in its column order (ts, then close), the
      // order in which the replay asks it for its runs of checked blocks (whether it gets there first is
      // timing: the helper's own checks are tested in @mmtape/prefetch).
      const described: string[] = [];
      const out: [bigint, number, number][] = [];
      const stats = replayDataset(cold, { prefetch: true, memory: false }, (batch, ctx) => {
        for (let i = 0; i < batch.length; i++) {
          const id = batch.symbolIds[i]!;
          out.push([batch.timestampNs, id, (ctx.columns.close![id] as Float64Array)[batch.rows[i]!]!]);
        }
      });
      expect(stats.prefetchWorker).toBe(true);
      expect(described.length).toBeGreaterThan(0);
      expect(described).toEqual(described.map((_, i) => (i % 2 === 0 ? 'ts' : 'close')));
      // The helper is a process of its own: its peak RSS is reported beside the replay's.
      if (existsSync('/proc/self/status')) {
        expect(stats.prefetchWorkerPeakRssBytes).toBeGreaterThan(0);
        expect(stats.prefetchWorkerPrivateBytes).toBeGreaterThan(0);
        // Private memory is part of the RSS; equal when the replay (a small one) ended while the helper
        // was still starting, before it mapped anything shared (seen once: both 20,480 bytes).
        expect(stats.prefetchWorkerPrivateBytes).toBeLessThanOrEqual(stats.prefetchWorkerPeakRssBytes);
      }
      expect(out).toEqual(whole.out);
      expect(whole.stats.prefetchWorker).toBe(false); // small: no prefetch at all
    } finally {
      dataset.close();
    }
  });

  it('reports RSS (anon and file) and mincore residency of the replayed files', () => {
    const dataset = Dataset.open(join(root, 'daily'));
    try {
      const stats = replayDataset(dataset, { prefetch: true }, () => {});
      expect(stats.memorySamples.length).toBeGreaterThanOrEqual(2);
      expect(stats.peakRssAnonBytes).toBeGreaterThan(0);
      expect(stats.residentFraction).toBeGreaterThanOrEqual(0);
      expect(stats.residentFraction).toBeLessThanOrEqual(1);
      expect(stats.prefetch?.willneedCalls).toBeGreaterThan(0);
    } finally {
      dataset.close();
    }
  });
});
