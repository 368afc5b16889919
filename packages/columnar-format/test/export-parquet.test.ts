import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportParquet } from '../src/export/index.js';
import { type ColumnInput, Dataset, DatasetWriter, type DType, isMmtapeError } from '../src/index.js';
import { ingest } from '../src/ingest/index.js';
import { mulberry32, tempDir } from './helpers.js';

const DEMO_DATA = join(import.meta.dirname, '..', '..', '..', 'apps', 'cli', 'demo-data', 'sp500-30');
const tmp = tempDir('mmtape-export-parquet-');
afterAll(() => tmp.cleanup());

type Row = Record<string, unknown>;

/** Every row of a Parquet file, timestamps as raw bigint (ns or µs), plus its metadata. */
async function readBack(path: string) {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const rows = (await parquetReadObjects({
    file,
    compressors: decompressors,
    parsers: { timestampFromNanoseconds: (v: bigint) => v, timestampFromMicroseconds: (v: bigint) => v },
  })) as Row[];
  return { metadata, rows };
}

/** Bits of a float64 as a bigint (NaN payloads, -0 and all compared exactly). */
function f64Bits(v: number): bigint {
  const f = new Float64Array([v]);
  return new BigUint64Array(f.buffer)[0]!;
}

/** The stored rows of `datasetDir` in (symbol, time) order, values as numbers/bigints, f64 as bits. */
function storedRows(datasetDir: string, columns: readonly string[]): Row[] {
  const ds = Dataset.open(datasetDir);
  try {
    const out: Row[] = [];
    for (const r of ds.openRange()) {
      for (const s of r.slices) {
        const ts = s.file.timestampsNs();
        const data = columns.map((c) => s.file.column(c));
        const dtypes = columns.map((c) => s.file.columns.find((d) => d.name === c)!.dtype);
        for (let i = s.startRow; i < s.endRow; i++) {
          const row: Row = { timestamp: ts[i], symbol: r.symbol };
          columns.forEach((c, k) => {
            const v = data[k]![i]!;
            row[c] = dtypes[k] === 'f64' ? f64Bits(v as number) : v;
          });
          out.push(row);
        }
      }
    }
    return out;
  } finally {
    ds.close();
  }
}

/** Parquet rows with f64 columns replaced by their bits. */
function withBits(rows: Row[], f64Columns: readonly string[]): Row[] {
  return rows.map((r) => {
    const o = { ...r };
    for (const c of f64Columns) o[c] = f64Bits(r[c] as number);
    return o;
  });
}

function byTimeThenSymbol(rows: Row[]): Row[] {
  // Stable sort: rows of one symbol sharing a timestamp keep their stored order.
  return [...rows].sort((a, b) => {
    const x = a.timestamp as bigint;
    const y = b.timestamp as bigint;
    if (x !== y) return x < y ? -1 : 1;
    const s = a.symbol as string;
    const t = b.symbol as string;
    return s < t ? -1 : s > t ? 1 : 0;
  });
}

