import { mulberry32 } from '@mmtape/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidReplayOptionError, KWayMerge, type KWayMergeOptions } from '../src/index.js';
import {
  barStreamsArb,
  collect,
  collectGathered,
  copyBatch,
  oracle,
  STRATEGIES,
  streamsArb,
} from './merge-oracle.js';

/**
 * Window reads (`KWayMergeOptions.readRows`): the merge reads every row through windows that the reader
 * fills. Proof that nothing else is read: the arrays handed to the merge are garbage (timestamps 0,
 * values NaN) and only the reader knows the real rows; the merge must still emit exactly the events and
 * values of a merge over the real arrays.
 */

type Columns = Record<string, (Float64Array | BigInt64Array)[]>;

/** A reader over the real arrays, counting the reads of each (stream, column, row). */
function readerOver(ts: BigInt64Array[], columns: Columns) {
  const sources = [ts, ...Object.values(columns)];
  const reads = new Map<string, number>();
  const readRows: NonNullable<KWayMergeOptions['readRows']> = (s, c, startRow, rowCount, into, at) => {
    const src = sources[c]![s]!;
    expect(startRow).toBeGreaterThanOrEqual(0);
    expect(startRow + rowCount).toBeLessThanOrEqual(src.length);
    expect(at + 8 * rowCount).toBeLessThanOrEqual(into.length);
    into.set(new Uint8Array(src.buffer, src.byteOffset + 8 * startRow, 8 * rowCount), at);
    for (let r = startRow; r < startRow + rowCount; r++) {
      const key = `${s}:${c}:${r}`;
      reads.set(key, (reads.get(key) ?? 0) + 1);
    }
  };
  return { readRows, reads };
}

/** The merge's arrays: timestamps 0, f64 NaN, i64 -1 (every read of them is visible). */
function garbage(ts: BigInt64Array[], columns: Columns): { ts: BigInt64Array[]; columns: Columns } {
  return {
    ts: ts.map((t) => new BigInt64Array(t.length)),
    columns: Object.fromEntries(
      Object.entries(columns).map(([name, perStream]) => [
        name,
        perStream.map((c) =>
          c instanceof Float64Array
            ? new Float64Array(c.length).fill(Number.NaN)
            : new BigInt64Array(c.length).fill(-1n),
        ),
      ]),
    ),
  };
}

/** Distinct values per (stream, row), an f64 and an i64 column. */
function valuesOf(streams: BigInt64Array[]): Columns {
  return {
    price: streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.5)),
    qty: streams.map((s, id) => BigInt64Array.from(s, (_, row) => BigInt(-id * 1000 - row) << 33n)),
  };
}

/**
 * A merge of bar streams through the WebAssembly grid (block strategy, one f64 column `close` of distinct
 * values per (stream, row)), reading windows from {@link readerOver} over garbage arrays.
 */
function gridMerge(streams: BigInt64Array[], options: KWayMergeOptions) {
  const columns = {
    close: streams.map((s, id) => Float64Array.from(s, (_, row) => id * 10_000 + row + 0.25)),
  };
  const { readRows, reads } = readerOver(streams, columns);
  const fake = garbage(streams, columns);
  const merge = new KWayMerge(fake.ts, {
    ...options,
    strategy: 'block',
    kernel: 'wasm',
    columns: fake.columns,
    readRows,
  });
  return { merge, reads, columns };
}

