import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestReport } from '@mmtape/columnar-format/ingest';
import { CliUsageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { runIngest } from './ingest.js';
import { type ReplayResult, runReplay } from './replay.js';
import { runWalkForwardCommand, type WalkForwardResult } from './walk-forward.js';

/**
 * Folder of the embedded demo dataset (30 S&P 500 stocks, daily, 2013–2018; see its SOURCE.md).
 * It sits next to `src/` and `dist/` in the CLI package, so it resolves the same from both.
 */
export function demoDataDir(): string {
  // dist/bin.js is one level below the package root, src/commands/demo.ts two: walk up to find it.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'demo-data', 'sp500-30');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'demo-data', 'sp500-30');
}

/** Everything `mmtape demo` produced. */
export interface DemoResult {
  outDir: string;
  datasetDir: string;
  reportPath: string;
  /** The self-contained HTML report (open it in a browser). */
  htmlPath: string;
  ingest: IngestReport;
  replay: ReplayResult;
  walkForward: WalkForwardResult;
}

/**
 * Runs `mmtape demo`: ingest the embedded dataset → replay it in timestamp order → pairs walk-forward,
 * all inside `out` (default: a new folder under the OS temp dir), and prints where the results are.
 */
export async function runDemo(options: { out?: string }, ctx: CommandContext): Promise<DemoResult> {
  const source = demoDataDir();
  if (!existsSync(source))
    throw new CliUsageError(`demo dataset not found at ${source}; reinstall @mmtape/cli`);
  const outDir = options.out ? resolve(options.out) : mkdtempSync(join(tmpdir(), 'mmtape-demo-'));
  const datasetDir = join(outDir, 'dataset');
  const reportDir = join(outDir, 'report');
  ctx.say(`mmtape demo: 30 S&P 500 stocks, daily bars 2013-02-08 .. 2018-02-07 (${source})`);
  ctx.say('');
  ctx.say('1/3 ingest');
  const ingest = await runIngest([source], { out: datasetDir, overwrite: true }, ctx);
  ctx.say('');
  ctx.say('2/3 replay (k-way merge of all symbols in timestamp order)');
  const replay = runReplay(datasetDir, {}, ctx);
  ctx.say('');
  ctx.say('3/3 walk-forward (Engle-Granger pairs, train 252 bars, test 63 bars)');
  const walkForward = await runWalkForwardCommand(datasetDir, { report: reportDir }, ctx);
  ctx.say('');
  ctx.say(`results in ${outDir}`);
  ctx.say(`  dataset: ${datasetDir}`);
  ctx.say(`  report:  ${walkForward.reportPath}`);
  ctx.say(`  html:    ${walkForward.htmlPath}  (open it in a browser)`);
  return {
    outDir,
    datasetDir,
    reportPath: walkForward.reportPath,
    htmlPath: walkForward.htmlPath,
    ingest,
    replay,
    walkForward,
  };
}
