import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeFrame, encodeFrame } from '@mmtape/compression';
import { mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { CACHE_ENTRY_PREFIX_BYTES } from '../src/cache-entry.js';
import { CacheManager, type CacheManagerOptions, type CacheWarning } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'mmtape-cache-faults-'));
let counter = 0;
const freshDir = () => join(root, `c${counter++}`);
afterAll(() => rm(root, { recursive: true, force: true }));

/** A cache that records its warnings. */
function recorded(options: Partial<CacheManagerOptions> = {}): {
  cache: CacheManager;
  warnings: CacheWarning[];
} {
  const warnings: CacheWarning[] = [];
  const cache = new CacheManager({ dir: freshDir(), ...options, onWarning: (w) => warnings.push(w) });
  return { cache, warnings };
}

describe('entries are bound to their key', () => {
  it('a well-formed entry copied under another key is a miss, removed and reported', async () => {
    for (const useCompression of [true, false]) {
      const { cache, warnings } = recorded({ useCompression });
      const a = CacheManager.key({ pair: ['KO', 'PEP'] });
      const b = CacheManager.key({ pair: ['XOM', 'CVX'] });
      await cache.putJson(a, { beta: 0.83 });
      await mkdir(dirname(cache.entryPath(b)), { recursive: true });
      await copyFile(cache.entryPath(a), cache.entryPath(b));
      expect(await cache.getJson(b)).toBeUndefined();
      expect(existsSync(cache.entryPath(b))).toBe(false);
      expect(await cache.getJson(a)).toEqual({ beta: 0.83 }); // the original still hits
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ kind: 'bad-entry', reason: 'wrong-key', path: cache.entryPath(b) });
      expect(await cache.stats()).toMatchObject({ hits: 1, misses: 1, badEntries: 1 });
      // Arrays entries too.
      await cache.putArrays(a, { x: Float64Array.of(1, 2) });
      await copyFile(cache.entryPath(a), cache.entryPath(b));
      expect(await cache.getArrays(b)).toBeUndefined();
      expect(warnings.at(-1)).toMatchObject({ reason: 'wrong-key' });
    }
  });
});

describe('only regular files are read', () => {
  it('a directory entry is a miss (no EISDIR), removed when empty, reported', async () => {
    const { cache, warnings } = recorded();
    const key = CacheManager.key('dir-entry');
    await mkdir(cache.entryPath(key), { recursive: true });
    expect(await cache.getJson(key)).toBeUndefined();
    expect(existsSync(cache.entryPath(key))).toBe(false);
    expect(warnings[0]).toMatchObject({ kind: 'bad-entry', reason: 'not-a-file' });
    // A non-empty directory is left in place (never a recursive delete), still a miss, still reported.
    await mkdir(join(cache.entryPath(key), 'inside'), { recursive: true });
    expect(await cache.getArrays(key)).toBeUndefined();
    expect(existsSync(join(cache.entryPath(key), 'inside'))).toBe(true);
    expect(warnings[1]?.message).toMatch(/could not be removed/);
    // A put then fails to replace it: a write failure, never an exception.
    await cache.putJson(key, { v: 1 });
    expect(warnings.at(-1)).toMatchObject({ kind: 'write-failed' });
  });

  it('a symlink to /dev/zero returns a miss at once; the link is removed, never its target', async () => {
    const { cache, warnings } = recorded();
    const key = CacheManager.key('dev-zero');
    await mkdir(dirname(cache.entryPath(key)), { recursive: true });
    await symlink('/dev/zero', cache.entryPath(key));
    expect(await cache.getJson(key)).toBeUndefined();
    expect(existsSync(cache.entryPath(key))).toBe(false);
    expect(lstatSync('/dev/zero').isCharacterDevice()).toBe(true);
    expect(warnings[0]).toMatchObject({ kind: 'bad-entry', reason: 'not-a-file' });
    // A symlink to a valid entry of the same key is refused too (links are never followed).
    await cache.putJson(key, { v: 2 });
    const real = join(dirname(cache.entryPath(key)), 'real.zst.keep');
    await copyFile(cache.entryPath(key), real);
    await rm(cache.entryPath(key));
    await symlink(real, cache.entryPath(key));
    expect(await cache.getJson(key)).toBeUndefined();
    expect(existsSync(real)).toBe(true);
  });

  it('a FIFO entry is a miss without blocking', async () => {
    const { cache, warnings } = recorded();
    const key = CacheManager.key('fifo');
    await mkdir(dirname(cache.entryPath(key)), { recursive: true });
    expect(spawnSync('mkfifo', [cache.entryPath(key)]).status).toBe(0);
    expect(await cache.getJson(key)).toBeUndefined();
    expect(warnings[0]).toMatchObject({ reason: 'not-a-file' });
    expect(existsSync(cache.entryPath(key))).toBe(false);
  });

  it('an entry larger than maxEntryBytes is a miss; a value that large is not stored', async () => {
    const { cache, warnings } = recorded({ maxEntryBytes: 4096, useCompression: false });
    const key = CacheManager.key('big');
    await cache.putArrays(key, { x: new Float64Array(1024) }); // 8 KiB + prefix: over the limit
    expect(existsSync(cache.entryPath(key))).toBe(false);
    expect(warnings[0]).toMatchObject({ kind: 'entry-too-large' });
    const roomy = new CacheManager({ dir: cache.dir, useCompression: false });
    await roomy.putArrays(key, { x: new Float64Array(1024) });
    expect(await cache.getArrays(key)).toBeUndefined();
    expect(warnings[1]).toMatchObject({ kind: 'bad-entry', reason: 'too-large' });
    // A small frame announcing a raw length over the limit is refused before decoding.
    const zstd = recorded({ maxEntryBytes: 4096 });
    await new CacheManager({ dir: zstd.cache.dir }).putArrays(key, { x: new Float64Array(1024) });
    expect((await readFile(zstd.cache.entryPath(key))).length).toBeLessThan(4096); // compresses well...
    expect(await zstd.cache.getArrays(key)).toBeUndefined(); // ...but decodes to more than 4 KiB
    expect(zstd.warnings.at(-1)?.message).toMatch(/frame announces \d+ raw bytes/);
    expect(() => new CacheManager({ dir: 'x', maxEntryBytes: 0 })).toThrow(/maxEntryBytes/);
  });
});

