import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CacheManager } from '@mmtape/cache-manager';
import { Dataset } from '@mmtape/columnar-format';
import {
  buildPanel,
  rankSelectedPairs,
  renderReportHtml,
  runWalkForward,
  type WalkForwardConfig,
  type WalkForwardReport,
} from '@mmtape/walk-forward';
import { CliUsageError, describeError } from '../cli-error.js';
import { type CommandContext, formatTable, isoFromNs, requireDatasetDir, settingsOf } from '../context.js';

/** Options of `mmtape walk-forward`; every number overrides the config file and the defaults. */
export interface WalkForwardCommandOptions {
  /** Folder for report.json and report.html (created). */
  report: string;
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
  costBps?: number;
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
  const dataset = Dataset.open(requireDatasetDir(dir), { forceFallback: settings.forceFallback });
  try {
    const symbols = options.symbols
      ? options.symbols
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    const panelOptions = symbols ? { symbols } : {};
    const panel = buildPanel(dataset, panelOptions);
    for (const d of panel.droppedSymbols) {
      ctx.say(`${d.symbol} left out: prices on ${(d.coverage * 100).toFixed(0)}% of bars (minimum 95%)`);
    }
    const cache =
      options.cache === false
        ? undefined
        : new CacheManager({
            dir: resolve(options.cacheDir ?? settings.config.cacheDir ?? join(options.report, '.cache')),
            ...settings.cache,
          });
    let started = false;
    let report: WalkForwardReport;
    try {
      const workers = options.workers ?? 1;
      report = await runWalkForward(panel, config, {
        ...(cache ? { cache } : {}),
        ...(workers === 1 ? {} : { workers, datasetDir: resolve(dir), panelOptions }),
        onProgress: (p: { windowsDone: number; windowsTotal: number }) => {
          if (!started) {
            ctx.progress.start('walk-forward (windows)', p.windowsTotal);
            started = true;
          }
          ctx.progress.update(p.windowsDone);
        },
      });
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'MMTAPE_WF_INVALID_CONFIG' && settings.configPath) {
        throw new CliUsageError(
          `${describeError(error)} (walk-forward settings come from ${settings.configPath} and the flags)`,
        );
      }
      throw error;
    }
    if (started) ctx.progress.stop();
    mkdirSync(options.report, { recursive: true });
    const reportPath = join(options.report, 'report.json');
    const tmp = `${reportPath}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, reportPath);
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
    writeFileSync(`${htmlPath}.tmp-${process.pid}`, html);
    renameSync(`${htmlPath}.tmp-${process.pid}`, htmlPath);
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
