import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  hydrateDataset,
  isPackError,
  openPackedDataset,
  PACK_FORMAT_VERSION,
  packDataset,
} from '@mmtape/columnar-format/pack';
import { BAR_LAYOUT_RANS } from '@mmtape/compression';
import { sharedDataDir } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { ColumnFile, writeColumnFile } from '../src/index.js';
import { currentGenerationDir, removeScratchDirs, mulberry32 as rng, scratchDir } from './helpers.js';

afterAll(removeScratchDirs);

/** The real market data (`sharedDataDir()`: `../shared/data` beside the repository, or `$MMTAPE_SHARED_DATA`). */
const DATA = sharedDataDir();
const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

type Bars = Record<(typeof PRICE_COLUMNS)[number], Float64Array>;

/** Rows `0..rows` of a us-1min CSV (date,ToD,open,high,low,close,volume). */
function csvBars(symbol: string, rows: number): Bars {
  const lines = readFileSync(join(DATA, 'us-1min-2018q1-sample', 'intraday', `${symbol}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1, 1 + rows);
  const col = (k: number): Float64Array => Float64Array.from(lines, (l) => Number(l.split(',')[k + 2]));
  return { open: col(0), high: col(1), low: col(2), close: col(3), volume: col(4) };
}

/** Seeded bars in cents with round-lot volumes. */
function syntheticBars(rows: number, seed: number): Bars {
  const r = rng(seed);
  const b: Bars = {
    open: new Float64Array(rows),
    high: new Float64Array(rows),
    low: new Float64Array(rows),
    close: new Float64Array(rows),
    volume: new Float64Array(rows),
  };
  let prev = 5000;
  for (let i = 0; i < rows; i++) {
    const o = prev + Math.round((r() - 0.5) * 4);
    const c = o + Math.round((r() - 0.5) * 20);
    b.open[i] = o / 100;
    b.close[i] = c / 100;
    b.high[i] = (Math.max(o, c) + (r() < 0.3 ? 0 : Math.floor(r() * 8))) / 100;
    b.low[i] = (Math.min(o, c) - (r() < 0.3 ? 0 : Math.floor(r() * 8))) / 100;
    b.volume[i] = Math.floor(r() * 300) * 100;
    prev = c;
  }
  return b;
}

function writeBars(dir: string, symbol: string, bars: Bars, withVolume = true): void {
  const n = bars.open.length;
  const ts = BigInt64Array.from(
    { length: n },
    (_, i) => 1_518_791_400_000_000_000n + BigInt(i) * 60_000_000_000n,
  );
  writeColumnFile(join(dir, `${symbol}.col`), {
    symbol,
    columns: [
      { name: 'ts', dtype: 'i64', data: ts },
      ...PRICE_COLUMNS.filter((c) => withVolume || c !== 'volume').map((name) => ({
        name,
        dtype: 'f64' as const,
        data: bars[name],
      })),
    ],
  });
}

function makeDataset(): { dir: string; bars: Record<string, Bars> } {
  const dir = scratchDir('mmtape-packbars-src-');
  const aapl = csvBars('AAPL', 9000);
  const nan = syntheticBars(5000, 3);
  nan.close[100] = Number.NaN; // one NaN in chunk 0: a bar frame with one raw exception row
  // Chunk 1 (rows 4096..4999): 91 NaN rows > 904 / 16, so the bar codec declines it.
  for (let i = 4100; i < 5000; i += 10) nan.high[i] = Number.NaN;
  const bars = { AAPL: aapl, NAN: nan, SYN: syntheticBars(3000, 9) };
  writeBars(dir, 'AAPL', aapl);
  writeBars(dir, 'NAN', nan);
  writeBars(dir, 'SYN', bars.SYN, false); // OHLC without volume
  writeFileSync(join(dir, 'manifest.json'), '{"kept":true}');
  return { dir, bars };
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

describe('packDataset with bar frames', () => {
  const { dir: src, bars } = makeDataset();

  it('stores OHLC(V) chunks as bar frames, hydrates byte-identical and beats per-column chains', async () => {
    const packed = scratchDir('mmtape-packbars-');
    const report = await packDataset(src, packed, { chunkRows: 4096 });
    expect(report.index.formatVersion).toBe(PACK_FORMAT_VERSION);
    const json = JSON.parse(readFileSync(join(packed, 'pack.json'), 'utf8'));
    expect(json.formatVersion).toBe(3);
    const aapl = report.index.files.find((f) => f.symbol === 'AAPL');
    const close = aapl?.columns.find((c) => c.name === 'close');
    expect(close?.chain).toBe('bar');
    expect(close?.chunks.map((r) => r.barColumn)).toEqual([3, 3, 3]);
    const volume = aapl?.columns.find((c) => c.name === 'volume');
    expect(volume?.chunks[0]).toEqual({ ...close?.chunks[0], barColumn: 4 }); // the same frame
    expect(aapl?.columns.find((c) => c.name === 'ts')?.chunks[0]?.barColumn).toBeUndefined();
    // Many NaN rows in chunk 1 of NAN: that chunk falls back to one frame per column.
    const nanClose = report.index.files
      .find((f) => f.symbol === 'NAN')
      ?.columns.find((c) => c.name === 'close');
    expect(nanClose?.chunks.map((r) => r.barColumn)).toEqual([3, undefined]);
    const syn = report.index.files.find((f) => f.symbol === 'SYN');
    expect(syn?.columns.find((c) => c.name === 'low')?.chunks[0]?.barColumn).toBe(2);

    const plain = scratchDir('mmtape-packbars-plain-');
    const plainReport = await packDataset(src, plain, { chunkRows: 4096, bars: false });
    expect(plainReport.index.formatVersion).toBe(PACK_FORMAT_VERSION); // one pack format, bars or not
    expect(report.packedBytes * 1.15).toBeLessThan(plainReport.packedBytes);

    for (const p of [packed, plain]) {
      const out = scratchDir('mmtape-packbars-h-');
      expect((await hydrateDataset(p, out, { overwrite: true })).verified).toBe(true);
      for (const f of readdirSync(src)) {
        expect(readFileSync(join(currentGenerationDir(out), f)).equals(readFileSync(join(src, f))), f).toBe(
          true,
        );
      }
    }
  });

  it('readChunk decodes bar frames straight into reusable buffers, for any column subset', async () => {
    const packed = scratchDir('mmtape-packbars-');
    await packDataset(src, packed, { chunkRows: 4096 });
    const ds = openPackedDataset(packed);
    for (const symbol of ['AAPL', 'NAN']) {
      const f = ds.open(symbol);
      const want = bars[symbol] as Bars;
      const seen = new Map<string, ArrayBufferLike>();
      for (let i = 0; i < f.chunkCount; i++) {
        for (const subset of [['close'], ['ts', 'open', 'volume'], undefined]) {
          const chunk = await f.readChunk(i, subset);
          for (const name of subset ?? ['ts', ...PRICE_COLUMNS]) {
            const got = chunk.columns[name];
            expect(got, name).toBeDefined();
            if (name === 'ts') continue;
            const expected = want[name as keyof Bars].subarray(chunk.firstRow, chunk.firstRow + chunk.rows);
            expect(sameBits(got as Float64Array, expected), `${symbol} ${name} chunk ${i}`).toBe(true);
            const prev = seen.get(name);
            if (prev !== undefined) expect((got as Float64Array).buffer).toBe(prev); // reused
            seen.set(name, (got as Float64Array).buffer);
          }
        }
      }
      for (const name of PRICE_COLUMNS) {
        expect(sameBits((await f.readColumn(name)) as Float64Array, want[name]), `${symbol} ${name}`).toBe(
          true,
        );
      }
    }
    const original = ColumnFile.open(join(src, 'SYN.col'));
    const syn = ds.open('SYN');
    const chunk = await syn.readChunk(0, ['high']);
    expect(sameBits(chunk.columns.high as Float64Array, original.f64('high').subarray(0, 3000))).toBe(true);
    original.close();
    ds.close();
  });

  it('a corrupt bar frame gives MMTAPE_PACK_CORRUPT from readChunk, readColumn and hydrate', async () => {
    const packed = scratchDir('mmtape-packbars-');
    const report = await packDataset(src, packed, { chunkRows: 4096 });
    const entry = report.index.files.find((f) => f.symbol === 'AAPL');
    const ref = entry?.columns.find((c) => c.name === 'open')?.chunks[1];
    expect(ref?.barColumn).toBe(0);
    const mtpk = join(packed, entry?.packedPath as string);
    const bytes = readFileSync(mtpk);
    const at = (ref?.offsetBytes as number) + Math.floor((ref?.lengthBytes as number) / 2);
    bytes[at] = (bytes[at] as number) ^ 0x10;
    writeFileSync(mtpk, bytes);
    const ds = openPackedDataset(packed);
    const f = ds.open('AAPL');
    await expect(f.readChunk(0, ['close'])).resolves.toBeDefined(); // other chunks unaffected
    const e1 = await f.readChunk(1, ['close']).catch((e: unknown) => e);
    expect(isPackError(e1, 'MMTAPE_PACK_CORRUPT'), String(e1)).toBe(true);
    const e2 = await f.readColumn('volume').catch((e: unknown) => e);
    expect(isPackError(e2, 'MMTAPE_PACK_CORRUPT'), String(e2)).toBe(true);
    ds.close();
    const e3 = await hydrateDataset(packed, scratchDir('h-')).catch((e: unknown) => e);
    expect(isPackError(e3, 'MMTAPE_PACK_CORRUPT'), String(e3)).toBe(true);
  });

  it('bar frames are written in the rANS bar layout (params byte 0 = 3)', async () => {
    const dir = scratchDir('mmtape-packbars-layout-');
    const report = await packDataset(src, dir, { chunkRows: 4096 });
    const entry = report.index.files.find((f) => f.symbol === 'AAPL');
    const ref = entry?.columns.find((c) => c.name === 'open')?.chunks[0];
    const bytes = readFileSync(join(dir, entry?.packedPath as string));
    // frame header (24) + stage count (1) + stage id (1) + u32 params length (4), then the layout byte
    expect([bytes[(ref?.offsetBytes as number) + 25], bytes[(ref?.offsetBytes as number) + 30]]).toEqual([
      22,
      BAR_LAYOUT_RANS,
    ]);
  });

  it('reads packs without bar frames and rejects packs of another format version (typed error)', async () => {
    const packed = scratchDir('mmtape-packbars-');
    await packDataset(src, packed, { chunkRows: 4096, bars: false });
    const ds = openPackedDataset(packed);
    expect(ds.index.formatVersion).toBe(PACK_FORMAT_VERSION);
    const chunk = await ds.open('AAPL').readChunk(2, ['close']);
    const want = (bars.AAPL as Bars).close.subarray(8192, 9000);
    expect(sameBits(chunk.columns.close as Float64Array, want)).toBe(true);
    ds.close();
    const index = JSON.parse(readFileSync(join(packed, 'pack.json'), 'utf8'));
    for (const formatVersion of [1, 2, 4]) {
      writeFileSync(join(packed, 'pack.json'), JSON.stringify({ ...index, formatVersion }));
      const err = await Promise.resolve()
        .then(() => openPackedDataset(packed))
        .catch((e: unknown) => e);
      expect(isPackError(err, 'MMTAPE_PACK_UNSUPPORTED_VERSION'), String(err)).toBe(true);
      expect(err).toMatchObject({ kind: 'data', expected: '3', actual: String(formatVersion) });
      expect(String(err)).toMatch(/pack format version \d, this build reads version 3 only/);
    }
    writeFileSync(join(packed, 'pack.json'), JSON.stringify({ ...index, format: 'other' }));
    const corrupt = await Promise.resolve()
      .then(() => openPackedDataset(packed))
      .catch((e: unknown) => e);
    expect(isPackError(corrupt, 'MMTAPE_PACK_CORRUPT')).toBe(true);
  });
});
