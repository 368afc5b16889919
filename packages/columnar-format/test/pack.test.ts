import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hydrateDataset, isPackError, openPackedDataset, packDataset } from '@mmtape/columnar-format/pack';
import { afterAll, describe, expect, it } from 'vitest';
import { ColumnFile, writeColumnFile } from '../src/index.js';
import { currentGenerationDir, removeScratchDirs, mulberry32 as rng, scratchDir } from './helpers.js';

afterAll(removeScratchDirs);

function makeDataset(rowsPerSymbol: number[]): string {
  const dir = scratchDir('mmtape-pack-src-');
  rowsPerSymbol.forEach((n, s) => {
    const r = rng(s + 1);
    let p = 100;
    const close = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      p = Math.max(1, p + Math.round((r() - 0.5) * 20) / 100);
      close[i] = Math.round(p * 100) / 100;
    }
    if (n > 10) {
      close[3] = Number.NaN;
      close[7] = -0;
    }
    const ts = BigInt64Array.from(
      { length: n },
      (_, i) => 1_518_791_400_000_000_000n + BigInt(i) * 60_000_000_000n,
    );
    const volume = Float64Array.from({ length: n }, () => Math.floor(r() * 10_000) * 100);
    writeColumnFile(join(dir, `SYM${s}.col`), {
      symbol: `SYM${s}`,
      columns: [
        { name: 'ts', dtype: 'i64', data: ts },
        { name: 'close', dtype: 'f64', data: close },
        { name: 'volume', dtype: 'f64', data: volume },
        { name: 'flag', dtype: 'u8', data: Uint8Array.from({ length: n }, (_, i) => i % 3) },
      ],
    });
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ note: 'any other file is kept byte for byte' }));
  return dir;
}

describe('packDataset / hydrateDataset / openPackedDataset', () => {
  it('hydrates byte-identical files, verified by SHA-256, and compresses', async () => {
    const src = makeDataset([10_000, 1, 0, 2_500]);
    const packed = scratchDir('mmtape-pack-');
    const report = await packDataset(src, packed, { chunkRows: 1000 });
    expect(report).toMatchObject({ files: 4, otherFiles: 1, rows: 12_501 });
    expect(report.packedBytes).toBeLessThan(report.rawBytes / 3);
    const out = scratchDir('mmtape-hydrated-');
    const h = await hydrateDataset(packed, out, { overwrite: true });
    expect(h).toMatchObject({ files: 5, verified: true });
    for (const f of readdirSync(src)) {
      expect(readFileSync(join(currentGenerationDir(out), f)).equals(readFileSync(join(src, f))), f).toBe(
        true,
      );
    }
  });

  it('reads chunks into reusable buffers and selects chunks by time range', async () => {
    const src = makeDataset([10_000]);
    const packed = scratchDir('mmtape-pack-');
    await packDataset(src, packed, { chunkRows: 4096 });
    const original = ColumnFile.open(join(src, 'SYM0.col'));
    const ds = openPackedDataset(packed);
    expect(ds.symbols).toEqual(['SYM0']);
    const f = ds.open('SYM0');
    expect(f.chunkCount).toBe(3);
    const close = original.f64('close');
    let buffer: ArrayBufferLike | undefined;
    for (let i = 0; i < f.chunkCount; i++) {
      const chunk = await f.readChunk(i, ['close', 'ts']);
      expect(chunk.rows).toBe(i < 2 ? 4096 : 10_000 - 8192);
      const got = chunk.columns.close as Float64Array;
      expect(
        Buffer.from(got.buffer, 0, got.byteLength).equals(
          Buffer.from(close.buffer, close.byteOffset + chunk.firstRow * 8, got.byteLength),
        ),
      ).toBe(true);
      if (buffer !== undefined) expect(got.buffer).toBe(buffer); // reused, not reallocated
      buffer = got.buffer;
    }
    const t0 = 1_518_791_400_000_000_000n;
    expect(f.chunksForRange(t0 + 5000n * 60_000_000_000n, t0 + 5001n * 60_000_000_000n)).toEqual([1]);
    expect(f.chunksForRange(t0, t0 + 9999n * 60_000_000_000n)).toEqual([0, 1, 2]);
    expect(f.chunksForRange(0n, t0 - 1n)).toEqual([]);
    expect(await f.readColumn('volume')).toEqual(original.f64('volume'));
    original.close();
    ds.close();
  });

  it('corruption and misuse give typed errors', async () => {
    const src = makeDataset([3000]);
    const packed = scratchDir('mmtape-pack-');
    await packDataset(src, packed, { chunkRows: 1000 });
    const exists = await packDataset(src, packed).catch((e: unknown) => e);
    expect(isPackError(exists, 'MMTAPE_PACK_OUTPUT_EXISTS')).toBe(true);
    const bad = await packDataset(src, scratchDir('x-'), { chunkRows: 0 }).catch((e: unknown) => e);
    expect(isPackError(bad, 'MMTAPE_PACK_INVALID_OPTIONS')).toBe(true);
    const mtpk = join(packed, 'files', 'SYM0.col.mtpk');
    const bytes = readFileSync(mtpk);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0xff;
    writeFileSync(mtpk, bytes);
    const err = await hydrateDataset(packed, scratchDir('h-')).catch((e: unknown) => e);
    expect(isPackError(err, 'MMTAPE_PACK_CORRUPT')).toBe(true);
    expect(
      isPackError(
        await Promise.resolve()
          .then(() => openPackedDataset(src))
          .catch((e: unknown) => e),
        'MMTAPE_PACK_NOT_FOUND',
      ),
    ).toBe(true);
  });
});
