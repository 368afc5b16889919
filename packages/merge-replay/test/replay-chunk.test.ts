import { mulberry32 } from '@mmtape/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidReplayOptionError, KWayMerge, type MergeStrategy, type ReplayChunk } from '../src/index.js';
import { barStreamsArb, oracle, STRATEGIES, sortedStream, streamsArb, timestampArb } from './merge-oracle.js';

type Batches = ReturnType<typeof oracle>;
type Sources = Record<string, readonly (Float64Array | BigInt64Array)[]>;

/**
 * Checks one chunk's own invariants (exact-length arrays, batchEnds ascending and ending at `length`,
 * one timestamp per run, a new timestamp at every run start, gathered values aligned with (symbolId, row),
 * each event's timestamp equal to its stream's row) and appends its runs to `out`, joining a run that
 * continues the previous chunk's last one.
 */
function addChunk(
  chunk: ReplayChunk,
  capacity: number,
  streams: readonly BigInt64Array[],
  sources: Sources,
  out: Batches,
): void {
  const n = chunk.length;
  const problems: string[] = [];
  expect(n).toBeGreaterThanOrEqual(1);
  expect(n).toBeLessThanOrEqual(capacity);
  expect(chunk.symbolId.length).toBe(n);
  expect(chunk.row.length).toBe(n);
  expect(chunk.timestampNs.length).toBe(n);
  for (const name of Object.keys(sources)) expect(chunk.columns[name]!.length).toBe(n);
  expect(chunk.batchEnds.length).toBe(chunk.batchCount);
  expect(chunk.batchEnds[chunk.batchCount - 1]).toBe(n);
  let start = 0;
  for (let b = 0; b < chunk.batchCount; b++) {
    const end = chunk.batchEnds[b]!;
    expect(end).toBeGreaterThan(start);
    const ts = chunk.timestampNs[start]!;
    const continues = b === 0 && chunk.continuesBatch;
    const last = out.at(-1);
    if (continues) expect(last?.timestampNs).toBe(ts);
    else if (last !== undefined) expect(ts > last.timestampNs).toBe(true);
    const batch = continues ? last! : { timestampNs: ts, events: [] as [number, number][] };
    if (!continues) out.push(batch);
    for (let i = start; i < end; i++) {
      const id = chunk.symbolId[i]!;
      const row = chunk.row[i]!;
      // Plain comparisons per event (an expect per event makes the 72,000-event cases take seconds).
      if (chunk.timestampNs[i] !== ts || streams[id]![row] !== ts)
        problems.push(`event ${i}: ts ${chunk.timestampNs[i]} of (${id}, ${row}) in a run at ${ts}`);
      for (const [name, perStream] of Object.entries(sources))
        if (!Object.is(chunk.columns[name]![i], perStream[id]![row]))
          problems.push(`event ${i}: ${name} misaligned`);
      batch.events.push([id, row]);
    }
    start = end;
  }
  expect(problems.slice(0, 5)).toEqual([]);
}

/** Drains `merge` chunk by chunk into batches (runs joined across chunks), checking every chunk. */
function collectChunks(
  merge: KWayMerge,
  capacity: number,
  streams: readonly BigInt64Array[],
  sources: Sources = {},
): Batches {
  const out: Batches = [];
  for (let chunk = merge.nextChunk(); chunk !== null; chunk = merge.nextChunk())
    addChunk(chunk, capacity, streams, sources, out);
  expect(merge.nextChunk()).toBeNull();
  return out;
}

/** Distinct values per (stream, row) so that a misaligned gather cannot go unnoticed. */
function columnsOf(streams: readonly BigInt64Array[]): Sources {
  return {
    price: streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.5)),
    qty: streams.map((s, id) => BigInt64Array.from(s, (_, row) => BigInt(-id * 1000 - row) << 33n)),
  };
}

const CAPACITIES = [1, 2, 7, 65_536];

