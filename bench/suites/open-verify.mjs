// Open time of a 3,000-symbol dataset (Dataset.open reads manifest.json only; target < 100 ms and
// independent of file sizes), time to open every column file, and the cost of verify() (XXH64 over
// every column) per GB. Data: seeded synthetic datasets written with DatasetWriter into a temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, DatasetWriter } from '../../packages/columnar-format/dist/index.js';
import { fmt, timeIt, writeResults } from '../lib.mjs';

const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 3000);
const SIZES = (process.env.BENCH_ROWS ?? '100,5000').split(',').map(Number);

function makeDataset(dir, rowsPerSymbol) {
  const w = DatasetWriter.create(dir, { durable: false });
  let seed = 42;
  const ts = BigInt64Array.from(
    { length: rowsPerSymbol },
    (_, i) => 1_514_903_400_000_000_000n + BigInt(i) * 60_000_000_000n,
  );
  for (let s = 0; s < SYMBOLS; s++) {
    const cols = ['open', 'high', 'low', 'close', 'volume'].map((name) => {
      const data = new Float64Array(rowsPerSymbol);
      for (let i = 0; i < rowsPerSymbol; i++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        data[i] = 100 + seed / 2 ** 32;
      }
      return { name, dtype: 'f64', data };
    });
    w.writeSymbol(`S${String(s).padStart(4, '0')}`, [{ name: 'ts', dtype: 'i64', data: ts }, ...cols]);
  }
  return w.finish();
}

const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-open-'));
const rows = [];
const raw = {};
try {
  for (const rowsPerSymbol of SIZES) {
    const dir = join(tmp, `ds-${rowsPerSymbol}`);
    const manifest = makeDataset(dir, rowsPerSymbol);
    const bytes = manifest.symbols.reduce((n, s) => n + s.partitions.reduce((m, p) => m + p.sizeBytes, 0), 0);
    const open = await timeIt(() => Dataset.open(dir).symbols.length, { repeat: 9, warmup: 2 });
    const openAll = await timeIt(
      () => {
        const ds = Dataset.open(dir);
        for (const s of ds.symbols) ds.openPartitions(s);
        const n = ds.openFileCount;
        ds.close();
        return n;
      },
      { repeat: 3, warmup: 1 },
    );
    const verify = await timeIt(
      () => {
        const ds = Dataset.open(dir);
        const r = ds.verify();
        ds.close();
        return r.bytesVerified;
      },
      { repeat: 3, warmup: 1 },
    );
    const gb = verify.result / 1e9;
    raw[rowsPerSymbol] = { bytes, open, openAll, verify };
    rows.push([
      `${SYMBOLS} x ${fmt(rowsPerSymbol)} rows`,
      fmt(bytes / 1e6, 1),
      fmt(open.medianMs, 1),
      open.medianMs < 100 ? 'yes' : 'no',
      fmt(openAll.medianMs, 0),
      fmt(verify.medianMs, 0),
      fmt(verify.medianMs / 1000 / gb, 2),
    ]);
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

writeResults('open-verify', {
  summary:
    'Dataset open (manifest only), open of every file (mmap + header validation), and verify() cost. Command: `pnpm build && pnpm bench open-verify`.',
  tables: [
    {
      title: 'Open and verify a 3,000-symbol dataset',
      data: `seeded synthetic datasets, ${SYMBOLS} symbols, ts + 5 f64 columns, written with DatasetWriter`,
      peer: 'target: Dataset.open < 100 ms, independent of file sizes (no peer: DuckDB has no comparable lazy open)',
      columns: [
        'dataset',
        'MB on disk',
        'Dataset.open ms',
        '< 100 ms',
        'open all files ms',
        'verify() ms',
        'verify s/GB',
      ],
      rows,
      notes: ['page cache warm (files were just written); median of runs; machine shared, numbers noisy'],
    },
  ],
  raw,
});
