/**
 * Worker pool tests. Workers run the built `dist/worker.js` (`pnpm test` builds first; `pnpm build` before
 * running vitest directly).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { ingest } from '@mmtape/columnar-format/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPanel,
  type PricePanel,
  runWalkForward,
  splitTriangle,
  THREAD_LIMIT_ENV,
  type WalkForwardConfig,
  WorkerPool,
} from '../src/index.js';
import { ar1, dailyTimestampsNs, randomWalk } from './helpers.js';

const BARS = 252 + 63 * 3;
const SYMBOLS = 12;

/** 12 symbols: 3 cointegrated pairs (y = a + b·x + AR(1)) and 6 independent walks, seeded. */
function panel12(seed: number): PricePanel {
  const closes: Float64Array[] = [];
  const symbols: string[] = [];
  for (let k = 0; k < SYMBOLS; k++) {
    if (k % 4 === 1) {
      const x = closes[k - 1]!;
      const u = ar1(BARS, 0.7, 0.6, seed + 1000 + k);
      closes.push(x.map((v, t) => 5 + 1.2 * v + u[t]!));
    } else {
      closes.push(randomWalk(BARS, 50 + 5 * k, 1, seed + k));
    }
    symbols.push(`S${String.fromCharCode(65 + ((k * 7) % SYMBOLS))}`);
  }
  return { symbols, timestampsNs: dailyTimestampsNs(BARS), closes };
}

const CONFIG: Partial<WalkForwardConfig> = { prefilter: false, topK: 3, maxPValue: 0.2, adfAutolag: 'aic' };

describe('splitTriangle', () => {
  it('covers every row exactly once with balanced pair counts', () => {
    for (const [s, parts] of [
      [2, 4],
      [10, 3],
      [477, 8],
    ] as const) {
      const slices = splitTriangle(s, parts);
      expect(slices[0]![0]).toBe(0);
      expect(slices.at(-1)![1]).toBe(s);
      for (let k = 1; k < slices.length; k++) expect(slices[k]![0]).toBe(slices[k - 1]![1]);
    }
    const counts = splitTriangle(477, 8).map(([a, b]) => {
      let c = 0;
      for (let i = a; i < b; i++) c += 477 - 1 - i;
      return c;
    });
    expect(Math.max(...counts)).toBeLessThan(1.2 * ((477 * 476) / 2 / 8));
  });
});

describe('worker pool', () => {
  it('workers see the thread limits (OMP, MKL, OpenBLAS, BLIS, vecLib, numexpr = 1)', async () => {
    const pool = new WorkerPool(2);
    try {
      const probes = await pool.probeEnv(4);
      expect(Object.keys(THREAD_LIMIT_ENV).sort()).toEqual([
        'BLIS_NUM_THREADS',
        'MKL_NUM_THREADS',
        'NUMEXPR_NUM_THREADS',
        'OMP_NUM_THREADS',
        'OPENBLAS_NUM_THREADS',
        'VECLIB_MAXIMUM_THREADS',
      ]);
      for (const p of probes) {
        expect(p.threadId).toBeGreaterThan(0); // a worker thread, not the main thread (0)
        expect(p.env).toEqual(THREAD_LIMIT_ENV);
      }
    } finally {
      await pool.destroy();
    }
  });

  it('results are bit-for-bit identical for 1, 2 and 3 workers (panel file)', async () => {
    const panel = panel12(11);
    const one = await runWalkForward(panel, CONFIG);
    const two = await runWalkForward(panel, CONFIG, { workers: 2 });
    const three = await runWalkForward(panel, CONFIG, { workers: 3 });
    expect(one.parallelism).toEqual({ workers: 1, panelSource: 'in-process' });
    expect(two.parallelism).toEqual({ workers: 2, panelSource: 'panel-file' });
    const strip = (r: typeof one) => JSON.stringify({ ...r, parallelism: null });
    expect(one.windows.some((w) => w.selected.length > 0)).toBe(true);
    expect(one.windows[0]!.pairsTested).toBe((SYMBOLS * (SYMBOLS - 1)) / 2);
    expect(strip(two)).toBe(strip(one));
    expect(strip(three)).toBe(strip(one));
    // Bit-level check of every float, not only its JSON rendering.
    const bits = (r: typeof one) =>
      r.windows.flatMap((w) => w.selected.flatMap((p) => [p.pValue, p.adfStat, p.hedgeRatio, p.spreadStd]));
    expect(Float64Array.from(bits(three))).toEqual(Float64Array.from(bits(one)));
  });

  describe('workers map the dataset files themselves', () => {
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mmtape-wf-par-'));
      const csv = join(dir, 'csv');
      mkdirSync(csv);
      const p = panel12(21);
      p.symbols.forEach((sym, k) => {
        const lines = ['date,open,high,low,close,volume'];
        for (let t = 0; t < BARS; t++) {
          const d = new Date(Number(p.timestampsNs[t]! / 1_000_000n)).toISOString().slice(0, 10);
          const c = p.closes[k]![t]!;
          lines.push(`${d},${c},${c},${c},${c},1000`);
        }
        writeFileSync(join(csv, `${sym}_data.csv`), `${lines.join('\n')}\n`);
      });
      await ingest({ inputs: [csv], outDir: join(dir, 'ds') });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('dataset source gives the same report as the in-process run', async () => {
      const ds = Dataset.open(join(dir, 'ds'));
      try {
        const panel = buildPanel(ds, {});
        const one = await runWalkForward(panel, CONFIG);
        const two = await runWalkForward(panel, CONFIG, {
          workers: 2,
          datasetDir: join(dir, 'ds'),
          panelOptions: {},
        });
        expect(two.parallelism).toEqual({ workers: 2, panelSource: 'dataset' });
        expect(JSON.stringify({ ...two, parallelism: null })).toBe(
          JSON.stringify({ ...one, parallelism: null }),
        );
      } finally {
        ds.close();
      }
    });

    it('a worker whose rebuilt panel differs from the main thread’s refuses to run', async () => {
      const ds = Dataset.open(join(dir, 'ds'));
      try {
        const panel = buildPanel(ds, {});
        panel.closes[0]![5] = panel.closes[0]![5]! + 1;
        await expect(
          runWalkForward(panel, CONFIG, { workers: 2, datasetDir: join(dir, 'ds') }),
        ).rejects.toThrow(/digest/);
      } finally {
        ds.close();
      }
    });
  });
});