describe('exportParquet full layout on the demo data (sp500-30)', () => {
  let ds = '';
  beforeAll(async () => {
    ds = join(tmp.dir, 'sp500');
    await ingest({ inputs: [DEMO_DATA], outDir: ds, durable: false, workers: 1 });
  });

  it('every column at its stored type, bit-exact, row groups by symbol (default)', async () => {
    const out = join(tmp.dir, 'sp500-by-symbol.parquet');
    const r = await exportParquet(ds, out);
    const d = Dataset.open(ds);
    const first = d.open(d.symbols[0]!);
    const valueColumns = first.columns.map((c) => c.name).filter((n) => n !== 'ts');
    const dtypes = Object.fromEntries(first.columns.map((c) => [c.name, c.dtype])) as Record<string, DType>;
    const symbolCount = d.symbols.length;
    d.close();
    expect(valueColumns).toEqual(['open', 'high', 'low', 'close', 'volume']);
    expect(dtypes.close).toBe('f64');
    // ingest stores every numeric input column as f64, volume included; i64 columns: synthetic test below.
    expect(dtypes.volume).toBe('f64');
    expect(r.columns).toEqual(['timestamp', 'symbol', ...valueColumns]);
    expect(r.layout).toBe('full');
    expect(r.rowGroupsBy).toBe('symbol');

    const { metadata, rows } = await readBack(out);
    const f64Columns = valueColumns.filter((c) => dtypes[c] === 'f64');
    expect(withBits(rows, f64Columns)).toEqual(storedRows(ds, valueColumns));
    expect(r.rows).toBe(rows.length);
    // One symbol per row group, each with the symbol as a one-entry dictionary.
    expect(metadata.row_groups.length).toBe(symbolCount);
    expect(r.rowGroups).toBe(symbolCount);
    const type = (name: string) => metadata.schema.find((e) => e.name === name)!;
    expect(type('timestamp')).toMatchObject({
      type: 'INT64',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' },
    });
    expect(type('symbol')).toMatchObject({ type: 'BYTE_ARRAY', logical_type: { type: 'STRING' } });
    expect(type('close').type).toBe('DOUBLE');
    expect(type('volume').type).toBe('DOUBLE');
    for (const g of metadata.row_groups) {
      const symbolChunk = g.columns[1]!.meta_data!;
      expect(symbolChunk.encodings).toContain('RLE_DICTIONARY');
      expect(symbolChunk.dictionary_page_offset).toBeDefined();
      expect(g.columns.map((c) => c.meta_data?.codec)).toEqual(Array(7).fill('ZSTD'));
    }
    expect(metadata.key_value_metadata).toEqual(
      expect.arrayContaining([
        { key: 'mmtape.layout', value: 'full' },
        { key: 'mmtape.order', value: 'symbol,timestamp' },
      ]),
    );
    // The sum a reader computes from the file is the dataset's sum, to the last bit.
    let sumFile = 0;
    for (const row of rows) sumFile += row.close as number;
    let sumStored = 0;
    const d2 = Dataset.open(ds);
    for (const s of d2.symbols) for (const v of d2.open(s).f64('close')) sumStored += v;
    d2.close();
    expect(sumFile).toBe(sumStored);
  });

  it('row groups by time: rows ordered by (timestamp, symbol), groups of rowGroupRows', async () => {
    const out = join(tmp.dir, 'sp500-by-time.parquet');
    const r = await exportParquet(ds, out, { rowGroupsBy: 'time', rowGroupRows: 5000 });
    const { metadata, rows } = await readBack(out);
    const cols = ['open', 'high', 'low', 'close', 'volume'];
    expect(withBits(rows, cols)).toEqual(byTimeThenSymbol(storedRows(ds, cols)));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual(
      Array.from({ length: Math.ceil(rows.length / 5000) }, (_, i) => Math.min(5000, rows.length - i * 5000)),
    );
    expect(r.rowGroups).toBe(metadata.row_groups.length);
  });

  it('--columns: the chosen value columns in the chosen order; a missing one names the columns found', async () => {
    const out = join(tmp.dir, 'sp500-cols.parquet');
    const r = await exportParquet(ds, out, { columns: ['volume', 'ts', 'close'], symbols: ['KO', 'PEP'] });
    expect(r.columns).toEqual(['timestamp', 'symbol', 'volume', 'close']);
    const { rows } = await readBack(out);
    expect(Object.keys(rows[0]!)).toEqual(['timestamp', 'symbol', 'volume', 'close']);
    expect(withBits(rows, ['volume', 'close'])).toEqual(
      storedRows(ds, ['volume', 'close']).filter((x) => x.symbol === 'KO' || x.symbol === 'PEP'),
    );
    const e = await exportParquet(ds, join(tmp.dir, 'x.parquet'), { columns: ['vwap'] }).catch((x) => x);
    expect(isMmtapeError(e, 'MMTAPE_FORMAT_COLUMN_NOT_FOUND')).toBe(true);
    expect(String(e.message)).toContain('close');
  });

  it('compact-close-f32 is the lossy opt-in layout: timestamp, symbol, close float32, time order', async () => {
    const out = join(tmp.dir, 'sp500-compact.parquet');
    const r = await exportParquet(ds, out, { layout: 'compact-close-f32' });
    expect(r.columns).toEqual(['timestamp', 'symbol', 'close']);
    expect(r.rowGroupsBy).toBe('time');
    const { metadata, rows } = await readBack(out);
    expect(metadata.schema.find((e) => e.name === 'close')!.type).toBe('FLOAT');
    const expected = byTimeThenSymbol(storedRows(ds, ['close'])).map((x) => ({
      ...x,
      close: Math.fround(new Float64Array(new BigUint64Array([x.close as bigint]).buffer)[0]!),
    }));
    expect(rows).toEqual(expected);
    const bad1 = await exportParquet(ds, join(tmp.dir, 'y.parquet'), {
      layout: 'compact-close-f32',
      columns: ['close'],
    }).catch((x) => x);
    expect(isMmtapeError(bad1, 'MMTAPE_EXPORT_PARQUET_FAILED')).toBe(true);
    expect(bad1.kind).toBe('usage');
    const bad2 = await exportParquet(ds, join(tmp.dir, 'y.parquet'), {
      layout: 'compact-close-f32',
      rowGroupsBy: 'symbol',
    }).catch((x) => x);
    expect(String(bad2.message)).toContain("rowGroupsBy 'symbol' needs layout 'full'");
    const bad3 = await exportParquet(ds, join(tmp.dir, 'y.parquet'), {
      layout: 'small' as never,
    }).catch((x) => x);
    expect(String(bad3.message)).toContain('layout must be one of full, compact-close-f32');
  });
});

