import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, isMmtapeError } from '../src/index.js';
import { type IngestOptions, ingest } from '../src/ingest/index.js';
import { currentGenerationDir, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-ingest-');
afterAll(cleanup);

let n = 0;
function fresh(files: Record<string, string | Buffer>): { inDir: string; outDir: string; root: string } {
  const root = join(dir, `case${n++}`);
  const inDir = join(root, 'in');
  mkdirSync(inDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(inDir, name), content);
  return { inDir, root, outDir: join(root, 'out') };
}

const ns = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

async function expectIngestError(options: IngestOptions, code: string, parts: string[]): Promise<void> {
  let err: unknown;
  try {
    await ingest(options);
  } catch (e) {
    err = e;
  }
  expect(isMmtapeError(err, code)).toBe(true);
  for (const p of parts) expect((err as Error).message).toContain(p);
  // No partial dataset and no temp folder left behind.
  const parent = join(options.outDir, '..');
  expect(readdirSync(parent).filter((x) => x !== 'in')).toEqual([]);
}

describe('ingest layouts', () => {
  it('sp500-like daily files with a Name column, empty fields as NaN', async () => {
    const { inDir, outDir } = fresh({
      'AAA_data.csv':
        'date,open,high,low,close,volume,Name\n2013-02-08,1,2,0.5,1.5,100,AAA\n2013-02-11,,,,1.6,200,AAA\n2013-02-12,1.6,1.8,1.5,1.7,300,AAA\n',
      'BBB_data.csv':
        'date,open,high,low,close,volume,Name\n2013-02-08,10,11,9,10.5,1000,BBB\n2013-02-11,,11,9,10.6,0,BBB\n',
    });
    const progress: number[] = [];
    const r = await ingest({ inputs: [inDir], outDir, onProgress: (p) => progress.push(p.filesDone) });
    // Called per file and as bytes are read: the files done, in order, are 1 then 2.
    expect([...new Set(progress)].filter((n) => n > 0)).toEqual([1, 2]);
    expect(r.rowsRead).toBe(5);
    expect(r.rowsWritten).toBe(5);
    expect(r.missingValues).toEqual({ open: 2, high: 1, low: 1, close: 0, volume: 0 });
    expect(r.symbols.map((s) => s.symbol)).toEqual(['AAA', 'BBB']);
    expect(r.firstTimestampNs).toBe(ns('2013-02-08T00:00:00Z').toString());
    const ds = Dataset.open(outDir);
    expect(ds.symbols).toEqual(['AAA', 'BBB']);
    expect(ds.manifest.schema.map((c) => c.name)).toEqual(['ts', 'open', 'high', 'low', 'close', 'volume']);
    expect(ds.manifest.totalRows).toBe(5);
    const a = ds.open('AAA');
    expect(ds.open('AAA')).toBe(a);
    expect(Array.from(a.timestampsNs())).toEqual([
      ns('2013-02-08T00:00:00Z'),
      ns('2013-02-11T00:00:00Z'),
      ns('2013-02-12T00:00:00Z'),
    ]);
    expect(Number.isNaN(a.f64('open')[1])).toBe(true);
    expect(a.f64('close')[1]).toBe(1.6);
    expect(Array.from(ds.open('BBB').f64('volume'))).toEqual([1000, 0]);
    ds.close();
  });

  it('date + ToD wall clock in America/New_York across the 2018-03-11 DST change; sort + dedupe', async () => {
    const { inDir, outDir } = fresh({
      'BRK.B.csv': [
        'date,ToD,open,high,low,close,volume',
        '2018-03-09,15:59:00,1,1,1,1,10.0',
        '2018-03-12,09:30:00,2,2,2,2,20.0',
        '2018-03-12,09:31:00,3,3,3,3,30.0',
        '2018-03-09,15:59:00,1,1,1,1,10.0', // exact duplicate, out of order
        '2018-03-12,09:31:00,3,3,3,3.5,31.0', // same timestamp, different values: kept
        '2018-03-11,02:30:00,4,4,4,4,40.0', // nonexistent local time: shifted forward (luxon)
        '2018-11-04,01:30:00,5,5,5,5,50.0', // ambiguous local time: luxon picks EST
        '',
      ].join('\n'),
    });
    const r = await ingest({ inputs: [inDir], outDir, timeZone: 'America/New_York' });
    expect(r.symbols.map((s) => s.symbol)).toEqual(['BRK.B']);
    expect(r.rowsRead).toBe(7);
    expect(r.rowsWritten).toBe(6);
    expect(r.exactDuplicatesDropped.total).toBe(1);
    expect(r.exactDuplicatesDropped.bySymbol).toEqual([{ symbol: 'BRK.B', count: 1 }]);
    expect(r.exactDuplicatesDropped.byFile).toEqual([{ path: join(inDir, 'BRK.B.csv'), count: 1 }]);
    expect(r.sameTimestampRows).toBe(1);
    expect(r.outOfOrderFiles).toEqual([join(inDir, 'BRK.B.csv')]);
    expect(r.symbols[0]!.inputSorted).toBe(false);
    const ds = Dataset.open(outDir);
    const f = ds.open('BRK.B');
    expect(f.sortedByTimestamp).toBe(true);
    expect(Array.from(f.timestampsNs())).toEqual([
      1520629140000000000n, // 2018-03-09 15:59 EST = 20:59Z
      1520753400000000000n, // 2018-03-11 02:30 (gap) -> 03:30 EDT = 07:30Z
      1520861400000000000n, // 2018-03-12 09:30 EDT = 13:30Z
      1520861460000000000n, // 09:31 EDT
      1520861460000000000n, // tick kept
      1541313000000000000n, // 2018-11-04 01:30 -> 06:30Z (EST)
    ]);
    expect(ns('2018-03-09T20:59:00Z')).toBe(1520629140000000000n);
    expect(ns('2018-03-12T13:30:00Z')).toBe(1520861400000000000n);
    expect(Array.from(f.f64('close'))).toEqual([1, 4, 2, 3, 3.5, 5]);
    expect(ds.manifest.symbols[0]!.file).toBe('BRK.B.col');
    ds.close();
  });

  it('gzip ISO with offsets, Close-first column order, several symbols in one file grouped across files', async () => {
    const { inDir, outDir } = fresh({
      'part1.csv.gz': gzipSync(
        'Datetime,Close,High,Low,Open,Volume,Ticker\n' +
          '2025-11-03 14:30:00+00:00,267.27999877929688,270.78,266.355,270.42,7302501,AAPL\n' +
          '2025-11-03 14:30:00+00:00,50.5,51,50,50.25,100,BRK-B\n' +
          '2025-11-03 10:00:00-05:00,268,269,267,267.3,1000,AAPL\n',
      ),
      'part2.csv.gz': gzipSync(
        'Datetime,Close,High,Low,Open,Volume,Ticker\n2025-11-03T15:30:00.123456789Z,269,270,268,268.5,5,AAPL\n',
      ),
    });
    const r = await ingest({ inputs: [inDir], outDir });
    expect(r.symbols.map((s) => [s.symbol, s.rowsWritten])).toEqual([
      ['AAPL', 3],
      ['BRK-B', 1],
    ]);
    expect(r.files.map((f) => f.rowsRead)).toEqual([3, 1]);
    const ds = Dataset.open(outDir);
    const aapl = ds.open('AAPL');
    expect(Array.from(aapl.timestampsNs())).toEqual([
      ns('2025-11-03T14:30:00Z'),
      ns('2025-11-03T15:00:00Z'),
      ns('2025-11-03T15:30:00Z') + 123_456_789n,
    ]);
    expect(aapl.f64('close')[0]).toBe(267.27999877929688);
    expect(aapl.f64('open')[0]).toBe(270.42);
    expect(ds.open('BRK-B').f64('volume')[0]).toBe(100);
    ds.close();
  });

  it('epoch milliseconds (auto) and explicit units, file name symbol, no OHLV columns', async () => {
    const { inDir, outDir } = fresh({
      'ES=F.csv': 'timestamp,close\n1520861400000,1\n1520861460000,2\n',
      'NQ.csv': 'time,close\n1520861400,3\n',
    });
    const r = await ingest({ inputs: [inDir], outDir });
    expect(r.symbols.map((s) => s.symbol)).toEqual(['ES=F', 'NQ']);
    const ds = Dataset.open(outDir);
    expect(ds.manifest.schema).toEqual([
      { name: 'ts', dtype: 'i64' },
      { name: 'close', dtype: 'f64' },
    ]);
    expect(Array.from(ds.open('ES=F').timestampsNs())).toEqual([1520861400000000000n, 1520861460000000000n]);
    expect(Array.from(ds.open('NQ').timestampsNs())).toEqual([1520861400000000000n]);
    expect(ds.open('ES=F').has('open')).toBe(false);
    ds.close();

    const b = fresh({ 'X.csv': 'ts_ns;px\n1520861400000000001;1\n' });
    await ingest({
      inputs: [join(b.inDir, 'X.csv')],
      outDir: b.outDir,
      delimiter: ';',
      timestampUnit: 'ns',
      mapping: { timestamp: 'ts_ns' },
      columnMap: { close: 'px' },
    });
    const ds2 = Dataset.open(b.outDir);
    expect(ds2.open('X').timestampsNs()[0]).toBe(1520861400000000001n);
    ds2.close();
  });

  it('refuses an existing outDir unless overwrite, and replaces it atomically', async () => {
    const { inDir, outDir, root } = fresh({ 'A.csv': 'date,close\n2020-01-01,1\n' });
    await ingest({ inputs: [inDir], outDir });
    await expect(ingest({ inputs: [inDir], outDir })).rejects.toMatchObject({
      code: 'MMTAPE_OUTPUT_EXISTS',
    });
    writeFileSync(join(inDir, 'B.csv'), 'date,close\n2020-01-02,2\n');
    const r = await ingest({ inputs: [inDir], outDir, overwrite: true });
    expect(r.symbols.map((s) => s.symbol)).toEqual(['A', 'B']);
    expect(readdirSync(root).sort()).toEqual(['in', 'out']);
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'important.txt'), 'x');
    await expect(ingest({ inputs: [inDir], outDir: foreign, overwrite: true })).rejects.toMatchObject({
      code: 'MMTAPE_OUTPUT_EXISTS',
    });
    expect(readFileSync(join(foreign, 'important.txt'), 'utf8')).toBe('x');
  });
});

