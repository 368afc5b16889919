// Ingest throughput: MB/s of CSV into an mmtape dataset (ingest, worker threads: 1 and auto), side by
// side with DuckDB (`CREATE TABLE t AS SELECT * FROM read_csv([...files])`, in-memory database) on the
// same files, in the same run. Then exportParquet of each dataset, read back by DuckDB: row count and
// sum(close) must match. Data: ../shared/data/us-1min-2018q1-sample/intraday and a seeded synthetic set of 3,000
// symbols (one CSV per symbol, written to a temp folder and removed afterwards).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { exportParquet } from '../../packages/columnar-format/dist/export/index.js';
import { Dataset } from '../../packages/columnar-format/dist/index.js';
import { ingest } from '../../packages/columnar-format/dist/ingest/index.js';
import { fmt, memory, REPO, SHARED_DATA, timeIt, writeResults } from '../lib.mjs';
import { mulberry32 } from '../synthetic.mjs';

const SYNTH_SYMBOLS = Number(process.env.BENCH_SYNTH_SYMBOLS ?? 3000);
const SYNTH_ROWS = Number(process.env.BENCH_SYNTH_ROWS ?? 390); // one trading day of 1-minute bars
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

function writeSynthetic(dir) {
  const rand = mulberry32(20180102);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.UTC(2018, 0, 2, 14, 30);
  for (let s = 0; s < SYNTH_SYMBOLS; s++) {
    let p = 20 + rand() * 200;
    const lines = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < SYNTH_ROWS; i++) {
      const o = p;
      p *= 1 + (rand() - 0.5) * 0.002;
      const hi = Math.max(o, p) * (1 + rand() * 0.0005);
      const lo = Math.min(o, p) * (1 - rand() * 0.0005);
      const ts = new Date(t0 + i * 60_000).toISOString().replace('.000Z', 'Z');
      lines.push(
        `${ts},${o.toFixed(4)},${hi.toFixed(4)},${lo.toFixed(4)},${p.toFixed(4)},${Math.floor(rand() * 1e5)}`,
      );
    }
    writeFileSync(join(dir, `S${String(s).padStart(4, '0')}.csv`), `${lines.join('\n')}\n`);
  }
}

function csvFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => join(dir, f));
}

async function duckdbReadCsv(files) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(',');
  await conn.run(
    `CREATE TABLE t AS SELECT * FROM read_csv([${list}], union_by_name = true, filename = true)`,
  );
  const reader = await conn.runAndReadAll('SELECT count(*) AS n FROM t');
  const n = Number(reader.getRows()[0][0]);
  conn.closeSync?.();
  instance.closeSync?.();
  return n;
}

const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-ingest-'));
/** DuckDB reads the exported Parquet file: rows and sum(close). */
async function duckdbCheckParquet(path) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = await conn.runAndReadAll(
    `SELECT count(*) AS n, sum(close) AS s, count(DISTINCT symbol) AS k FROM read_parquet('${path.replaceAll("'", "''")}')`,
  );
  const [n, s, k] = reader.getRows()[0];
  conn.closeSync?.();
  instance.closeSync?.();
  return { rows: Number(n), sumClose: Number(s), symbols: Number(k) };
}

