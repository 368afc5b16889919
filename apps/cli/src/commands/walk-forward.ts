import { join, resolve } from 'node:path';
import { CacheManager } from '@mmtape/cache-manager';
import { Dataset } from '@mmtape/columnar-format';
import { formatTimestampNs } from '@mmtape/columnar-format/time';
import { writeFileAtomic } from '@mmtape/errors';
import {
  buildPanel,
  rankSelectedPairs,
  renderReportHtml,
  runWalkForward,
  THREAD_LIMIT_ENV,
  type WalkForwardConfig,
  type WalkForwardReport,
} from '@mmtape/walk-forward';
import { CliUsageError, describeError } from '../cli-error.js';
import { type CommandContext, formatTable, requireDatasetDir, settingsOf, verifyOf } from '../context.js';
import { cacheWarningReporter } from './cache.js';

/** Options of `mmtape walk-forward`; every number overrides the config file and the defaults. */
export interface WalkForwardCommandOptions {
  /** Folder for report.json and report.html (created). */
  report: string;
  /** Verified reads (`--verify`/`--no-verify`; default: config `verify`, else true). */
  verify?: boolean;
  /** Pairs whose spread is charted in report.html (default: config `report.spreadPairs`, else 6). */
  spreadPairs?: number;
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
  /** f64 column traded (default `close`). */
  priceColumn?: string;
  fillPrice?: 'close' | 'open';
  executionDelay?: number;
  commissionBps?: number;
  slippageBps?: number;
  borrowBps?: number;
  initialCapital?: number;
  method?: 'engle-granger' | 'johansen';
  fdrQ?: number;
  minHedgeRatio?: number;
  minLegWeight?: number;
  minTrainingCoverage?: number;
  /** Test every pair (no correlation pre-filter). */
  allPairs?: boolean;
  /** CSV `symbol,sector`: only pairs within one sector. */
  sectors?: string;
  /** ADF lag selection on the residuals (statsmodels `coint` autolag); default: fixed lag. */
  autolag?: 'aic' | 'bic' | 't-stat';
  /** Worker threads testing pairs (default 1, in-process); `auto` = one per core. */
  workers?: number | 'auto';
  /** Cache folder for per-window pair statistics (default `<report>/.cache`). */
  cacheDir?: string;
  /** `--no-cache` disables the cache. */
  cache?: boolean;
  /** Run the pair scans as tasks on this BullMQ queue (`mmtape worker` processes serve it). */
  queue?: string;
  /** BullMQ queue name (with `queue`). */
  queueName?: string;
  /** What the workers open (with `queue`): folder path or pack URL; default this dataset's folder. */
  datasetUrl?: string;
  /** Pairs per queue task (with `queue`). */
  pairsPerTask?: number;
  /** How long Redis may be unreachable before the run fails, ms (with `queue`). */
  redisTimeoutMs?: number;
}

