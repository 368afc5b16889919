/**
 * The cluster runner on a real Redis (a throw-away `redis-server`, see @mmtape/test-utils): producer and
 * workers in this process, on the demo data. Worker threads run the built dist/worker.js (`pnpm build`).
 * Process-level failures (SIGKILLed worker, killed producer, Redis stopped) are in apps/cli/test/cluster.test.ts.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { ingest } from '@mmtape/columnar-format/ingest';
import { packDataset } from '@mmtape/columnar-format/pack';
import { startTestRedis, type TestRedis } from '@mmtape/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectQueue,
  queueRedisOptions,
  queueTaskRunner,
  redactQueueUrl,
  runWalkForwardTasks,
  startWalkForwardWorker,
} from '../src/cluster/index.js';
import { formatTaskFailure, parseTaskFailure } from '../src/cluster/scan-job.js';
import {
  buildPanel,
  isMmtapeError,
  type PricePanel,
  runWalkForward,
  type WalkForwardConfig,
} from '../src/index.js';

const DEMO = join(import.meta.dirname, '../../../apps/cli/demo-data/sp500-30');
const CONFIG: Partial<WalkForwardConfig> = { prefilter: false, topK: 3 };

let redis: TestRedis;
let dir: string;
let dataset: string;
let other: string;
let panel: PricePanel;

beforeAll(async () => {
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'mmtape-wf-cluster-'));
  dataset = join(dir, 'ds');
  other = join(dir, 'other');
  await ingest({ inputs: [DEMO], outDir: dataset });
  await ingest({ inputs: [join(DEMO, 'AAL_data.csv'), join(DEMO, 'AEP_data.csv')], outDir: other });
  const ds = Dataset.open(dataset);
  panel = buildPanel(ds, {});
  ds.close();
}, 60_000);

afterAll(async () => {
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('queue URLs', () => {
  it('never shows a password; rediss:// turns TLS on; passwords pass through to ioredis', () => {
    expect(redactQueueUrl('redis://:s3cret@db.example:6380/2')).toBe('redis://:***@db.example:6380/2');
    expect(redactQueueUrl('rediss://alice:s3cret@db.example')).not.toContain('s3cret');
    const plain = queueRedisOptions('redis://:p%40ss@db.example:6380/2');
    expect(plain).toMatchObject({ host: 'db.example', port: 6380, db: 2, password: 'p@ss' });
    expect(plain.tls).toBeUndefined();
    const tls = queueRedisOptions('rediss://alice:pw@db.example');
    expect(tls).toMatchObject({ host: 'db.example', port: 6379, username: 'alice', password: 'pw' });
    expect(tls.tls).toEqual({ servername: 'db.example' });
    expect(queueRedisOptions('unix:///run/redis.sock?db=3')).toMatchObject({
      path: '/run/redis.sock',
      db: 3,
    });
  });

  it('task failures carry the original code and kind through BullMQ', () => {
    const reason = formatTaskFailure(
      'dataset x: digest differs\nsecond line',
      'MMTAPE_WF_DATASET_MISMATCH',
      'data',
    );
    expect(parseTaskFailure(reason)).toEqual({
      message: 'dataset x: digest differs\nsecond line',
      code: 'MMTAPE_WF_DATASET_MISMATCH',
      kind: 'data',
    });
    expect(parseTaskFailure('job stalled more than allowable limit')).toEqual({
      message: 'job stalled more than allowable limit',
    });
  });

  it('Redis unavailable at start: QueueUnavailableError (kind io) with the password redacted', async () => {
    const error = await connectQueue('redis://:hunter2@127.0.0.1:1/0', 500).catch((e: unknown) => e);
    expect(isMmtapeError(error, 'MMTAPE_WF_QUEUE_UNAVAILABLE')).toBe(true);
    expect((error as { kind: string }).kind).toBe('io');
    expect((error as Error).message).toContain('redis://:***@127.0.0.1:1/0');
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('walk-forward through BullMQ', () => {
  it('two workers: the same report as runWalkForward (parallelism aside); a re-run reuses every task', async () => {
    const reference = await runWalkForward(panel, CONFIG);
    const queueName = 'same-report';
    const workers = await Promise.all(
      [0, 1].map(() => startWalkForwardWorker({ url: redis.url, queueName, concurrency: 1 })),
    );
    try {
      const runner = queueTaskRunner({ url: redis.url, queueName, dataset, pollIntervalMs: 200 });
      let total = 0;
      const report = await runWalkForwardTasks(panel, CONFIG, runner, {
        pairsPerTask: 40,
        onPlan: (p) => {
          total = p.tasks.length;
        },
      });
      expect(total).toBeGreaterThan(50);
      expect(runner.progress()).toMatchObject({ tasksDone: total, tasksTotal: total, tasksReused: 0 });
      expect(workers[0]!.tasksRun() + workers[1]!.tasksRun()).toBe(total);
      expect(report.parallelism?.panelSource).toBe('queue');
      expect(JSON.stringify({ ...report, parallelism: null })).toBe(
        JSON.stringify({ ...reference, parallelism: null }),
      );
      const again = queueTaskRunner({ url: redis.url, queueName, dataset, pollIntervalMs: 200 });
      const second = await runWalkForwardTasks(panel, CONFIG, again, { pairsPerTask: 40 });
      expect(again.progress()).toMatchObject({ tasksReused: total, tasksDone: total });
      expect(workers[0]!.tasksRun() + workers[1]!.tasksRun()).toBe(total); // nothing recomputed
      expect(JSON.stringify(second)).toBe(JSON.stringify(report));
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  }, 60_000);

  it('a worker given another dataset fails the run with DatasetMismatchError, not a retry loop', async () => {
    const queueName = 'other-dataset';
    const worker = await startWalkForwardWorker({
      url: redis.url,
      queueName,
      concurrency: 1,
      dataset: other,
    });
    try {
      const runner = queueTaskRunner({ url: redis.url, queueName, dataset, pollIntervalMs: 200 });
      const error = await runWalkForwardTasks(panel, CONFIG, runner, { pairsPerTask: 400 }).catch(
        (e: unknown) => e,
      );
      expect(isMmtapeError(error, 'MMTAPE_WF_TASK_FAILED')).toBe(true);
      expect((error as { kind: string }).kind).toBe('data');
      expect((error as { taskCode: string }).taskCode).toBe('MMTAPE_WF_DATASET_MISMATCH');
      expect((error as Error).message).toContain(`dataset ${other}`);
      expect(runner.progress().retries).toBe(0);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('a pack URL (http://, then file://) is hydrated once per machine, keyed by its digest', async () => {
    const packed = join(dir, 'packed');
    await packDataset(dataset, packed, { chunkRows: 512 });
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const path = join(packed, decodeURIComponent((req.url ?? '/').split('?')[0]!));
      if (!path.startsWith(packed) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const cacheDir = join(dir, 'dataset-cache');
    const queueName = 'pack-url';
    try {
      const worker = await startWalkForwardWorker({
        url: redis.url,
        queueName,
        concurrency: 2,
        datasetCacheDir: cacheDir,
      });
      try {
        const reference = JSON.stringify({ ...(await runWalkForward(panel, CONFIG)), parallelism: null });
        for (const [k, location] of [`http://127.0.0.1:${port}/`, `file://${packed}`].entries()) {
          const runner = queueTaskRunner({
            url: redis.url,
            queueName,
            dataset: location,
            pollIntervalMs: 200,
          });
          // pairsPerTask differs per run: new task ids, so the second run really computes on the file:// pack.
          const report = await runWalkForwardTasks(panel, CONFIG, runner, { pairsPerTask: 300 + k });
          expect(JSON.stringify({ ...report, parallelism: null })).toBe(reference);
        }
        const entries = readdirSync(cacheDir);
        expect(entries).toHaveLength(1); // one hydrated copy, no leftovers
        expect(entries[0]).toMatch(/^[0-9a-f]{64}$/);
        expect(existsSync(join(cacheDir, entries[0]!, 'CURRENT'))).toBe(true);
        // Each packed file was downloaded once, although many tasks (and two threads) needed the dataset.
        const fileRequests = requests.filter((r) => r !== '/pack.json');
        expect(fileRequests.length).toBeGreaterThan(30);
        expect(new Set(fileRequests).size).toBe(fileRequests.length);
      } finally {
        await worker.close();
      }
    } finally {
      server.close();
    }
  }, 60_000);
});
