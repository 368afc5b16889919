import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeFrame, readFrameHeader } from '@mmtape/compression';
import { mulberry32 } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeArrayContainer } from '../src/array-container.js';
import { bindToKey } from '../src/cache-entry.js';
import { CacheManager, isCacheError } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'mmtape-cache-test-'));
let counter = 0;
const freshDir = () => join(root, `c${counter++}`);
afterAll(() => rm(root, { recursive: true, force: true }));

function closes(length: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(length);
  let p = 100;
  for (let i = 0; i < length; i++) {
    p *= 1 + (rand() - 0.5) * 0.04;
    out[i] = Math.round(p * 100) / 100;
  }
  return out;
}

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('JSON entries', () => {
  it('round trips nested values and misses unknown keys', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const key = CacheManager.key({ test: 'json' });
    expect(await cache.getJson(key)).toBeUndefined();
    const value = { a: [1, 2.5, null, 'é€😀'], b: { c: true, d: -1e300 }, empty: {} };
    await cache.putJson(key, value);
    expect(await cache.getJson(key)).toEqual(value);
    const header = readFrameHeader(await readFile(cache.entryPath(key)));
    expect(header).toMatchObject({ codec: 'zstd', level: 3 });
    expect(cache.entryPath(key)).toBe(join(cache.dir, key.slice(0, 2), `${key}.zst`));
    expect(await cache.stats()).toMatchObject({ entries: 1, hits: 1, misses: 1, badEntries: 0 });
  });

  it('rejects values JSON cannot hold with a typed error', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    for (const bad of [undefined, 10n, () => 1]) {
      const err = await cache.putJson('ab', bad).catch((e: unknown) => e);
      expect(isCacheError(err, 'MMTAPE_CACHE_INVALID_VALUE')).toBe(true);
    }
  });

  it('getOrCompute computes once, then hits; hit and miss return the same JSON shape', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const key = CacheManager.key(['goc', 1]);
    let calls = 0;
    const compute = async () => {
      calls++;
      return { when: new Date(0), skip: undefined, n: 1 };
    };
    const first = await cache.getOrCompute(key, compute);
    const second = await cache.getOrCompute(key, compute);
    expect(calls).toBe(1);
    expect(first).toEqual({ when: '1970-01-01T00:00:00.000Z', n: 1 });
    expect(second).toEqual(first);
  });
});

