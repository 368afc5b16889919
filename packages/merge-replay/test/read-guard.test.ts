import { mulberry32 } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';
import { KWayMerge, type MergeStrategy } from '../src/index.js';

/**
 * The read guard (`KWayMergeOptions.ensureRows`) must run before the merge reads any row. Proof: the
 * streams start as garbage (ts 0, close NaN) and the guard writes the real rows into them only when it
 * clears them (rounded up to a "block" of `blockRows`, as a checksum verifier does). A merge that read a
 * row before clearing it would see the garbage: wrong order, an unsorted stream, or NaN in the sums.
 */

interface Dataset {
  ts: BigInt64Array[];
  close: Float64Array[];
}

/** Seeded streams: bars (shared timestamps, some gaps) or ticks (distinct timestamps). */
function makeData(seed: number, streams: number, kind: 'bars' | 'ticks'): Dataset {
  const rand = mulberry32(seed);
  const ts: BigInt64Array[] = [];
  const close: Float64Array[] = [];
  for (let s = 0; s < streams; s++) {
    const rows = 1 + Math.floor(rand() * 300);
    const t = new BigInt64Array(rows);
    const c = new Float64Array(rows);
    let now = 1_000_000n + BigInt(Math.floor(rand() * 50)) * 60n;
    for (let r = 0; r < rows; r++) {
      now += kind === 'bars' ? (rand() < 0.9 ? 60n : 120n) : BigInt(1 + Math.floor(rand() * 1000));
      t[r] = now;
      c[r] = Math.round(rand() * 1e6) / 100;
    }
    ts.push(t);
    close.push(c);
  }
  return { ts, close };
}

/** Every event of a full merge as `symbolId:row:ts:close` strings, in output order. */
function run(
  streams: BigInt64Array[],
  close: Float64Array[],
  options: ConstructorParameters<typeof KWayMerge>[1],
): string[] {
  const merge = new KWayMerge(streams, { ...options, columns: { close } });
  const out: string[] = [];
  for (let b = merge.next(); b !== null; b = merge.next()) {
    const values = b.columns.close as Float64Array;
    for (let i = 0; i < b.length; i++)
      out.push(`${b.symbolIds[i]}:${b.rows[i]}:${b.timestampNs}:${values[i]}`);
  }
  return out;
}

const STRATEGIES: MergeStrategy[] = ['auto', 'tree', 'buckets', 'block'];

describe('KWayMerge read guard (ensureRows): nothing is read before it is cleared', () => {
  for (const kind of ['bars', 'ticks'] as const) {
    for (const strategy of STRATEGIES) {
      for (const seed of [1, 2, 3]) {
        it(`${kind}, ${strategy}, seed ${seed}: same events as an unguarded merge, from garbage-filled streams`, () => {
          const data = makeData(seed * 7919 + (kind === 'bars' ? 0 : 1), 12, kind);
          const rand = mulberry32(seed);
          const all = data.ts.flatMap((t) => Array.from(t));
          all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const startNs = seed === 1 ? undefined : all[Math.floor(rand() * all.length * 0.3)];
          const endNs = seed === 3 ? all[Math.floor(all.length * (0.6 + rand() * 0.3))] : undefined;
          const options = { strategy, startNs, endNs, stageRows: 4, blockEvents: 64 };
          const expected = run(data.ts, data.close, options);

          const blockRows = 1 + Math.floor(rand() * 20);
          const ts = data.ts.map((t) => new BigInt64Array(t.length));
          const close = data.close.map((c) => new Float64Array(c.length).fill(Number.NaN));
          const cleared = data.ts.map((t) => new Uint8Array(t.length));
          const calls: [number, number, number][] = [];
          const ensureRows = (s: number, startRow: number, endRow: number): number => {
            calls.push([s, startRow, endRow]);
            expect(startRow).toBeGreaterThanOrEqual(0);
            expect(endRow).toBeGreaterThan(startRow);
            const end = Math.min(ts[s]!.length, Math.ceil(endRow / blockRows) * blockRows);
            for (let r = Math.floor(startRow / blockRows) * blockRows; r < end; r++) {
              ts[s]![r] = data.ts[s]![r]!;
              close[s]![r] = data.close[s]![r]!;
              cleared[s]![r] = 1;
            }
            return end;
          };
          const guarded = run(ts, close, { ...options, ensureRows });
          expect(guarded).toEqual(expected);
          expect(calls.length).toBeGreaterThan(0);
          // Every emitted row was cleared.
          for (const e of guarded) {
            const [s, row] = e.split(':').map(Number) as [number, number];
            expect(cleared[s]![row]).toBe(1);
          }
        });
      }
    }
  }

  it('control: with rows left as garbage the merge output differs (the check above can fail)', () => {
    const data = makeData(11, 12, 'bars');
    const expected = run(data.ts, data.close, { strategy: 'block', stageRows: 4, blockEvents: 64 });
    const ts = data.ts.map((t, s) => (s === 3 ? new BigInt64Array(t.length) : t));
    const close = data.close.map((c, s) => (s === 5 ? new Float64Array(c.length).fill(Number.NaN) : c));
    const rows = (s: number) => data.ts[s]!.length;
    const lying = { strategy: 'block' as const, stageRows: 4, blockEvents: 64, ensureRows: rows };
    let got: string[] | Error;
    try {
      got = run(ts, close, lying);
    } catch (e) {
      got = e as Error;
    }
    expect(got).not.toEqual(expected);
  });

  it('a guard that throws stops the merge before the rows it refused are emitted', () => {
    const data = makeData(99, 6, 'bars');
    const badStream = 2;
    const badRow = Math.floor(data.ts[badStream]!.length / 2);
    for (const strategy of STRATEGIES) {
      const emitted: [number, number][] = [];
      const merge = new KWayMerge(data.ts, {
        strategy,
        stageRows: 4,
        blockEvents: 64,
        columns: { close: data.close },
        ensureRows: (s, startRow, endRow) => {
          if (s === badStream && startRow <= badRow && badRow < endRow) throw new Error(`bad row ${badRow}`);
          return endRow;
        },
      });
      expect(() => {
        for (let b = merge.next(); b !== null; b = merge.next()) {
          for (let i = 0; i < b.length; i++) emitted.push([b.symbolIds[i]!, b.rows[i]!]);
        }
      }).toThrow(`bad row ${badRow}`);
      expect(emitted.some(([s, r]) => s === badStream && r >= badRow)).toBe(false);
    }
  });

  it('binary searches of startNs/endNs clear each probed row first', () => {
    const data = makeData(5, 3, 'ticks');
    const probes: number[] = [];
    const startNs = data.ts[0]![Math.floor(data.ts[0]!.length / 3)]!;
    new KWayMerge(data.ts, {
      startNs,
      ensureRows: (s, startRow, endRow) => {
        if (s === 0 && endRow === startRow + 1) probes.push(startRow);
        return endRow;
      },
    });
    // log2(rows) + 1 probes at most, and the row found is among them or right after one.
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.length).toBeLessThanOrEqual(Math.ceil(Math.log2(data.ts[0]!.length + 1)) + 1);
  });
});
