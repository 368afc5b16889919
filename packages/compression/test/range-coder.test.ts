import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../src/bar/bit-stream.js';
import { newProbs, RangeDecoder, RangeEncoder } from '../src/bar/range-coder.js';
import { mulberry32 } from './helpers.js';

describe('adaptive binary range coder (bar codec)', () => {
  it('round-trips 200k decisions with skews from 1e-4 to 1/2, and compresses skewed bits', () => {
    const r = mulberry32(42);
    const n = 200_000;
    const bits = new Uint8Array(n);
    const ctx = new Uint16Array(n);
    const skew = [0.0001, 0.01, 0.1, 0.5, 0.9, 0.999];
    for (let i = 0; i < n; i++) {
      ctx[i] = Math.floor(r() * 6);
      bits[i] = r() < (skew[ctx[i] as number] as number) ? 1 : 0;
    }
    const enc = new RangeEncoder(16); // tiny initial buffer: exercises growth
    const probs = newProbs(6);
    for (let i = 0; i < n; i++) enc.encodeBit(probs, ctx[i] as number, bits[i] as number);
    const out = enc.finish().slice();
    expect(out[0]).toBe(0); // LZMA's leading byte
    // Entropy of the mix is ~0.35 bits per decision: far below 1 bit.
    expect(out.length * 8).toBeLessThan(n * 0.45);
    const dec = new RangeDecoder(out);
    const back = newProbs(6);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (dec.decodeBit(back, ctx[i] as number) !== bits[i]) wrong++;
    expect(wrong).toBe(0);
    expect(dec.consumedBytes).toBeLessThanOrEqual(out.length);
    expect(back).toEqual(probs); // both sides adapted identically
  });

  it('round-trips bit trees of 1..6 bits and keeps decoding (zeros) past the end', () => {
    const r = mulberry32(7);
    const enc = new RangeEncoder();
    const probs = newProbs(64 * 7);
    const values: [number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      const bits = 1 + Math.floor(r() * 6);
      const v = Math.floor(r() * r() * (1 << bits));
      values.push([bits, v]);
      enc.encodeTree(probs, bits * 64, bits, v);
    }
    const out = enc.finish().slice();
    const dec = new RangeDecoder(out);
    const back = newProbs(64 * 7);
    for (const [bits, v] of values) expect(dec.decodeTree(back, bits * 64, bits)).toBe(v);
    const truncated = new RangeDecoder(out.subarray(0, 3));
    for (let i = 0; i < 100; i++) truncated.decodeTree(back, 64, 6); // bounded, no throw
    expect(truncated.consumedBytes).toBeGreaterThan(3);
  });

  it('bit stream round-trips fields of 0..24 bits', () => {
    const r = mulberry32(3);
    const w = new BitWriter(16);
    const fields: [number, number][] = [];
    for (let i = 0; i < 50_000; i++) {
      const bits = Math.floor(r() * 25);
      const v = Math.floor(r() * 2 ** bits);
      fields.push([v, bits]);
      w.write(v, bits);
    }
    const out = w.finish().slice();
    const total = fields.reduce((a, [, b]) => a + b, 0);
    expect(out.length).toBe(Math.ceil(total / 8));
    const rd = new BitReader(out);
    for (const [v, bits] of fields) expect(rd.read(bits)).toBe(v);
    expect(rd.read(24)).toBe(0); // past the end reads zeros
  });
});