describe('array entries', () => {
  it('round trips Float64Array with NaN/-0/Infinity, BigInt64Array extremes, Int32Array bit-exactly', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const f64 = closes(1000, 1);
    f64[3] = Number.NaN;
    f64[4] = -0;
    f64[5] = Number.POSITIVE_INFINITY;
    new DataView(f64.buffer).setUint32(6 * 8 + 4, 0x7ff80001, true); // a NaN with a payload
    const ts = BigInt64Array.from([-(2n ** 63n), 0n, 2n ** 63n - 1n, 1_577_836_800_000_000_000n]);
    const ids = Int32Array.from([-2147483648, -1, 0, 2147483647]);
    const key = CacheManager.key('arrays');
    await cache.putArrays(key, { close: f64, ts, ids, empty: new Float64Array(0) });
    const back = await cache.getArrays(key);
    expect(back).toBeDefined();
    expect(Object.keys(back ?? {})).toEqual(['close', 'ts', 'ids', 'empty']);
    expect(back?.close).toBeInstanceOf(Float64Array);
    expect(back?.ts).toBeInstanceOf(BigInt64Array);
    expect(back?.ids).toBeInstanceOf(Int32Array);
    expect(sameBytes(back?.close as Float64Array, f64)).toBe(true);
    expect(Object.is((back?.close as Float64Array)[4], -0)).toBe(true);
    expect(back?.ts).toEqual(ts);
    expect(back?.ids).toEqual(ids);
    expect(back?.empty?.length).toBe(0);
  });

  it('stores subarray views (non-zero byteOffset, odd lengths) and a "__proto__" name safely', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const base = Int32Array.from({ length: 11 }, (_, i) => i * 7);
    const arrays = Object.fromEntries([
      ['__proto__', base.subarray(3, 8)],
      ['x', closes(9, 2).subarray(1)],
    ]) as Record<string, Int32Array | Float64Array>;
    await cache.putArrays('proto-test', arrays);
    const back = await cache.getArrays('proto-test');
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back ?? {})).toEqual(['__proto__', 'x']);
    expect(Array.from(Object.getOwnPropertyDescriptor(back, '__proto__')?.value as Int32Array)).toEqual([
      21, 28, 35, 42, 49,
    ]);
    expect(sameBytes(back?.x as Float64Array, arrays.x as Float64Array)).toBe(true);
  });

  it('rejects other array types with a typed error', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const err = await cache
      .putArrays('ab', { bad: new Float32Array(2) as unknown as Float64Array })
      .catch((e: unknown) => e);
    expect(isCacheError(err, 'MMTAPE_CACHE_INVALID_VALUE')).toBe(true);
    expect(err).toMatchObject({ arrayName: 'bad', actual: 'Float32Array' });
  });

  it('compresses price series', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const f64 = closes(50_000, 3);
    await cache.putArrays('prices', { close: f64 });
    const { bytes } = await cache.stats();
    expect(bytes).toBeLessThan(f64.byteLength * 0.8);
  });

  it('asking for the wrong kind throws CacheEntryKindError', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    await cache.putJson('js', { a: 1 });
    await cache.putArrays('ar', { a: new Int32Array(1) });
    expect(
      isCacheError(await cache.getArrays('js').catch((e: unknown) => e), 'MMTAPE_CACHE_ENTRY_KIND_MISMATCH'),
    ).toBe(true);
    expect(
      isCacheError(await cache.getJson('ar').catch((e: unknown) => e), 'MMTAPE_CACHE_ENTRY_KIND_MISMATCH'),
    ).toBe(true);
  });
});

