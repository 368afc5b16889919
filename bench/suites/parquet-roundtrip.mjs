// Parquet round trip: exportParquet (layout full, row groups by symbol and by time) of the demo data and of
// seeded synthetic data with sub-millisecond timestamps, read back by DuckDB (@duckdb/node-api) and by
// nodejs-polars; every value is compared with the dataset: f64 with Object.is (bit for bit except NaN
// payloads: NaN must read as NaN), i64 and timestamps as exact bigints. Fails (exit 1) on any difference
// that is not the one documented limitation: DuckDB (no TIMESTAMPTZ_NS type up to 1.5) reads
// TIMESTAMP(NANOS, isAdjustedToUTC) at microsecond precision, so on ns-resolution data it must equal the
// stored ns floored to 1 µs, and the rows where that truncation changes the value are counted.
// Usage: pnpm bench parquet-roundtrip (or node bench/suites/parquet-roundtrip.mjs after pnpm build).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { exportParquet } from '../../packages/columnar-format/dist/export/index.js';
import { Dataset, DatasetWriter } from '../../packages/columnar-format/dist/index.js';
import { ingest } from '../../packages/columnar-format/dist/ingest/index.js';
import { fmt, REPO, writeResults } from '../lib.mjs';
import { mulberry32 } from '../synthetic.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-parquet-'));

/** Seeded synthetic dataset: 3 symbols x 20,000 rows, ts steps of `stepUnitNs`..., f64 prices, i64 sizes. */
function writeSynthetic(dir, { seed, stepUnitNs }) {
  const rand = mulberry32(seed);
  const w = DatasetWriter.create(dir, { durable: false });
  for (const symbol of ['AAA', 'BBB', 'CCC']) {
    const n = 20_000;
    const ts = new BigInt64Array(n);
    const price = new Float64Array(n);
    const size = new BigInt64Array(n);
    let t = 1_514_903_400_000_000_000n; // 2018-01-02T14:30Z
    let p = 50 + rand() * 100;
    for (let i = 0; i < n; i++) {
      t += BigInt(1 + Math.floor(rand() * 900)) * stepUnitNs; // < 1 ms apart
      ts[i] = t;
      p *= 1 + (rand() - 0.5) * 1e-4;
      price[i] = i % 997 === 5 ? Number.NaN : i % 991 === 7 ? -0 : p;
      size[i] = i % 2 ? 2n ** 62n + BigInt(i) : -BigInt(Math.floor(rand() * 1e6));
    }
    w.writeSymbol(symbol, [
      { name: 'ts', dtype: 'i64', data: ts },
      { name: 'price', dtype: 'f64', data: price },
      { name: 'size', dtype: 'i64', data: size },
    ]);
  }
  w.finish();
}

/** The dataset's rows in the export's order: { symbol[], ts BigInt64Array, columns: {name: typed array} }. */
function expectedRows(dir, order) {
  const ds = Dataset.open(dir);
  try {
    const first = ds.open(ds.symbols[0]);
    const names = first.columns.map((c) => c.name).filter((n) => n !== 'ts');
    const rows = [];
    for (const s of ds.symbols) {
      const f = ds.open(s);
      const ts = f.timestampsNs();
      const cols = names.map((n) => f.column(n));
      for (let i = 0; i < ts.length; i++) rows.push({ symbol: s, ts: ts[i], values: cols.map((c) => c[i]) });
    }
    if (order === 'time') {
      rows.sort((a, b) =>
        a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
      );
    }
    return { names, dtypes: first.columns.filter((c) => c.name !== 'ts').map((c) => c.dtype), rows };
  } finally {
    ds.close();
  }
}

/** Compares reader columns with the expected rows; returns { mismatches, tsTruncatedRows, firstMismatch }. */
function compare(expected, got, { tsFloorUs = false } = {}) {
  let mismatches = 0;
  let tsTruncatedRows = 0;
  let firstMismatch;
  const miss = (i, what, want, have) => {
    mismatches++;
    firstMismatch ??= `row ${i} ${what}: expected ${want}, read ${have}`;
  };
  if (got.symbol.length !== expected.rows.length)
    miss(-1, 'row count', expected.rows.length, got.symbol.length);
  const n = Math.min(got.symbol.length, expected.rows.length);
  for (let i = 0; i < n; i++) {
    const e = expected.rows[i];
    if (got.symbol[i] !== e.symbol) miss(i, 'symbol', e.symbol, got.symbol[i]);
    const wantTs = tsFloorUs ? e.ts - (((e.ts % 1000n) + 1000n) % 1000n) : e.ts;
    if (wantTs !== e.ts) tsTruncatedRows++;
    if (got.ts[i] !== wantTs) miss(i, 'timestamp', wantTs, got.ts[i]);
    expected.names.forEach((name, k) => {
      const want = e.values[k];
      const have = got.columns[k][i];
      if (!Object.is(want, have)) miss(i, name, want, have);
    });
  }
  return { mismatches, tsTruncatedRows, firstMismatch };
}

