/**
 * Packs store `@mmtape/compression` frames (one frame version, CRC-32 over the stored bytes): every
 * frame of a `.mtpk` reads and hydrates bit for bit, and a frame of another version or with a flipped
 * byte is a typed pack error.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hydrateDataset, isPackError, openPackedDataset, packDataset } from '@mmtape/columnar-format/pack';
import { FRAME_VERSION, frameChecksumOf, readFrameHeader } from '@mmtape/compression';
import { afterAll, describe, expect, it } from 'vitest';
import { writeColumnFile } from '../src/index.js';
import { currentGenerationDir, mulberry32, removeScratchDirs, scratchDir } from './helpers.js';

afterAll(removeScratchDirs);

const PRICES = ['open', 'high', 'low', 'close', 'volume'] as const;

function makeDataset(): { dir: string; columns: Record<string, Float64Array> } {
  const dir = scratchDir('mmtape-packfv-src-');
  const r = mulberry32(5);
  const rows = 5000;
  const columns: Record<string, Float64Array> = {};
  for (const name of [...PRICES, 'vwap']) columns[name] = new Float64Array(rows);
  let prev = 4000;
  for (let i = 0; i < rows; i++) {
    const o = prev + Math.round((r() - 0.5) * 4);
    const c = o + Math.round((r() - 0.5) * 20);
    (columns.open as Float64Array)[i] = o / 100;
    (columns.close as Float64Array)[i] = c / 100;
    (columns.high as Float64Array)[i] = (Math.max(o, c) + Math.floor(r() * 6)) / 100;
    (columns.low as Float64Array)[i] = (Math.min(o, c) - Math.floor(r() * 6)) / 100;
    (columns.volume as Float64Array)[i] = Math.floor(r() * 200) * 100;
    (columns.vwap as Float64Array)[i] = (o + c) / 200 + r() / 1000; // not decimal: plain chain
    prev = c;
  }
  const ts = BigInt64Array.from(
    { length: rows },
    (_, i) => 1_600_000_000_000_000_000n + BigInt(i) * 60_000_000_000n,
  );
  writeColumnFile(join(dir, 'SYM.col'), {
    symbol: 'SYM',
    columns: [
      { name: 'ts', dtype: 'i64', data: ts },
      ...Object.entries(columns).map(([name, data]) => ({ name, dtype: 'f64' as const, data })),
    ],
  });
  writeFileSync(join(dir, 'manifest.json'), '{"kept":true}');
  return { dir, columns };
}

/**
 * The version of every frame of a `.mtpk` file (a concatenation of frames); with `rewriteTo`, also
 * rewrites each frame's version byte to it and re-seals the frame checksum (a well-formed frame of
 * another version).
 */
function frameVersions(path: string, rewriteTo?: number): number[] {
  const bytes = new Uint8Array(readFileSync(path));
  const versions: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const header = readFrameHeader(bytes.subarray(at));
    const frame = bytes.subarray(at, at + header.frameLengthBytes);
    versions.push(header.version);
    if (rewriteTo !== undefined) {
      frame[4] = rewriteTo;
      new DataView(frame.buffer, frame.byteOffset).setUint32(16, frameChecksumOf(frame), true);
    }
    at += header.frameLengthBytes;
  }
  if (rewriteTo !== undefined) writeFileSync(path, bytes);
  return versions;
}

describe('frames in packs', () => {
  const { dir: src, columns } = makeDataset();

  it('every frame of a pack has the frame version; the pack reads and hydrates bit for bit', async () => {
    const packed = scratchDir('mmtape-packfv-');
    const report = await packDataset(src, packed, { chunkRows: 2048 });
    const entry = report.index.files.find((f) => f.symbol === 'SYM');
    expect(entry?.columns.find((c) => c.name === 'close')?.chain).toBe('bar');
    const mtpk = join(packed, entry?.packedPath as string);
    // Skeleton frame, then per chunk one bar frame and the ts/vwap chain frames.
    expect(frameVersions(mtpk)).toEqual(Array.from({ length: 1 + 3 * 3 }, () => FRAME_VERSION));

    const ds = openPackedDataset(packed);
    const f = ds.open('SYM');
    for (const [name, want] of Object.entries(columns)) {
      const got = (await f.readColumn(name)) as Float64Array;
      expect(
        Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer)),
        name,
      ).toBe(true);
    }
    const chunk = await f.readChunk(1, ['close', 'vwap']);
    expect(chunk.columns.close?.[0]).toBe(columns.close?.[2048]);
    ds.close();
    const out = scratchDir('mmtape-packfv-h-');
    expect((await hydrateDataset(packed, out, { overwrite: true })).verified).toBe(true);
    for (const file of readdirSync(src)) {
      expect(
        readFileSync(join(currentGenerationDir(out), file)).equals(readFileSync(join(src, file))),
        file,
      ).toBe(true);
    }
  });

  it('frames of another frame version (drafts 1 and 2) -> MMTAPE_PACK_CORRUPT naming the version', async () => {
    for (const version of [1, 2]) {
      const packed = scratchDir('mmtape-packfv-');
      const report = await packDataset(src, packed, { chunkRows: 2048 });
      const entry = report.index.files.find((f) => f.symbol === 'SYM');
      frameVersions(join(packed, entry?.packedPath as string), version);
      const ds = openPackedDataset(packed);
      const err = await ds
        .open('SYM')
        .readChunk(0, ['close'])
        .catch((e: unknown) => e);
      expect(isPackError(err, 'MMTAPE_PACK_CORRUPT'), String(err)).toBe(true);
      expect(String(err)).toMatch(new RegExp(`frame version ${version}`));
      ds.close();
    }
  });

  it('a flipped byte in a bar frame or column frame of a pack -> MMTAPE_PACK_CORRUPT', async () => {
    const packed = scratchDir('mmtape-packfv-');
    const report = await packDataset(src, packed, { chunkRows: 2048 });
    const entry = report.index.files.find((f) => f.symbol === 'SYM');
    const mtpk = join(packed, entry?.packedPath as string);
    const original = readFileSync(mtpk);
    for (const column of ['high', 'vwap']) {
      const ref = entry?.columns.find((c) => c.name === column)?.chunks[2];
      const bytes = Buffer.from(original);
      const at = (ref?.offsetBytes as number) + (ref?.lengthBytes as number) - 3; // in the payload
      bytes[at] = (bytes[at] as number) ^ 0x20;
      writeFileSync(mtpk, bytes);
      const ds = openPackedDataset(packed);
      const f = ds.open('SYM');
      await expect(f.readChunk(1, [column])).resolves.toBeDefined();
      const err = await f.readChunk(2, [column]).catch((e: unknown) => e);
      expect(isPackError(err, 'MMTAPE_PACK_CORRUPT'), String(err)).toBe(true);
      expect(String(err)).toMatch(/checksum mismatch: frame bytes/);
      ds.close();
    }
  });
});
