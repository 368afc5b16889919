import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, isMmtapeError } from '../src/index.js';
import { type IngestOptions, ingest, normalizeColumnName } from '../src/ingest/index.js';
import { snapshot, tempDir } from './helpers.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ingest');
const { dir, cleanup } = tempDir('mmtape-ingest-cols-');
afterAll(cleanup);

let n = 0;
function fresh(files: Record<string, string>): { inDir: string; outDir: string; root: string } {
  const root = join(dir, `case${n++}`);
  const inDir = join(root, 'in');
  mkdirSync(inDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(inDir, name), content);
  return { inDir, root, outDir: join(root, 'out') };
}

/** The stored f64 column `name` of `symbol`. */
function column(outDir: string, symbol: string, name: string): number[] {
  const ds = Dataset.open(outDir);
  try {
    return Array.from(ds.open(symbol).f64(name));
  } finally {
    ds.close();
  }
}

function schemaOf(outDir: string): string[] {
  const ds = Dataset.open(outDir);
  try {
    return ds.manifest.schema.map((c) => `${c.name}:${c.dtype}`);
  } finally {
    ds.close();
  }
}

async function ingestError(options: IngestOptions): Promise<Error & Record<string, unknown>> {
  try {
    await ingest(options);
  } catch (e) {
    expect(existsSync(options.outDir)).toBe(false);
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected ingest to fail');
}

describe('normalizeColumnName', () => {
  it.each([
    ['Adj Close', 'adj_close'],
    ['adjustedClose', 'adjusted_close'],
    ['adjusted_close', 'adjusted_close'],
    ['5. adjusted close', 'adjusted_close'],
    ['1. open', 'open'],
    ['OPEN', 'open'],
    [' Volume ', 'volume'],
    ['VWAPPrice', 'vwap_price'],
    ['Volume (USD)', 'volume_usd'],
    ['Clôture', 'cloture'],
    ['52w high', '_52w_high'],
    ['%%', 'column_3'],
    ['', 'column_3'],
  ])('%j -> %j', (header, stored) => {
    expect(normalizeColumnName(header, 3)).toBe(stored);
  });
});

describe('ingest keeps every numeric column', () => {
  it('Alpha Vantage daily adjusted: adjusted_close, dividend_amount, split_coefficient with exact values', async () => {
    const outDir = join(dir, 'av');
    const r = await ingest({ inputs: [join(FIXTURES, 'alpha-vantage')], outDir, workers: 1 });
    expect(schemaOf(outDir)).toEqual([
      'ts:i64',
      'open:f64',
      'high:f64',
      'low:f64',
      'close:f64',
      'volume:f64',
      'adjusted_close:f64',
      'dividend_amount:f64',
      'split_coefficient:f64',
    ]);
    expect(r.columns.map((c) => c.name)).toEqual([
      'open',
      'high',
      'low',
      'close',
      'volume',
      'adjusted_close',
      'dividend_amount',
      'split_coefficient',
    ]);
    expect(r.columns.find((c) => c.name === 'adjusted_close')).toEqual({
      name: 'adjusted_close',
      headers: ['adjusted_close'],
      files: 1,
      filesWithout: 0,
      rowsFilled: 0,
      missingValues: 0,
    });
    expect(r.skippedColumns).toEqual([]);
    expect(r.warnings).toEqual([]);
    // Newest row first in the file: stored in time order.
    expect(column(outDir, 'IBM', 'adjusted_close')).toEqual([
      117.4868, 108.6541, 108.6541, 107.0889, 107.3117,
    ]);
    expect(column(outDir, 'IBM', 'dividend_amount')).toEqual([0, 0, 0, 1.64, 0]);
    expect(column(outDir, 'IBM', 'split_coefficient')).toEqual([1, 1.046, 1, 1, 1]);
    expect(column(outDir, 'IBM', 'close')).toEqual([139.79, 123.61, 123.61, 120.2, 120.45]);
  });

  it("Yahoo: `Adj Close` is stored as adj_close, and --column-map close='Adj Close' stores it as close", async () => {
    const outDir = join(dir, 'yahoo');
    const r = await ingest({ inputs: [join(FIXTURES, 'yahoo')], outDir, workers: 1 });
    expect(r.columns.map((c) => `${c.name}<-${c.headers.join('|')}`)).toEqual([
      'open<-Open',
      'high<-High',
      'low<-Low',
      'close<-Close',
      'volume<-Volume',
      'adj_close<-Adj Close',
    ]);
    expect(column(outDir, 'AAPL', 'adj_close')).toEqual([122.678185, 122.479469, 126.632957, 131.677155]);

    const mapped = join(dir, 'yahoo-mapped');
    const m = await ingest({
      inputs: [join(FIXTURES, 'yahoo')],
      outDir: mapped,
      columnMap: { close: 'Adj Close' },
      workers: 1,
    });
    expect(m.replacedColumns).toEqual([{ name: 'close', header: 'Close', from: 'Adj Close' }]);
    expect(m.columns.map((c) => c.name)).toEqual(['open', 'high', 'low', 'close', 'volume', 'adj_close']);
    expect(column(mapped, 'AAPL', 'close')).toEqual([122.678185, 122.479469, 126.632957, 131.677155]);
    expect(column(mapped, 'AAPL', 'adj_close')).toEqual(column(mapped, 'AAPL', 'close'));
  });

  it('column map by stored name, to a new name, and a swap', async () => {
    const { inDir, root } = fresh({
      'X.csv': 'date,close,adjusted_close\n2020-01-01,10,9\n2020-01-02,11,10\n',
    });
    const a = await ingest({
      inputs: [inDir],
      outDir: join(root, 'a'),
      columnMap: { close: 'adjusted_close', raw_close: 'close' },
    });
    // A new target sits at its source's header position.
    expect(a.columns.map((c) => c.name)).toEqual(['close', 'raw_close', 'adjusted_close']);
    expect(column(join(root, 'a'), 'X', 'close')).toEqual([9, 10]);
    expect(column(join(root, 'a'), 'X', 'raw_close')).toEqual([10, 11]);
    const b = await ingest({
      inputs: [inDir],
      outDir: join(root, 'b'),
      columnMap: { close: 'adjusted_close', adjusted_close: 'close' },
    });
    expect(b.replacedColumns.map((x) => `${x.name}:${x.header}<-${x.from}`)).toEqual([
      'close:close<-adjusted_close',
      'adjusted_close:adjusted_close<-close',
    ]);
    expect(column(join(root, 'b'), 'X', 'close')).toEqual([9, 10]);
    expect(column(join(root, 'b'), 'X', 'adjusted_close')).toEqual([10, 11]);
  });

  it('a column map source missing from a file is a usage error naming the file and its columns', async () => {
    const { inDir, outDir } = fresh({ 'X.csv': 'date,close,volume\n2020-01-01,10,5\n' });
    const e = await ingestError({ inputs: [inDir], outDir, columnMap: { close: 'adjusted_close' } });
    expect(isMmtapeError(e, 'MMTAPE_INGEST_INVALID_OPTIONS')).toBe(true);
    expect(e.message).toContain('X.csv');
    expect(e.message).toContain('"close", "volume"');
    const bad = await ingestError({ inputs: [inDir], outDir, columnMap: { 'Close Price': 'close' } });
    expect(isMmtapeError(bad, 'MMTAPE_INGEST_INVALID_OPTIONS')).toBe(true);
    expect(bad.message).toContain('"Close Price"');
  });

  it('two headers with the same snake_case name are a typed error naming both', async () => {
    const { inDir, outDir } = fresh({ 'X.csv': 'date,close,Adj Close,adj_close\n2020-01-01,1,2,3\n' });
    const e = await ingestError({ inputs: [inDir], outDir });
    expect(isMmtapeError(e, 'MMTAPE_INGEST_COLUMN_NAME_COLLISION')).toBe(true);
    expect(e.message).toContain('"Adj Close" and "adj_close"');
    expect(e.field).toBe('adj_close');
    const f = fresh({ 'Y.csv': 'date,close,Flags\n2020-01-01,1,0\n' });
    const r = await ingestError({ inputs: [f.inDir], outDir: f.outDir });
    expect(isMmtapeError(r, 'MMTAPE_INGEST_COLUMN_NAME_COLLISION')).toBe(true);
    expect(r.message).toContain('"Flags"');
  });

  it('non-numeric columns are skipped and reported; a column absent from a file is NaN there, with a warning', async () => {
    const { inDir, outDir } = fresh({
      'A.csv': 'date,close,exchange,note,adj_close\n2020-01-01,10,NYSE,,9\n2020-01-02,11,NYSE,ok,10\n',
      'B.csv': 'date,close\n2020-01-01,20\n',
    });
    const r = await ingest({ inputs: [inDir], outDir, workers: 1 });
    expect(r.columns.map((c) => c.name)).toEqual(['close', 'adj_close']);
    expect(r.skippedColumns).toEqual([
      { header: 'exchange', files: 1, example: 'NYSE' },
      { header: 'note', files: 1, example: 'ok' },
    ]);
    expect(column(outDir, 'B', 'adj_close')).toEqual([Number.NaN]);
    expect(r.columns[1]).toMatchObject({ files: 1, filesWithout: 1, rowsFilled: 1 });
    expect(r.warnings.map((w) => w.code)).toEqual(['PARTIAL_COLUMNS']);
    expect(r.warnings[0]!.message).toBe('column "adj_close" (absent from 1 of 2 files, 1 row stored as NaN)');
  });

  it('Parquet: extra numeric columns are kept; text and date/time columns other than the time column are skipped', async () => {
    const root = join(dir, 'pq');
    mkdirSync(root, { recursive: true });
    const path = join(root, 'X.parquet');
    const days = [Date.UTC(2020, 0, 2), Date.UTC(2020, 0, 3)];
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'Date', data: days.map((d) => new Date(d)), type: 'TIMESTAMP' },
        { name: 'Close', data: [10.5, 11], type: 'DOUBLE' },
        { name: 'Adj Close', data: [10.25, 10.75], type: 'DOUBLE' },
        { name: 'shares', data: [7, 8], type: 'INT32' },
        { name: 'exchange', data: ['NYSE', 'NYSE'], type: 'STRING' },
        { name: 'as_of', data: days.map((d) => new Date(d)), type: 'TIMESTAMP' },
      ],
    });
    const outDir = join(root, 'out');
    const r = await ingest({ inputs: [path], outDir, workers: 1 });
    expect(r.columns.map((c) => `${c.name}<-${c.headers[0]}`)).toEqual([
      'close<-Close',
      'adj_close<-Adj Close',
      'shares<-shares',
    ]);
    expect(r.skippedColumns.map((c) => c.header)).toEqual(['as_of', 'exchange']);
    expect(column(outDir, 'X', 'adj_close')).toEqual([10.25, 10.75]);
    expect(column(outDir, 'X', 'shares')).toEqual([7, 8]);
  });

  it('a file split into byte ranges gives the same columns as one pass (first non-empty value decides)', async () => {
    const lines = ['date,close,note,adj'];
    for (let i = 0; i < 120; i++) {
      const day = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
      lines.push(`${day},${i + 1},${i < 60 ? '' : 'x'},${i < 90 ? '' : i / 4}`);
    }
    const { inDir, root } = fresh({ 'X.csv': `${lines.join('\n')}\n` });
    const whole = await ingest({ inputs: [inDir], outDir: join(root, 'whole'), workers: 1 });
    const split = await ingest({ inputs: [inDir], outDir: join(root, 'split'), workers: 1, splitBytes: 256 });
    expect(whole.columns.map((c) => c.name)).toEqual(['close', 'adj']);
    expect(whole.skippedColumns).toEqual([{ header: 'note', files: 1, example: 'x' }]);
    expect(split.columns).toEqual(whole.columns);
    expect(split.skippedColumns).toEqual(whole.skippedColumns);
    expect(snapshot(join(root, 'split'))).toEqual(snapshot(join(root, 'whole')));
  });

  it('a non-number after numbers in an extra column is an error with file, line and column', async () => {
    const { inDir, outDir } = fresh({ 'X.csv': 'date,close,adj_close\n2020-01-01,1,2\n2020-01-02,1,n/a\n' });
    const e = await ingestError({ inputs: [inDir], outDir });
    expect(isMmtapeError(e, 'MMTAPE_INGEST_INVALID_NUMBER')).toBe(true);
    expect(e.message).toContain('X.csv:3: column "adj_close" expected a number but found "n/a"');
  });
});