describe('KWayMerge window reads (readRows): every row comes through the reader, once', () => {
  for (const strategy of STRATEGIES) {
    for (const kernel of ['wasm', 'js'] as const) {
      it(`${strategy}, ${kernel}: bars match the oracle, gathered values come from the reader`, () => {
        fc.assert(
          fc.property(
            barStreamsArb,
            fc.integer({ min: 1, max: 9 }),
            fc.integer({ min: 1, max: 70 }),
            (streams, windowRows, blockEvents) => {
              const columns = valuesOf(streams);
              const { readRows, reads } = readerOver(streams, columns);
              const fake = garbage(streams, columns);
              const merge = new KWayMerge(fake.ts, {
                strategy,
                kernel,
                blockEvents,
                stageRows: 3,
                columns: fake.columns,
                readRows,
                windowRows,
              });
              expect(collectGathered(merge, columns)).toEqual(oracle(streams));
              for (const count of reads.values()) expect(count).toBe(1);
            },
          ),
          { seed: 42, numRuns: 150 },
        );
      });
    }

    it(`${strategy}: any timestamps (ticks, extremes) match the oracle with windows of 1 to 5 rows`, () => {
      fc.assert(
        fc.property(streamsArb, fc.integer({ min: 1, max: 5 }), (streams, windowRows) => {
          const { readRows, reads } = readerOver(streams, {});
          const merge = new KWayMerge(garbage(streams, {}).ts, {
            strategy,
            blockEvents: 16,
            readRows,
            windowRows,
          });
          expect(collect(merge)).toEqual(oracle(streams));
          for (const count of reads.values()) expect(count).toBe(1);
        }),
        { seed: 7, numRuns: 150 },
      );
    });
  }

  it('startNs/endNs: the binary searches read the given arrays, the replayed rows the reader', () => {
    const rand = mulberry32(3);
    for (let round = 0; round < 20; round++) {
      const streams = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => {
        const rows = Math.floor(rand() * 200);
        let now = BigInt(Math.floor(rand() * 100));
        return BigInt64Array.from({ length: rows }, () => {
          now += BigInt(Math.floor(rand() * 4));
          return now;
        });
      });
      const startNs = BigInt(Math.floor(rand() * 150));
      const endNs = startNs + BigInt(Math.floor(rand() * 300));
      const columns = valuesOf(streams);
      const { readRows, reads } = readerOver(streams, columns);
      // Real timestamps (for the searches), garbage values: the values must come from the reader.
      const given = { ...garbage(streams, columns).columns };
      const strategy = STRATEGIES[round % STRATEGIES.length]!;
      const merge = new KWayMerge(streams, {
        strategy,
        startNs,
        endNs,
        columns: given,
        readRows,
        windowRows: 1 + (round % 7),
      });
      expect(collectGathered(merge, columns)).toEqual(oracle(streams, startNs, endNs));
      // Only rows of the range are read.
      for (const key of reads.keys()) {
        const [s, , r] = key.split(':').map(Number) as [number, number, number];
        expect(streams[s]![r]! >= startNs && streams[s]![r]! < endNs).toBe(true);
      }
    }
  });

  it('an unsorted stream read through windows is reported with its row', () => {
    const streams = [BigInt64Array.from([1n, 2n, 3n, 4n]), BigInt64Array.from([1n, 5n, 2n, 6n])];
    for (const strategy of STRATEGIES) {
      const { readRows } = readerOver(streams, {});
      const merge = new KWayMerge(streams, { strategy, readRows, windowRows: 2 });
      expect(() => collect(merge)).toThrow(/row 2/);
    }
  });

  it('a reader that throws stops the merge with its error, before the rows it refused', () => {
    const streams = [BigInt64Array.from([1n, 2n, 3n, 4n, 5n]), BigInt64Array.from([1n, 2n, 3n, 4n, 5n])];
    for (const strategy of STRATEGIES) {
      const { readRows } = readerOver(streams, {});
      const emitted: [number, number][] = [];
      expect(() => {
        const merge = new KWayMerge(streams, {
          strategy,
          readRows: (s, c, startRow, rowCount, into, at) => {
            if (s === 1 && startRow + rowCount > 2) throw new Error('device gone');
            readRows(s, c, startRow, rowCount, into, at);
          },
          windowRows: 2,
        });
        for (let b = merge.next(); b !== null; b = merge.next()) {
          for (let i = 0; i < b.length; i++) emitted.push([b.symbolIds[i]!, b.rows[i]!]);
        }
      }).toThrow('device gone');
      expect(emitted.some(([s, r]) => s === 1 && r >= 2)).toBe(false);
    }
  });

  it('frees the windows of exhausted streams (chained partitions hold windows only while live)', () => {
    // 50 streams of 40 rows, one after the other in time, and one long stream spanning them all; blocks
    // of 64 events, so windows are filled as the merge goes (the sweeps run on window fills).
    const streams = Array.from({ length: 50 }, (_, p) =>
      BigInt64Array.from({ length: 40 }, (_, r) => BigInt(p * 1000 + r * 10)),
    );
    streams.push(BigInt64Array.from({ length: 5000 }, (_, r) => BigInt(r * 10)));
    for (const strategy of STRATEGIES) {
      const { readRows } = readerOver(streams, {});
      const merge = new KWayMerge(streams, { strategy, readRows, windowRows: 16, blockEvents: 64 });
      const state = (merge as unknown as { state: { windowCaps: Uint32Array } }).state;
      const got: ReturnType<typeof collect> = [];
      const cursors = merge.cursorRows;
      let maxHeld = 0;
      let heldLate = -1;
      for (let b = merge.next(); b !== null; b = merge.next()) {
        got.push(copyBatch(b));
        let held = 0;
        for (let s = 0; s < 50; s++) if (state.windowCaps[s]! > 0) held++;
        maxHeld = Math.max(maxHeld, held);
        if (heldLate < 0 && cursors[50]! >= 4000) heldLate = held; // partitions 0-39 passed
      }
      expect(got).toEqual(oracle(streams));
      // The tree and buckets read a stream only when it is the head: at most a few partitions hold a
      // window at a time (the live one, and those passed since the last sweep, one per 16 window fills
      // at least). Blocks read every live stream for their bound, so every partition gets a window of
      // its first rows at the start; once the merge has passed 40 of them, at most the other 10 and a
      // few not swept yet hold one. Without the sweep all 50 would stay held.
      if (strategy === 'tree' || strategy === 'buckets') expect(maxHeld).toBeLessThanOrEqual(4);
      expect(heldLate).toBeGreaterThan(0);
      expect(heldLate).toBeLessThanOrEqual(14);
    }
  });

  it('reads windowRows rows at a time once a stream is under way (its first read is only the rows asked for)', () => {
    const streams = [0, 1, 2].map((s) => BigInt64Array.from({ length: 10_000 }, (_, r) => BigInt(r * 3 + s)));
    for (const strategy of STRATEGIES) {
      const reads: number[] = [];
      const { readRows } = readerOver(streams, {});
      const merge = new KWayMerge(streams, {
        strategy,
        blockEvents: 96,
        windowRows: 512,
        readRows: (s, c, startRow, rowCount, into, at) => {
          if (s === 0) reads.push(rowCount);
          readRows(s, c, startRow, rowCount, into, at);
        },
      });
      expect(collect(merge)).toEqual(oracle(streams));
      expect(reads.reduce((a, b) => a + b, 0)).toBe(10_000);
      // One small first read, then ~512 rows each (a window keeps the rows it still holds when it moves).
      expect(reads[0]).toBeLessThanOrEqual(64);
      expect(reads.length).toBeLessThanOrEqual(2 + Math.ceil(10_000 / (512 - 64)));
    }
  });

  it('bars through the grid kernel: the windows live in its memory, read in place while it grows', () => {
    // 200 streams of 1-minute bars (seeded gaps) with one f64 column: the grid kernel's case. Windows of
    // 512 rows × 2 columns × 200 streams (1.6 MB) and the grid's layout are taken from the merge's own
    // WebAssembly memory, which grows several times while windows hold rows.
    const random = mulberry32(7);
    const streams = Array.from({ length: 200 }, () => {
      const ts: bigint[] = [];
      for (let minute = 0; minute < 3_000; minute++)
        if (random() > 0.05) ts.push(60_000_000_000n * BigInt(minute));
      return BigInt64Array.from(ts);
    });
    const { merge, reads, columns } = gridMerge(streams, { blockEvents: 8_192, windowRows: 512 });
    // Internal: the merge state's window memory (null would mean windows in arrays of their own).
    type Memory = { onGrow(listener: () => void): void };
    const state = (merge as unknown as { state: { windowMemory: Memory | null; windowAt: Float64Array[] } })
      .state;
    expect(state.windowMemory).not.toBeNull();
    let batches = 0;
    let growthsUnderWay = 0; // growths after the first batch: windows hold rows then
    state.windowMemory!.onGrow(() => {
      if (batches > 0) growthsUnderWay++;
    });
    let inMemory = 0;
    let wrongValues = 0;
    const got: ReturnType<typeof copyBatch>[] = [];
    for (let b = merge.next(); b !== null; b = merge.next(), batches++) {
      inMemory = Math.max(inMemory, state.windowAt[0]!.filter((at) => at >= 0).length);
      for (let i = 0; i < b.length; i++)
        if (b.columns.close![i] !== columns.close[b.symbolIds[i]!]![b.rows[i]!]) wrongValues++;
      got.push(copyBatch(b));
    }
    expect(wrongValues).toBe(0);
    expect(got).toEqual(oracle(streams));
    expect([...reads.values()].every((count) => count === 1)).toBe(true);
    expect(inMemory).toBe(200);
    expect(growthsUnderWay).toBeGreaterThanOrEqual(2);
  });

  it('full bar grids through the kernel, in chunks that split the blocks, equal the oracle', () => {
    // 64 streams with a bar at every minute (every block's grid full); chunks of 1,000 events.
    const streams = Array.from({ length: 64 }, (_, s) =>
      BigInt64Array.from({ length: 2_000 + 37 * (s % 3) }, (_, m) => 60_000_000_000n * BigInt(m)),
    );
    const { merge, reads, columns } = gridMerge(streams, {
      blockEvents: 4_096,
      chunkEvents: 1_000,
      windowRows: 256,
    });
    const events: [bigint, number, number, number][] = [];
    for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk()) {
      for (let i = 0; i < c.length; i++)
        events.push([c.timestampNs[i]!, c.symbolId[i]!, c.row[i]!, c.columns.close![i] as number]);
    }
    const expected = oracle(streams).flatMap((batch) =>
      batch.events.map(([id, row]): [bigint, number, number, number] => [
        batch.timestampNs,
        id,
        row,
        columns.close[id]![row]!,
      ]),
    );
    expect(events).toEqual(expected);
    expect([...reads.values()].every((count) => count === 1)).toBe(true);
  });

  it('rejects a readRows that is not a function and a windowRows out of range', () => {
    const streams = [BigInt64Array.from([1n])];
    const bad = [
      { readRows: 3 },
      { windowRows: 0 },
      { windowRows: 1.5 },
      { windowRows: 2 ** 26 + 1 },
    ] as unknown as KWayMergeOptions[];
    for (const options of bad)
      expect(() => new KWayMerge(streams, options)).toThrow(InvalidReplayOptionError);
  });
});
