import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMergeReplayError, KWayMerge, UnsortedStreamError } from '../src/index.js';
import {
  barStreamsArb,
  collect,
  collectGathered,
  INT64_MAX,
  INT64_MIN,
  oracle,
  STRATEGIES,
  streamArb,
  streamsArb,
  TWO_32,
  timestampArb,
} from './merge-oracle.js';

describe.each(STRATEGIES)('KWayMerge properties, strategy %s (fast-check, seed 42)', (strategy) => {
  it('matches a plain sort oracle on bar-like streams (dense ties, gaps, repeated timestamps)', () => {
    fc.assert(
      fc.property(barStreamsArb, (streams) => {
        expect(collect(new KWayMerge(streams, { strategy }))).toEqual(oracle(streams));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('matches the oracle for every staging size and gathers columns aligned with (symbolId, row)', () => {
    fc.assert(
      fc.property(
        barStreamsArb,
        fc.integer({ min: 1, max: 9 }),
        fc.option(fc.bigInt({ min: 0n, max: 40n })),
        (streams, stageRows, startNs) => {
          const start = startNs ?? undefined;
          // Distinct values per (stream, row) so a misaligned gather cannot go unnoticed.
          const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.5));
          const qty = streams.map((s, id) =>
            BigInt64Array.from(s, (_, row) => BigInt(-id * 1000 - row) << 33n),
          );
          const merge = new KWayMerge(streams, {
            strategy,
            stageRows,
            startNs: start,
            columns: { price, qty },
          });
          expect(collectGathered(merge, { price, qty })).toEqual(oracle(streams, start));
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('matches a plain sort oracle: sorted, each event once, batches grouped, ties by symbol id', () => {
    fc.assert(
      fc.property(streamsArb, (streams) => {
        const got = collect(new KWayMerge(streams, { strategy }));
        expect(got).toEqual(oracle(streams));
        // Explicit invariants, in case the oracle and the merge share a mistake.
        for (let i = 1; i < got.length; i++) expect(got[i]!.timestampNs > got[i - 1]!.timestampNs).toBe(true);
        const seen = new Set<string>();
        for (const batch of got) {
          for (let i = 0; i < batch.events.length; i++) {
            const [symbolId, row] = batch.events[i]!;
            expect(streams[symbolId]![row]).toBe(batch.timestampNs);
            if (i > 0) expect(symbolId >= batch.events[i - 1]![0]).toBe(true);
            const key = `${symbolId}:${row}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
          }
        }
        expect(seen.size).toBe(streams.reduce((n, s) => n + s.length, 0));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('honours startNs (inclusive) and endNs (exclusive)', () => {
    fc.assert(
      fc.property(streamsArb, fc.option(timestampArb), fc.option(timestampArb), (streams, start, end) => {
        const startNs = start ?? undefined;
        const endNs = end ?? undefined;
        const merge = new KWayMerge(streams, { startNs, endNs, strategy });
        const got = collect(merge);
        expect(got).toEqual(oracle(streams, startNs, endNs));
        const events = got.reduce((n, b) => n + b.events.length, 0);
        expect(merge.stats()).toMatchObject({ events, batches: got.length });
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it.each([1, 2, 7])(
    'chunkEvents %i: batches joined from runs split across chunks match the oracle, columns aligned, start/end honoured',
    (chunkEvents) => {
      fc.assert(
        fc.property(
          fc.oneof(barStreamsArb, streamsArb),
          fc.integer({ min: 1, max: 300 }),
          fc.option(fc.oneof(timestampArb, fc.bigInt({ min: -2n, max: 42n }))),
          fc.option(fc.oneof(timestampArb, fc.bigInt({ min: -2n, max: 42n }))),
          (streams, blockEvents, start, end) => {
            const startNs = start ?? undefined;
            const endNs = end ?? undefined;
            const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.5));
            const qty = streams.map((s, id) =>
              BigInt64Array.from(s, (_, row) => BigInt(-id * 1000 - row) << 33n),
            );
            const merge = new KWayMerge(streams, {
              strategy,
              chunkEvents,
              blockEvents,
              startNs,
              endNs,
              columns: { price, qty },
            });
            const got = collectGathered(merge, { price, qty });
            expect(got).toEqual(oracle(streams, startNs, endNs));
            const events = got.reduce((n, b) => n + b.events.length, 0);
            expect(merge.stats()).toMatchObject({ events, batches: got.length });
            expect(merge.next()).toBeNull();
          },
        ),
        { seed: 42, numRuns: 150 },
      );
    },
  );

  it('reads streams that are views at a byteOffset into a shared buffer', () => {
    fc.assert(
      fc.property(streamsArb, fc.nat({ max: 5 }), (streams, padding) => {
        const total = streams.reduce((n, s) => n + s.length + padding, padding);
        const shared = new BigInt64Array(total).fill(INT64_MAX);
        let at = padding;
        const views = streams.map((s) => {
          const view = shared.subarray(at, at + s.length);
          view.set(s);
          at += s.length + padding;
          return view;
        });
        expect(collect(new KWayMerge(views, { strategy }))).toEqual(oracle(streams));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('names the unsorted stream and the first decreasing row', () => {
    const unsortedArb = fc
      .tuple(
        fc.array(timestampArb, { minLength: 2, maxLength: 30 }),
        fc.array(streamArb, { maxLength: 6 }),
        fc.nat(),
      )
      .filter(([values]) => values.some((v, i) => i > 0 && v < values[i - 1]!));
    fc.assert(
      fc.property(unsortedArb, fc.constantFrom(1, 3, 16_384), ([values, others, position], chunkEvents) => {
        const streamIndex = position % (others.length + 1);
        const streams = [...others];
        streams.splice(streamIndex, 0, BigInt64Array.from(values));
        const row = values.findIndex((v, i) => i > 0 && v < values[i - 1]!);
        let error: unknown;
        try {
          collect(new KWayMerge(streams, { strategy, chunkEvents }));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(UnsortedStreamError);
        expect(isMergeReplayError(error)).toBe(true);
        expect(error).toMatchObject({
          code: 'MMTAPE_REPLAY_UNSORTED_STREAM',
          streamIndex,
          row,
          expected: values[row - 1],
          actual: values[row],
        });
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('KWayMerge', () => {
  it('orders across the 2^32 and sign boundaries without BigInt comparisons', () => {
    const streams = [
      BigInt64Array.from([-TWO_32 - 1n, TWO_32, INT64_MAX]),
      BigInt64Array.from([INT64_MIN, -1n, 0n, TWO_32 - 1n, TWO_32 + 1n]),
      BigInt64Array.from([-TWO_32, 2n ** 31n, INT64_MAX]),
    ];
    const got = collect(new KWayMerge(streams));
    expect(got.map((b) => b.timestampNs)).toEqual([
      INT64_MIN,
      -TWO_32 - 1n,
      -TWO_32,
      -1n,
      0n,
      2n ** 31n,
      TWO_32 - 1n,
      TWO_32,
      TWO_32 + 1n,
      INT64_MAX,
    ]);
    expect(got.at(-1)!.events).toEqual([
      [0, 2],
      [2, 2],
    ]);
  });

  it('handles no streams, only empty streams and a single stream', () => {
    expect(new KWayMerge([]).next()).toBeNull();
    expect(new KWayMerge([new BigInt64Array(0), new BigInt64Array(0)]).next()).toBeNull();
    expect(collect(new KWayMerge([BigInt64Array.from([5n, 5n, 7n])]))).toEqual([
      {
        timestampNs: 5n,
        events: [
          [0, 0],
          [0, 1],
        ],
      },
      { timestampNs: 7n, events: [[0, 2]] },
    ]);
  });

  it('joins a run split across chunks into one batch: across streams, and inside one stream (buckets)', () => {
    // 10 streams at 5 then 6 (runs of 10 in chunks of 4); one stream with 6 rows at 7 among others.
    const streams = [
      ...Array.from({ length: 10 }, () => BigInt64Array.from([5n, 6n])),
      BigInt64Array.from([7n, 7n, 7n, 7n, 7n, 7n, 8n]),
      BigInt64Array.from([7n, 7n, 8n]),
    ];
    const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 100 + row));
    for (const strategy of ['tree', 'buckets', 'auto', 'block'] as const) {
      for (const chunkEvents of [1, 3, 4]) {
        const merge = new KWayMerge(streams, { strategy, chunkEvents, columns: { price } });
        const got = collectGathered(merge, { price });
        expect(got).toEqual(oracle(streams));
        expect(got.map((b) => b.events.length)).toEqual([10, 10, 8, 2]);
      }
    }
  });

  it("a split run is copied into the batch's own arrays; a whole large run is a view of the chunk", () => {
    // 40 streams at 1 (a run of 40 in chunks of 48: a view), then at 2 (8 + 32 events: joined, copied).
    const streams = Array.from({ length: 40 }, () => BigInt64Array.from([1n, 2n]));
    const merge = new KWayMerge(streams, { strategy: 'tree', chunkEvents: 48 });
    const first = merge.next()!;
    expect(first.length).toBe(40);
    expect(first.symbolIds.length).toBe(40); // a view of exactly the run
    expect(first.symbolIds.buffer.byteLength).toBe(48 * 4); // of the chunk's array
    const second = merge.next()!;
    expect(second).toBe(first);
    expect(second.length).toBe(40);
    expect(second.symbolIds.length).toBeGreaterThanOrEqual(40);
    expect(second.symbolIds.buffer.byteLength).not.toBe(48 * 4); // the batch's own array
    expect(Array.from(second.symbolIds.subarray(0, 40))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(merge.next()).toBeNull();
    expect(merge.stats()).toMatchObject({ events: 80, batches: 2 });
  });

  it('grows the reused batch beyond its initial capacity', () => {
    const streams = [new BigInt64Array(1000).fill(3n), new BigInt64Array(5).fill(3n)];
    const merge = new KWayMerge(streams);
    const batch = merge.next()!;
    expect(batch.length).toBe(1005);
    expect(batch.symbolIds[999]).toBe(0);
    expect(batch.rows[999]).toBe(999);
    expect(batch.symbolIds[1004]).toBe(1);
    expect(merge.next()).toBeNull();
  });

  it('reuses one batch object and reports stats', () => {
    const merge = new KWayMerge([BigInt64Array.from([1n, 2n]), BigInt64Array.from([2n, 3n])]);
    const first = merge.next();
    const second = merge.next();
    expect(second).toBe(first);
    expect(merge.next()).not.toBeNull();
    expect(merge.next()).toBeNull();
    const stats = merge.stats();
    expect(stats).toMatchObject({ events: 4, batches: 3 });
    expect(stats.elapsedNs).toBeGreaterThanOrEqual(0);
    expect(merge.stats().elapsedNs).toBe(stats.elapsedNs); // frozen once finished
  });

  it('supports for..of and forEachBatch with early stop', () => {
    const streams = [BigInt64Array.from([1n, 2n, 3n, 4n])];
    expect([...new KWayMerge(streams)].length).toBe(4);
    const merge = new KWayMerge(streams);
    const seen: bigint[] = [];
    const visited = merge.forEachBatch((b) => {
      seen.push(b.timestampNs);
      return b.timestampNs < 2n;
    });
    expect(visited).toBe(2);
    expect(seen).toEqual([1n, 2n]);
    expect(merge.next()!.timestampNs).toBe(3n);
  });

  it('exposes the binary-searched row range per stream', () => {
    const merge = new KWayMerge([BigInt64Array.from([1n, 2n, 2n, 5n]), BigInt64Array.from([9n])], {
      startNs: 2n,
      endNs: 5n,
    });
    expect([...merge.startRows]).toEqual([1, 0]);
    expect([...merge.endRows]).toEqual([3, 0]); // 9n is past endNs: empty range
  });

  it('rejects non-bigint bounds and non-BigInt64Array streams with typed errors', () => {
    expect(() => new KWayMerge([], { startNs: 5 as unknown as bigint })).toThrowError(
      expect.objectContaining({ code: 'MMTAPE_REPLAY_INVALID_OPTION', option: 'startNs' }),
    );
    expect(() => new KWayMerge([new Float64Array(2) as unknown as BigInt64Array])).toThrowError(
      expect.objectContaining({ code: 'MMTAPE_REPLAY_INVALID_OPTION', option: 'streams[0]' }),
    );
  });
});

describe('KWayMerge.replayAsync', () => {
  const MS = 1_000_000n; // ns per ms

  it("yields every batch in order at speed 'max'", async () => {
    const merge = new KWayMerge([BigInt64Array.from([0n, 10n * MS]), BigInt64Array.from([5n * MS])]);
    const seen: bigint[] = [];
    for await (const batch of merge.replayAsync()) seen.push(batch.timestampNs);
    expect(seen).toEqual([0n, 5n * MS, 10n * MS]);
  });

  it('paces a 10x replay of 100 ms of timestamps to at least ~10 ms', async () => {
    const timestamps = BigInt64Array.from({ length: 11 }, (_, i) => BigInt(i) * 10n * MS);
    const merge = new KWayMerge([timestamps]);
    const startedAt = performance.now();
    let count = 0;
    for await (const _ of merge.replayAsync({ speed: 10 })) count++;
    const elapsedMs = performance.now() - startedAt;
    expect(count).toBe(11);
    // Target 10 ms; the schedule skips waits under 1 ms and timers may round, so allow 2 ms slack.
    expect(elapsedMs).toBeGreaterThanOrEqual(8);
  });

  it('aborts a pending sleep through the AbortSignal', async () => {
    const hourNs = 3_600_000n * MS;
    const merge = new KWayMerge([BigInt64Array.from([0n, hourNs])]);
    const controller = new AbortController();
    const seen: bigint[] = [];
    const run = (async () => {
      for await (const batch of merge.replayAsync({ speed: 1, signal: controller.signal })) {
        seen.push(batch.timestampNs);
        setTimeout(() => controller.abort(), 5);
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0n]);
  });

  it('rejects an invalid speed', async () => {
    const merge = new KWayMerge([BigInt64Array.from([1n])]);
    await expect(merge.replayAsync({ speed: 0 }).next()).rejects.toMatchObject({
      code: 'MMTAPE_REPLAY_INVALID_OPTION',
      option: 'speed',
    });
  });
});
