import { describe, expect, it } from 'vitest';
import { buildPanel, PanelBuildError } from '../src/index.js';

/** In-memory stand-in for a columnar-format Dataset (the ReplayDatasetSource contract of merge-replay). */
function fakeDataset(data: Record<string, { ts: bigint[]; close: number[] }>) {
  const symbols = Object.keys(data).sort();
  return {
    dir: '/fake',
    symbols,
    open(symbol: string) {
      const d = data[symbol];
      if (!d) throw new Error(`no ${symbol}`);
      const n = d.ts.length;
      const ts = BigInt64Array.from(d.ts);
      const close = Float64Array.from(d.close);
      return {
        symbol,
        rowCount: n,
        columns: [
          { name: 'ts', dtype: 'i64', offsetBytes: 0, lengthBytes: n * 8 },
          { name: 'close', dtype: 'f64', offsetBytes: n * 8, lengthBytes: n * 8 },
        ],
        file: { byteLength: n * 16, advise() {} },
        column: (name: string) => {
          if (name === 'ts') return ts;
          if (name === 'close') return close;
          throw new Error(`no column ${name}`);
        },
        timestampsNs: () => ts,
      };
    },
  };
}

describe('buildPanel', () => {
  const dataset = fakeDataset({
    BBB: { ts: [1n, 2n, 3n, 4n], close: [10, 11, 12, 13] },
    AAA: { ts: [1n, 3n, 4n], close: [1, 3, 4] },
    ZZZ: { ts: [5n], close: [99] },
  });

  it('aligns closes on the union timeline with NaN for gaps and drops no symbol (no whole-sample filter)', () => {
    const panel = buildPanel(dataset);
    expect(panel.symbols).toEqual(['AAA', 'BBB', 'ZZZ']);
    expect(Array.from(panel.timestampsNs)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(Array.from(panel.closes[0]!)).toEqual([1, Number.NaN, 3, 4, Number.NaN]);
    expect(Array.from(panel.closes[1]!)).toEqual([10, 11, 12, 13, Number.NaN]);
    expect(Array.from(panel.closes[2]!)).toEqual([Number.NaN, Number.NaN, Number.NaN, Number.NaN, 99]);
    expect(panel.opens).toBeUndefined();
  });

  it('reads another price column and an open column when asked', () => {
    const panel = buildPanel(dataset, { symbols: ['AAA', 'BBB'], column: 'close', openColumn: 'close' });
    expect(panel.opens!.map((o) => Array.from(o))).toEqual(panel.closes.map((c) => Array.from(c)));
    expect(() => buildPanel(dataset, { column: 'adjusted_close' })).toThrow(PanelBuildError);
  });

  it('wraps replay errors', () => {
    expect(() => buildPanel(dataset, { symbols: ['NOPE'] })).toThrow(PanelBuildError);
  });

  it('grows past its initial capacity', () => {
    const n = 3000;
    const big = fakeDataset({
      AAA: {
        ts: Array.from({ length: n }, (_, i) => BigInt(i)),
        close: Array.from({ length: n }, (_, i) => i + 1),
      },
    });
    const panel = buildPanel(big);
    expect(panel.timestampsNs.length).toBe(n);
    expect(panel.closes[0]![n - 1]).toBe(n);
  });
});
