/**
 * `mmtape walk-forward --queue` with `mmtape worker` processes on a throw-away redis-server (the Debian
 * package `redis-server`, see @mmtape/test-utils; .ci/run installs it): the report equals the local one
 * whatever dies. (Workers given another dataset: packages/walk-forward/test/cluster-queue.test.ts.) Spawns `node apps/cli/dist/bin.js`: run `pnpm build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestRedis, type TestRedis } from '@mmtape/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { main } from '../src/main.js';
import { quietCtx, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tmp = tempDir('cluster');
const dataset = join(tmp.dir, 'dataset');
/** All pairs, ~230 tasks of ~20 pairs on the demo data: long enough to kill things mid-run. */
const WF_ARGS = ['--all-pairs', '--no-cache', '--pairs-per-task', '20'];
/** Fast stall detection so a killed worker's task is retried within ~2 s. */
const WORKER_ARGS = ['--concurrency', '1', '--lock-duration-ms', '2000', '--stalled-interval-ms', '1000'];

let redis: TestRedis;
const children = new Set<ChildProcess>();

/** A spawned mmtape process: its stderr so far, and its exit. */
interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function mmtape(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, stderr: () => stderr, exit };
}

function worker(queueName: string, extra: string[] = []): Proc {
  return mmtape(['worker', '--queue', redis.url, '--queue-name', queueName, ...WORKER_ARGS, ...extra]);
}

function producer(queueName: string, report: string, extra: string[] = []): Proc {
  const args = ['walk-forward', dataset, '-r', join(tmp.dir, report), '--queue', redis.url];
  return mmtape([...args, '--queue-name', queueName, ...WF_ARGS, ...extra]);
}

/** Waits until `p` has printed `count` matches of `pattern` on stderr (or fails after `ms`). */
async function waitFor(p: Proc, pattern: RegExp, count = 1, ms = 30_000): Promise<void> {
  const start = Date.now();
  const global = new RegExp(pattern.source, 'g');
  while ((p.stderr().match(global)?.length ?? 0) < count) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${pattern} in:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** report.json and report.html of a run, with the one execution detail (parallelism) blanked. */
function reportOf(name: string): { json: string; html: string } {
  const json = JSON.parse(readFileSync(join(tmp.dir, name, 'report.json'), 'utf8'));
  json.parallelism = null;
  const html = readFileSync(join(tmp.dir, name, 'report.html'), 'utf8').replace(
    / Pair scan: \d+ worker\(s\), panel source [a-z-]+\./,
    '',
  );
  return { json: JSON.stringify(json), html };
}

/** The last progress line of a producer: tasks done/total, reused, retries, workers seen. */
function lastProgress(p: Proc): {
  done: number;
  total: number;
  reused: number;
  retries: number;
  workers: number;
} {
  const lines = [
    ...p.stderr().matchAll(/tasks (\d+)\/(\d+) \(reused (\d+)\), retries (\d+), workers seen (\d+)/g),
  ];
  const m = lines.at(-1);
  if (!m) throw new Error(`no progress line in:\n${p.stderr()}`);
  const [done, total, reused, retries, workers] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { done, total, reused, retries, workers };
}

const tasksRunBy = (p: Proc) => Number(/stopped after (\d+) tasks/.exec(p.stderr())?.[1] ?? Number.NaN);

beforeAll(async () => {
  redis = await startTestRedis();
  await runIngest([demoDataDir()], { out: dataset }, quietCtx);
  expect(
    await main([
      'node',
      'mmtape',
      '-q',
      'walk-forward',
      dataset,
      '-r',
      join(tmp.dir, 'local'),
      ...WF_ARGS.slice(0, 2),
    ]),
  ).toBe(0);
}, 60_000);

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.dispose();
  tmp.cleanup();
});

describe('mmtape walk-forward --queue', () => {
  it('3 workers, one SIGKILLed mid-run: its task is retried and the report equals the local one', async () => {
    const workers = [worker('kill'), worker('kill'), worker('kill')];
    await Promise.all(workers.map((w) => waitFor(w, /ready/)));
    const run = producer('kill', 'kill');
    await waitFor(workers[0]!, /done/, 5);
    workers[0]!.child.kill('SIGKILL');
    expect(await run.exit).toBe(0);
    const progress = lastProgress(run);
    expect(progress.done).toBe(progress.total);
    expect(progress.total).toBeGreaterThan(200);
    expect(progress.retries).toBeGreaterThanOrEqual(1); // the killed worker's task, found stalled
    expect(progress.workers).toBe(3);
    expect(reportOf('kill')).toEqual(reportOf('local'));
    for (const w of workers.slice(1)) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
  }, 60_000);

  it('producer killed and re-run: finished tasks are reused, not recomputed', async () => {
    const first = worker('resume');
    const run = producer('resume', 'resume');
    await waitFor(first, /done/, 20);
    run.child.kill('SIGKILL');
    first.child.kill('SIGTERM'); // finishes its current task, then stops
    await Promise.all([run.exit, first.exit]);
    const computedBefore = tasksRunBy(first);
    expect(computedBefore).toBeGreaterThanOrEqual(20);
    // The second worker starts once the re-run producer has looked at the queue (its first progress line):
    // every task completed by then was computed by the first worker.
    const again = producer('resume', 'resume');
    await waitFor(again, /tasks \d+\/\d+/);
    const second = worker('resume');
    expect(await again.exit).toBe(0);
    second.child.kill('SIGTERM');
    await second.exit;
    const progress = lastProgress(again);
    expect(progress.reused).toBe(computedBefore);
    expect(tasksRunBy(second)).toBe(progress.total - computedBefore);
    expect(reportOf('resume')).toEqual(reportOf('local'));
  }, 60_000);

  it('Redis stopped mid-run: producer and workers exit 4 naming the redacted URL; a re-run completes', async () => {
    const secretUrl = redis.url.replace('redis://', 'redis://:hunter2@');
    const timeout = ['--redis-timeout-ms', '1500'];
    const workers = [0, 1].map(() =>
      mmtape(['worker', '--queue', redis.url, '--queue-name', 'outage', ...WORKER_ARGS, ...timeout]),
    );
    const args = ['walk-forward', dataset, '-r', join(tmp.dir, 'outage'), '--queue', secretUrl];
    const run = mmtape([...args, '--queue-name', 'outage', ...WF_ARGS, ...timeout]);
    await waitFor(workers[0]!, /done/, 10);
    await redis.stop();
    expect(await run.exit).toBe(4);
    expect(run.stderr()).toContain('MMTAPE_WF_QUEUE_UNAVAILABLE');
    expect(run.stderr()).toContain(':***@127.0.0.1');
    expect(run.stderr()).not.toContain('hunter2');
    for (const w of workers) expect(await w.exit).toBe(4);
    await redis.start();
    const again = [0, 1].map(() => worker('outage'));
    const rerun = producer('outage', 'outage');
    expect(await rerun.exit).toBe(0);
    expect(reportOf('outage')).toEqual(reportOf('local'));
    for (const w of again) w.child.kill('SIGTERM');
    await Promise.all(again.map((w) => w.exit));
  }, 60_000);
});
