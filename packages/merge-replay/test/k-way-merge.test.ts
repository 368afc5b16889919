import { mulberry32 } from '@mmtape/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMergeReplayError, KWayMerge, type MergeStrategy, UnsortedStreamError } from '../src/index.js';
import {
  barStreamsArb,
  copyBatch,
  INT64_MAX,
  INT64_MIN,
  oracle,
  STRATEGIES,
  streamArb,
  streamsArb,
  TWO_32,
  timestampArb,
} from './merge-oracle.js';

/**
 * Drains `merge`, checking every event's gathered values against the per-stream sources and that the
 * emitting stream's cursor is past the emitted row; returns the batches as {@link copyBatch} copies.
 */
function collectGathered(
  merge: KWayMerge,
  sources: Record<string, readonly (Float64Array | BigInt64Array)[]>,
): ReturnType<typeof copyBatch>[] {
  const got: ReturnType<typeof copyBatch>[] = [];
  for (let b = merge.next(); b !== null; b = merge.next()) {
    for (let i = 0; i < b.length; i++) {
      const id = b.symbolIds[i]!;
      const row = b.rows[i]!;
      for (const [name, perStream] of Object.entries(sources))
        expect(b.columns[name]![i]).toBe(perStream[id]![row]);
      expect(merge.cursorRows[id]).toBeGreaterThan(row);
    }
    got.push(copyBatch(b));
  }
  return got;
}

function collect(merge: KWayMerge) {
  const out: ReturnType<typeof copyBatch>[] = [];
  for (let b = merge.next(); b !== null; b = merge.next()) out.push(copyBatch(b));
  return out;
}

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