describe('CacheManager.key', () => {
  it('is stable across object key order and drops undefined', () => {
    const a = CacheManager.key({ x: 1, y: { b: [1, 2], a: 'z' }, u: undefined });
    const b = CacheManager.key({ y: { a: 'z', b: [1, 2] }, x: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when any value differs, including types JSON would conflate', () => {
    const keys = [
      { x: 1 },
      { x: 2 },
      { x: '1' },
      { x: 1n },
      { x: null },
      { x: Number.NaN },
      { x: Number.POSITIVE_INFINITY },
      { x: [1, 2] },
      { x: [2, 1] },
      { x: new Float64Array([1, 2]) },
      { x: new Float64Array([1, 3]) },
      { x: new Int32Array(new Float64Array([1, 2]).buffer) }, // same bytes, other type
      { x: new Date(0) },
      { '\u0000t': 'bigint', v: '1' }, // cannot forge a tag
      { x: { '\u0000t': 'bigint', v: '1' } },
    ].map((v) => CacheManager.key(v));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('hashes typed arrays by type and viewed bytes, not by buffer identity', () => {
    const big = new Float64Array([9, 1, 2, 9]);
    expect(CacheManager.key({ a: big.subarray(1, 3) })).toBe(
      CacheManager.key({ a: new Float64Array([1, 2]) }),
    );
  });

  it('pins the canonical form (golden value)', async () => {
    const { canonicalJson } = await import('../src/index.js');
    const text = canonicalJson({
      b: 1n,
      a: [Number.NaN, undefined, -0],
      c: new Int32Array([1]),
      '\u0000x': 1,
    });
    expect(text).toBe(
      '{"\\u0000\\u0000x":1,"a":[{"\\u0000t":"number","v":"NaN"},null,0],"b":{"\\u0000t":"bigint","v":"1"},' +
        '"c":{"\\u0000t":"Int32Array","length":1,"sha256":"' +
        '67abdd721024f0ff4e0b3f4c2fc13bc5bad42d0b7851d456d88d203d15aaa450"}}',
    );
    expect(CacheManager.key({ step: 'spread', pair: ['KO', 'PEP'] })).toBe(
      'e391c5e2711415c4bd90181fa4e11a877d5196641a74a7881d3cf44165c40e6e', // printf '%s' '{"pair":["KO","PEP"],"step":"spread"}' | sha256sum,
    );
  });

  it('throws a typed error for functions, Map, Set and cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [{ f: () => 1 }, new Map(), { s: new Set() }, cyclic, Symbol('x')]) {
      let err: unknown;
      try {
        CacheManager.key(bad);
      } catch (e) {
        err = e;
      }
      expect(isCacheError(err, 'MMTAPE_CACHE_UNSUPPORTED_KEY_VALUE')).toBe(true);
    }
    const shared = { v: 1 };
    expect(() => CacheManager.key({ a: shared, b: shared })).not.toThrow(); // shared, not cyclic
  });
});

describe('corruption and options', () => {
  it('a corrupt entry is a miss, is deleted and is counted', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const key = CacheManager.key('corrupt');
    await cache.putArrays(key, { close: closes(2000, 4) });
    const path = cache.entryPath(key);
    const bytes = await readFile(path);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    expect(await cache.getArrays(key)).toBeUndefined();
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await cache.stats()).toMatchObject({ entries: 0, hits: 0, misses: 1, badEntries: 1 });
  });

  it('a truncated entry is a miss, is deleted and is counted', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    for (const [i, cut] of [5, 23, 40].entries()) {
      const key = CacheManager.key(['truncated', i]);
      await cache.putJson(key, { payload: 'x'.repeat(500) });
      const path = cache.entryPath(key);
      await writeFile(path, (await readFile(path)).subarray(0, cut));
      expect(await cache.getJson(key)).toBeUndefined();
    }
    expect(await cache.stats()).toMatchObject({ entries: 0, misses: 3, badEntries: 3 });
  });

  it('a corrupt container inside a valid, key-bound frame is a miss; unframed files are bad entries', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const key = CacheManager.key('badcontainer');
    const path = cache.entryPath(key);
    await mkdir(dirname(path), { recursive: true });
    const container = encodeArrayContainer({ a: new Float64Array(4) });
    const frame = async (bytes: Uint8Array) => encodeFrame(bindToKey(key, bytes), { codec: 'zstd' });
    await writeFile(path, await frame(container.subarray(0, container.length - 8))); // array overruns
    expect(await cache.getArrays(key)).toBeUndefined();
    await writeFile(path, await frame(new TextEncoder().encode('{"not json')));
    expect(await cache.getJson(key)).toBeUndefined();
    await writeFile(path, JSON.stringify({ unframed: true })); // raw JSON: not an entry of this format
    expect(await cache.getJson(key)).toBeUndefined();
    await writeFile(path, container); // raw array container
    expect(await cache.getArrays(key)).toBeUndefined();
    expect((await cache.stats()).badEntries).toBe(4);
    expect(existsSync(path)).toBe(false);
  });

  it('useCompression false writes .bin frames with codec none, readable by a compressing cache', async () => {
    const dir = freshDir();
    const plain = new CacheManager({ dir, useCompression: false });
    const key = CacheManager.key('plain');
    const f64 = closes(100, 6);
    await plain.putArrays(key, { close: f64 });
    expect(plain.entryPath(key).endsWith('.bin')).toBe(true);
    expect(readFrameHeader(await readFile(plain.entryPath(key)))).toMatchObject({ codec: 'none', level: 0 });
    expect(sameBytes((await plain.getArrays(key))?.close as Float64Array, f64)).toBe(true);
    const zstd = new CacheManager({ dir, compressionLevel: 19 });
    expect(sameBytes((await zstd.getArrays(key))?.close as Float64Array, f64)).toBe(true);
    await zstd.putArrays(key, { close: f64 }); // replaces the .bin with a .zst
    expect(readFrameHeader(await readFile(zstd.entryPath(key)))).toMatchObject({ codec: 'zstd', level: 19 });
    expect((await zstd.stats()).entries).toBe(1);
  });

  it('validates options and keys with typed errors', async () => {
    for (const options of [
      { dir: '' },
      { dir: 'x', compressionLevel: 0 },
      { dir: 'x', compressionLevel: 1.5 },
    ]) {
      expect(() => new CacheManager(options)).toThrow(/invalid cache option/);
    }
    expect(() => new CacheManager({ dir: 'x', compressionAlgorithm: 'lz4' as 'zstd' })).toThrow(/zstd/);
    const cache = new CacheManager({ dir: freshDir() });
    for (const key of ['', 'a', '../../etc/passwd', 'a/b', 'x'.repeat(129), 'a.b']) {
      const err = await cache.getJson(key).catch((e: unknown) => e);
      expect(isCacheError(err, 'MMTAPE_CACHE_INVALID_KEY'), key).toBe(true);
    }
  });
});