describe('ingest hygiene defaults', () => {
  it('1e309 (Infinity) is a data error naming file, line and column; bad-prices drop/flag repairs it', async () => {
    const csv = 'date,open,high,low,close,volume\n2020-01-01,1,2,1,1.5,10\n2020-01-02,1,1e309,1,1.5,10\n';
    const { inDir, root } = fresh({ 'X.csv': csv });
    const e = await ingestError({ inputs: [inDir], outDir: join(root, 'out') });
    expect(isMmtapeError(e, 'MMTAPE_INGEST_INVALID_NUMBER')).toBe(true);
    expect(e.message).toContain('X.csv:3: column "high" value "1e309" is not a finite number');
    expect(e.line).toBe(3);
    expect(e.field).toBe('high');
    const dropped = await ingest({
      inputs: [inDir],
      outDir: join(root, 'drop'),
      hygiene: { badPrices: 'drop' },
    });
    expect(dropped.hygiene.badPriceRowsDropped).toBe(1);
    expect(column(join(root, 'drop'), 'X', 'high')).toEqual([2]);
    const flagged = await ingest({
      inputs: [inDir],
      outDir: join(root, 'flag'),
      hygiene: { badPrices: 'flag' },
    });
    expect(flagged.hygiene.badPriceRows).toBe(1);
    const volume = fresh({ 'V.csv': 'date,close,volume\n2020-01-01,1,-1e400\n' });
    const v = await ingestError({
      inputs: [volume.inDir],
      outDir: volume.outDir,
      hygiene: { badPrices: 'drop' },
    });
    expect(v.message).toContain('column "volume" value "-1e400" is not a finite number');
  });

  it('warns about zero/negative prices, high < low and empty or header-only files without any hygiene option', async () => {
    const { inDir, outDir } = fresh({
      'A.csv': 'date,open,high,low,close\n2020-01-01,1,2,1,1.5\n2020-01-02,0,2,1,1.5\n2020-01-03,1,1,2,-1\n',
      'B.csv': 'date,open,high,low,close\n',
      'C.csv': '',
    });
    const r = await ingest({ inputs: [inDir], outDir, workers: 1 });
    expect(r.rowsWritten).toBe(3);
    expect(r.emptyFiles.map((f) => f.slice(-5))).toEqual(['B.csv', 'C.csv']);
    expect(r.suspectPrices).toEqual({
      nonPositivePriceRows: 2,
      highBelowLowRows: 1,
      firstNonPositivePrice: { symbol: 'A', timestampNs: '1577923200000000000' },
      firstHighBelowLow: { symbol: 'A', timestampNs: '1578009600000000000' },
    });
    expect(r.warnings.map((w) => [w.code, w.count, w.message])).toEqual([
      ['EMPTY_FILES', 2, 'skipped 2 empty or header-only input files: B.csv, C.csv'],
      [
        'NON_POSITIVE_PRICES',
        2,
        '2 stored rows have a zero or negative open/high/low/close, first A 2020-01-02T00:00:00.000Z (bad-prices drop or flag handles them)',
      ],
      [
        'HIGH_BELOW_LOW',
        1,
        '1 stored row has high < low, first A 2020-01-03T00:00:00.000Z (repair-ohlc sets high/low to the max/min of open, high, low, close)',
      ],
    ]);
  });
});