describe('KWayMerge strategy auto', () => {
  /** 100 streams: 500 rows of distinct tick times, then 500 rows on a shared grid, then 500 ticks. */
  function phasedStreams(): BigInt64Array[] {
    const random = mulberry32(7);
    return Array.from({ length: 100 }, (_, s) => {
      const out = new BigInt64Array(1_500);
      let t = 1_000_000n + BigInt(s);
      for (let i = 0; i < 1_500; i++) {
        if (i >= 500 && i < 1_000) t = 10_000_000_000n + BigInt(i) * 1_000n;
        else t += BigInt(1 + Math.floor(random() * 5_000)) * 300n + (i === 1_000 ? 20_000_000_000n : 0n);
        out[i] = t;
      }
      return out;
    });
  }

  it('switches between tree and buckets as the batch size changes, with identical output', () => {
    const streams = phasedStreams();
    const flat = (merge: KWayMerge) => {
      const ts: bigint[] = [];
      const ids: number[] = [];
      const rows: number[] = [];
      for (let b = merge.next(); b !== null; b = merge.next()) {
        for (let i = 0; i < b.length; i++) {
          ts.push(b.timestampNs);
          ids.push(b.symbolIds[i]!);
          rows.push(b.rows[i]!);
        }
      }
      return { ts: BigInt64Array.from(ts), ids: Int32Array.from(ids), rows: Int32Array.from(rows) };
    };
    const auto = new KWayMerge(streams);
    const got = flat(auto);
    expect(auto.stats().strategySwitches).toBeGreaterThanOrEqual(2);
    const expected = oracle(streams).flatMap((b) =>
      b.events.map(([id, row]) => [b.timestampNs, id, row] as const),
    );
    const tree = flat(new KWayMerge(streams, { strategy: 'tree' }));
    expect(got.ts.length).toBe(expected.length);
    expect(tree.ts.length).toBe(expected.length);
    let mismatches = 0;
    expected.forEach(([ts, id, row], i) => {
      if (got.ts[i] !== ts || got.ids[i] !== id || got.rows[i] !== row) mismatches++;
      if (tree.ts[i] !== ts || tree.ids[i] !== id || tree.rows[i] !== row) mismatches++;
    });
    expect(mismatches).toBe(0);
  });

  it('block: small blocks (k doubling, fallbacks, spans past 2^52 ns) match the oracle with gathered columns', () => {
    fc.assert(
      fc.property(
        fc.oneof(barStreamsArb, streamsArb),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom<MergeStrategy>('block', 'auto'),
        fc.option(fc.bigInt({ min: -5n, max: 40n })),
        (streams, blockEvents, strategy, startNs) => {
          const start = startNs ?? undefined;
          const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.25));
          const qty = streams.map((s, id) =>
            BigInt64Array.from(s, (_, row) => BigInt(id * 1000 + row) << 34n),
          );
          const merge = new KWayMerge(streams, {
            strategy,
            blockEvents,
            startNs: start,
            columns: { price, qty },
          });
          expect(collectGathered(merge, { price, qty })).toEqual(oracle(streams, start));
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('block: bars then ticks then bars switch block -> tree/buckets -> block with identical output', () => {
    // 64 streams: 300 aligned bars, then 2,000 irregular ticks over the same span, then aligned bars.
    const random = mulberry32(11);
    const streams = Array.from({ length: 64 }, () => {
      const values: bigint[] = [];
      for (let t = 0; t < 300; t++) values.push(BigInt(t) * 60_000n);
      for (let t = 0; t < 30; t++) values.push(18_000_000n + BigInt(Math.floor(random() * 1_000_000)));
      for (let t = 0; t < 300; t++) values.push(20_000_000n + BigInt(t) * 60_000n);
      return BigInt64Array.from(values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    for (const strategy of ['auto', 'block'] as const) {
      const merge = new KWayMerge(streams, { strategy, blockEvents: 1024 });
      expect(collect(merge)).toEqual(oracle(streams));
      if (strategy === 'auto') expect(merge.stats().strategySwitches).toBeGreaterThanOrEqual(2);
      expect(merge.stats().strategy).toBe('block');
    }
  });

  it('block: auto radix-sorts irregular ticks from 512 streams, identical to the tree', () => {
    const random = mulberry32(5);
    const streams = Array.from({ length: 1100 }, () => {
      const values = Array.from({ length: 6 }, () => BigInt(Math.floor(random() * 2 ** 40)) * 1_000n);
      return BigInt64Array.from(values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    const auto = new KWayMerge(streams, { blockEvents: 1000 });
    expect(auto.stats().strategy).toBe('block');
    const got = collect(auto);
    expect(got).toEqual(collect(new KWayMerge(streams, { strategy: 'tree' })));
    expect(got.length).toBeGreaterThan(6000);
    expect(got).toEqual(oracle(streams));
  });

  it('block: an unsorted stream is named with its first decreasing row', () => {
    const streams = [BigInt64Array.from([1n, 2n, 3n]), BigInt64Array.from([1n, 5n, 4n, 6n])];
    const merge = new KWayMerge(streams, { strategy: 'block' });
    let caught: unknown;
    try {
      collect(merge);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnsortedStreamError);
    expect((caught as UnsortedStreamError).message).toMatch(/stream 1.*row 2|row 2.*stream 1/s);
  });

  it('block grid: bars with one row per stream and timestamp match the oracle with 0, 1 or 2 gathered columns', () => {
    // Unique timestamps per stream (a random subset of a shared grid, some streams offset past 2^32 ns):
    // the grid path, fused with one f64 column, with slots for f64 + i64, and without columns.
    const gridStreamsArb = fc.array(
      fc
        .tuple(
          fc.array(fc.boolean(), { minLength: 0, maxLength: 60 }),
          fc.constantFrom(0n, TWO_32 - 3n, -TWO_32),
        )
        .map(([keep, base]) =>
          BigInt64Array.from(keep.flatMap((k, i) => (k ? [base + BigInt(i) * 1_000n] : []))),
        ),
      { maxLength: 80 },
    );
    fc.assert(
      fc.property(
        gridStreamsArb,
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom<MergeStrategy>('block', 'auto'),
        fc.constantFrom(0, 1, 2),
        (streams, blockEvents, strategy, columnCount) => {
          const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.75));
          const qty = streams.map((s, id) =>
            BigInt64Array.from(s, (_, row) => BigInt(id * 1000 + row) << 35n),
          );
          const sources: Record<string, Float64Array[] | BigInt64Array[]> =
            columnCount === 0 ? {} : columnCount === 1 ? { price } : { price, qty };
          const merge = new KWayMerge(streams, { strategy, blockEvents, columns: sources });
          expect(collectGathered(merge, sources)).toEqual(oracle(streams));
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });

  it('block, one-pass bar grid: a timestamp or a repeat the probed streams do not have falls back exactly', () => {
    // 40 streams of 300 one-second bars on a shared grid, one gathered column: the one-pass grid path.
    // Variants: stream 30 has extra off-grid timestamps, stream 35 repeats a timestamp, stream 25 lacks
    // the first bars; each must give exactly the oracle's batches (also for the blocks after a miss).
    const grid = (i: number) => 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n;
    const make = (variant: 'extra' | 'repeat' | 'late' | 'plain') =>
      Array.from({ length: 40 }, (_, s) => {
        const ts: bigint[] = [];
        for (let i = 0; i < 300; i++) {
          if (variant === 'late' && s === 25 && i < 50) continue;
          ts.push(grid(i));
          if (variant === 'extra' && s === 30 && i % 37 === 5) ts.push(grid(i) + 500n);
          if (variant === 'repeat' && s === 35 && i === 120) ts.push(grid(i));
        }
        return BigInt64Array.from(ts);
      });
    for (const variant of ['plain', 'extra', 'repeat', 'late'] as const) {
      const streams = make(variant);
      const price = streams.map((st, id) => Float64Array.from(st, (_, row) => id * 10_000 + row + 0.5));
      for (const blockEvents of [2_000, 100_000]) {
        const merge = new KWayMerge(streams, { strategy: 'block', blockEvents, columns: { price } });
        expect(collectGathered(merge, { price })).toEqual(oracle(streams));
      }
    }
  });

  it('block: large batches are handed out as views, small ones copied, gathered values stay aligned', () => {
    // 40 streams: 100 shared bars (batches of 40: views), then 200 irregular ticks (batches of 1),
    // then 100 shared bars again; forced block falls back to the tree for the ticks, auto switches.
    const random = mulberry32(29);
    const streams = Array.from({ length: 40 }, () => {
      const values: bigint[] = [];
      for (let t = 0; t < 100; t++) values.push(BigInt(t) * 60_000n);
      for (let t = 0; t < 5; t++) values.push(7_000_000n + BigInt(Math.floor(random() * 1_000_000)));
      for (let t = 0; t < 100; t++) values.push(9_000_000n + BigInt(t) * 60_000n);
      return BigInt64Array.from(values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 10_000 + row));
    const qty = streams.map((s, id) => BigInt64Array.from(s, (_, row) => -BigInt(id * 10_000 + row)));
    for (const strategy of ['auto', 'block'] as const) {
      const variants: Record<string, Float64Array[] | BigInt64Array[]>[] = [{ price }, { price, qty }];
      for (const sources of variants) {
        const merge = new KWayMerge(streams, { strategy, blockEvents: 2_000, columns: sources });
        let views = 0;
        let copies = 0;
        const got: ReturnType<typeof copyBatch>[] = [];
        for (let b = merge.next(); b !== null; b = merge.next()) {
          for (let i = 0; i < b.length; i++) {
            const id = b.symbolIds[i]!;
            const row = b.rows[i]!;
            expect(b.columns.price![i]).toBe(price[id]![row]);
            if ('qty' in sources) expect(b.columns.qty![i]).toBe(qty[id]![row]);
          }
          if (b.length === 40) {
            // A view of exactly the batch.
            expect(b.symbolIds.length).toBe(40);
            expect(b.columns.price!.length).toBe(40);
            views++;
          } else if (b.symbolIds.length > b.length) {
            copies++;
          }
          got.push(copyBatch(b));
        }
        expect(got).toEqual(oracle(streams));
        expect(views).toBe(200);
        expect(copies).toBeGreaterThan(100);
      }
    }
  });

  it('block -> tree/buckets right after a large (view) batch: the batch gets its own arrays back', () => {
    // 40 streams of 300 aligned bars (batches of 40, handed out as views); then 4 of them go on with
    // irregular ticks, so the next blocks are sparse with fewer than 8 live streams: forced block falls
    // back to the tree, auto to the tree or buckets, right after a view batch.
    const random = mulberry32(37);
    const streams = Array.from({ length: 40 }, (_, s) => {
      const values: bigint[] = [];
      for (let t = 0; t < 300; t++) values.push(BigInt(t) * 60_000n);
      if (s % 10 === 0)
        for (let t = 0; t < 400; t++) values.push(20_000_000n + BigInt(Math.floor(random() * 9_000_000)));
      return BigInt64Array.from(values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 10_000 + row + 0.5));
    const qty = streams.map((s, id) => BigInt64Array.from(s, (_, row) => BigInt(id * 10_000 + row) << 36n));
    for (const strategy of ['auto', 'block'] as const) {
      const merge = new KWayMerge(streams, { strategy, blockEvents: 4_000, columns: { price, qty } });
      expect(collectGathered(merge, { price, qty })).toEqual(oracle(streams));
      expect(merge.stats().strategy).not.toBe('block');
    }
  });

  it('cursorEpoch changes once per block (cursors move a block at a time), once per chunk the tree or buckets fill', () => {
    const streams = Array.from({ length: 100 }, () =>
      BigInt64Array.from({ length: 50 }, (_, i) => BigInt(i)),
    );
    const changes = (strategy: MergeStrategy) => {
      const merge = new KWayMerge(streams, { strategy, blockEvents: 1_000, chunkEvents: 700 });
      let epoch = merge.cursorEpoch;
      let cursors = Array.from(merge.cursorRows);
      let count = 0;
      for (let b = merge.next(); b !== null; b = merge.next()) {
        if (merge.cursorEpoch !== epoch) {
          count++;
          epoch = merge.cursorEpoch;
          cursors = Array.from(merge.cursorRows);
        } else {
          // Same epoch: the cursors did not move.
          expect(Array.from(merge.cursorRows)).toEqual(cursors);
        }
        // The cursors are past every row handed out.
        for (let i = 0; i < b.length; i++) expect(cursors[b.symbolIds[i]!]).toBeGreaterThan(b.rows[i]!);
      }
      return count;
    };
    // 1,000 events per block over 100 streams: 10 rows (batches) per block, 5 blocks. The tree and
    // buckets fill chunks of 700 events: 5,000 events in 8 chunks.
    expect(changes('block')).toBe(5);
    expect(changes('tree')).toBe(8);
    expect(changes('buckets')).toBe(8);
  });

  it('auto from 256 streams starts in blocks without staging, then restages when it leaves them', () => {
    // 600 streams of aligned bars; 560 end after 40 rows, the other 40 continue with irregular ticks,
    // so auto leaves blocks (fewer than 256 live streams, one event per batch) and needs the staging.
    const random = mulberry32(31);
    const streams = Array.from({ length: 600 }, (_, s) => {
      const values: bigint[] = [];
      for (let t = 0; t < 40; t++) values.push(BigInt(t) * 60_000n);
      if (s % 15 === 0)
        for (let t = 0; t < 300; t++) values.push(3_000_000n + BigInt(Math.floor(random() * 50_000_000)));
      return BigInt64Array.from(values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    const price = streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1_000 + row + 0.5));
    const merge = new KWayMerge(streams, { blockEvents: 4_096, columns: { price } });
    expect(merge.stats().strategy).toBe('block');
    expect(collectGathered(merge, { price })).toEqual(oracle(streams));
    expect(merge.stats().strategy).not.toBe('block');
    expect(merge.stats().strategySwitches).toBeGreaterThanOrEqual(1);
  });

  it('block: an unsorted stream among 600 is named with its first decreasing row', () => {
    const streams = Array.from({ length: 600 }, () =>
      BigInt64Array.from({ length: 30 }, (_, i) => BigInt(i)),
    );
    streams[417] = BigInt64Array.from({ length: 30 }, (_, i) => BigInt(i === 22 ? 5 : i));
    const merge = new KWayMerge(streams, { blockEvents: 3_000 });
    let caught: unknown;
    try {
      collect(merge);
    } catch (error) {
      caught = error;
    }
    expect(isMergeReplayError(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'MMTAPE_REPLAY_UNSORTED_STREAM',
      streamIndex: 417,
      row: 22,
      expected: 21n,
      actual: 5n,
    });
  });

  it('rejects a bad blockEvents', () => {
    expect(() => new KWayMerge([], { blockEvents: 0 })).toThrow(/blockEvents/);
    expect(() => new KWayMerge([], { blockEvents: 1.5 })).toThrow(/blockEvents/);
  });

  it('starts with block, buckets or tree from the number of distinct head timestamps', () => {
    const heads = (distinct: number) =>
      Array.from({ length: 20 }, (_, s) => BigInt64Array.from([BigInt(s % distinct), 100n]));
    expect(new KWayMerge(heads(1)).stats().strategy).toBe('block');
    expect(new KWayMerge(heads(8)).stats().strategy).toBe('buckets');
    expect(new KWayMerge(heads(20)).stats().strategy).toBe('tree');
    expect(new KWayMerge(heads(20), { strategy: 'buckets' }).stats().strategy).toBe('buckets');
  });

  it('rejects an unknown strategy', () => {
    expect(() => new KWayMerge([], { strategy: 'fast' as MergeStrategy })).toThrow(/strategy/);
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