const rows = [];
const parquetRows = [];
const raw = {};
// The machine is shared: record the load average (1/5/15 min) so noisy numbers can be judged.
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' / ');
const loadAtStart = loadavg();
raw.loadavg = { start: loadAtStart };
try {
  const synthDir = join(tmp, 'synthetic');
  writeSynthetic(synthDir);
  const sets = [
    {
      name: 'us-1min-2018q1-sample',
      dir: join(SHARED_DATA, 'us-1min-2018q1-sample', 'intraday'),
      options: { timeZone: 'America/New_York' },
    },
    {
      name: `synthetic ${SYNTH_SYMBOLS} symbols x ${SYNTH_ROWS} rows (seed 20180102)`,
      dir: synthDir,
      options: {},
    },
  ];
  for (const set of sets) {
    const files = csvFiles(set.dir);
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    const mb = bytes / 1e6;
    let k = 0;
    const run = (durable, workers) => async () => {
      const outDir = join(tmp, `out-${k++}`);
      const r = await ingest({ inputs: [set.dir], outDir, durable, workers, ...set.options });
      rmSync(outDir, { recursive: true, force: true });
      return r.rowsWritten;
    };
    const serial = await timeIt(run(false, 1), { repeat: REPEAT, warmup: 1 });
    const durable = await timeIt(run(true, 'auto'), { repeat: REPEAT, warmup: 0 });
    const fast = await timeIt(run(false, 'auto'), { repeat: REPEAT, warmup: 0 });
    // DuckDB's read_csv of 3,000 small files takes minutes per run: one timed run there, no warm-up.
    const slowPeer = files.length > 1000;
    const duck = await timeIt(() => duckdbReadCsv(files), {
      repeat: slowPeer ? 1 : REPEAT,
      warmup: slowPeer ? 0 : 1,
    });
    const mbs = (ms) => mb / (ms / 1000);
    raw[set.name] = { files: files.length, bytes, serial, durable, fast, duck, memory: memory() };
    rows.push([
      set.name,
      String(files.length),
      fmt(mb, 1),
      fmt(durable.result),
      `${fmt(mbs(serial.medianMs), 1)} (${fmt(serial.medianMs)} ms)`,
      `${fmt(mbs(durable.medianMs), 1)} (${fmt(durable.medianMs)} ms)`,
      `${fmt(mbs(fast.medianMs), 1)} (${fmt(fast.medianMs)} ms)`,
      `${fmt(mbs(duck.medianMs), 1)} (${fmt(duck.medianMs)} ms, ${fmt(duck.result)} rows)`,
      `${fmt(duck.medianMs / serial.medianMs, 2)} / ${fmt(duck.medianMs / durable.medianMs, 2)} / ${fmt(duck.medianMs / fast.medianMs, 2)}`,
    ]);

    // Parquet out, checked by DuckDB.
    const dsDir = join(tmp, `ds-${k++}`);
    await ingest({ inputs: [set.dir], outDir: dsDir, durable: false, ...set.options });
    const pq = join(tmp, `export-${k++}.parquet`);
    const t0 = process.hrtime.bigint();
    const exported = await exportParquet(dsDir, pq);
    const exportMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const check = await duckdbCheckParquet(pq);
    // The dataset's own sum of close (f64; the full layout stores close as DOUBLE, so only the summation
    // order differs from DuckDB's).
    const ds = Dataset.open(dsDir);
    let sumClose = 0;
    for (const s of ds.symbols) for (const v of ds.open(s).f64('close')) sumClose += v;
    ds.close();
    exported.sumClose = sumClose;
    const relErr = Math.abs(check.sumClose - sumClose) / Math.max(1, Math.abs(sumClose));
    const ok = check.rows === exported.rows && relErr < 1e-9;
    if (!ok) {
      throw new Error(
        `DuckDB read of ${pq} disagrees: rows ${check.rows} vs ${exported.rows}, sum(close) ${check.sumClose} vs ${exported.sumClose}`,
      );
    }
    raw[set.name].parquet = { exported, exportMs, duckdb: check };
    parquetRows.push([
      set.name,
      fmt(exported.rows),
      fmt(exported.rowGroups),
      fmt(exported.bytes / 1e6, 1),
      `${fmt(exportMs)} ms`,
      `${fmt(check.rows)} rows, ${check.symbols} symbols, sum(close) ${fmt(check.sumClose, 2)}`,
      ok ? 'yes' : 'NO',
    ]);
    rmSync(dsDir, { recursive: true, force: true });
    rmSync(pq, { force: true });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

raw.loadavg.end = loadavg();
writeResults('ingest', {
  summary:
    'CSV -> dataset throughput (median of runs), in-process and on worker threads. mmtape output is sorted, de-duplicated, checksummed column files; DuckDB builds an in-memory table. Command: `pnpm build && pnpm bench ingest`.',
  tables: [
    {
      title: 'Ingest throughput, MB/s of CSV',
      data: `us-1min-2018q1-sample/intraday (40 files) and a seeded synthetic ${SYNTH_SYMBOLS}-symbol set (${SYNTH_ROWS} rows each)`,
      peer: `DuckDB ${(await import('@duckdb/node-api/package.json', { with: { type: 'json' } }).catch(() => ({ default: {} }))).default.version ?? ''} (@duckdb/node-api) read_csv into an in-memory table`,
      columns: [
        'data',
        'files',
        'CSV MB',
        'rows',
        'mmtape 1 worker, durable:false MB/s',
        `mmtape ${availableParallelism()} workers, durable (fsync) MB/s`,
        `mmtape ${availableParallelism()} workers, durable:false MB/s`,
        'DuckDB MB/s',
        'ratio mmtape/DuckDB (1 worker no fsync / auto durable / auto no fsync)',
      ],
      rows,
      notes: [
        `repeat ${REPEAT}, median (DuckDB on the 3,000-file set: 1 run, it takes minutes); machine shared with other jobs, numbers are noisy`,
        'ratio > 1 means mmtape is faster',
        `workers: 'auto' = os.availableParallelism() = ${availableParallelism()} lanes (the main thread plus ${availableParallelism() - 1} worker thread(s))`,
        `load average (1 / 5 / 15 min) at start ${fmtLoad(loadAtStart)}, at end ${fmtLoad(loadavg())}`,
        `repo ${REPO}`,
      ],
    },
    {
      title: 'exportParquet, read back by DuckDB',
      data: 'each dataset above, exported to one ZSTD Parquet file (timestamp NANOS UTC, symbol, close float32)',
      peer: 'DuckDB read_parquet: count(*), sum(close::DOUBLE)',
      columns: ['data', 'rows', 'row groups', 'file MB', 'export time', 'DuckDB read', 'rows and sum match'],
      rows: parquetRows,
      notes: ['single run; sum compared with relative tolerance 1e-9 (summation order differs)'],
    },
  ],
  raw,
});
