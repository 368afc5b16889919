// All-pairs walk-forward on sp500-5yr-daily: one local process vs worker processes through BullMQ on a
// local redis-server (`mmtape worker`, one thread each), with the same task plan run in-process as the
// yardstick of the queue's cost. Needs redis-server (Debian package) and a build (`pnpm bench` builds).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, SHARED_DATA, writeResults } from '../lib.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'apps/cli/dist/bin.js');
const CSV_DIR = join(SHARED_DATA, 'sp500-5yr-daily', 'individual_stocks_5yr');
const DATASET = join(tmpdir(), 'mmtape-bench-sp500-5yr-daily'); // shared with the walk-forward suite
const CONFIG = { prefilter: false }; // all pairs, fixed ADF lag 1 (default config otherwise)
const HEAVY = { prefilter: false, adfAutolag: 'aic', adfMaxLag: null };
const WORKER_COUNTS = [1, 2];
const ROUNDS = 2;

const { Dataset, ingestCsv } = await import(join(ROOT, 'packages/columnar-format/dist/index.js'));
const { buildPanel, runWalkForward } = await import(join(ROOT, 'packages/walk-forward/dist/index.js'));
const { DEFAULT_PAIRS_PER_TASK, inProcessTaskRunner, queueTaskRunner, runWalkForwardTasks } = await import(
  join(ROOT, 'packages/walk-forward/dist/cluster/index.js')
);

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `cmd args` and resolves once its output matches `ready`. */
function start(cmd, args, ready) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const isReady = new Promise((resolve, reject) => {
    const on = (c) => {
      out += c.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}:\n${out}`)));
  });
  isReady.catch(() => {});
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, isReady, exited, output: () => out };
}

const seconds = async (fn) => {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { sec: Number(process.hrtime.bigint() - t0) / 1e9, result };
};
const strip = (r) => JSON.stringify({ ...r, parallelism: null });

if (!existsSync(DATASET)) await ingestCsv({ inputs: [CSV_DIR], outDir: DATASET });
const redisDir = mkdtempSync(join(tmpdir(), 'mmtape-bench-redis-'));
const port = await freePort();
const redis = start(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
  /Ready to accept connections/,
);
await redis.isReady;
const url = `redis://127.0.0.1:${port}`;
try {
  const ds = Dataset.open(DATASET);
  const panel = buildPanel(ds, {});
  ds.close();
  // The machine may be shared: ROUNDS alternating rounds (local, in-process plan, queue with 1 and 2 workers),
  // the fastest of each kept, so that load hits every configuration alike.
  const best = (a, b) => (a === undefined || b.sec < a.sec ? b : a);
  let local;
  let inProcess;
  let tasks = 0;
  const queuedBest = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    local = best(local, await seconds(() => runWalkForward(panel, CONFIG)));
    inProcess = best(
      inProcess,
      await seconds(() =>
        runWalkForwardTasks(panel, CONFIG, inProcessTaskRunner(panel), {
          onPlan: (p) => {
            tasks = p.tasks.length;
          },
        }),
      ),
    );
    for (const n of WORKER_COUNTS) {
      const queueName = `bench-${n}-${round}-${Date.now()}`; // fresh task results every round
      const workers = Array.from({ length: n }, () =>
        start(
          process.execPath,
          [BIN, 'worker', '--queue', url, '--queue-name', queueName, '--concurrency', '1'],
          /ready/,
        ),
      );
      await Promise.all(workers.map((w) => w.isReady));
      const runner = queueTaskRunner({ url, queueName, dataset: DATASET, pollIntervalMs: 500 });
      const run = await seconds(() => runWalkForwardTasks(panel, CONFIG, runner));
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      queuedBest.set(
        n,
        best(queuedBest.get(n), {
          workers: n,
          sec: run.sec,
          same: strip(run.result) === strip(local.result),
          progress: runner.progress(),
        }),
      );
    }
  }
  const queued = WORKER_COUNTS.map((n) => queuedBest.get(n));
  // Compute-bound tasks (statsmodels' default coint: autolag AIC, maxlag 16; ~15x the work per pair), one
  // round: 1 local process vs 2 worker processes.
  const heavyLocal = await seconds(() => runWalkForward(panel, HEAVY));
  const heavyQueue = `bench-heavy-${Date.now()}`;
  const heavyWorkers = [0, 1].map(() =>
    start(
      process.execPath,
      [BIN, 'worker', '--queue', url, '--queue-name', heavyQueue, '--concurrency', '1'],
      /ready/,
    ),
  );
  await Promise.all(heavyWorkers.map((w) => w.isReady));
  const heavyRunner = queueTaskRunner({ url, queueName: heavyQueue, dataset: DATASET, pollIntervalMs: 500 });
  const heavy2 = await seconds(() => runWalkForwardTasks(panel, HEAVY, heavyRunner));
  for (const w of heavyWorkers) w.child.kill('SIGTERM');
  await Promise.all(heavyWorkers.map((w) => w.exited));
  const q1 = queued.find((q) => q.workers === 1);
  const q2 = queued.find((q) => q.workers === 2);
  const w0 = local.result.windows[0];
  const pairs = local.result.windows.reduce((s, w) => s + w.pairsTested, 0);
  const queueOverheadMs = ((q1.sec - inProcess.sec) * 1000) / tasks;
  const perTaskOverheadMs = ((2 * q2.sec - local.sec) * 1000) / tasks;
  const rows = [
    ['1 local process (runWalkForward, 1 thread)', 1, '-', fmt(local.sec, 2), '1.00x', 'yes (reference)'],
    [
      'task plan in-process (same tasks, no queue)',
      1,
      fmt(tasks),
      fmt(inProcess.sec, 2),
      `${fmt(local.sec / inProcess.sec, 2)}x`,
      String(strip(inProcess.result) === strip(local.result)),
    ],
    ...queued.map((q) => [
      `BullMQ on local Redis, ${q.workers} worker process(es) x 1 thread`,
      q.workers,
      fmt(tasks),
      fmt(q.sec, 2),
      `${fmt(local.sec / q.sec, 2)}x`,
      String(q.same),
    ]),
  ];
  writeResults('distributed', {
    summary: `All-pairs walk-forward on sp500-5yr-daily (${panel.symbols.length} symbols, ${fmt(w0.pairsTested)} pairs per window, ${local.result.windows.length} windows, ${fmt(pairs)} Engle-Granger pairs) in ${fmt(tasks)} tasks of <= ${fmt(DEFAULT_PAIRS_PER_TASK)} pairs: 2 worker processes through Redis ${fmt(local.sec / q2.sec, 2)}x the speed of 1 local process; per-task overhead ${fmt(perTaskOverheadMs, 1)} ms (2 workers); queue overhead ${fmt(queueOverheadMs, 1)} ms per task (1 worker vs the same tasks in-process); with autolag AIC (compute-bound tasks) 2 workers ${fmt(heavyLocal.sec / heavy2.sec, 2)}x. Best of ${ROUNDS} alternating rounds; 1-minute load average at the end ${loadavg()[0].toFixed(1)} (other jobs on the machine skew the figures).`,
    tables: [
      {
        title: 'Walk-forward wall time: local vs BullMQ workers',
        data: `sp500-5yr-daily ingested to ${DATASET}; panel ${panel.symbols.length} symbols x ${panel.timestampsNs.length} bars; all pairs, fixed ADF lag 1, train 252, test 63, step 63; Redis 127.0.0.1 (redis-server, no persistence)`,
        peer: '1 local process (runWalkForward with 1 thread) on the same machine',
        columns: ['run', 'processes', 'tasks', 'wall s', 'speed-up', 'report equal (parallelism aside)'],
        rows,
        notes: [
          `per-task overhead (2 workers) = (2 x wall(2 workers) - wall(local)) / tasks = ${fmt(perTaskOverheadMs, 1)} ms: worker time spent on anything but the pair tests (queue round trips, job (de)serialisation, thread hand-off, each worker rebuilding the panel once)`,
          `queue overhead = (wall(1 worker) - wall(task plan in-process)) / tasks = ${fmt(queueOverheadMs, 1)} ms per task`,
          `retries ${queued.map((q) => q.progress.retries).join(', ')}; workers seen ${queued.map((q) => q.progress.workersSeen).join(', ')}`,
          'wall time excludes the panel build (done once by the producer, once per worker process); workers were started and connected before the clock started',
          'command: pnpm bench distributed',
        ],
      },
      {
        title: 'Compute-bound tasks: autolag AIC, maxlag 16 (one round)',
        data: `as above, ADF lag chosen by AIC up to 16 lags (statsmodels' default coint); ${fmt(tasks)} tasks`,
        peer: '1 local process (runWalkForward with 1 thread) on the same machine',
        columns: [
          'run',
          'processes',
          'wall s',
          'speed-up',
          'report equal (parallelism aside)',
          'per-task overhead ms',
        ],
        rows: [
          [
            '1 local process (runWalkForward, 1 thread)',
            1,
            fmt(heavyLocal.sec, 2),
            '1.00x',
            'yes (reference)',
            '-',
          ],
          [
            'BullMQ on local Redis, 2 worker processes x 1 thread',
            2,
            fmt(heavy2.sec, 2),
            `${fmt(heavyLocal.sec / heavy2.sec, 2)}x`,
            String(strip(heavy2.result) === strip(heavyLocal.result)),
            fmt(((2 * heavy2.sec - heavyLocal.sec) * 1000) / tasks, 1),
          ],
        ],
        notes: [
          '2 cores shared by the producer, Redis, both workers and the other jobs of the machine: the ideal is 2.00x',
        ],
      },
    ],
    raw: {
      local: local.sec,
      inProcess: inProcess.sec,
      tasks,
      queued,
      heavyLocal: heavyLocal.sec,
      heavy2: heavy2.sec,
    },
  });
} finally {
  redis.child.kill('SIGTERM');
  await redis.exited;
  rmSync(redisDir, { recursive: true, force: true });
}
