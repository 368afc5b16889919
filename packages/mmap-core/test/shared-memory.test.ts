import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidRangeError, MmapSyscallError, mmapStatus, SharedMemory } from '../src/index.js';

const native = mmapStatus().backend === 'mmap';

describe('SharedMemory', () => {
  it('maps one file read-write in two places: stores through one are seen through the other', () => {
    if (!native) return expect(() => SharedMemory.create(64)).toThrow(MmapSyscallError);
    const a = SharedMemory.create(64);
    try {
      expect(a.buffer.length).toBe(64);
      expect([...a.buffer].every((b) => b === 0)).toBe(true);
      const b = SharedMemory.open(a.path, 64);
      const wordsA = new Int32Array(a.buffer.buffer, a.buffer.byteOffset, 16);
      const wordsB = new Int32Array(b.buffer.buffer, b.buffer.byteOffset, 16);
      Atomics.store(wordsA, 3, 12345);
      expect(Atomics.load(wordsB, 3)).toBe(12345);
      Atomics.store(wordsB, 4, -7);
      expect(wordsA[4]).toBe(-7);
    } finally {
      a.unlink();
    }
    expect(existsSync(a.path)).toBe(false);
    a.unlink(); // idempotent
  });

  it('is shared with another process (what a replay and its prefetch helper rely on)', () => {
    if (!native) return expect(native).toBe(false);
    const shared = SharedMemory.create(16);
    try {
      const words = new Int32Array(shared.buffer.buffer, shared.buffer.byteOffset, 4);
      words[0] = 41;
      const script = `
        import { SharedMemory } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
        const s = SharedMemory.open(${JSON.stringify(shared.path)}, 16);
        const w = new Int32Array(s.buffer.buffer, s.buffer.byteOffset, 4);
        w[1] = w[0] + 1;`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(words[1]).toBe(42);
    } finally {
      shared.unlink();
    }
  });

  it('rejects bad sizes, missing files and files shorter than the mapping with typed errors', () => {
    expect(() => SharedMemory.create(0)).toThrow(InvalidRangeError);
    expect(() => SharedMemory.create(2 ** 31)).toThrow(InvalidRangeError);
    expect(() => SharedMemory.create(1.5)).toThrow(InvalidRangeError);
    expect(() => SharedMemory.open('/nonexistent/mmtape-shm', 16)).toThrow(/mmtape-shm/);
    if (!native) return;
    const shared = SharedMemory.create(16);
    try {
      // Mapping past the end would SIGBUS on first touch: refused, naming the file and its size.
      let caught: unknown;
      try {
        SharedMemory.open(shared.path, 4096);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidRangeError);
      expect((caught as Error).message).toContain(shared.path);
      expect((caught as Error).message).toMatch(/within 16 bytes, got offset 0 length 4096/);
    } finally {
      shared.unlink();
    }
  });
});
