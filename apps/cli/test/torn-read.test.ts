import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// Issue 14, "Torn reads": a reader running while `mmtape ingest --overwrite` replaces the dataset must see
// exactly one version. Two versions of a 300-symbol dataset with different, known sums of `close`; the
// writer process runs `mmtape ingest --overwrite` in a loop (through the CLI's `main`, so that it
// publishes every few hundred ms instead of paying a process start per ingest), alternating between them,
// while a reader process sums `close` over every symbol 100 times.

const BIN = resolve(__dirname, '../dist/bin.js');
const CLI = resolve(__dirname, '../dist/index.js');
const COLUMNAR = resolve(__dirname, '../../../packages/columnar-format/dist/index.js');
const SYMBOLS = 300;
const RUNS = 100;

const tmp = tempDir('torn');
afterAll(() => tmp.cleanup());

/** Writes one CSV per symbol (3 daily rows); returns the exact sum of `close` over all of them. */
function writeVersion(folder: string, closeOf: (symbol: number, row: number) => number): number {
  mkdirSync(folder, { recursive: true });
  let sum = 0;
  for (let s = 0; s < SYMBOLS; s++) {
    const lines = ['date,close'];
    for (let r = 0; r < 3; r++) {
      const close = closeOf(s, r);
      sum += close;
      lines.push(`2020-01-0${r + 1},${close}`);
    }
    writeFileSync(join(folder, `S${String(s).padStart(4, '0')}.csv`), `${lines.join('\n')}\n`);
  }
  return sum;
}

/** Runs a node child process to completion; resolves with its exit code and output. `onSpawn` gets the child. */
function run(
  args: string[],
  onSpawn: (child: ReturnType<typeof spawn>) => void = () => {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * The reader: `RUNS` times open the dataset, sum `close` over every symbol (column files opened one by
 * one, with 12 pauses of 12 ms so that most publishes land inside a run) and close it. Prints one JSON
 * line: each run's sum and whether `CURRENT` changed while the run was reading.
 */
const READER = `
const { Dataset, readCurrentGeneration } = await import(${JSON.stringify(COLUMNAR)});
const dir = process.argv[1];
const pause = new Int32Array(new SharedArrayBuffer(4));
const runs = [];
for (let run = 0; run < ${RUNS}; run++) {
  const before = readCurrentGeneration(dir);
  const ds = Dataset.open(dir);
  let sum = 0;
  ds.symbols.forEach((symbol, k) => {
    for (const v of ds.open(symbol).f64('close')) sum += v;
    if (k % 25 === 24) Atomics.wait(pause, 0, 0, 12);
  });
  ds.close();
  runs.push({ sum, overlapped: readCurrentGeneration(dir) !== before });
}
console.log(JSON.stringify(runs));
`;

/**
 * The writer: `mmtape ingest <a|b> --out <ds> --overwrite` alternately until killed; prints one `.` per
 * published generation. argv: dataset folder, version a folder, version b folder.
 */
const WRITER = `
const { main } = await import(${JSON.stringify(CLI)});
const [ds, a, b] = process.argv.slice(1);
for (let k = 0; ; k++) {
  const args = ['node', 'mmtape', 'ingest', k % 2 === 0 ? b : a, '--out', ds, '--overwrite', '--no-fsync', '--workers', '1', '--quiet'];
  const code = await main(args);
  if (code !== 0) process.exit(code);
  process.stdout.write('.');
}
`;

describe('torn reads: a reader during ingest --overwrite sees one version only', () => {
  it(`${RUNS} reader runs over ${SYMBOLS} symbols while the dataset is replaced: every sum is one version's`, async () => {
    const a = join(tmp.dir, 'a');
    const b = join(tmp.dir, 'b');
    const sumA = writeVersion(a, (s, r) => s + r + 1);
    const sumB = writeVersion(b, (s, r) => 1000 + 2 * s + r);
    const ds = join(tmp.dir, 'ds');
    const ingest = (from: string) =>
      run([BIN, 'ingest', from, '--out', ds, '--overwrite', '--no-fsync', '--workers', '1', '--quiet']);
    expect((await ingest(a)).code).toBe(0);

    let writerProcess: ReturnType<typeof spawn> | undefined;
    const writer = run(['--input-type=module', '-e', WRITER, ds, a, b], (child) => {
      writerProcess = child;
    });
    const reader = run(['--input-type=module', '-e', READER, ds]).finally(() =>
      writerProcess?.kill('SIGKILL'),
    );
    const [result, written] = await Promise.all([reader, writer]);
    expect(result.code, result.stderr).toBe(0);
    expect(written.code, written.stderr).toBe(null); // killed while still writing, never failed
    const publishes = written.stdout.length;
    const runs = JSON.parse(result.stdout) as { sum: number; overlapped: boolean }[];
    expect(runs).toHaveLength(RUNS);
    const mixed = runs.filter((r) => r.sum !== sumA && r.sum !== sumB);
    expect(mixed).toEqual([]);
    // The test is not vacuous: the dataset was replaced while readers were reading.
    expect(publishes).toBeGreaterThanOrEqual(2);
    expect(runs.filter((r) => r.overlapped).length).toBeGreaterThanOrEqual(2);
    expect(runs.some((r) => r.sum === sumA) && runs.some((r) => r.sum === sumB)).toBe(true);

    // The writer was killed at a random point: gc removes its temp folder and every superseded generation.
    const gc = await run([BIN, '--json', 'gc', ds]);
    expect(gc.code, gc.stderr).toBe(0);
    expect(readdirSync(ds).filter((n) => n.startsWith('gen-'))).toHaveLength(1);
    expect(readdirSync(ds).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  }, 120_000);
});
