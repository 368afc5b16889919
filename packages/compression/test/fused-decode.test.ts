import { mulberry32 as seeded } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeChainFrame, encodeColumn } from '../src/index.js';

function prices(n: number, seed: number): Float64Array {
  const rnd = seeded(seed);
  const out = new Float64Array(n);
  let cents = 18_750;
  for (let i = 0; i < n; i++) {
    cents += Math.floor(rnd() * 9) - 4;
    out[i] = rnd() < 0.02 ? (cents * 100 + 25) / 10_000 : cents / 100;
  }
  return out;
}

function withEdgeCases(a: Float64Array): Float64Array {
  const out = a.slice();
  const dv = new DataView(out.buffer);
  out[3] = Number.NaN;
  dv.setBigUint64(5 * 8, 0x7ff8_0000_dead_beefn, true); // NaN with a payload
  out[7] = Number.POSITIVE_INFINITY;
  out[8] = Number.NEGATIVE_INFINITY;
  out[9] = -0;
  out[10] = 5e-324; // smallest denormal
  out[11] = 2.2250738585072e-308;
  return out;
}

const bytes = (a: Float64Array | BigInt64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** Byte equality via Buffer.compare (vitest's deep equality is slow on 500 KiB arrays). */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

describe('fused decoding of the default chains', () => {
  it('matches the stage-by-stage layout for every default candidate', async () => {
    const data = withEdgeCases(prices(70_000, 11));
    for (const shuffle of ['shuffle', 'bitshuffle'] as const) {
      for (const chain of [
        [
          { codec: 'decimal' },
          { codec: 'delta' },
          { codec: 'zigzag' },
          { codec: shuffle, typesize: 8 },
          { codec: 'zstd', level: 3 },
        ],
        [
          { codec: 'decimal' },
          { codec: 'zigzag' },
          { codec: shuffle, typesize: 8 },
          { codec: 'zstd', level: 3 },
        ],
      ]) {
        const frame = await encodeChainFrame(bytes(data), chain, 'f64');
        expect(same(await decodeFrame(frame as Uint8Array), bytes(data))).toBe(true);
      }
    }
    const ts = new BigInt64Array(70_000);
    const rnd = seeded(3);
    let t = 9_223_372_036_000_000_000n; // wraps past int64 max
    for (let i = 0; i < ts.length; i++) {
      t = BigInt.asIntN(64, t + 60_000_000_000n + BigInt(Math.floor(rnd() * 3)));
      ts[i] = t;
    }
    const enc = await encodeColumn(ts);
    expect(same(await decodeFrame(enc), bytes(ts))).toBe(true);
    for (const chain of [
      [
        { codec: 'delta' },
        { codec: 'delta' },
        { codec: 'zigzag' },
        { codec: 'shuffle', typesize: 8 },
        { codec: 'zstd', level: 3 },
      ],
      [
        { codec: 'delta' },
        { codec: 'zigzag' },
        { codec: 'shuffle', typesize: 8 },
        { codec: 'zstd', level: 3 },
      ],
    ]) {
      const frame = await encodeChainFrame(bytes(ts), chain, 'i64');
      expect(same(await decodeFrame(frame as Uint8Array), bytes(ts))).toBe(true);
    }
  });
});