describe('stats, clear, delete, concurrency', () => {
  it('stats and clear report exact numbers; clear leaves unrelated files alone', async () => {
    const cache = new CacheManager({ dir: freshDir() });
    const keys = Array.from({ length: 5 }, (_, i) => CacheManager.key({ i }));
    for (const key of keys) await cache.putJson(key, { key });
    await cache.getJson(keys[0] as string);
    await cache.getJson(keys[1] as string);
    await cache.getJson(CacheManager.key('missing'));
    const before = await cache.stats();
    let expectedBytes = 0;
    for (const key of keys) expectedBytes += (await readFile(cache.entryPath(key))).byteLength;
    expect(before).toEqual({
      entries: 5,
      bytes: expectedBytes,
      hits: 2,
      misses: 1,
      badEntries: 0,
      readFailures: 0,
      writeFailures: 0,
      writesDisabled: false,
    });
    await writeFile(join(cache.dir, 'README.txt'), 'keep me');
    expect(await cache.delete(keys[0] as string)).toBe(true);
    expect(await cache.delete(keys[0] as string)).toBe(false);
    expect((await cache.stats()).entries).toBe(4);
    await cache.clear();
    expect(await cache.stats()).toMatchObject({ entries: 0, bytes: 0, hits: 0, misses: 0, badEntries: 0 });
    expect(await readdir(cache.dir)).toEqual(['README.txt']);
    await cache.putJson(keys[2] as string, 1); // the folder is recreated after clear
    expect(await cache.getJson(keys[2] as string)).toBe(1);
  });

  it('stats of a cache folder that does not exist yet is all zeros', async () => {
    expect(await new CacheManager({ dir: freshDir() }).stats()).toEqual({
      entries: 0,
      bytes: 0,
      hits: 0,
      misses: 0,
      badEntries: 0,
      readFailures: 0,
      writeFailures: 0,
      writesDisabled: false,
    });
  });

  it('concurrent puts of the same key never corrupt the entry nor leave temp files', async () => {
    const dir = freshDir();
    const caches = [new CacheManager({ dir }), new CacheManager({ dir }), new CacheManager({ dir })];
    const key = CacheManager.key('race');
    const values = Array.from({ length: 24 }, (_, i) => closes(5000 + i, i));
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        values.map((close, i) => (caches[i % caches.length] as CacheManager).putArrays(key, { close })),
      );
      const back = (await caches[0]?.getArrays(key))?.close as Float64Array;
      expect(values.some((v) => sameBytes(v, back))).toBe(true);
    }
    // Reads interleaved with writes only ever see complete entries.
    const mixed = await Promise.all(
      values.flatMap((close, i) => [
        caches[i % 3]?.putArrays(key, { close }),
        caches[(i + 1) % 3]?.getArrays(key),
      ]),
    );
    for (const r of mixed) {
      if (r) expect(values.some((v) => sameBytes(v, r.close as Float64Array))).toBe(true);
    }
    const files = await readdir(join(dir, key.slice(0, 2)));
    expect(files).toEqual([`${key}.zst`]);
    const totals = await Promise.all(caches.map((c) => c.stats()));
    expect(totals.reduce((n, s) => n + s.badEntries, 0)).toBe(0);
  });
});
