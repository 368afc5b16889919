import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, DatasetWriter, isMmtapeError, splitByTime } from '../src/index.js';
import { catchError, dataFiles, mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-dsw-');
afterAll(cleanup);

const DAY = 86_400_000_000_000n;
const T0 = 1_514_764_800_000_000_000n; // 2018-01-01T00:00:00Z

function series(rows: number, stepNs: bigint, start = T0) {
  const ts = BigInt64Array.from({ length: rows }, (_, i) => start + BigInt(i) * stepNs);
  const close = Float64Array.from({ length: rows }, (_, i) => 100 + i);
  return [
    { name: 'ts', dtype: 'i64' as const, data: ts },
    { name: 'close', dtype: 'f64' as const, data: close },
  ];
}

describe('DatasetWriter', () => {
  it('writes an unpartitioned dataset that Dataset.open reads (one file per symbol)', () => {
    const out = join(dir, 'plain');
    const w = DatasetWriter.create(out);
    w.writeSymbol('MSFT', series(10, 60_000_000_000n));
    w.writeSymbol('AAPL', series(5, 60_000_000_000n));
    const m = w.finish({ source: { tool: 'test' } });
    expect(m.symbols.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(m.totalRows).toBe(15);
    expect(m.partitioning).toBe('none');
    const ds = Dataset.open(out);
    expect(ds.open('AAPL').rowCount).toBe(5);
    expect(ds.manifest.symbols[0]!.partitions![0]!.headerChecksum).toMatch(/^[0-9a-f]{16}$/);
    expect(ds.verify()).toEqual({ files: 2, bytesVerified: 15 * 16 });
    ds.close();
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('abort removes the temp folder and leaves no dataset', () => {
    const out = join(dir, 'aborted');
    const w = DatasetWriter.create(out);
    w.writeSymbol('A', series(3, 1n));
    expect(existsSync(w.tempDir)).toBe(true);
    w.abort();
    expect(existsSync(w.tempDir)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(
      isMmtapeError(
        catchError(() => w.writeSymbol('B', series(1, 1n))),
        'MMTAPE_DATASET_WRITER_MISUSE',
      ),
    ).toBe(true);
  });

  it('rejects existing output without overwrite, duplicates, schema changes, unsorted partitioned input', () => {
    const out = join(dir, 'plain');
    expect(
      isMmtapeError(
        catchError(() => DatasetWriter.create(out)),
        'MMTAPE_OUTPUT_EXISTS',
      ),
    ).toBe(true);
    const w = DatasetWriter.create(join(dir, 'errs'), { partition: 'day' });
    w.writeSymbol('A', series(3, 1n));
    expect(
      isMmtapeError(
        catchError(() => w.writeSymbol('A', series(3, 1n))),
        'MMTAPE_DATASET_WRITER_MISUSE',
      ),
    ).toBe(true);
    expect(
      isMmtapeError(
        catchError(() => w.writeSymbol('B', [series(3, 1n)[0]!])),
        'MMTAPE_DATASET_WRITER_MISUSE',
      ),
    ).toBe(true);
    const unsorted = series(3, 1n);
    (unsorted[0]!.data as BigInt64Array).reverse();
    expect(
      isMmtapeError(
        catchError(() => w.writeSymbol('C', unsorted)),
        'MMTAPE_FORMAT_NOT_SORTED',
      ),
    ).toBe(true);
    expect(
      isMmtapeError(
        catchError(() => w.writeSymbol('a', series(3, 1n))),
        'MMTAPE_FORMAT_INVALID_SYMBOL',
      ),
    ).toBe(true);
    w.abort();
  });

  it('overwrite replaces a dataset atomically', () => {
    const out = join(dir, 'plain');
    const w = DatasetWriter.create(out, { overwrite: true });
    w.writeSymbol('ZZ', series(2, 1n));
    w.finish();
    expect(Dataset.open(out).symbols).toEqual(['ZZ']);
  });

  it('symbols with /, .., NUL and unicode stay inside the dataset folder and round-trip', () => {
    const out = join(dir, 'nasty');
    const w = DatasetWriter.create(out, { partition: 'month' });
    const nasty = ['../../etc/passwd', '..', 'a/b', 'x\u0000y', 'BRK.B', 'BRK-B', 'ES=F', 'Ünï©ødé', 'CON'];
    for (const s of nasty) w.writeSymbol(s, series(3, DAY * 20n));
    w.finish();
    const files = dataFiles(out);
    for (const f of files) expect(resolve(out, f).startsWith(resolve(out))).toBe(true);
    expect(files.every((f) => !f.includes('/') && !f.startsWith('.'))).toBe(true);
    const ds = Dataset.open(out);
    expect([...ds.symbols].sort()).toEqual([...nasty].sort());
    for (const s of nasty) expect(ds.openPartitions(s).every((f) => f.symbol === s)).toBe(true);
    ds.close();
  });
});

describe('partitions and manifest-driven pruning', () => {
  const out = join(dir, 'daily');
  const rand = mulberry32(99);
  // 10 symbols x 5 days of hourly bars, each symbol starting at a random hour of day 0.
  const w = DatasetWriter.create(out, { partition: 'day' });
  const all = new Map<string, BigInt64Array>();
  for (let s = 0; s < 10; s++) {
    const start = T0 + BigInt(Math.floor(rand() * 24)) * 3_600_000_000_000n;
    const cols = series(24 * 5, 3_600_000_000_000n, start);
    all.set(`S${s}`, cols[0]!.data as BigInt64Array);
    w.writeSymbol(`S${s}`, cols);
  }
  w.finish();

  it('splits at UTC day boundaries and records partitions in the manifest', () => {
    const ds = Dataset.open(out);
    const parts = ds.partitions('S0');
    expect(parts.length).toBeGreaterThanOrEqual(5);
    expect(parts[0]!.key).toBe('2018-01-01');
    expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(120);
    for (const p of parts) {
      const dayStart = BigInt(Date.parse(`${p.key}T00:00:00Z`)) * 1_000_000n;
      expect(BigInt(p.firstTimestampNs) >= dayStart).toBe(true);
      expect(BigInt(p.lastTimestampNs) < dayStart + DAY).toBe(true);
    }
    expect(
      isMmtapeError(
        catchError(() => ds.open('S0')),
        'MMTAPE_DATASET_MULTI_PARTITION_SYMBOL',
      ),
    ).toBe(true);
    const chained = ds.openPartitions('S0').flatMap((f) => Array.from(f.timestampsNs()));
    expect(chained).toEqual(Array.from(all.get('S0')!));
    ds.close();
  });

  it('openRange opens only overlapping partitions and binary-searches the rows', () => {
    const ds = Dataset.open(out);
    const startNs = T0 + 2n * DAY + 5n * 3_600_000_000_000n + 1n; // day 2, just after 05:00
    const endNs = T0 + 3n * DAY + 2n * 3_600_000_000_000n; // day 3 02:00 (exclusive)
    const ranges = ds.openRange({ symbols: ['S1', 'S2'], startNs, endNs });
    expect(ds.openFileCount).toBeLessThanOrEqual(4); // at most days 2 and 3 of two symbols
    for (const r of ranges) {
      const got = r.slices.flatMap((sl) =>
        Array.from(sl.file.timestampsNs().subarray(sl.startRow, sl.endRow)),
      );
      const want = Array.from(all.get(r.symbol)!).filter((t) => t >= startNs && t < endNs);
      expect(got).toEqual(want);
      expect(r.rows).toBe(want.length);
      for (const sl of r.slices) sl.file.verifyNoCopies({ all: true });
    }
    ds.close();
  });

  it('verify() detects a partition file swapped behind the manifest', () => {
    const ds = Dataset.open(out);
    const [p0, p1] = ds.partitions('S3');
    writeFileSync(join(ds.generationDir, p0!.file), readFileSync(join(ds.generationDir, p1!.file)));
    const e = catchError(() => ds.verify({ symbols: ['S3'] }));
    expect(
      isMmtapeError(e, 'MMTAPE_DATASET_MISMATCH') ||
        isMmtapeError(e, 'MMTAPE_DATASET_PARTITION_CHECKSUM_MISMATCH'),
    ).toBe(true);
    ds.close();
  });

  it('splitByTime handles month boundaries and pre-1970 times', () => {
    const ts = BigInt64Array.of(-DAY - 1n, -1n, 0n, 31n * DAY - 1n, 31n * DAY);
    expect(splitByTime(ts, 'month').map((r) => [r.key, r.start, r.end])).toEqual([
      ['1969-12', 0, 2],
      ['1970-01', 2, 4],
      ['1970-02', 4, 5],
    ]);
    expect(splitByTime(ts, 'day').map((r) => r.key)).toEqual([
      '1969-12-30',
      '1969-12-31',
      '1970-01-01',
      '1970-01-31',
      '1970-02-01',
    ]);
  });
});
