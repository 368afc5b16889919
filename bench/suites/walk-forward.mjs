// Full pairs walk-forward over all pairs of sp500-5yr-daily (pre-filter off: ~124,750 pairs per window),
// with 1 and 2 workers. Each configuration runs in its own child process so that peak RSS (VmHWM: main
// thread + worker threads, one process with piscina) is per configuration.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, memory, SHARED_DATA, writeResults } from '../lib.mjs';

// BENCH_BASELINE_ROOT=<checkout of another commit, built>: also time that build's 1-worker run in the same
// run (a before/after row per configuration), e.g. `git worktree add /tmp/before <rev> && cd /tmp/before &&
// pnpm install && pnpm build`.
const ROOT = new URL('../../', import.meta.url).pathname;
const BASELINE = process.env.BENCH_BASELINE_ROOT ?? null;
const wfOf = (root) => join(root, 'packages/walk-forward/dist/index.js');
const cfOf = (root) => join(root, 'packages/columnar-format/dist/index.js');
const CSV_DIR = join(SHARED_DATA, 'sp500-5yr-daily', 'individual_stocks_5yr');
const DATASET = join(tmpdir(), 'mmtape-bench-sp500-5yr-daily');
const datasetOf = (root) => (root === ROOT ? DATASET : `${DATASET}-baseline`);
// Defaults otherwise: train 252, test 63, step 63, topK 5. Two ADF settings: the fixed lag 1 of the default
// config, and statsmodels' default `coint` (autolag AIC, maxlag ⌈12·(n/100)^{1/4}⌉ = 16 on 252 bars).
const CONFIGS = [
  { label: 'fixed ADF lag 1 (default config)', config: { prefilter: false } },
  {
    label: "autolag AIC, maxlag 16 (statsmodels' default coint)",
    config: { prefilter: false, adfAutolag: 'aic', adfMaxLag: null },
  },
];

async function child(workers, configIndex, root) {
  const CONFIG = CONFIGS[configIndex].config;
  const { Dataset } = await import(cfOf(root));
  const { buildPanel, runWalkForward } = await import(wfOf(root));
  // Each build reads a dataset it ingested itself (the on-disk format may differ between commits).
  const DATASET = datasetOf(root);
  const t0 = process.hrtime.bigint();
  const ds = Dataset.open(DATASET);
  const panel = buildPanel(ds, {});
  const panelSec = Number(process.hrtime.bigint() - t0) / 1e9;
  const t1 = process.hrtime.bigint();
  const report = await runWalkForward(panel, CONFIG, { workers, datasetDir: DATASET, panelOptions: {} });
  const runSec = Number(process.hrtime.bigint() - t1) / 1e9;
  const w0 = report.windows[0];
  process.stdout.write(
    JSON.stringify({
      build: root === ROOT ? 'this commit' : `baseline ${root}`,
      workers,
      symbols: panel.symbols.length,
      bars: panel.timestampsNs.length,
      windows: report.windows.length,
      pairsPerWindow: w0.pairsTested,
      pairsTested: report.windows.reduce((s, w) => s + w.pairsTested, 0),
      panelSec,
      runSec,
      summary: report.summary,
      selected: report.windows.map((w) => w.selected.map((p) => `${p.y}/${p.x}`)),
      memory: memory(),
    }),
  );
  ds.close();
}

async function main() {
  for (const root of BASELINE ? [ROOT, BASELINE] : [ROOT]) {
    if (!existsSync(datasetOf(root))) {
      // Since the layering, ingest is the subpath export /ingest; a baseline built before it has it in the root entry.
      const ingestEntry = join(root, 'packages/columnar-format/dist/ingest/index.js');
      const { ingest } = await import(existsSync(ingestEntry) ? ingestEntry : cfOf(root));
      await ingest({ inputs: [CSV_DIR], outDir: datasetOf(root) });
    }
  }
  const runs = CONFIGS.map((_, configIndex) => {
    const results = [];
    const run = (workers, root) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--child', String(workers), String(configIndex), root],
          { encoding: 'utf8', maxBuffer: 64 << 20 },
        ),
      );
    for (const workers of [1, 2]) results.push(run(workers, ROOT));
    if (BASELINE) results.push(run(1, BASELINE));
    const same =
      JSON.stringify(results[0].selected) === JSON.stringify(results[1].selected) &&
      results[0].summary.totalReturn === results[1].summary.totalReturn;
    // Alternate once more (this commit, baseline) so that machine load hits both builds alike; keep the faster.
    if (BASELINE) {
      const again = run(1, ROOT);
      if (again.runSec < results[0].runSec) results[0] = { ...results[0], runSec: again.runSec };
      const base = run(1, BASELINE);
      if (base.runSec < results[2].runSec) results[2] = base;
    }
    return { results, same };
  });
  const r0 = runs[0].results[0];
  const perWindow2 = runs.map(
    ({ results }, i) => `${CONFIGS[i].label}: ${fmt(results[1].runSec / results[1].windows, 2)} s`,
  );
  writeResults('walk-forward', {
    summary: `All-pairs walk-forward on sp500-5yr-daily: ${r0.symbols} symbols, ${fmt(r0.pairsPerWindow)} pairs per window, ${r0.windows} windows. Target: < 10 s per window on 2 cores; per window with 2 workers: ${perWindow2.join('; ')}. Reports identical across worker counts: ${runs.map((r) => r.same).join(', ')}.`,
    tables: runs.map(({ results, same }, i) => ({
      title: `Walk-forward wall time and peak RSS (pre-filter off, ${CONFIGS[i].label})`,
      data: `sp500-5yr-daily ingested to ${DATASET}; panel ${r0.symbols} symbols x ${r0.bars} bars (every symbol; eligibility per window); train 252, test 63, step 63`,
      peer: 'none (the 1-worker run is the baseline; statsmodels per-pair cost is in bench/results/coint.md)',
      columns: [
        'build',
        'workers',
        'windows',
        'pairs tested',
        'panel build s',
        'walk-forward s',
        's per window',
        'pairs/s',
        'speed-up',
        'peak RSS MiB (main + worker threads)',
      ],
      rows: results.map((r) => [
        r.build,
        r.workers,
        r.windows,
        fmt(r.pairsTested),
        fmt(r.panelSec, 2),
        fmt(r.runSec, 2),
        fmt(r.runSec / r.windows, 2),
        fmt(r.pairsTested / r.runSec),
        r.build === 'this commit' ? `${fmt(results[0].runSec / r.runSec, 2)}x` : 'baseline',
        fmt(r.memory.peakRssBytes / 2 ** 20, 1),
      ]),
      notes: [
        `reports (selected pairs per window, total return) identical for 1 and 2 workers: ${same}`,
        ...(BASELINE
          ? [
              `before/after: this commit's 1-worker run takes ${fmt(results[0].runSec / results[2].runSec, 2)}x the baseline's time (best of 2 alternating runs each; each build runs its own model on the same data)`,
            ]
          : []),
        'workers are threads of one process (piscina), so the process VmHWM covers main + workers; each worker opens the dataset itself (Dataset.open, mmap: page cache shared) and rebuilds the panel, checked by digest',
        'command: pnpm bench walk-forward',
      ],
    })),
    raw: runs.flatMap(({ results }, i) =>
      results.map(({ selected, ...r }) => ({ config: CONFIGS[i].label, ...r })),
    ),
  });
}

if (process.argv[2] === '--child')
  await child(Number(process.argv[3]), Number(process.argv[4]), process.argv[5]);
else await main();