describe('ingest bad input: typed errors with file and line, nothing left behind', () => {
  it('unparseable timestamp', async () => {
    const { inDir, outDir } = fresh({
      'A.csv': 'date,close\n2020-01-01,1\n2020-01-02,1\n\n2020-02-30,1\n',
      'B.csv': 'date,close\n2020-01-01,1\n',
    });
    await expectIngestError({ inputs: [inDir], outDir }, 'MMTAPE_INGEST_INVALID_TIMESTAMP', [
      `${join(inDir, 'A.csv')}:5:`,
      '"2020-02-30"',
    ]);
  });

  it('missing required column lists the columns found', async () => {
    const { inDir, outDir } = fresh({ 'A.csv': 'date,open,price\n2020-01-01,1,2\n' });
    await expectIngestError({ inputs: [inDir], outDir }, 'MMTAPE_INGEST_MISSING_COLUMN', [
      `${join(inDir, 'A.csv')}:1:`,
      'missing close column',
      'found columns "date", "open", "price"',
    ]);
    const b = fresh({ 'A.csv': 'open,close\n1,2\n' });
    await expectIngestError({ inputs: [b.inDir], outDir: b.outDir }, 'MMTAPE_INGEST_MISSING_COLUMN', [
      'missing timestamp',
    ]);
  });

  it('non-numeric price', async () => {
    const { inDir, outDir } = fresh({ 'A.csv': 'date,open,close\n2020-01-01,1,2\n2020-01-02,1,abc\n' });
    await expectIngestError({ inputs: [inDir], outDir }, 'MMTAPE_INGEST_INVALID_NUMBER', [
      `${join(inDir, 'A.csv')}:3:`,
      'column "close" expected a number but found "abc"',
    ]);
  });

  it('wrong number of fields', async () => {
    const { inDir, outDir } = fresh({ 'A.csv': 'date,open,close\n2020-01-01,1,2\n2020-01-02,1\n' });
    await expectIngestError({ inputs: [inDir], outDir }, 'MMTAPE_INGEST_FIELD_COUNT_MISMATCH', [
      `${join(inDir, 'A.csv')}:3:`,
      'expected 3 fields (as in the header) but found 2',
    ]);
  });

  it('bad options', async () => {
    const { inDir, outDir } = fresh({ 'A.csv': 'date,close\n2020-01-01,1\n' });
    await expectIngestError(
      { inputs: [inDir], outDir, timeZone: 'Mars/Base' },
      'MMTAPE_INGEST_INVALID_OPTIONS',
      ['Mars/Base'],
    );
    await expectIngestError({ inputs: [join(inDir, 'nope')], outDir }, 'MMTAPE_INGEST_INVALID_OPTIONS', [
      'nope',
    ]);
  });
});

