// coint pairs/s on 252-bar windows of real data (sp500-5yr-daily closes), statsmodels-compatible
// Engle-Granger with autolag AIC (statsmodels' `coint` defaults), vs statsmodels `coint` run by
// /usr/bin/python3 on the same pairs in the same benchmark run. Both single-threaded (one core).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coint, LeastSquaresWorkspace } from '../../packages/walk-forward/dist/index.js';
import { fmt, memory, SHARED_DATA, writeResults } from '../lib.mjs';

const DIR = join(SHARED_DATA, 'sp500-5yr-daily', 'individual_stocks_5yr');
const SYMBOLS = 60; // 1,770 pairs
const WINDOW = 252;
const PY_PAIRS = 300; // statsmodels is slow: a subset of the same pairs

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('_data.csv'))
  .sort()
  .slice(0, 120);
const series = [];
for (const f of files) {
  const lines = readFileSync(join(DIR, f), 'utf8').trim().split('\n').slice(1);
  const closes = lines.map((l) => Number(l.split(',')[4]));
  if (closes.length >= 2 * WINDOW + 100 && closes.every((v) => Number.isFinite(v) && v > 0)) {
    series.push({
      symbol: f.replace('_data.csv', ''),
      closes: Float64Array.from(closes.slice(100, 100 + WINDOW)),
    });
  }
  if (series.length === SYMBOLS) break;
}
const pairs = [];
for (let i = 0; i < series.length; i++) for (let j = i + 1; j < series.length; j++) pairs.push([i, j]);

const ws = new LeastSquaresWorkspace();
const run = () => {
  let acc = 0;
  for (const [i, j] of pairs) acc += coint(series[i].closes, series[j].closes, {}, ws).pValue;
  return acc;
};
run(); // warm-up (JIT)
const times = [];
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  run();
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
const oursSec = times[2];
const oursRate = pairs.length / oursSec;

// statsmodels on the first PY_PAIRS pairs, timed inside python (excludes interpreter start-up).
const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-coint-'));
const input = join(tmp, 'pairs.json');
const sub = pairs.slice(0, PY_PAIRS);
writeFileSync(input, JSON.stringify({ series: series.map((s) => Array.from(s.closes)), pairs: sub }));
const py = `
import json, sys, time, resource, warnings
import numpy as np, statsmodels
from statsmodels.tsa.stattools import coint
warnings.simplefilter('ignore')
d = json.load(open(sys.argv[1]))
s = [np.asarray(v) for v in d['series']]
coint(s[0], s[1])
t0 = time.perf_counter()
out = [coint(s[i], s[j]) for i, j in d['pairs']]
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'stats': [float(o[0]) for o in out], 'p': [float(o[1]) for o in out],
  'statsmodels': statsmodels.__version__, 'peakRssKiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`;
const pyOut = JSON.parse(
  execFileSync('/usr/bin/python3', ['-c', py, input], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 64 << 20,
  }),
);
rmSync(tmp, { recursive: true, force: true });
const pyRate = sub.length / pyOut.seconds;
let maxStatDiff = 0;
let maxPDiff = 0;
sub.forEach(([i, j], k) => {
  const r = coint(series[i].closes, series[j].closes, {}, ws);
  maxStatDiff = Math.max(
    maxStatDiff,
    Math.abs(r.stat - pyOut.stats[k]) / Math.max(1, Math.abs(pyOut.stats[k])),
  );
  maxPDiff = Math.max(maxPDiff, Math.abs(r.pValue - pyOut.p[k]));
});
const mem = memory();
writeResults('coint', {
  summary: `@mmtape/walk-forward coint (autolag AIC): ${fmt(oursRate)} pairs/s on one core vs statsmodels ${pyOut.statsmodels} ${fmt(pyRate)} pairs/s: ${fmt(oursRate / pyRate, 1)}x (target >= 100x).`,
  tables: [
    {
      title: 'Engle-Granger coint, 252-bar windows, autolag AIC, maxlag default (16)',
      data: `sp500-5yr-daily closes, ${series.length} symbols (first alphabetically with complete data), bars 100..351, ${pairs.length} pairs (python: first ${sub.length})`,
      peer: `statsmodels ${pyOut.statsmodels} coint(y, x) via /usr/bin/python3, same pairs, same run, BLAS threads = 1`,
      columns: [
        'implementation',
        'pairs',
        'seconds',
        'pairs/s (1 core)',
        'ratio vs statsmodels',
        'peak RSS MiB',
      ],
      rows: [
        [
          '@mmtape/walk-forward coint',
          pairs.length,
          fmt(oursSec, 3),
          fmt(oursRate),
          `${fmt(oursRate / pyRate, 1)}x`,
          fmt(mem.peakRssBytes / 2 ** 20, 1),
        ],
        [
          'statsmodels coint',
          sub.length,
          fmt(pyOut.seconds, 3),
          fmt(pyRate),
          '1.0x',
          fmt(pyOut.peakRssKiB / 1024, 1),
        ],
      ],
      notes: [
        `parity on the ${sub.length} common pairs: max relative |stat diff| ${maxStatDiff.toExponential(2)}, max |p diff| ${maxPDiff.toExponential(2)}`,
        'ours: median of 5 runs after a warm-up; python: one timed pass after one warm-up call (interpreter start-up excluded)',
        'command: pnpm bench coint',
      ],
    },
  ],
  raw: { oursTimesSec: times, python: { seconds: pyOut.seconds, pairs: sub.length }, maxStatDiff, maxPDiff },
});
