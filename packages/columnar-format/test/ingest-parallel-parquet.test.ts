import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { initZstd, zstdCompressSync } from '@mmtape/compression';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import { type ColumnSource, parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportParquet } from '../src/export/index.js';
import { Dataset, isMmtapeError } from '../src/index.js';
import { type IngestOptions, type IngestProgress, type IngestReport, ingest } from '../src/ingest/index.js';
import { createFileTaskRunner, resolveWorkerFile } from '../src/ingest/ingest-pool.js';
import { catchError, mulberry32, snapshot, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-ingest-par-');
afterAll(cleanup);
beforeAll(() => initZstd());

let n = 0;
function fresh(): { inDir: string; root: string } {
  const root = join(dir, `case${n++}`);
  const inDir = join(root, 'in');
  mkdirSync(inDir, { recursive: true });
  return { inDir, root };
}

const T0 = Date.UTC(2018, 0, 2, 14, 30);
const iso = (ms: number) => new Date(ms).toISOString();

/** Seeded CSVs: several symbols per file, shuffled rows, duplicates across files. */
function writeSeededCsvs(inDir: string, seed: number, files: number): void {
  const rand = mulberry32(seed);
  for (let f = 0; f < files; f++) {
    const lines = ['timestamp,symbol,open,high,low,close,volume'];
    const rows = 50 + Math.floor(rand() * 200);
    for (let i = 0; i < rows; i++) {
      const sym = `S${Math.floor(rand() * 7)}`;
      const minute = Math.floor(rand() * 400);
      const p = (20 + rand() * 5).toFixed(4);
      lines.push(`${iso(T0 + minute * 60_000)},${sym},${p},${p},${p},${p},${Math.floor(rand() * 3) * 100}`);
      if (rand() < 0.05) lines.push(lines[lines.length - 1]!); // exact duplicate
    }
    writeFileSync(join(inDir, `part${String(f).padStart(2, '0')}.csv`), `${lines.join('\n')}\n`);
  }
}

function stable(r: IngestReport) {
  return { ...r, outDir: '', generation: '', elapsedMs: 0 };
}

describe('parallel ingest (worker threads)', () => {
  it('the built worker is found and a multi-thread runner is used', async () => {
    expect(resolveWorkerFile()).toMatch(/dist[\\/]ingest[\\/]ingest-worker\.js$/);
    const runner = createFileTaskRunner(3);
    expect(runner.threads).toBe(3);
    await runner.close();
    expect(createFileTaskRunner(1).threads).toBe(1);
  });

  it('1 and N workers give identical datasets and reports; progress in file order', async () => {
    const { inDir, root } = fresh();
    writeSeededCsvs(inDir, 7, 9);
    const progress: IngestProgress[] = [];
    const one = await ingest({ inputs: [inDir], outDir: join(root, 'w1'), workers: 1, durable: false });
    const many = await ingest({
      inputs: [inDir],
      outDir: join(root, 'w4'),
      workers: 4,
      durable: false,
      onProgress: (p) => progress.push(p),
    });
    const auto = await ingest({ inputs: [inDir], outDir: join(root, 'wa'), durable: false });
    expect(one.exactDuplicatesDropped.total).toBeGreaterThan(0);
    expect(one.outOfOrderFiles.length).toBeGreaterThan(0);
    expect(stable(many)).toEqual(stable(one));
    expect(stable(auto)).toEqual(stable(one));
    expect(snapshot(join(root, 'w4'))).toEqual(snapshot(join(root, 'w1')));
    expect(snapshot(join(root, 'wa'))).toEqual(snapshot(join(root, 'w1')));
    // Called per file and per finished read task: files done never go back, and reach every count.
    const done = progress.map((p) => p.filesDone);
    expect(done).toEqual([...done].sort((x, y) => x - y));
    expect([...new Set(done)].filter((n) => n > 0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(progress.at(-1)!.bytesRead).toBe(progress.at(-1)!.bytesTotal);
    expect(progress.at(-1)!.rowsRead).toBe(one.rowsRead);
  });

  it('an error raised in a worker arrives typed, with file and line; no output left', async () => {
    const { inDir, root } = fresh();
    writeSeededCsvs(inDir, 11, 4);
    writeFileSync(join(inDir, 'part02.csv'), 'timestamp,symbol,close\n2018-01-02T14:30:00Z,A,1\nnope,A,2\n');
    const err = await ingest({ inputs: [inDir], outDir: join(root, 'out'), workers: 3 }).catch((e) => e);
    expect(isMmtapeError(err, 'MMTAPE_INGEST_INVALID_TIMESTAMP')).toBe(true);
    expect((err as Error).message).toContain('part02.csv:3');
    expect((err as { line?: number }).line).toBe(3);
    expect(readdirSync(root)).toEqual(['in']);
  });

  it('rejects a bad workers option', async () => {
    const { inDir, root } = fresh();
    writeSeededCsvs(inDir, 3, 1);
    const err = await ingest({ inputs: [inDir], outDir: join(root, 'out'), workers: 0 }).catch((e) => e);
    expect(isMmtapeError(err, 'MMTAPE_INGEST_INVALID_OPTIONS')).toBe(true);
  });
});

/** Same rows as CSV and as Parquet (several codecs and timestamp representations). */
function sampleRows(seed: number) {
  const rand = mulberry32(seed);
  const rows: { ms: number; symbol: string; o: number; h: number; l: number; c: number; v: number }[] = [];
  for (let i = 0; i < 300; i++) {
    const c = Math.round((50 + rand() * 10) * 100) / 100;
    rows.push({
      ms: T0 + Math.floor(rand() * 120) * 60_000,
      symbol: ['AAA', 'BBB', 'CCC'][i % 3]!,
      o: c,
      h: c + 0.5,
      l: c - 0.5,
      c,
      v: Math.floor(rand() * 1000),
    });
  }
  return rows;
}

function writeCsv(path: string, rows: ReturnType<typeof sampleRows>): void {
  const lines = ['timestamp,symbol,open,high,low,close,volume'];
  rows.forEach((r, i) => {
    lines.push(`${iso(r.ms)},${r.symbol},${r.o},${r.h},${r.l},${r.c},${i === 5 ? '' : r.v}`);
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const gzip = (b: Uint8Array) => new Uint8Array(gzipSync(b));
const zstd = (b: Uint8Array) => zstdCompressSync(b, 3);

function writeParquet(
  path: string,
  rows: ReturnType<typeof sampleRows>,
  ts: 'nanos' | 'micros' | 'string' | 'epoch-ms',
  codec: 'ZSTD' | 'SNAPPY' | 'GZIP',
): void {
  let tsColumn: ColumnSource;
  if (ts === 'string') tsColumn = { name: 'datetime', data: rows.map((r) => iso(r.ms)) };
  else if (ts === 'epoch-ms')
    tsColumn = { name: 'time', data: BigInt64Array.from(rows, (r) => BigInt(r.ms)) };
  else
    tsColumn = {
      name: 'Timestamp',
      data: BigInt64Array.from(rows, (r) => BigInt(r.ms) * (ts === 'nanos' ? 1_000_000n : 1000n)),
    };
  const schema = [
    { name: 'root', num_children: 7 },
    ts === 'nanos' || ts === 'micros'
      ? {
          name: 'Timestamp',
          type: 'INT64' as const,
          repetition_type: 'REQUIRED' as const,
          logical_type: {
            type: 'TIMESTAMP' as const,
            isAdjustedToUTC: true,
            unit: ts === 'nanos' ? ('NANOS' as const) : ('MICROS' as const),
          },
        }
      : ts === 'string'
        ? {
            name: 'datetime',
            type: 'BYTE_ARRAY' as const,
            converted_type: 'UTF8' as const,
            repetition_type: 'REQUIRED' as const,
          }
        : { name: 'time', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
    {
      name: 'Ticker',
      type: 'BYTE_ARRAY' as const,
      converted_type: 'UTF8' as const,
      repetition_type: 'REQUIRED' as const,
    },
    { name: 'Open', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
    { name: 'High', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
    { name: 'Low', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
    { name: 'Close', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
    { name: 'Volume', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  ];
  parquetWriteFile({
    filename: path,
    schema,
    codec,
    compressors: { ZSTD: zstd, GZIP: gzip },
    rowGroupSize: 64, // several row groups
    columnData: [
      tsColumn,
      { name: 'Ticker', data: rows.map((r) => r.symbol) },
      { name: 'Open', data: Float64Array.from(rows, (r) => r.o) },
      { name: 'High', data: Float64Array.from(rows, (r) => r.h) },
      { name: 'Low', data: Float64Array.from(rows, (r) => r.l) },
      { name: 'Close', data: Float64Array.from(rows, (r) => r.c) },
      { name: 'Volume', data: rows.map((r, i) => (i === 5 ? null : BigInt(r.v))) },
    ],
  });
}

describe('Parquet in', () => {
  const cases = [
    ['nanos', 'ZSTD'],
    ['micros', 'SNAPPY'],
    ['string', 'GZIP'],
    ['epoch-ms', 'ZSTD'],
  ] as const;
  for (const [ts, codec] of cases) {
    it(`${ts} timestamps, ${codec}: same dataset as the equivalent CSV`, async () => {
      const { inDir, root } = fresh();
      const rows = sampleRows(42);
      writeCsv(join(inDir, 'x.csv'), rows); // row 5 has an empty volume, the Parquet file a null
      const pq = join(root, 'x.parquet');
      writeParquet(pq, rows, ts, codec);
      const fromCsv = await ingest({
        inputs: [join(inDir, 'x.csv')],
        outDir: join(root, 'csv'),
        durable: false,
      });
      const fromPq = await ingest({ inputs: [pq], outDir: join(root, 'pq'), durable: false, workers: 1 });
      expect(fromPq.rowsRead).toBe(300);
      expect(fromPq.missingValues.volume).toBe(1);
      expect(fromPq.outOfOrderFiles).toEqual([pq]);
      // Same report but for the header spelling (the Parquet file says `Volume`, the CSV `volume`).
      const sameSpelling = (r: IngestReport) => r.columns.map((c) => ({ ...c, headers: [] }));
      expect(fromPq.columns.map((c) => c.headers[0])).toEqual(['Open', 'High', 'Low', 'Close', 'Volume']);
      expect({ ...stable(fromPq), files: [], outOfOrderFiles: [], columns: sameSpelling(fromPq) }).toEqual({
        ...stable(fromCsv),
        files: [],
        outOfOrderFiles: [],
        columns: sameSpelling(fromCsv),
      });
      expect(snapshot(join(root, 'pq'))).toEqual({
        ...snapshot(join(root, 'csv')),
        'manifest.json': expect.any(String),
      });
      const ds = Dataset.open(join(root, 'pq'));
      expect(ds.symbols).toEqual(['AAA', 'BBB', 'CCC']);
      ds.close();
    });
  }

  it('DATE column is midnight in timeZone; a directory mixes CSV and Parquet; workers agree', async () => {
    const { inDir, root } = fresh();
    parquetWriteFile({
      filename: join(inDir, 'ZZZ_data.parquet'),
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'date', type: 'INT32', converted_type: 'DATE', repetition_type: 'REQUIRED' },
        { name: 'close', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      ],
      columnData: [
        { name: 'date', data: Int32Array.from([17533, 17534]) }, // days since 1970-01-01: 2018-01-02, -03
        { name: 'close', data: Float64Array.from([1.5, 2.5]) },
      ],
    });
    writeFileSync(join(inDir, 'AAA.csv'), 'date,close\n2018-01-02,10\n2018-01-03,11\n');
    const opts = {
      inputs: [inDir],
      timeZone: 'America/New_York',
      durable: false,
    } satisfies Partial<IngestOptions>;
    const one = await ingest({ ...opts, outDir: join(root, 'a'), workers: 1 });
    const two = await ingest({ ...opts, outDir: join(root, 'b'), workers: 2 });
    expect(stable(two)).toEqual(stable(one));
    expect(one.symbols.map((s) => [s.symbol, s.firstTimestampNs])).toEqual([
      ['AAA', String(BigInt(Date.parse('2018-01-02T05:00:00Z')) * 1_000_000n)],
      ['ZZZ', String(BigInt(Date.parse('2018-01-02T05:00:00Z')) * 1_000_000n)],
    ]);
  });

  it('a file that is not Parquet is a ParquetReadError; a missing close column a MissingColumnError', async () => {
    const { inDir, root } = fresh();
    writeFileSync(join(inDir, 'bad.parquet'), 'not parquet at all');
    const e1 = await ingest({ inputs: [inDir], outDir: join(root, 'o'), workers: 1 }).catch((e) => e);
    expect(isMmtapeError(e1, 'MMTAPE_INGEST_PARQUET_READ_FAILED')).toBe(true);
    expect((e1 as Error).message).toContain('bad.parquet');
    parquetWriteFile({
      filename: join(inDir, 'bad.parquet'),
      columnData: [{ name: 'timestamp', data: ['2018-01-02'], type: 'STRING' }],
    });
    const e2 = await ingest({ inputs: [inDir], outDir: join(root, 'o'), workers: 1 }).catch((e) => e);
    expect(isMmtapeError(e2, 'MMTAPE_INGEST_MISSING_COLUMN')).toBe(true);
  });
});

describe('exportParquet', () => {
  async function dataset(): Promise<string> {
    const { inDir, root } = fresh();
    writeSeededCsvs(inDir, 99, 5);
    const outDir = join(root, 'ds');
    await ingest({ inputs: [inDir], outDir, durable: false, workers: 1 });
    return outDir;
  }

  async function readBack(path: string) {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    const rows = (await parquetReadObjects({
      file,
      compressors: decompressors,
      parsers: { timestampFromNanoseconds: (v: bigint) => v, timestampFromMicroseconds: (v: bigint) => v },
    })) as { timestamp: bigint; symbol: string; close: number }[];
    return { metadata, rows };
  }

  it('one ZSTD file ordered by (timestamp, symbol), float32 close, NANOS UTC, several row groups', async () => {
    const ds = await dataset();
    const out = join(ds, '..', 'all.parquet');
    const r = await exportParquet(ds, out, { rowGroupRows: 100, layout: 'compact-close-f32' });
    const { metadata, rows } = await readBack(out);
    const d = Dataset.open(ds);
    const expected: { timestamp: bigint; symbol: string; close: number }[] = [];
    for (const s of d.symbols) {
      const f = d.open(s);
      const ts = f.timestampsNs();
      const close = f.f64('close');
      for (let i = 0; i < ts.length; i++) {
        expected.push({ timestamp: ts[i]!, symbol: s, close: Math.fround(close[i]!) });
      }
    }
    d.close();
    expected.sort((a, b) =>
      a.timestamp < b.timestamp
        ? -1
        : a.timestamp > b.timestamp
          ? 1
          : a.symbol < b.symbol
            ? -1
            : a.symbol > b.symbol
              ? 1
              : 0,
    );
    expect(rows).toEqual(expected);
    expect(r.rows).toBe(expected.length);
    expect(r.rowGroups).toBe(Math.ceil(expected.length / 100));
    expect(metadata.row_groups.length).toBe(r.rowGroups);
    expect(metadata.row_groups[0]!.columns.map((c) => c.meta_data?.codec)).toEqual(['ZSTD', 'ZSTD', 'ZSTD']);
    const tsEl = metadata.schema.find((e) => e.name === 'timestamp')!;
    expect(tsEl.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' });
    expect(metadata.schema.find((e) => e.name === 'close')!.type).toBe('FLOAT');
    expect(readdirSync(join(ds, '..')).filter((x) => x.includes('.tmp-'))).toEqual([]);
  });

  it('symbols / time range selection, MICROS unit, overwrite rule', async () => {
    const ds = await dataset();
    const out = join(ds, '..', 'sel.parquet');
    const startNs = BigInt(T0 + 60 * 60_000) * 1_000_000n;
    const endNs = BigInt(T0 + 120 * 60_000) * 1_000_000n;
    const r = await exportParquet(ds, out, { symbols: ['S1', 'S3'], startNs, endNs, timestampUnit: 'us' });
    const { metadata, rows } = await readBack(out);
    expect(rows.length).toBe(r.rows);
    expect(r.rows).toBeGreaterThan(0);
    expect(r.layout).toBe('full');
    expect(new Set(rows.map((x) => x.symbol))).toEqual(new Set(['S1', 'S3']));
    for (const x of rows) {
      expect(x.timestamp * 1000n >= startNs && x.timestamp * 1000n < endNs).toBe(true);
    }
    expect(metadata.schema.find((e) => e.name === 'timestamp')!.logical_type).toMatchObject({
      unit: 'MICROS',
    });
    const again = await exportParquet(ds, out, { symbols: ['S1', 'S3'], startNs, endNs }).catch((e) => e);
    expect(isMmtapeError(again, 'MMTAPE_OUTPUT_EXISTS')).toBe(true);
    const replaced = await exportParquet(ds, out, { overwrite: true, symbols: ['S2'] });
    expect((await readBack(out)).rows.length).toBe(replaced.rows);
    expect(
      isMmtapeError(
        catchError(() => {
          throw new Error('x');
        }),
      ),
    ).toBe(false);
    const bad = await exportParquet(ds, join(ds, '..', 'x.parquet'), { rowGroupRows: 0 }).catch((e) => e);
    expect(isMmtapeError(bad, 'MMTAPE_EXPORT_PARQUET_FAILED')).toBe(true);
  });
});
