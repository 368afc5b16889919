import { mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { oracle } from './merge-oracle.js';

afterAll(() => {
  vi.unstubAllGlobals();
});

describe('sparse blocks without WebAssembly in the runtime', () => {
  it("kernel 'wasm' (the default) runs the TypeScript path and replays the oracle order", async () => {
    // Before the package loads: the kernel module is compiled on first use, and finds no WebAssembly.
    vi.stubGlobal('WebAssembly', undefined);
    const { KWayMerge } = await import('../src/index.js');
    const random = mulberry32(5);
    const streams = Array.from({ length: 300 }, () => {
      let t = 5_000_000_000n;
      return BigInt64Array.from({ length: 40 }, () => {
        t += BigInt(1 + Math.floor(random() * 3_000_000));
        return t;
      });
    });
    const merge = new KWayMerge(streams, { strategy: 'block', blockEvents: 2048 });
    const got: [bigint, number, number][] = [];
    for (let c = merge.nextChunk(); c !== null; c = merge.nextChunk())
      for (let i = 0; i < c.length; i++) got.push([c.timestampNs[i]!, c.symbolId[i]!, c.row[i]!]);
    const want = oracle(streams).flatMap((b) => b.events.map(([id, row]) => [b.timestampNs, id, row]));
    expect(got).toEqual(want);
  });
});
