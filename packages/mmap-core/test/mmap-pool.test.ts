import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMmapError, MmapPool } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeFile(name: string, fill: number, bytes = 8192): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(bytes, fill));
  return path;
}

function catchAny(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('MmapPool', () => {
  for (const forceFallback of [false, true]) {
    it(`keeps at most maxActiveMaps maps, releases LRU and re-maps transparently (fallback=${forceFallback})`, () => {
      const pool = new MmapPool({ maxActiveMaps: 2, forceFallback });
      const files = [1, 2, 3].map((i) => pool.open(makeFile(`f${i}-${forceFallback}.bin`, i)));
      expect(pool.stats()).toMatchObject({ activeMaps: 0, files: 3, maps: 0 });
      const [a, b, c] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
      expect(a.buffer[0]).toBe(1);
      expect(b.buffer[0]).toBe(2);
      expect(a.buffer[10]).toBe(1); // touch a: b becomes least recently used
      expect(c.buffer[0]).toBe(3); // evicts b
      expect(pool.stats()).toMatchObject({ activeMaps: 2, maps: 3, releases: 1, remaps: 0 });
      expect(b.isMapped).toBe(false);
      expect(a.isMapped && c.isMapped).toBe(true);
      const oldView = a.buffer.subarray(0, 16);
      a.assertCurrent(oldView);
      expect(c.buffer[1]).toBe(3); // touch c: a is least recently used
      expect(b.buffer[100]).toBe(2); // re-map of b evicts a
      expect(b.generation).toBe(2);
      expect(pool.stats()).toMatchObject({ activeMaps: 2, maps: 4, releases: 2, remaps: 1 });
      const e = catchAny(() => a.assertCurrent(oldView));
      expect(isMmapError(e, 'MMTAPE_MMAP_STALE_VIEW')).toBe(true);
      expect(a.buffer[0]).toBe(1); // re-mapped again
      expect(
        isMmapError(
          catchAny(() => a.assertCurrent(oldView)),
          'MMTAPE_MMAP_STALE_VIEW',
        ),
      ).toBe(true);
      a.assertCurrent(a.buffer.subarray(0, 4));
      pool.close();
      expect(
        isMmapError(
          catchAny(() => a.buffer),
          'MMTAPE_MMAP_FILE_CLOSED',
        ),
      ).toBe(true);
      expect(pool.stats()).toMatchObject({ activeMaps: 0, files: 0 });
    });
  }

  it('defaults to 100 active maps and rejects a bad limit', () => {
    expect(new MmapPool().maxActiveMaps).toBe(100);
    expect(() => new MmapPool({ maxActiveMaps: 0 })).toThrow(RangeError);
  });

  it('seeded random access never exceeds the limit and always reads the right bytes', () => {
    const pool = new MmapPool({ maxActiveMaps: 3 });
    const files = Array.from({ length: 8 }, (_, i) => pool.open(makeFile(`r${i}.bin`, i + 10, 4096)));
    let s = 12345;
    for (let k = 0; k < 500; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = s % files.length;
      expect(files[i]!.buffer[s % 4096]).toBe(i + 10);
      expect(pool.stats().activeMaps).toBeLessThanOrEqual(3);
    }
    pool.close();
  });
});
