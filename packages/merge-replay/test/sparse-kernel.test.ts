import { mulberry32 } from '@mmtape/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidReplayOptionError,
  KWayMerge,
  type MergeKernel,
  type MergeStrategy,
  UnsortedStreamError,
} from '../src/index.js';
import { KernelMemory } from '../src/strategies/kernel-memory.js';
import { oracle, sortedStream } from './merge-oracle.js';

type Columns = Record<string, readonly (Float64Array | BigInt64Array)[]>;

/** Distinct values per (stream, row), so a misplaced gather cannot go unnoticed. */
function columnsOf(streams: readonly BigInt64Array[]): Columns {
  return {
    price: streams.map((s, id) => Float64Array.from(s, (_, row) => id * 1000 + row + 0.5)),
    qty: streams.map((s, id) => BigInt64Array.from(s, (_, row) => BigInt(-id * 1000 - row) << 33n)),
  };
}

/** Every event of every chunk as [timestamp, symbol id, row, price, qty, run start?]. */
function drain(
  streams: readonly BigInt64Array[],
  strategy: MergeStrategy,
  kernel: MergeKernel,
  blockEvents = 4096,
) {
  const columns = columnsOf(streams);
  const merge = new KWayMerge(streams, { strategy, kernel, columns, blockEvents, chunkEvents: 1000 });
  const events: [bigint, number, number, number, bigint, boolean][] = [];
  for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk()) {
    const starts = new Set([0]);
    for (let b = 0; b < c.batchCount - 1; b++) starts.add(c.batchEnds[b]!);
    for (let i = 0; i < c.length; i++) {
      const price = (c.columns.price as Float64Array)[i]!;
      const qty = (c.columns.qty as BigInt64Array)[i]!;
      events.push([
        c.timestampNs[i]!,
        c.symbolId[i]!,
        c.row[i]!,
        price,
        qty,
        starts.has(i) && !(i === 0 && c.continuesBatch),
      ]);
    }
  }
  return events;
}

/** The oracle's events in the same shape (a run starts at every new timestamp). */
function expected(streams: BigInt64Array[]) {
  const columns = columnsOf(streams);
  return oracle(streams).flatMap((batch) =>
    batch.events.map(([id, row], k) => [
      batch.timestampNs,
      id,
      row,
      (columns.price![id] as Float64Array)[row]!,
      (columns.qty![id] as BigInt64Array)[row]!,
      k === 0,
    ]),
  );
}

/** Tick-like streams: 8–40 streams of irregular timestamps (repeats within a stream too), so sparse blocks sort. */
const tickStreamsArb = fc.array(
  fc.array(fc.bigInt({ min: 0n, max: 2n ** 40n }), { minLength: 1, maxLength: 80 }).map(sortedStream),
  { minLength: 8, maxLength: 40 },
);

