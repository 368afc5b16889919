// Opt-in stress test (excluded from the default run): pnpm --filter @mmtape/mmap-core test:stress
// Runs with --expose-gc. Maps, views, closes and collects thousands of times; reading through
// our API after close must throw, and views kept across close/GC must still read the right bytes
// (the binding unmaps only when the last view is collected, so they can never fault).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMmapError, MappedFile } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
const dir = mkdtempSync(join(tmpdir(), 'mmtape-gc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lifetime under GC pressure', () => {
  it('runs with --expose-gc', () => {
    expect(typeof gc).toBe('function');
  });

  it('closed maps throw through the API; surviving views stay valid across GC', () => {
    const paths = Array.from({ length: 16 }, (_, i) => {
      const p = join(dir, `g${i}.bin`);
      writeFileSync(p, Buffer.alloc(1 << 16, i));
      return p;
    });
    const kept: { view: Uint8Array; value: number }[] = [];
    for (let round = 0; round < 2000; round++) {
      const i = round % paths.length;
      const f = MappedFile.open(paths[i]!);
      const view = new Uint8Array(f.buffer.buffer, f.buffer.byteOffset + 100, 1000);
      if (round % 50 === 0) kept.push({ view, value: i });
      f.close();
      let threw = false;
      try {
        void f.buffer;
      } catch (e) {
        threw = isMmapError(e, 'MMTAPE_MMAP_FILE_CLOSED');
      }
      expect(threw).toBe(true);
      if (round % 100 === 0) gc!();
      // allocate garbage to force collections of unreferenced mappings
      void new Array(1000).fill(0).map((_, k) => ({ k }));
    }
    gc!();
    for (const { view, value } of kept) expect(view.every((b) => b === value)).toBe(true);
  });
});
