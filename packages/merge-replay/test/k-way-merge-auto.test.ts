import { mulberry32 } from '@mmtape/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMergeReplayError, KWayMerge, type MergeStrategy, UnsortedStreamError } from '../src/index.js';
import {
  barStreamsArb,
  collect,
  collectGathered,
  copyBatch,
  oracle,
  sortedStream,
  streamsArb,
  TWO_32,
} from './merge-oracle.js';

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
    // Blocks of 2,000 events: the last tick phase spans several, so auto decides again while streams are live.
    const auto = new KWayMerge(streams, { blockEvents: 2_000 });
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
      return sortedStream(values);
    });
    for (const strategy of ['auto', 'block'] as const) {
      const merge = new KWayMerge(streams, { strategy, blockEvents: 1024 });
      expect(collect(merge)).toEqual(oracle(streams));
      if (strategy === 'auto') expect(merge.stats().strategySwitches).toBeGreaterThanOrEqual(2);
      expect(merge.stats().strategy).toBe('block');
    }
  });

  it('block: auto sorts irregular ticks as blocks from 256 streams, identical to the tree', () => {
    const random = mulberry32(5);
    const streams = Array.from({ length: 1100 }, () => {
      const values = Array.from({ length: 6 }, () => BigInt(Math.floor(random() * 2 ** 40)) * 1_000n);
      return sortedStream(values);
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
        for (const kernel of ['native', 'wasm', 'js'] as const) {
          const merge = new KWayMerge(streams, {
            strategy: 'block',
            blockEvents,
            kernel,
            columns: { price },
          });
          expect(collectGathered(merge, { price })).toEqual(oracle(streams));
        }
      }
    }
  });

  it('block, one-pass bar grid: tiles of 4 streams with missing bars, every kernel, same as the oracle', () => {
    // Streams on a shared one-second grid, each full or with a gap, a late start or an early end, in any
    // order and count: 4 streams at a time fill each timestamp, the last few one by one, natively, in
    // WebAssembly and in TypeScript; every event must keep its timestamp's symbol-id order and its own price.
    const grid = (i: number) => 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n;
    const streamArb = fc.tuple(
      fc.constantFrom('full', 'full', 'full', 'gap', 'late', 'early'),
      fc.nat(),
      fc.nat(),
    );
    fc.assert(
      fc.property(
        fc.array(streamArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 50, max: 3_000 }),
        fc.constantFrom<'native' | 'wasm' | 'js'>('native', 'wasm', 'js'),
        (kinds, rows, blockEvents, kernel) => {
          const streams = kinds.map(([kind, a, b]) => {
            const ts: bigint[] = [];
            const from = a % rows;
            const to = from + (b % 7) + 1;
            for (let i = 0; i < rows; i++) {
              if (kind === 'gap' && i >= from && i < to) continue;
              if (kind === 'late' && i < from) continue;
              if (kind === 'early' && i >= from) continue;
              ts.push(grid(i));
            }
            return BigInt64Array.from(ts);
          });
          const price = streams.map((st, id) => Float64Array.from(st, (_, row) => id * 10_000 + row + 0.25));
          const merge = new KWayMerge(streams, {
            strategy: 'block',
            blockEvents,
            kernel,
            columns: { price },
          });
          expect(collectGathered(merge, { price })).toEqual(oracle(streams));
        },
      ),
      { seed: 31, numRuns: 400 },
    );
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
      return sortedStream(values);
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
      return sortedStream(values);
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
      return sortedStream(values);
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

describe('KWayMerge strategy auto at the end of the streams', () => {
  it('reports the algorithm that ran, without a switch, once every stream is exhausted', () => {
    // 1,000 aligned bar streams × 512 rows in blocks of 64 rows: blocks throughout; policy decisions come
    // every 256 batches at a block boundary, the second one after the last block, when no stream is live.
    const streams = Array.from({ length: 1000 }, () =>
      BigInt64Array.from({ length: 512 }, (_, t) => BigInt(t) * 60n),
    );
    for (const api of ['batches', 'chunks'] as const) {
      const merge = new KWayMerge(streams, { blockEvents: 1000 * 64 });
      if (api === 'batches') while (merge.next() !== null);
      else while (merge.nextChunk() !== null);
      expect(merge.stats()).toMatchObject({
        events: 512_000,
        batches: 512,
        strategy: 'block',
        strategySwitches: 0,
      });
    }
  });
});
