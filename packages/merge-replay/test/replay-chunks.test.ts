import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, DatasetWriter } from '@mmtape/columnar-format';
import { mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidReplayOptionError,
  type MergeStrategy,
  type ReplayChunk,
  type ReplayColumnFile,
  type ReplayDatasetSource,
  replayChunks,
  replayChunksAsync,
  replayDataset,
  UnknownSymbolError,
  UnsortedStreamError,
} from '../src/index.js';
import { DEFAULT_CHUNK_EVENTS, PREFETCH_CHUNK_EVENTS } from '../src/merge-tuning.js';

const SECOND_NS = 1_000_000_000n;
const MINUTE_NS = 60n * SECOND_NS;
const DAY0 = 1_704_067_200n * SECOND_NS; // 2024-01-01T00:00:00Z

type Event = [bigint, string, number, bigint];

/** (ts, symbol, close, volume) of every event of a chunk, checking the chunk's runs on the way. */
function eventsOfChunk(chunk: ReplayChunk, symbols: readonly string[], out: Event[]): void {
  const close = chunk.columns.close as Float64Array;
  const volume = chunk.columns.volume as BigInt64Array;
  expect(chunk.batchEnds[chunk.batchCount - 1]).toBe(chunk.length);
  let start = 0;
  for (let b = 0; b < chunk.batchCount; b++) {
    const end = chunk.batchEnds[b]!;
    for (let i = start; i < end; i++) {
      if (chunk.timestampNs[i] !== chunk.timestampNs[start]) throw new Error(`run ${b} mixes timestamps`);
      out.push([chunk.timestampNs[i]!, symbols[chunk.symbolId[i]!]!, close[i]!, volume[i]!]);
    }
    start = end;
  }
}

/** The same events through replayDataset (batches), the reference for the chunks. */
function eventsOfBatches(dataset: ReplayDatasetSource, options: Parameters<typeof replayDataset>[1]) {
  const out: Event[] = [];
  const stats = replayDataset(dataset, { ...options, columns: ['close', 'volume'] }, (batch, ctx) => {
    const close = batch.columns.close as Float64Array;
    const volume = batch.columns.volume as BigInt64Array;
    for (let i = 0; i < batch.length; i++)
      out.push([batch.timestampNs, ctx.symbols[batch.symbolIds[i]!]!, close[i]!, volume[i]!]);
  });
  return { out, stats };
}

describe('replayChunks over datasets (one file per symbol, daily partitions, segments)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmtape-replay-chunks-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** 40 symbols × 3 days: minute bars (some missing) for even symbols, irregular ticks for odd ones. */
  function write(dir: string, partition: 'none' | 'day', segmentBytes?: number): void {
    const random = mulberry32(5);
    const writer = DatasetWriter.create(dir, { partition, segmentBytes });
    for (let s = 0; s < 40; s++) {
      const ts: bigint[] = [];
      for (let day = 0n; day < 3n; day++) {
        for (let m = 0n; m < 120n; m++) {
          if (s % 2 === 0 ? random() < 0.9 : random() < 0.5)
            ts.push(DAY0 + day * 86_400n * SECOND_NS + m * MINUTE_NS + (s % 2 === 0 ? 0n : BigInt(s)));
        }
      }
      writer.writeSymbol(`S${String(s).padStart(2, '0')}`, [
        { name: 'ts', dtype: 'i64', data: BigInt64Array.from(ts) },
        { name: 'close', dtype: 'f64', data: Float64Array.from(ts, (_, i) => s * 10_000 + i + 0.5) },
        {
          name: 'volume',
          dtype: 'i64',
          data: BigInt64Array.from(ts, (_, i) => BigInt(s) * 3n ** 30n + BigInt(i)),
        },
      ]);
    }
    writer.finish();
  }
  write(join(root, 'whole'), 'none');
  write(join(root, 'daily'), 'day');
  write(join(root, 'segments'), 'day', 16_384);

  const cases: [string, MergeStrategy, number][] = [
    ['whole', 'auto', 65_536],
    ['whole', 'tree', 7],
    ['whole', 'buckets', 1],
    ['whole', 'block', 50],
    ['daily', 'auto', 7],
    ['daily', 'block', 333],
    ['segments', 'auto', 2],
  ];
  it.each(cases)(
    '%s, strategy %s, capacity %i: the events of replayDataset, in chunks',
    (name, strategy, chunkEvents) => {
      const dataset = Dataset.open(join(root, name));
      try {
        for (const range of [
          {},
          {
            startNs: DAY0 + 86_400n * SECOND_NS + 30n * MINUTE_NS,
            endNs: DAY0 + 2n * 86_400n * SECOND_NS + 7n * MINUTE_NS,
          },
        ]) {
          const options = { ...range, strategy, memory: false as const, blockEvents: 500 };
          const reference = eventsOfBatches(dataset, options);
          const replay = replayChunks(dataset, { ...options, columns: ['close', 'volume'], chunkEvents });
          const got: Event[] = [];
          for (const chunk of replay) {
            expect(chunk.length).toBeLessThanOrEqual(chunkEvents);
            eventsOfChunk(chunk, replay.symbols, got);
          }
          expect(got.length).toBeGreaterThan(0);
          expect(got).toEqual(reference.out);
          const stats = replay.stats();
          expect(stats).toMatchObject({
            events: reference.stats.events,
            batches: reference.stats.batches,
            firstTimestampNs: reference.stats.firstTimestampNs,
            lastTimestampNs: reference.stats.lastTimestampNs,
            streams: reference.stats.streams,
          });
        }
      } finally {
        dataset.close();
      }
    },
  );

  it('throws the typed errors of replayDataset at the call', () => {
    const dataset = Dataset.open(join(root, 'whole'));
    try {
      expect(() => replayChunks(dataset, { symbols: ['NOPE'] })).toThrow(UnknownSymbolError);
      expect(() => replayChunks(dataset, { chunkEvents: 0 })).toThrow(InvalidReplayOptionError);
      expect(() => replayChunksAsync(dataset, { speed: 0 })).toThrow(InvalidReplayOptionError);
    } finally {
      dataset.close();
    }
  });

  it('async at max speed yields the same chunks; paced replay keeps the order and the runs', async () => {
    const dataset = Dataset.open(join(root, 'daily'));
    try {
      const range = { startNs: DAY0, endNs: DAY0 + 2n * MINUTE_NS, memory: false as const };
      const reference = eventsOfBatches(dataset, range).out;
      const columns = ['close', 'volume'];
      const fast: Event[] = [];
      const fastReplay = replayChunksAsync(dataset, { ...range, columns, chunkEvents: 5 });
      for await (const chunk of fastReplay) eventsOfChunk(chunk, fastReplay.symbols, fast);
      expect(fast).toEqual(reference);
      // Two minutes of data at 12,000× real time: ~10 ms, paced in runs that are due.
      const paced: Event[] = [];
      const pacedReplay = replayChunksAsync(dataset, { ...range, columns, speed: 12_000, chunkEvents: 1000 });
      let chunks = 0;
      for await (const chunk of pacedReplay) {
        chunks++;
        eventsOfChunk(chunk, pacedReplay.symbols, paced);
      }
      expect(paced).toEqual(reference);
      expect(chunks).toBeGreaterThanOrEqual(2); // the second minute waited for its time
      expect(pacedReplay.stats().events).toBe(reference.length);
    } finally {
      dataset.close();
    }
  });

  it('an aborted signal rejects next() with its reason', async () => {
    const dataset = Dataset.open(join(root, 'whole'));
    try {
      const controller = new AbortController();
      const replay = replayChunksAsync(dataset, { speed: 1, signal: controller.signal, memory: false });
      await replay.next();
      controller.abort(new Error('stop'));
      await expect(replay.next()).rejects.toThrow('stop');
    } finally {
      dataset.close();
    }
  });
});

