import { mulberry32 } from '@mmtape/test-utils';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { KWayMerge, StreamArrayChangedError } from '../src/index.js';
import { BLOCK_MAX_SPAN } from '../src/merge-tuning.js';
import { blockHeadAndLimit } from '../src/strategies/block-kernels.js';
import { nativeBlockKernel } from '../src/strategies/native-block.js';
import { oracle } from './merge-oracle.js';

/** 300 streams of seeded irregular ticks, 200 rows each. */
function ticks(seed: number): BigInt64Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: 300 }, () => {
    let t = 1_700_000_000_000_000_000n;
    return BigInt64Array.from({ length: 200 }, () => {
      t += BigInt(1 + Math.floor(random() * 5_000_000));
      return t;
    });
  });
}

describe('the native block kernels (sparse blocks, bar grid)', () => {
  const native = nativeBlockKernel();

  it('is built here (by the package build) and loads', () => {
    expect(
      native,
      'native kernels not built: see the build-native warning of `pnpm install` / `pnpm build` (C compiler, Node headers)',
    ).not.toBeNull();
  });

  it('replays memory-mapped-like streams (one shared buffer, offset views) as the oracle', () => {
    // Streams that are views at offsets of one buffer, as the mapped segments of a dataset are.
    const streams = ticks(3);
    const rows = streams[0]!.length;
    const shared = new BigInt64Array(streams.length * (rows + 3));
    const views = streams.map((s, i) => {
      const view = new BigInt64Array(shared.buffer, 8 * i * (rows + 3), rows);
      view.set(s);
      return view;
    });
    const closes = views.map((_, i) => Float64Array.from({ length: rows }, (_, r) => i * 1e4 + r));
    const calls = vi.spyOn(native!, 'sparseBlock');
    const merge = new KWayMerge(views, { kernel: 'native', columns: { close: closes }, blockEvents: 8192 });
    const got: [bigint, number, number, number][] = [];
    for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk()) {
      const close = c.columns.close as Float64Array;
      for (let i = 0; i < c.length; i++) got.push([c.timestampNs[i]!, c.symbolId[i]!, c.row[i]!, close[i]!]);
    }
    const want = oracle(views).flatMap((b) =>
      b.events.map(([id, row]) => [b.timestampNs, id, row, closes[id]![row]!] as const),
    );
    expect(got).toEqual(want);
    expect(calls.mock.calls.length).toBeGreaterThan(3); // every sparse block after the first
    calls.mockRestore();
  });

  it('refuses a row outside the arrays it holds (-4) and arguments of the wrong type (TypeError)', () => {
    const k = native!;
    const ts = [new Int32Array(8), new Int32Array(8)]; // two streams of 4 rows
    const handle = k.streams(ts, [[new Float64Array(4), new Float64Array(4)]]);
    const out = () => ({
      sym: new Int32Array(16),
      row: new Uint32Array(16),
      ts32: new Int32Array(32),
      starts: new Int32Array(17),
      ends: new Int32Array(16),
      rowsLive: new Int32Array(2),
      fault: new Int32Array(2),
      close: new Float64Array(16),
    });
    const call = (cursors: number[], endRows: number[], o = out()) =>
      k.sparseBlock(
        handle,
        2,
        Int32Array.from([0, 1]),
        Uint32Array.from(cursors),
        Uint32Array.from(endRows),
        4,
        0,
        0,
        2 ** 40,
        64,
        o.sym,
        o.row,
        o.ts32,
        o.starts,
        o.ends,
        o.rowsLive,
        o.fault,
        o.close,
      );
    expect(call([0, 0], [4, 4])).toBe(1); // all zero timestamps: one run of 8 events
    expect(call([0, 0], [4, 5])).toBe(-4); // stream 1 has 4 rows, not 5
    expect(call([0, 5], [4, 4])).toBe(-4); // a cursor past the end
    const small = out();
    small.sym = new Int32Array(3);
    expect(call([0, 0], [4, 4], small)).toBe(-4); // outputs shorter than the block
    expect(() => k.streams([new Int32Array(8)], [[new Float64Array(3)]])).toThrow(TypeError);
    expect(() =>
      (k.sparseBlock as (...a: unknown[]) => number)(handle, 2, [0, 1], 'x', 0, 4, 0, 0, 1, 64),
    ).toThrow(TypeError);
  });

  it('fills the bar grid of plain bars natively (every block), as the oracle', () => {
    const bars = Array.from({ length: 300 }, (_, i) =>
      BigInt64Array.from(
        { length: 100 + (i % 7) },
        (_, r) => 1_700_000_000_000_000_000n + BigInt(r) * 60_000_000_000n,
      ),
    );
    const price = bars.map((b, i) => Float64Array.from(b, (_, r) => i * 1e4 + r));
    const calls = vi.spyOn(native!, 'gridBars');
    const merge = new KWayMerge(bars, { kernel: 'native', columns: { price }, blockEvents: 4096 });
    const got: [bigint, number, number, number][] = [];
    for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk()) {
      const p = c.columns.price as Float64Array;
      for (let i = 0; i < c.length; i++) got.push([c.timestampNs[i]!, c.symbolId[i]!, c.row[i]!, p[i]!]);
    }
    const want = oracle(bars).flatMap((b) =>
      b.events.map(([id, row]) => [b.timestampNs, id, row, price[id]![row]!] as const),
    );
    expect(got).toEqual(want);
    expect(calls.mock.calls.length).toBeGreaterThan(3);
    calls.mockRestore();
  });

  it('gridBars compacts a grid with gaps in its outputs; refuses a row outside its arrays or outputs shorter than the grid (-4), a handle of two columns (TypeError)', () => {
    const k = native!;
    const ts = [Int32Array.from([0, 0, 1, 0]), Int32Array.from([0, 0, 1, 0])]; // rows at ns 0 and 1
    const handle = k.streams(ts, [[new Float64Array(2), new Float64Array(2)]]);
    const call = (endRows: number[], sym = new Int32Array(4)) =>
      k.gridBars(
        handle,
        2,
        Int32Array.from([0, 1]),
        Uint32Array.from([0, 0]),
        Uint32Array.from(endRows),
        2,
        Float64Array.from([0, 1]),
        2,
        0,
        0,
        2,
        sym,
        new Uint32Array(4),
        new Float64Array(4),
        new Int32Array(8),
        new Int32Array(2),
        new Int32Array(2),
        new Int32Array(2),
      );
    expect(call([2, 2])).toBe(0);
    expect(call([2, 3])).toBe(-4); // stream 1 has 2 rows, not 3
    expect(call([2, 2], new Int32Array(3))).toBe(-4); // 4 events do not fit 3 outputs
    // A grid with a gap (stream 1 has no row at ns 0) is compacted in the outputs themselves, which hold
    // the whole grid first: liveCount × unionLength slots, even for fewer events.
    const gapTs = [Int32Array.from([0, 0, 1, 0]), Int32Array.from([1, 0])];
    const gapped = k.streams(gapTs, [[Float64Array.of(10, 11), Float64Array.of(20)]]);
    const grid = (slots: number) => {
      const out = {
        sym: new Int32Array(slots),
        row: new Uint32Array(slots),
        value: new Float64Array(slots),
        ts32: new Int32Array(2 * slots),
        starts: new Int32Array(2),
        ends: new Int32Array(2),
        taken: new Int32Array(2),
      };
      const code = k.gridBars(
        gapped,
        2,
        Int32Array.of(0, 1),
        Uint32Array.of(0, 0),
        Uint32Array.of(2, 1),
        2,
        Float64Array.of(0, 1),
        2,
        0,
        0,
        2,
        out.sym,
        out.row,
        out.value,
        out.ts32,
        out.starts,
        out.ends,
        out.taken,
      );
      return { code, ...out };
    };
    expect(grid(3).code).toBe(-4);
    const ok = grid(4);
    expect(ok.code).toBe(0);
    expect([...ok.sym.subarray(0, 3)]).toEqual([0, 0, 1]);
    expect([...ok.row.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect([...ok.value.subarray(0, 3)]).toEqual([10, 11, 20]);
    expect([...ok.ts32.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
    expect([...ok.starts, ...ok.ends, ...ok.taken]).toEqual([0, 1, 1, 3, 2, 1]);
    const two = k.streams(ts, [
      [new Float64Array(2), new Float64Array(2)],
      [new Float64Array(2), new Float64Array(2)],
    ]);
    expect(() =>
      (k.gridBars as (...a: unknown[]) => number)(two, 2, ...Array.from({ length: 16 }, () => 0)),
    ).toThrow(TypeError);
  });

  it('a column detached during the merge is a StreamArrayChangedError, never a read of freed memory', () => {
    const streams = ticks(9);
    const close = streams.map((s) => new Float64Array(s.length));
    const merge = new KWayMerge(streams, { kernel: 'native', columns: { close }, blockEvents: 8192 });
    for (let i = 0; i < 4; i++) expect(merge.nextChunk()).not.toBeNull();
    structuredClone(close[7]!.buffer, { transfer: [close[7]!.buffer] }); // detaches stream 7's column
    let error: unknown;
    try {
      for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StreamArrayChangedError);
    expect(error).toMatchObject({
      code: 'MMTAPE_REPLAY_STREAM_CHANGED',
      kind: 'usage',
      streamIndex: 7,
      array: 'column close',
      expected: 200,
      actual: 0,
    });
  });

  it('headLimit gives the head and bound of blockHeadAndLimit (sorted, decreasing, past 2^52 ns, none bounded)', () => {
    const k = native!;
    let capped = 0;
    let negative = 0;
    const stream = fc.array(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(stream, fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 14 }),
        (raw, ahead) => {
          // Sorted streams, some reversed (decreasing: a negative bound, as in TypeScript).
          const ts = raw.map(([values, reversed]) => {
            const sorted = BigInt64Array.from(values).sort();
            return reversed ? sorted.reverse() : sorted;
          });
          const streams32 = ts.map((t) => new Int32Array(t.buffer));
          const cursors = Uint32Array.from(ts, (t, s) => (s * 7) % t.length);
          const endRows = Uint32Array.from(ts, (t) => t.length);
          const live = Int32Array.from(ts.keys());
          const bases = new Uint32Array(ts.length);
          const handle = k.streams(streams32, []);
          const head = new Float64Array(2);
          const got = k.headLimit(handle, live.length, live, cursors, endRows, ahead, BLOCK_MAX_SPAN, head);
          const want = new Float64Array(2);
          const limit = blockHeadAndLimit(live.length, live, cursors, endRows, streams32, bases, want, ahead);
          expect(head).toEqual(want);
          expect(got).toBe(limit);
          if (limit === BLOCK_MAX_SPAN) capped++;
          if (limit < 0) negative++;
        },
      ),
      { seed: 11, numRuns: 400 },
    );
    // Both the cap (spans past 2^52 ns, or no stream k rows ahead) and decreasing streams were met.
    expect(capped).toBeGreaterThan(20);
    expect(negative).toBeGreaterThan(20);
  });

  it('headLimit refuses a cursor at its end, an end past the arrays, k < 1 or a short head (NaN), wrong types (TypeError)', () => {
    const k = native!;
    const ts = [new Int32Array(8), new Int32Array(8)]; // two streams of 4 rows
    const handle = k.streams(ts, []);
    const live = Int32Array.of(0, 1);
    const ok = () => ({
      cursors: Uint32Array.of(0, 1),
      endRows: Uint32Array.of(4, 4),
      head: new Float64Array(2),
    });
    const call = (over: Partial<ReturnType<typeof ok>> & { kRows?: number } = {}) => {
      const a = { ...ok(), ...over };
      return k.headLimit(handle, 2, live, a.cursors, a.endRows, over.kRows ?? 2, BLOCK_MAX_SPAN, a.head);
    };
    expect(call()).toBe(0); // all zero timestamps: the bound is the head itself
    expect(call({ cursors: Uint32Array.of(0, 4) })).toBeNaN();
    expect(call({ endRows: Uint32Array.of(5, 4) })).toBeNaN();
    expect(call({ kRows: 0 })).toBeNaN();
    expect(call({ head: new Float64Array(1) })).toBeNaN();
    expect(() =>
      k.headLimit(
        handle,
        2,
        live,
        new Float64Array(2) as never,
        Uint32Array.of(4, 4),
        2,
        1,
        new Float64Array(2),
      ),
    ).toThrow(TypeError);
    expect(() =>
      k.headLimit({}, 2, live, Uint32Array.of(0, 1), Uint32Array.of(4, 4), 2, 1, new Float64Array(2)),
    ).toThrow(TypeError);
  });
});
