import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { frameChecksumOf, readFrameHeader } from '@mmtape/compression';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheManager, isCacheError } from '../src/index.js';

const run = promisify(execFile);
/** Temp folders made by {@link fresh}, removed after the file's tests. */
const made: string[] = [];
const fresh = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mmtape-cache-'));
  made.push(dir);
  return dir;
};
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));
const closes = (n: number, seed: number) =>
  Float64Array.from({ length: n }, (_, i) => Math.round((100 + Math.sin(i * 0.01 + seed) * 5) * 100) / 100);

describe('blosc entries and task keys', () => {
  it('compressionAlgorithm blosc writes .blosc frames readable by a zstd cache', async () => {
    const dir = await fresh();
    const blosc = new CacheManager({ dir, compressionAlgorithm: 'blosc', compressionLevel: 5 });
    const key = CacheManager.key('b');
    const close = closes(10_000, 1);
    await blosc.putArrays(key, { close });
    expect(blosc.entryPath(key).endsWith('.blosc')).toBe(true);
    const header = readFrameHeader(await readFile(blosc.entryPath(key)));
    expect(header).toMatchObject({ version: 3, codec: 'blosc' });
    const zstd = new CacheManager({ dir });
    expect((await zstd.getArrays(key))?.close).toEqual(close);
    await zstd.putArrays(key, { close }); // replaces the .blosc with a .zst
    expect(await readdir(join(dir, key.slice(0, 2)))).toEqual([`${key}.zst`]);
  });

  it('entries of another frame version (drafts 1 and 2) and corrupt ones are misses, removed', async () => {
    const dir = await fresh();
    const cache = new CacheManager({ dir, compressionAlgorithm: 'blosc' });
    const key = CacheManager.key('old-blosc');
    const close = closes(5000, 2);
    const path = cache.entryPath(key);
    for (const version of [1, 2]) {
      await cache.putArrays(key, { close });
      // Rewrite the entry with another version byte, re-sealed: a well-formed frame of another version.
      const frame = new Uint8Array(await readFile(path));
      frame[4] = version;
      new DataView(frame.buffer).setUint32(16, frameChecksumOf(frame), true);
      await writeFile(path, frame);
      expect(await new CacheManager({ dir, compressionAlgorithm: 'blosc' }).getArrays(key)).toBeUndefined();
      expect(existsSync(path), `version ${version}`).toBe(false);
    }
    // A flipped payload byte: checksum mismatch -> miss, entry discarded.
    await cache.putArrays(key, { close });
    const bytes = await readFile(path);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0x01;
    await writeFile(path, bytes);
    const reader = new CacheManager({ dir, compressionAlgorithm: 'blosc' });
    expect(await reader.getArrays(key)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('taskKey hashes function id, code version, canonical params and input digests', () => {
    const a = new Float64Array([1, 2, 3]);
    const base = { functionId: 'spread', codeVersion: '1', params: { x: 1, y: [2] }, inputs: { a } };
    const k = CacheManager.taskKey(base);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(CacheManager.taskKey({ ...base, params: { y: [2], x: 1 } })).toBe(k);
    expect(CacheManager.taskKey({ ...base, inputs: { a: new Float64Array([1, 2, 3]) } })).toBe(k);
    for (const other of [
      { ...base, functionId: 'spread2' },
      { ...base, codeVersion: '2' },
      { ...base, params: { x: 2, y: [2] } },
      { ...base, inputs: { a: new Float64Array([1, 2, 4]) } },
      { ...base, inputs: { b: a } },
    ]) {
      expect(CacheManager.taskKey(other)).not.toBe(k);
    }
  });
});

describe('size cap, LRU eviction, prune', () => {
  it('evicts least recently used entries first, by recorded access time', async () => {
    const dir = await fresh();
    const cache = new CacheManager({ dir, useCompression: false });
    const keys = ['k0', 'k1', 'k2', 'k3'];
    for (const [i, key] of keys.entries()) {
      await cache.putJson(key, { payload: 'x'.repeat(1000), i });
      // Deterministic clock: entry i last accessed at t0 + i seconds.
      const t = new Date(1_700_000_000_000 + i * 1000);
      await utimes(cache.entryPath(key), t, t);
    }
    // A hit on k0 makes it the most recently used.
    expect(await cache.getJson(keys[0] as string)).toMatchObject({ i: 0 });
    const size = (await cache.stats()).bytes / 4;
    const report = await cache.prune({ maxBytes: size * 2 });
    expect(report).toMatchObject({ removed: 2, remainingEntries: 2 });
    expect(existsSync(cache.entryPath('k1'))).toBe(false);
    expect(existsSync(cache.entryPath('k2'))).toBe(false);
    expect(existsSync(cache.entryPath('k0'))).toBe(true);
    expect(existsSync(cache.entryPath('k3'))).toBe(true);
  });

  it('maxBytes caps the cache after every put', async () => {
    const dir = await fresh();
    const cache = new CacheManager({ dir, useCompression: false, maxBytes: 3500 });
    for (let i = 0; i < 10; i++) {
      await cache.putJson(`e${i}`, { payload: 'y'.repeat(1000), i });
      const t = new Date(1_700_000_000_000 + i * 1000);
      await utimes(cache.entryPath(`e${i}`), t, t);
    }
    const stats = await cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(3500);
    expect(stats.entries).toBe(3);
    expect(await cache.getJson('e9')).toMatchObject({ i: 9 });
    expect(await cache.getJson('e0')).toBeUndefined();
  });

  it('prune olderThanMs removes entries not accessed recently; options are validated', async () => {
    const dir = await fresh();
    const cache = new CacheManager({ dir });
    await cache.putJson('old', 1);
    await cache.putJson('new', 2);
    const t = new Date(Date.now() - 3_600_000);
    await utimes(cache.entryPath('old'), t, t);
    expect(await cache.prune({ olderThanMs: 60_000 })).toMatchObject({ removed: 1, remainingEntries: 1 });
    expect(await cache.getJson('new')).toBe(2);
    expect(() => new CacheManager({ dir, maxBytes: -1 })).toThrow(/maxBytes/);
    let err: unknown;
    try {
      new CacheManager({ dir, compressionAlgorithm: 'lz4' as 'zstd' });
    } catch (e) {
      err = e;
    }
    expect(isCacheError(err, 'MMTAPE_CACHE_INVALID_OPTIONS')).toBe(true);
  });
});

describe('several processes writing the same key', () => {
  it('4 child processes x 15 rounds: every read is a complete entry and the final entry is valid', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), 'run `pnpm build` first: the children import the built package').toBe(true);
    const dir = await fresh();
    const key = CacheManager.key('multi-process');
    const script = fileURLToPath(new URL('./fixtures/concurrent-writer.mjs', import.meta.url));
    const results = await Promise.all(
      [0, 1, 2, 3].map((w) =>
        run(process.execPath, [script, dir, key, String(w), '15'], { timeout: 120_000 }),
      ),
    );
    for (const r of results) {
      const out = JSON.parse(r.stdout) as { corruptSeen: number; corrupt: number };
      expect(out).toMatchObject({ corruptSeen: 0, corrupt: 0 });
    }
    const cache = new CacheManager({ dir });
    const final = await cache.getArrays(key);
    expect(final).toBeDefined();
    const [w, , len] = final?.meta as Int32Array;
    expect(final?.close?.length).toBe(len);
    expect((final?.close as Float64Array)[5]).toBe(
      Math.round((100 + Math.sin(5 + (w as number)) * 10) * 100) / 100,
    );
    const files = await readdir(join(dir, key.slice(0, 2)));
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(files.length).toBe(1);
    expect((await cache.stats()).badEntries).toBe(0);
  });
});
