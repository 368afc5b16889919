import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCsv, formatTimestampNs } from '../src/export/index.js';
import { countDatasetFiles, Dataset, isMmtapeError } from '../src/index.js';
import { ingest, parseTimestampNs } from '../src/ingest/index.js';
import { mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-export-csv-');
afterAll(cleanup);

/** Seeded daily bars of three symbols (one with a comma in its name), some closes missing. */
async function dataset(name: string, segmentBytes?: number | false): Promise<string> {
  const rand = mulberry32(42);
  const lines = ['timestamp,symbol,open,close,volume'];
  for (const symbol of ['AAA', 'B,B', 'CCC']) {
    for (let d = 0; d < 20; d++) {
      const ts = `2018-01-${String(d + 1).padStart(2, '0')}T14:30:00.${String(d).padStart(9, '0')}Z`;
      const close = rand() < 0.1 ? '' : (10 + rand() * 90).toFixed(4);
      lines.push(`${ts},"${symbol}",${(10 + rand() * 90).toFixed(2)},${close},${Math.floor(rand() * 1e6)}`);
    }
  }
  const csv = join(dir, `${name}.csv`);
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const outDir = join(dir, name);
  await ingest({
    inputs: [csv],
    outDir,
    workers: 1,
    durable: false,
    ...(segmentBytes !== undefined ? { segmentBytes } : {}),
  });
  return outDir;
}

describe('exportCsv', () => {
  it('writes symbol,timestamp,<columns> exactly, re-ingestable to the same values', async () => {
    const ds = await dataset('plain');
    const out = join(dir, 'plain-out.csv');
    const progress: number[] = [];
    const r = await exportCsv(ds, out, { onProgress: (p) => progress.push(p.symbolsDone) });
    expect(r).toMatchObject({ path: out, columns: ['open', 'close', 'volume'], symbols: 3, rows: 60 });
    expect(progress).toEqual([1, 2, 3]);
    const text = readFileSync(out, 'utf8');
    expect(r.bytes).toBe(Buffer.byteLength(text));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('symbol,timestamp,open,close,volume');
    expect(lines).toHaveLength(61);
    expect(lines.some((l) => l.startsWith('"B,B",2018-01-01T14:30:00.000000000Z'))).toBe(false);
    expect(lines[2]!.startsWith('AAA,2018-01-02T14:30:00.000000001Z,')).toBe(true);
    expect(lines.filter((l) => l.startsWith('"B,B",'))).toHaveLength(20);
    // Round trip: ingest the export and compare every value.
    const back = join(dir, 'plain-back');
    await ingest({ inputs: [out], outDir: back, workers: 1, durable: false });
    const a = Dataset.open(ds);
    const b = Dataset.open(back);
    try {
      for (const s of a.symbols) {
        const fa = a.open(s);
        const fb = b.open(s);
        expect([...fb.timestampsNs()]).toEqual([...fa.timestampsNs()]);
        for (const c of ['open', 'close', 'volume']) expect([...fb.column(c)]).toEqual([...fa.column(c)]);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('chosen symbols, columns and time range; refuses an existing file and unknown columns', async () => {
    const ds = await dataset('subset');
    const out = join(dir, 'subset-out.csv');
    const r = await exportCsv(ds, out, {
      symbols: ['CCC'],
      columns: ['close'],
      startNs: parseTimestampNs('2018-01-05')!,
      endNs: parseTimestampNs('2018-01-07')!,
    });
    expect(r.rows).toBe(2);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('symbol,timestamp,close');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual([
      '2018-01-05T14:30:00.000000004Z',
      '2018-01-06T14:30:00.000000005Z',
    ]);
    const exists = await exportCsv(ds, out).catch((e) => e);
    expect(isMmtapeError(exists, 'MMTAPE_OUTPUT_EXISTS')).toBe(true);
    const col = await exportCsv(ds, join(dir, 'bad.csv'), { columns: ['nope'] }).catch((e) => e);
    expect(isMmtapeError(col, 'MMTAPE_FORMAT_COLUMN_NOT_FOUND')).toBe(true);
    expect((col as Error).message).toContain('open, close, volume');
    expect(readdirSync(dir).filter((n) => n.startsWith('bad.csv'))).toEqual([]);
    await exportCsv(ds, out, { overwrite: true, symbols: ['AAA'] });
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(22);
    expect(existsSync(out)).toBe(true);
  });
});

describe('parseTimestampNs', () => {
  it('reads integer ns, ISO with or without offset, and what formatTimestampNs prints', () => {
    expect(parseTimestampNs('1514903400000000001')).toBe(1_514_903_400_000_000_001n);
    expect(parseTimestampNs('-500000000000')).toBe(-500_000_000_000n);
    expect(parseTimestampNs('2018-01-02')).toBe(1_514_851_200_000_000_000n);
    expect(parseTimestampNs('2018-01-02T14:30:00Z')).toBe(1_514_903_400_000_000_000n);
    expect(parseTimestampNs('2018-01-02T09:30:00-05:00')).toBe(1_514_903_400_000_000_000n);
    expect(parseTimestampNs('2018-01-02T09:30', { timeZone: 'America/New_York' })).toBe(
      1_514_903_400_000_000_000n,
    );
    for (const ns of [1_514_903_400_123_456_789n, 1_514_903_400_000_000_000n, -1n]) {
      expect(parseTimestampNs(formatTimestampNs(ns))).toBe(ns);
    }
  });

  it('returns undefined for text that is no time, for integers outside int64, and for short integers', () => {
    // `2016` typed as a year must not become 2,016 ns since the epoch.
    for (const bad of [
      '',
      'yesterday',
      '2018-13-01',
      '2018-01-02T25:00',
      '9223372036854775808',
      '2016',
      '-5',
    ]) {
      expect(parseTimestampNs(bad)).toBeUndefined();
    }
  });
});

describe('countDatasetFiles', () => {
  it('counts column files and the segment files holding them from the manifest', async () => {
    const alone = Dataset.open(await dataset('alone', false));
    const segmented = Dataset.open(await dataset('segmented', 1 << 20));
    try {
      expect(countDatasetFiles(alone)).toEqual({ columnFiles: 3, segmentFiles: 0, filesOnDisk: 3 });
      expect(countDatasetFiles(segmented)).toEqual({ columnFiles: 3, segmentFiles: 1, filesOnDisk: 1 });
    } finally {
      alone.close();
      segmented.close();
    }
  });
});