describe('sparse blocks: the WebAssembly kernel and the TypeScript path (fast-check, seed 42)', () => {
  it('emit the oracle order, columns and runs, identically', () => {
    fc.assert(
      // Small blocks: many sparse blocks in a row, so the kernel also collects blocks from the streams.
      fc.property(tickStreamsArb, fc.integer({ min: 8, max: 600 }), (streams, blockEvents) => {
        const want = expected(streams);
        const wasm = drain(streams, 'block', 'wasm', blockEvents);
        expect(wasm).toEqual(want);
        expect(drain(streams, 'block', 'js', blockEvents)).toEqual(wasm);
        expect(drain(streams, 'block', 'native', blockEvents)).toEqual(wasm);
      }),
      { seed: 42, numRuns: 120 },
    );
  });

  it('agree on 600 streams of seeded ticks under auto', () => {
    const random = mulberry32(7);
    const streams = Array.from({ length: 600 }, () => {
      let t = 1_700_000_000_000_000_000n;
      return BigInt64Array.from({ length: 50 }, () => {
        t += BigInt(Math.floor(random() * 2_000_000));
        return t;
      });
    });
    const wasm = drain(streams, 'auto', 'wasm');
    expect(wasm).toEqual(expected(streams));
    expect(drain(streams, 'auto', 'js')).toEqual(wasm);
    expect(drain(streams, 'auto', 'native')).toEqual(wasm);
  });

  it('falls back to the LSD radix sort when a key does not pack into 64 bits with the stream index', () => {
    // 8,200 live streams need 14 bits of stream index, which leaves 50 bits of offset; one block (2 rows of
    // every stream) spans 2^51 ns.
    const streams = Array.from({ length: 8200 }, (_, s) =>
      BigInt64Array.from([BigInt(s % 97), 2n ** 51n + BigInt(s)]),
    );
    const wasm = drain(streams, 'block', 'wasm', 1 << 17);
    expect(wasm).toEqual(expected(streams));
    expect(drain(streams, 'block', 'js', 1 << 17)).toEqual(wasm);
    expect(drain(streams, 'block', 'native', 1 << 17)).toEqual(wasm);
  });

  it.each(['native', 'wasm', 'js'] as const)(
    '%s: a decreasing timestamp in a later sparse block is an UnsortedStreamError naming stream and row',
    (kernel) => {
      const random = mulberry32(11);
      const streams = Array.from({ length: 600 }, () => {
        let t = 1_000_000_000n;
        return BigInt64Array.from({ length: 50 }, () => {
          t += BigInt(1 + Math.floor(random() * 1_000_000));
          return t;
        });
      });
      const bad = streams[300]!;
      bad[40] = bad[39]! - 1n;
      const merge = new KWayMerge(streams, { strategy: 'block', kernel, blockEvents: 4096 });
      let error: unknown;
      try {
        for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk());
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnsortedStreamError);
      expect(error).toMatchObject({ streamIndex: 300, row: 40, expected: bad[39], actual: bad[40] });
    },
  );

  it('merges advanced in turn share the process kernel: each equals its oracle (fast-check, seed 42)', () => {
    // One kernel instance serves every merge (SparseKernel.shared): merges of different shapes (stream
    // counts, gathered columns, block sizes) advanced a chunk at a time in turn must not see each other's
    // layout, staged rows or outputs, also when one of them grows the memory in between.
    const shapeArb = fc.record({
      streams: tickStreamsArb,
      columns: fc.constantFrom('both', 'price', 'none'),
      blockEvents: fc.integer({ min: 8, max: 3000 }),
    });
    fc.assert(
      fc.property(fc.array(shapeArb, { minLength: 2, maxLength: 4 }), (shapes) => {
        const runs = shapes.map(({ streams, columns, blockEvents }) => {
          const all = columnsOf(streams);
          const given: Columns = columns === 'both' ? all : columns === 'price' ? { price: all.price! } : {};
          const merge = new KWayMerge(streams, {
            strategy: 'block',
            kernel: 'wasm',
            columns: given,
            blockEvents,
            chunkEvents: 97,
          });
          const want = expected(streams).map(([ts, id, row, price, qty]) =>
            columns === 'both'
              ? [ts, id, row, price, qty]
              : columns === 'price'
                ? [ts, id, row, price]
                : [ts, id, row],
          );
          return { merge, want, got: [] as unknown[][], done: false };
        });
        while (runs.some((r) => !r.done)) {
          for (const run of runs) {
            if (run.done) continue;
            const c = run.merge.nextChunk();
            if (c === null) {
              run.done = true;
              continue;
            }
            const price = c.columns.price as Float64Array | undefined;
            const qty = c.columns.qty as BigInt64Array | undefined;
            for (let i = 0; i < c.length; i++) {
              const event: unknown[] = [c.timestampNs[i]!, c.symbolId[i]!, c.row[i]!];
              if (price !== undefined) event.push(price[i]!);
              if (qty !== undefined) event.push(qty[i]!);
              run.got.push(event);
            }
          }
        }
        for (const run of runs) expect(run.got).toEqual(run.want);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('a bar merge that grows the shared kernel memory between two sparse blocks of a tick merge', () => {
    // The bar grid and the sparse kernel share one memory (KernelMemory.shared): a growth by one detaches
    // the other's views, which it must take again before its next block.
    const random = mulberry32(5);
    const ticks = Array.from({ length: 600 }, () => {
      let t = 1_700_000_000_000_000_000n;
      return BigInt64Array.from({ length: 50 }, () => {
        t += BigInt(1 + Math.floor(random() * 2_000_000));
        return t;
      });
    });
    const bars = Array.from({ length: 200 }, () =>
      BigInt64Array.from(
        { length: 2000 },
        (_, r) => 1_700_000_000_000_000_000n + BigInt(r) * 60_000_000_000n,
      ),
    );
    const memory = KernelMemory.shared()!;
    const tickMerge = new KWayMerge(ticks, {
      strategy: 'block',
      kernel: 'wasm',
      columns: columnsOf(ticks),
      blockEvents: 4096,
      chunkEvents: 1000,
    });
    // One f64 column: plain bars take the one-pass grid (the bar grid kernel).
    const barMerge = new KWayMerge(bars, {
      strategy: 'block',
      kernel: 'wasm',
      columns: { price: columnsOf(bars).price! },
      blockEvents: 1 << 18,
    });
    const tickEvents: unknown[][] = [];
    const barEvents: unknown[][] = [];
    const take = (merge: KWayMerge, into: unknown[][]): boolean => {
      const c = merge.nextChunk();
      if (c === null) return false;
      const price = c.columns.price as Float64Array;
      const qty = c.columns.qty as BigInt64Array | undefined;
      for (let i = 0; i < c.length; i++)
        into.push([c.timestampNs[i]!, c.symbolId[i]!, c.row[i]!, price[i]!, qty?.[i]]);
      return true;
    };
    take(tickMerge, tickEvents);
    const before = memory.buffer.byteLength;
    take(barMerge, barEvents);
    expect(memory.buffer.byteLength).toBeGreaterThan(before);
    for (let more = true; more; ) {
      const tickMore = take(tickMerge, tickEvents);
      more = take(barMerge, barEvents) || tickMore;
    }
    expect(tickEvents).toEqual(expected(ticks).map((e) => e.slice(0, 5)));
    expect(barEvents).toEqual(expected(bars).map((e) => [...e.slice(0, 4), undefined]));
  });

  it('refuses an unknown kernel', () => {
    expect(() => new KWayMerge([BigInt64Array.from([1n])], { kernel: 'c' as 'wasm' })).toThrow(
      InvalidReplayOptionError,
    );
  });
});