describe('replayChunks prefetching (recording fake)', () => {
  function fakeFile(symbol: string, ts: BigInt64Array, close: Float64Array) {
    const advice: string[] = [];
    const file: ReplayColumnFile = {
      symbol,
      rowCount: ts.length,
      columns: [
        { name: 'ts', dtype: 'i64', offsetBytes: 64, lengthBytes: ts.byteLength },
        { name: 'close', dtype: 'f64', offsetBytes: 64 + ts.byteLength, lengthBytes: close.byteLength },
      ],
      file: { byteLength: 64 + ts.byteLength + close.byteLength, advise: (kind) => void advice.push(kind) },
      column: (name) => (name === 'ts' ? ts : close),
      timestampsNs: () => ts,
    };
    return { file, advice };
  }
  const ROWS = 10_000;
  const a = () =>
    fakeFile(
      'A',
      BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(2 * i)),
      new Float64Array(ROWS),
    );

  it('a break out of the loop (return) releases the prefetcher', () => {
    const fake = a();
    const dataset: ReplayDatasetSource = { symbols: ['A'], open: () => fake.file };
    const prefetch = { aheadRows: 64, stepRows: 8, pageSizeBytes: 4096 };
    for (const chunk of replayChunks(dataset, { prefetch, chunkEvents: 100, memory: false })) {
      expect(chunk.length).toBe(100);
      break;
    }
    expect(fake.advice.at(-1)).toBe('dontneed');
  });

  it('chunks default to 262,144 events, 16,384 when prefetching through the mapping (the smallest window)', () => {
    const b = fakeFile(
      'B',
      BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(2 * i + 1)),
      new Float64Array(ROWS),
    );
    const fakes = { A: a(), B: b };
    const dataset: ReplayDatasetSource = {
      symbols: ['A', 'B'],
      open: (symbol) => fakes[symbol as 'A' | 'B'].file,
    };
    const lengths = (prefetch: false | { aheadRows: number; stepRows: number; pageSizeBytes: number }) =>
      Array.from(replayChunks(dataset, { prefetch, memory: false }), (chunk) => chunk.length);
    expect(lengths({ aheadRows: 16_384, stepRows: 1_024, pageSizeBytes: 4096 })).toEqual([
      PREFETCH_CHUNK_EVENTS,
      2 * ROWS - PREFETCH_CHUNK_EVENTS,
    ]);
    expect(lengths(false)).toEqual([2 * ROWS]); // within DEFAULT_CHUNK_EVENTS
    expect([PREFETCH_CHUNK_EVENTS, DEFAULT_CHUNK_EVENTS]).toEqual([16_384, 262_144]);
  });

  it('an unsorted stream throws from next() and releases the prefetcher', () => {
    const ts = BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i === 5000 ? 0 : i));
    const fake = fakeFile('A', ts, new Float64Array(ROWS));
    const dataset: ReplayDatasetSource = { symbols: ['A'], open: () => fake.file };
    const replay = replayChunks(dataset, {
      prefetch: { aheadRows: 64, stepRows: 8, pageSizeBytes: 4096 },
      memory: false,
    });
    expect(() => {
      for (const _ of replay);
    }).toThrow(UnsortedStreamError);
    expect(fake.advice.at(-1)).toBe('dontneed');
    expect(replay.next().done).toBe(true);
  });
});