/** What `mmtape walk-forward` returns: the report plus where it was written. */
export interface WalkForwardResult {
  /** `<report>/report.json`. */
  reportPath: string;
  /** `<report>/report.html`: self-contained page with the charts. */
  htmlPath: string;
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
  'fillPrice',
  'commissionBps',
  'slippageBps',
  'initialCapital',
  'method',
  'fdrQ',
  'minHedgeRatio',
  'minLegWeight',
  'minTrainingCoverage',
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
  // One compute thread per worker for any native numeric library (OpenMP, MKL, OpenBLAS, BLIS, vecLib,
  // numexpr), set before anything loads one, unless the user set them: the walk-forward pool already
  // uses every core, so inner threading would only oversubscribe them.
  for (const [name, value] of Object.entries(THREAD_LIMIT_ENV)) process.env[name] ??= value;
  const settings = settingsOf(ctx);
  // Defaults ← config file (walkForward section) ← flags.
  const config = { ...(settings.config.walkForward ?? {}) } as Partial<WalkForwardConfig>;
  const mutable = config as Record<string, unknown>;
  for (const key of OVERRIDES) {
    if (options[key] !== undefined) mutable[key] = options[key];
  }
  if (options.allPairs) mutable.prefilter = false;
  if (options.sectors) {
    mutable.universe = 'within-sector';
    mutable.sectorsFile = resolve(options.sectors);
  }
  if (options.autolag) mutable.adfAutolag = options.autolag;
  if (options.executionDelay !== undefined) mutable.executionDelayBars = options.executionDelay;
  if (options.borrowBps !== undefined) mutable.borrowBpsPerYear = options.borrowBps;
  const verify = verifyOf(ctx, options.verify);
  const dataset = Dataset.open(requireDatasetDir(dir), { forceFallback: settings.forceFallback, verify });
  try {
    const symbols = options.symbols
      ? options.symbols
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    const column = options.priceColumn ?? 'close';
    const fillAtOpen = (config.fillPrice ?? 'close') === 'open';
    for (const name of fillAtOpen ? [column, 'open'] : [column]) {
      if (!dataset.manifest.schema.some((c) => c.name === name && c.dtype === 'f64')) {
        const available = dataset.manifest.schema.filter((c) => c.dtype === 'f64').map((c) => c.name);
        throw new CliUsageError(
          `dataset ${dir} has no f64 column "${name}"${name === 'open' ? ' (needed by --fill-price open)' : ''}; its price columns: ${available.join(', ')}`,
        );
      }
    }
    const panelOptions = {
      ...(symbols ? { symbols } : {}),
      ...(column !== 'close' ? { column } : {}),
      ...(fillAtOpen ? { openColumn: 'open' } : {}),
    };
    const panel = buildPanel(dataset, panelOptions);
    const cacheDir = resolve(options.cacheDir ?? settings.config.cacheDir ?? join(options.report, '.cache'));
    const cacheWarnings = cacheWarningReporter(cacheDir, ctx);
    const cache =
      options.cache === false
        ? undefined
        : new CacheManager({ dir: cacheDir, ...settings.cache, onWarning: cacheWarnings.onWarning });
    let started = false;
    let report: WalkForwardReport;
    try {
      const workers = options.workers ?? 1;
      if (options.queue && options.workers !== undefined) {
        throw new CliUsageError(
          '--workers is for local runs; with --queue, start `mmtape worker --concurrency <n>` processes instead',
        );
      }
      report = options.queue
        ? await (await import('./walk-forward-queue.js')).runWalkForwardOnQueue(
            panel,
            config,
            cache,
            dataset.generationDir,
            panelOptions,
            { ...options, queue: options.queue },
            ctx,
          )
        : await runWalkForward(panel, config, {
            ...(cache ? { cache } : {}),
            ...(workers === 1 ? {} : { workers, datasetDir: dataset.generationDir, panelOptions }),
            onProgress: (p) => {
              if (!started) {
                ctx.progress.start('walk-forward (windows: pair scans, then trading)', 2 * p.windowsTotal);
                started = true;
              }
              ctx.progress.update(p.phase === 'select' ? p.windowsDone : p.windowsTotal + p.windowsDone);
            },
          });
    } catch (error) {
      cacheWarnings.report();
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'MMTAPE_WF_INVALID_CONFIG' && settings.configPath) {
        throw new CliUsageError(
          `${describeError(error)} (walk-forward settings come from ${settings.configPath} and the flags)`,
        );
      }
      throw error;
    }
    if (started) ctx.progress.stop();
    cacheWarnings.report();
    const reportPath = join(options.report, 'report.json');
    writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`, { durable: false, what: 'report' });
    const htmlPath = join(options.report, 'report.html');
    const html = renderReportHtml(report, {
      panel,
      subtitle: `dataset ${dir}`,
      ...(options.spreadPairs !== undefined || settings.config.report?.spreadPairs !== undefined
        ? {
            pairs: rankSelectedPairs(report, options.spreadPairs ?? settings.config.report?.spreadPairs ?? 6),
          }
        : {}),
    });
    writeFileAtomic(htmlPath, html, { durable: false, what: 'HTML report' });
    printSummary(report, panel.symbols.length, reportPath, ctx);
    ctx.say(`html:   ${htmlPath}`);
    return { reportPath, htmlPath, report };
  } finally {
    dataset.close();
  }
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a';
}

function money(x: number): string {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : 'n/a';
}

function printSummary(
  report: WalkForwardReport,
  symbols: number,
  reportPath: string,
  ctx: CommandContext,
): void {
  const rows = report.windows.map((w) => [
    String(w.index),
    formatTimestampNs(BigInt(w.testStartNs)).slice(0, 10),
    formatTimestampNs(BigInt(w.testEndNs)).slice(0, 10),
    String(w.symbolsEligible),
    `${w.pairsPassedCoint}/${w.pairsTested} (~${w.expectedFalsePositives.toFixed(0)} by chance)`,
    w.selected.map((p) => `${p.y}/${p.x}`).join(' ') || '-',
    String(w.trades),
    pct(w.return),
  ]);
  ctx.say(
    formatTable(
      ['window', 'test from', 'test to', 'eligible', 'passed/tested', 'pairs traded', 'trades', 'return'],
      rows,
    ),
  );
  const s = report.summary;
  ctx.say('');
  ctx.say(`symbols ${symbols}, windows ${report.windows.length}, trades ${s.trades}`);
  ctx.say(
    `total return ${pct(s.totalReturn)}, annualised ${pct(s.annualizedReturn)}, Sharpe ${s.sharpe.toFixed(2)}, max drawdown ${pct(s.maxDrawdown)}, Calmar ${s.calmar.toFixed(2)}`,
  );
  ctx.say(
    `P&L: gross ${money(s.grossPnl)}, commission ${money(s.commission)}, slippage ${money(s.slippage)}, borrow ${money(s.borrow)}, net ${money(s.netPnl)} on ${money(s.initialCapital)}`,
  );
  ctx.say(
    `multiple testing: ${s.pairsPassedCoint} pairs passed of ${s.pairsTested} tested; ~${s.expectedFalsePositives.toFixed(0)} expected by chance alone`,
  );
  ctx.say(`execution: ${report.model.execution}`);
  ctx.say(`report: ${reportPath}`);
}