describe('Dataset manifest validation', () => {
  it('names the manifest file and the field', async () => {
    const { inDir, outDir } = fresh({ 'A.csv': 'date,close\n2020-01-01,1\n2020-01-02,2\n' });
    await ingest({ inputs: [inDir], outDir });
    const path = join(currentGenerationDir(outDir), 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    const mutate = (f: (x: typeof m) => void): unknown => {
      const copy = structuredClone(m);
      f(copy);
      writeFileSync(path, JSON.stringify(copy));
      try {
        Dataset.open(outDir);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    let e = mutate((x) => {
      x.symbols[0].rows = -1;
    });
    expect(isMmtapeError(e, 'MMTAPE_DATASET_INVALID_MANIFEST')).toBe(true);
    expect((e as Error).message).toContain(path);
    expect((e as { field?: string }).field).toBe('symbols[0].rows');
    e = mutate((x) => {
      x.symbols[0].file = '../A.col';
    });
    expect((e as { field?: string }).field).toBe('symbols[0].file');
    e = mutate((x) => {
      x.formatVersion = 2;
    });
    expect((e as { field?: string }).field).toBe('formatVersion');
    e = mutate((x) => {
      x.symbols[0].rows = 3;
      x.symbols[0].partitions[0].rows = 3;
      x.totalRows = 3;
    });
    expect(e).toBeUndefined();
    const ds = Dataset.open(outDir);
    expect(
      isMmtapeError(
        catchAny(() => ds.open('A')),
        'MMTAPE_DATASET_MISMATCH',
      ),
    ).toBe(true);
    expect(
      isMmtapeError(
        catchAny(() => ds.open('ZZZ')),
        'MMTAPE_DATASET_SYMBOL_NOT_FOUND',
      ),
    ).toBe(true);
    writeFileSync(path, '{not json');
    expect(
      isMmtapeError(
        catchAny(() => Dataset.open(outDir)),
        'MMTAPE_DATASET_INVALID_MANIFEST',
      ),
    ).toBe(true);
  });
});

function catchAny(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
