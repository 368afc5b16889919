import { mulberry32 as seeded } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';
import {
  initZstd,
  isCompressionError,
  setZstdBackend,
  zstdCompressSync,
  zstdDecompressSync,
} from '../src/index.js';

describe('synchronous zstd', () => {
  for (const kind of ['native', 'wasm'] as const) {
    it(`round-trips through the ${kind} backend after initZstd()`, async () => {
      setZstdBackend(kind);
      try {
        expect(() => zstdCompressSync(new Uint8Array(4))).toThrow(/initZstd/);
        await initZstd();
        const rnd = seeded(7);
        for (const n of [0, 1, 255, 256, 65_537]) {
          const bytes = new Uint8Array(n);
          for (let i = 0; i < n; i++) bytes[i] = rnd() < 0.7 ? 0 : Math.floor(rnd() * 256);
          const packed = zstdCompressSync(bytes, 9);
          expect(Array.from(packed.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
          expect(zstdDecompressSync(packed)).toEqual(bytes);
          expect(zstdDecompressSync(zstdCompressSync(bytes))).toEqual(bytes);
        }
      } finally {
        setZstdBackend(undefined);
      }
    });
  }

  it('rejects bad levels and corrupt input with tagged errors', async () => {
    await initZstd();
    expect(() => zstdCompressSync(new Uint8Array(1), 0)).toThrow(/invalid compression level/);
    try {
      zstdDecompressSync(new Uint8Array([1, 2, 3, 4, 5, 6]));
      expect.unreachable();
    } catch (e) {
      expect(isCompressionError(e)).toBe(true);
    }
  });
});
