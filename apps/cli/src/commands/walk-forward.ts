import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CacheManager } from '@mmtape/cache-manager';
import { Dataset } from '@mmtape/columnar-format';
import {
  buildPanel,
  runWalkForward,
  type WalkForwardConfig,
  type WalkForwardReport,
} from '@mmtape/walk-forward';
import { CliUsageError } from '../cli-error.js';
import { type CommandContext, formatTable, isoFromNs, requireDatasetDir } from '../context.js';

/** Options of `mmtape walk-forward`; every number overrides the config file and the defaults. */
export interface WalkForwardCommandOptions {
  /** Folder for report.json (created). */
  report: string;
  /** JSON file with a partial WalkForwardConfig. */
  config?: string;
  symbols?: string;
  trainBars?: number;
  testBars?: number;
  stepBars?: number;
  mode?: 'rolling' | 'expanding';
  minCorrelation?: number;
  maxPValue?: number;
  topK?: number;
  entryZ?: number;
  exitZ?: number;
  stopZ?: number;
  costBps?: number;
  /** Cache folder for per-window pair statistics (default `<report>/.cache`). */
  cacheDir?: string;
  /** `--no-cache` disables the cache. */
  cache?: boolean;
}

/** What `mmtape walk-forward` returns: the report plus where it was written. */
export interface WalkForwardResult {
  reportPath: string;
  report: WalkForwardReport;
}

const OVERRIDES = [
  'trainBars',
  'testBars',
  'stepBars',
  'mode',
  'minCorrelation',
  'maxPValue',
  'topK',
  'entryZ',
  'exitZ',
  'stopZ',
  'costBps',
] as const;

/**
 * Runs `mmtape walk-forward <dataset>`: builds the aligned close panel through the k-way merge, runs the
 * pairs walk-forward, writes `report.json` atomically and prints a summary table.
 */
export async function runWalkForwardCommand(
  dir: string,
  options: WalkForwardCommandOptions,
  ctx: CommandContext,
): Promise<WalkForwardResult> {
  let config: Partial<WalkForwardConfig> = {};
  if (options.config) {
    try {
      config = JSON.parse(readFileSync(options.config, 'utf8')) as Partial<WalkForwardConfig>;
    } catch (error) {
      throw new CliUsageError(
        `cannot read config ${options.config}: expected a JSON object (${String(error)})`,
      );
    }
  }
  const mutable = config as Record<string, unknown>;
  for (const key of OVERRIDES) {
    if (options[key] !== undefined) mutable[key] = options[key];
  }
  const dataset = Dataset.open(requireDatasetDir(dir));
  try {
    const symbols = options.symbols
      ? options.symbols
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    const panel = buildPanel(dataset, symbols ? { symbols } : {});
    for (const d of panel.droppedSymbols) {
      ctx.say(`${d.symbol} left out: prices on ${(d.coverage * 100).toFixed(0)}% of bars (minimum 95%)`);
    }
    const cache =
      options.cache === false
        ? undefined
        : new CacheManager({ dir: resolve(options.cacheDir ?? join(options.report, '.cache')) });
    let started = false;
    const report = await runWalkForward(panel, config, {
      ...(cache ? { cache } : {}),
      onProgress: (p: { windowsDone: number; windowsTotal: number }) => {
        if (!started) {
          ctx.progress.start('walk-forward (windows)', p.windowsTotal);
          started = true;
        }
        ctx.progress.update(p.windowsDone);
      },
    });
    if (started) ctx.progress.stop();
    mkdirSync(options.report, { recursive: true });
    const reportPath = join(options.report, 'report.json');
    const tmp = `${reportPath}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, reportPath);
    printSummary(report, panel.symbols.length, reportPath, ctx);
    return { reportPath, report };
  } finally {
    dataset.close();
  }
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a';
}

function printSummary(
  report: WalkForwardReport,
  symbols: number,
  reportPath: string,
  ctx: CommandContext,
): void {
  const rows = report.windows.map((w) => [
    String(w.index),
    isoFromNs(w.testStartNs).slice(0, 10),
    isoFromNs(w.testEndNs).slice(0, 10),
    `${w.pairsPassed}/${w.pairsTested}`,
    w.selected.map((p) => `${p.y}/${p.x}`).join(' ') || '-',
    String(w.trades),
    pct(w.return),
  ]);
  ctx.say(
    formatTable(
      ['window', 'test from', 'test to', 'passed/tested', 'pairs traded', 'trades', 'return'],
      rows,
    ),
  );
  const s = report.summary;
  ctx.say('');
  ctx.say(`symbols ${symbols}, windows ${report.windows.length}, trades ${s.trades}`);
  ctx.say(
    `total return ${pct(s.totalReturn)}, annualised ${pct(s.annualizedReturn)}, Sharpe ${s.sharpe.toFixed(2)}, max drawdown ${pct(s.maxDrawdown)}`,
  );
  ctx.say(`report: ${reportPath}`);
}