describe.each(STRATEGIES)('KWayMerge.nextChunk properties, strategy %s (fast-check, seed 42)', (strategy) => {
  it.each(CAPACITIES)(
    'capacity %i: the oracle order, every row once, runs exactly the equal-timestamp batches, ties by symbol id',
    (chunkEvents) => {
      fc.assert(
        fc.property(
          fc.oneof(barStreamsArb, streamsArb),
          fc.integer({ min: 1, max: 300 }),
          (streams, blockEvents) => {
            const columns = columnsOf(streams);
            const merge = new KWayMerge(streams, { strategy, chunkEvents, blockEvents, columns });
            const got = collectChunks(merge, chunkEvents, streams, columns);
            const expected = oracle(streams);
            expect(got).toEqual(expected);
            // The oracle sorts by (timestamp, symbol id, row); check ties by symbol id explicitly too.
            for (const batch of got)
              for (let i = 1; i < batch.events.length; i++)
                expect(batch.events[i]![0] >= batch.events[i - 1]![0]).toBe(true);
            const events = expected.reduce((n, b) => n + b.events.length, 0);
            expect(merge.stats()).toMatchObject({ events, batches: expected.length });
          },
        ),
        { seed: 42, numRuns: 150 },
      );
    },
  );

  it.each(CAPACITIES)('capacity %i: honours startNs (inclusive) and endNs (exclusive)', (chunkEvents) => {
    fc.assert(
      fc.property(
        fc.oneof(barStreamsArb, streamsArb),
        fc.option(fc.oneof(timestampArb, fc.bigInt({ min: -2n, max: 42n }))),
        fc.option(fc.oneof(timestampArb, fc.bigInt({ min: -2n, max: 42n }))),
        (streams, start, end) => {
          const startNs = start ?? undefined;
          const endNs = end ?? undefined;
          const merge = new KWayMerge(streams, { strategy, chunkEvents, startNs, endNs, blockEvents: 64 });
          expect(collectChunks(merge, chunkEvents, streams)).toEqual(oracle(streams, startNs, endNs));
        },
      ),
      { seed: 42, numRuns: 150 },
    );
  });
});

describe('KWayMerge.nextChunk', () => {
  /** 600 streams (above the 512 of radix blocks): ticks, then bars on a shared grid with gaps, then ticks. */
  function phasedStreams(): BigInt64Array[] {
    const random = mulberry32(11);
    return Array.from({ length: 600 }, () => {
      const values: bigint[] = [];
      let t = 0n;
      for (let i = 0; i < 40; i++) {
        t += BigInt(1 + Math.floor(random() * 5000));
        values.push(t);
      }
      t = 1_000_000n;
      for (let i = 0; i < 40; i++) if (random() < 0.9) values.push(t + BigInt(i) * 1000n);
      t = 2_000_000n;
      for (let i = 0; i < 40; i++) {
        t += BigInt(1 + Math.floor(random() * 5000));
        values.push(t);
      }
      return BigInt64Array.from(values);
    });
  }

  it.each<[MergeStrategy, number]>([
    ['auto', 7],
    ['auto', 1000],
    ['block', 333],
    ['tree', 64],
    ['buckets', 512],
  ])(
    '%s, capacity %i: radix blocks, grid blocks with gaps and switches match the oracle',
    (strategy, chunkEvents) => {
      const streams = phasedStreams();
      const columns = columnsOf(streams);
      const merge = new KWayMerge(streams, { strategy, chunkEvents, blockEvents: 5000, columns });
      expect(collectChunks(merge, chunkEvents, streams, columns)).toEqual(oracle(streams));
    },
  );

  it('clustered ticks (one far outlier) take the LSD radix sort instead of the bucket sort, same order', () => {
    // 600 streams of irregular ticks within 200,000 ns, one stream with a tick 2^40 ns later: nearly every
    // key falls in the first bucket of the top 16 bits, so the bucket sort gives up (> 64 events in one).
    const random = mulberry32(3);
    const streams = Array.from({ length: 600 }, (_, s) => {
      const values = Array.from({ length: 30 }, () => BigInt(Math.floor(random() * 200_000)));
      if (s === 599) values.push(2n ** 40n);
      return sortedStream(values);
    });
    const columns = columnsOf(streams);
    for (const strategy of ['auto', 'block'] as const) {
      const merge = new KWayMerge(streams, { strategy, chunkEvents: 1000, columns });
      expect(collectChunks(merge, 1000, streams, columns)).toEqual(oracle(streams));
    }
  });

  it('splits a run longer than the capacity over chunks marked continuesBatch', () => {
    const streams = Array.from({ length: 10 }, () => BigInt64Array.from([5n, 6n]));
    const merge = new KWayMerge(streams, { strategy: 'tree', chunkEvents: 4 });
    const chunks: [number, boolean, number[]][] = [];
    for (const chunk of merge.chunks())
      chunks.push([chunk.length, chunk.continuesBatch, [...chunk.batchEnds]]);
    // 10 events at 5, 10 at 6: [4][4 cont][2 | 2][4 cont][4 cont]
    expect(chunks).toEqual([
      [4, false, [4]],
      [4, true, [4]],
      [4, true, [2, 4]],
      [4, true, [4]],
      [4, true, [4]],
    ]);
  });

  it('refuses to mix batches and chunks on one merge', () => {
    const merge = new KWayMerge([BigInt64Array.from([1n, 2n])]);
    merge.next();
    expect(() => merge.nextChunk()).toThrow(InvalidReplayOptionError);
    const other = new KWayMerge([BigInt64Array.from([1n, 2n])]);
    other.nextChunk();
    expect(() => other.next()).toThrow(InvalidReplayOptionError);
  });

  it('rejects a chunk capacity that is not an integer >= 1', () => {
    for (const chunkEvents of [0, -1, 1.5, Number.NaN]) {
      expect(() => new KWayMerge([], { chunkEvents })).toThrow(InvalidReplayOptionError);
    }
  });
});