describe('damaged entries (seeded)', () => {
  it('truncated, bit-flipped and re-framed malformed entries are misses or the exact value, never a throw', async () => {
    const rand = mulberry32(2026);
    const int = (n: number) => Math.floor(rand() * n);
    const { cache, warnings } = recorded();
    let misses = 0;
    let exact = 0;
    const kinds = { truncate: 0, flip: 0, reframe: 0 };
    for (let c = 0; c < 90; c++) {
      const key = CacheManager.key({ damaged: c });
      const asArrays = c % 2 === 0;
      const value = asArrays
        ? { close: Float64Array.from({ length: 50 + int(200) }, () => Math.round(rand() * 1e4) / 100) }
        : { selected: [{ a: 'KO', b: 'PEP', pValue: rand() }], n: c };
      if (asArrays) await cache.putArrays(key, value as { close: Float64Array });
      else await cache.putJson(key, value);
      const path = cache.entryPath(key);
      const bytes = new Uint8Array(await readFile(path));
      const kind = (['truncate', 'flip', 'reframe'] as const)[c % 3]!;
      kinds[kind]++;
      let damaged: Uint8Array;
      if (kind === 'truncate') damaged = bytes.subarray(0, int(bytes.length));
      else if (kind === 'flip') {
        damaged = bytes.slice();
        const at = int(damaged.length);
        damaged[at] = (damaged[at] as number) ^ (1 << int(8));
      } else {
        // A malformed container inside a frame with a valid checksum and the right key digest: what a
        // buggy writer (or a hostile one) could produce. Flip a bit in the container, then re-frame.
        const raw = new Uint8Array(await decodeFrame(bytes));
        const at = CACHE_ENTRY_PREFIX_BYTES + int(Math.min(raw.length - CACHE_ENTRY_PREFIX_BYTES, 64));
        raw[at] = (raw[at] as number) ^ (1 << int(8));
        damaged = await encodeFrame(raw, { codec: 'zstd' });
      }
      await writeFile(path, damaged);
      const got = asArrays ? await cache.getArrays(key) : await cache.getJson(key);
      if (got === undefined) {
        misses++;
        expect(existsSync(path), `case ${c} (${kind}): a bad entry is removed`).toBe(false);
      } else if (kind !== 'reframe') {
        // A flip the frame does not protect (e.g. the informational level byte) must leave the value exact.
        expect(got, `case ${c} (${kind})`).toEqual(value);
        exact++;
      } else {
        // A forged frame passes the checksum: the container was either rejected above or still parsed;
        // either way no exception escaped.
        exact++;
      }
    }
    expect(misses + exact).toBe(90);
    expect(misses).toBeGreaterThanOrEqual(60);
    expect(kinds).toEqual({ truncate: 30, flip: 30, reframe: 30 });
    const stats = await cache.stats();
    expect(stats.badEntries).toBe(misses);
    expect(warnings.filter((w) => w.kind === 'bad-entry')).toHaveLength(misses);
  });
});

describe('a cache that cannot be written degrades to no cache', () => {
  it('a file where the cache folder should be: puts never throw, one warning, reads are misses', async () => {
    const file = join(root, `not-a-folder-${counter++}`);
    await writeFile(file, 'I am a file');
    const warnings: CacheWarning[] = [];
    const cache = new CacheManager({ dir: join(file, 'cache'), onWarning: (w) => warnings.push(w) });
    for (let i = 0; i < 5; i++) {
      await cache.putJson(CacheManager.key({ i }), { i });
      await cache.putArrays(CacheManager.key({ a: i }), { x: Float64Array.of(i) });
      expect(await cache.getJson(CacheManager.key({ i }))).toBeUndefined();
    }
    expect(await cache.getOrCompute(CacheManager.key('computed'), () => ({ fresh: true }))).toEqual({
      fresh: true,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'write-failed' });
    expect(warnings[0]?.message).toMatch(/cannot be written .*ENOTDIR/);
    // stats() is a maintenance call: it reports the unusable folder as a typed error.
    expect(await cache.stats().catch((e: unknown) => (e as { code: string }).code)).toBe(
      'MMTAPE_CACHE_IO_FAILED',
    );
  });

  it('a key subfolder that is a file: the first failed write turns writes off, reads keep working', async () => {
    const { cache, warnings } = recorded();
    const good = CacheManager.key('readable');
    await cache.putJson(good, { ok: true });
    // Find a key whose two-character subfolder differs, and make that subfolder a file.
    let bad = CacheManager.key('blocked-0');
    for (let i = 1; bad.slice(0, 2) === good.slice(0, 2); i++) bad = CacheManager.key(`blocked-${i}`);
    await mkdir(cache.dir, { recursive: true });
    await writeFile(join(cache.dir, bad.slice(0, 2)), 'blocks the folder');
    await cache.putJson(bad, { lost: true });
    await cache.putJson(good, { ok: 'again' }); // skipped: writes are off
    expect(await cache.getJson(good)).toEqual({ ok: true });
    expect(warnings.map((w) => w.kind)).toEqual(['write-failed']);
    expect(await cache.stats()).toMatchObject({ writeFailures: 2, writesDisabled: true, hits: 1 });
  });
});
