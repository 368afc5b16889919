import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelMemory, regionBytes } from '../src/strategies/kernel-memory.js';

describe('KernelMemory: regions of one WebAssembly instance memory', () => {
  it('hands out aligned, disjoint power-of-two regions, reuses freed ones, and tells its views to move on growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 300_000 }), fc.boolean()), {
          minLength: 1,
          maxLength: 60,
        }),
        (requests) => {
          const memory = KernelMemory.create()!;
          let buffer = memory.buffer;
          memory.onGrow(() => {
            expect(memory.buffer).not.toBe(buffer);
            buffer = memory.buffer;
          });
          const held = new Map<number, number>(); // address → bytes asked
          const stamps = new Map<number, number>();
          let fills = 0;
          for (const [bytes, freeOne] of requests) {
            const at = memory.alloc(bytes);
            expect(at).toBeGreaterThanOrEqual(memory.kernels.heapBase());
            expect(at % 64).toBe(0);
            expect(at + regionBytes(bytes)).toBeLessThanOrEqual(memory.buffer.byteLength);
            for (const [other, otherBytes] of held) {
              const disjoint = at + regionBytes(bytes) <= other || other + regionBytes(otherBytes) <= at;
              expect(disjoint).toBe(true);
            }
            // Each region holds its own bytes (a stamp per region, checked below).
            const stamp = ++fills & 0xff;
            new Uint8Array(memory.buffer, at, bytes).fill(stamp);
            stamps.set(at, stamp);
            held.set(at, bytes);
            if (freeOne) {
              const [first, firstBytes] = held.entries().next().value as [number, number];
              memory.free(first, firstBytes);
              held.delete(first);
              stamps.delete(first);
              // The next region of that size class is the one just freed.
              expect(memory.alloc(firstBytes)).toBe(first);
              memory.free(first, firstBytes);
            }
          }
          expect(buffer).toBe(memory.buffer);
          for (const [at, bytes] of held) {
            const stamp = stamps.get(at)!;
            expect(new Uint8Array(memory.buffer, at, bytes).every((b) => b === stamp)).toBe(true);
          }
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('keeps the bytes of the regions held across a growth', () => {
    const memory = KernelMemory.create()!;
    const first = memory.alloc(1_000);
    new Uint8Array(memory.buffer, first, 1_000).fill(7);
    let growths = 0;
    memory.onGrow(() => growths++);
    const big = memory.alloc(64 * 2 ** 20);
    expect(growths).toBe(1);
    expect(big).toBeGreaterThan(first);
    expect(new Uint8Array(memory.buffer, first, 1_000).every((b) => b === 7)).toBe(true);
  });

  it('returns -1 for a region past 4 GiB, leaving the memory and its views as they were', () => {
    const memory = KernelMemory.create()!;
    const at = memory.alloc(4_096);
    const view = new Uint8Array(memory.buffer, at, 4_096).fill(3);
    let growths = 0;
    memory.onGrow(() => growths++);
    expect(memory.alloc(5 * 2 ** 30)).toBe(-1);
    expect(growths).toBe(0);
    expect(view.byteLength).toBe(4_096); // not detached
    expect(view.every((b) => b === 3)).toBe(true);
    expect(memory.alloc(4_096)).toBe(at + 4_096);
  });

  it('refuses a region that is not a positive number of bytes (a caller bug)', () => {
    const memory = KernelMemory.create()!;
    for (const bytes of [0, -64, 1.5, Number.NaN])
      expect(() => memory.alloc(bytes)).toThrow(/internal error/);
  });

  it('sizes regions as powers of two of at least 64 bytes', () => {
    expect([1, 64, 65, 4_096, 4_097].map(regionBytes)).toEqual([64, 64, 128, 4_096, 8_192]);
  });
});