async function readDuckdb(path, names) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const quoted = path.replaceAll("'", "''");
  const types = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${quoted}')`)).getRows();
  const reader = await conn.runAndReadAll(
    `SELECT symbol, epoch_ns(timestamp) AS ts, ${names.map((n) => `"${n}"`).join(', ')} FROM read_parquet('${quoted}', file_row_number = true) ORDER BY file_row_number`,
  );
  const cols = reader.getColumns();
  conn.closeSync?.();
  instance.closeSync?.();
  return {
    symbol: cols[0],
    ts: cols[1],
    columns: cols.slice(2),
    types: Object.fromEntries(types.map((r) => [r[0], r[1]])),
  };
}

function readPolars(path, names) {
  const df = pl.readParquet(path);
  return {
    symbol: df.getColumn('symbol').toArray(),
    ts: df.getColumn('timestamp').cast(pl.Int64).toTypedArray(),
    columns: names.map((n) => df.getColumn(n).toTypedArray()),
    types: Object.fromEntries(Object.entries(df.schema).map(([k, v]) => [k, String(v)])),
  };
}

const sets = [];
const demo = join(tmp, 'demo');
await ingest({
  inputs: [join(REPO, 'apps', 'cli', 'demo-data', 'sp500-30')],
  outDir: demo,
  durable: false,
  workers: 1,
});
sets.push({ name: 'demo sp500-30 (daily bars, f64 OHLCV)', dir: demo, nsResolution: false });
const us = join(tmp, 'synthetic-us');
writeSynthetic(us, { seed: 1801, stepUnitNs: 1000n });
sets.push({
  name: 'synthetic, µs-resolution steps < 1 ms (f64 price with NaN/-0, i64 size near 2^62)',
  dir: us,
  nsResolution: false,
});
const ns = join(tmp, 'synthetic-ns');
writeSynthetic(ns, { seed: 1802, stepUnitNs: 1n });
sets.push({
  name: 'synthetic, ns-resolution steps < 1 µs (f64 price with NaN/-0, i64 size near 2^62)',
  dir: ns,
  nsResolution: true,
});

const rows = [];
const raw = [];
let failed = 0;
try {
  for (const set of sets) {
    for (const order of ['symbol', 'time']) {
      const path = join(tmp, `${raw.length}.parquet`);
      const r = await exportParquet(set.dir, path, { rowGroupsBy: order, rowGroupRows: 16_384 });
      const expected = expectedRows(set.dir, order);
      const duck = await readDuckdb(path, expected.names);
      const d = compare(expected, duck, { tsFloorUs: set.nsResolution });
      const polars = readPolars(path, expected.names);
      const p = compare(expected, polars);
      if (d.mismatches > 0 || p.mismatches > 0) failed++;
      raw.push({
        set: set.name,
        order,
        export: r,
        duckdb: { ...d, types: duck.types },
        polars: { ...p, types: polars.types },
      });
      rows.push([
        set.name,
        order,
        fmt(r.rows),
        r.columns.join(', '),
        d.mismatches === 0
          ? set.nsResolution
            ? `every value equal, timestamps floored to 1 µs (${fmt(d.tsTruncatedRows)} rows have sub-µs digits)`
            : 'every value equal'
          : `${d.mismatches} differences (${d.firstMismatch})`,
        p.mismatches === 0 ? 'every value equal' : `${p.mismatches} differences (${p.firstMismatch})`,
      ]);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

writeResults('parquet-roundtrip', {
  summary:
    'mmtape export --format parquet (layout full) read back by DuckDB and nodejs-polars, compared value by value with the dataset: timestamps and i64 as exact integers, f64 with Object.is (bit-exact for every non-NaN value, -0 included; NaN reads as NaN). DuckDB 1.5 has no nanosecond type with time zone and reads TIMESTAMP(NANOS, isAdjustedToUTC) at microsecond precision (duckdb/duckdb#9852): on ns-resolution data its timestamps equal the stored ones floored to 1 µs; Polars reads them exactly (Datetime(ns, UTC)).',
  tables: [
    {
      title: 'Parquet export read back by DuckDB and nodejs-polars',
      data: 'apps/cli/demo-data/sp500-30 (ingested), seeded synthetic datasets of 3 symbols x 20,000 rows',
      peer: 'DuckDB 1.5 (@duckdb/node-api, read_parquet), nodejs-polars 0.24 (readParquet)',
      columns: ['data', 'row groups by', 'rows', 'columns', 'DuckDB', 'nodejs-polars'],
      rows,
      notes: [
        `DuckDB column types: ${JSON.stringify(raw[0]?.duckdb.types)}`,
        `Polars column types: ${JSON.stringify(raw[0]?.polars.types)}`,
      ],
    },
  ],
  raw,
});
if (failed > 0) {
  console.error(`parquet-roundtrip: ${failed} export(s) read back with differences`);
  process.exit(1);
}