describe('exportParquet full layout on synthetic sub-millisecond data', () => {
  const DTYPES: DType[] = ['f64', 'f32', 'i64', 'i32', 'u8'];
  let ds = '';
  beforeAll(() => {
    ds = join(tmp.dir, 'synthetic');
    const rand = mulberry32(18);
    // Day partitions, so one symbol spans several slices; ns steps of 1 ns..0.9 ms with repeats.
    const w = DatasetWriter.create(ds, { partition: 'day', durable: false });
    const dayNs = 86_400_000_000_000n;
    for (const symbol of ['ZZ', 'A', 'MSFT']) {
      const n = 3000;
      const ts = new BigInt64Array(n);
      let t = 1_514_764_800_000_000_000n + dayNs - 700_000_000n; // 2018-01-01T23:59:59.3Z
      for (let i = 0; i < n; i++) {
        const step = rand() < 0.1 ? 0n : BigInt(1 + Math.floor(rand() * 900_000));
        t += step;
        ts[i] = t;
      }
      // f64: random 64-bit patterns (NaN payloads, -0, subnormals, infinities) plus prices.
      const bits = new BigUint64Array(n);
      for (let i = 0; i < n; i++) {
        bits[i] = (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
      }
      const price = new Float64Array(bits.buffer);
      price[0] = -0;
      price[1] = 101.37 + 1e-13;
      const columns: ColumnInput[] = [
        { name: 'ts', dtype: 'i64', data: ts },
        { name: 'price', dtype: 'f64', data: price },
        { name: 'bid', dtype: 'f32', data: Float32Array.from({ length: n }, () => (rand() - 0.5) * 1e6) },
        {
          name: 'size',
          dtype: 'i64',
          data: BigInt64Array.from({ length: n }, (_, i) => (i % 2 ? -1n : 1n) * (2n ** 62n + BigInt(i))),
        },
        { name: 'venue', dtype: 'i32', data: Int32Array.from({ length: n }, () => (rand() * 2 ** 32) | 0) },
        { name: 'flag', dtype: 'u8', data: Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)) },
      ];
      expect(columns.slice(1).map((c) => c.dtype)).toEqual(DTYPES);
      w.writeSymbol(symbol, columns);
    }
    w.finish();
  });

  it.each(['symbol', 'time'] as const)('rowGroupsBy %s: every value back exactly', async (order) => {
    const out = join(tmp.dir, `synthetic-${order}.parquet`);
    const r = await exportParquet(ds, out, { rowGroupsBy: order, rowGroupRows: 1000 });
    const cols = ['price', 'bid', 'size', 'venue', 'flag'];
    const { metadata, rows } = await readBack(out);
    const stored = storedRows(ds, cols);
    expect(stored.length).toBe(9000);
    expect(stored.some((x) => (x.timestamp as bigint) % 1_000_000n !== 0n)).toBe(true);
    expect(withBits(rows, ['price'])).toEqual(order === 'time' ? byTimeThenSymbol(stored) : stored);
    expect(metadata.schema.slice(3).map((e) => [e.name, e.type])).toEqual([
      ['price', 'DOUBLE'],
      ['bid', 'FLOAT'],
      ['size', 'INT64'],
      ['venue', 'INT32'],
      ['flag', 'INT32'],
    ]);
    expect(metadata.schema.find((e) => e.name === 'flag')!.logical_type).toEqual({
      type: 'INTEGER',
      bitWidth: 8,
      isSigned: false,
    });
    if (order === 'symbol') {
      // No row group holds two symbols; 3000 rows per symbol → 3 groups of 1000 each.
      expect(metadata.row_groups.length).toBe(9);
      expect(r.rowGroups).toBe(9);
    }
  });

  it('timestampUnit us floors to microseconds (documented as lossy below 1 µs)', async () => {
    const out = join(tmp.dir, 'synthetic-us.parquet');
    await exportParquet(ds, out, { timestampUnit: 'us', symbols: ['A'] });
    const { rows } = await readBack(out);
    const stored = storedRows(ds, []).filter((x) => x.symbol === 'A');
    expect(rows.map((x) => x.timestamp)).toEqual(stored.map((x) => (x.timestamp as bigint) / 1000n));
  });
});
