/**
 * The deterministic part of a walk-forward that comes before any pair is tested: the resolved config, the
 * windows, and per window the eligible universe of the pair scan. Shared by the local run
 * ({@link runWalkForward}) and the cluster run (`@mmtape/walk-forward/cluster`), so both scan the same pairs.
 *
 * @module
 */
import { resolveWalkForwardConfig, type WalkForwardConfig } from './config.js';
import { InsufficientDataError, InvalidConfigError, InvalidInputError } from './errors.js';
import { inferPeriodsPerYear } from './infer-periods-per-year.js';
import { loadSectors } from './load-sectors.js';
import { pairStatsKey, trainingDigest } from './pair-stats-cache.js';
import { type PricePanel, validatePricePanel } from './price-panel.js';
import type { PairSelectionConfig } from './select-pairs.js';
import { filledTrainingPrices, isEligibleForTraining } from './training-window.js';

/** Trading days per year: the daily bar count the default window lengths are made for. */
const DAILY_BARS_PER_YEAR = 252;

/** Window boundaries (bar indices, ends exclusive). */
export interface WalkForwardWindow {
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

/** The pair scan of one window: its eligible symbols, in sorted-name order. */
export interface WindowScanPlan {
  window: WalkForwardWindow;
  /** Panel indices of the eligible symbols (sorted by name). */
  eligible: number[];
  /** Their names (same order). */
  names: string[];
  /** Sector id per eligible symbol (−1: none) for `universe: 'within-sector'`, else null. */
  sectorIds: number[] | null;
  /** Sector name per eligible symbol (within-sector universe), else null: part of the cache key. */
  sectorNames: (string | null)[] | null;
}

/** Everything decided before the pair scans: see {@link planWalkForward}. */
export interface WalkForwardPlan {
  config: WalkForwardConfig;
  selectionConfig: PairSelectionConfig;
  windows: WalkForwardWindow[];
  /** One per window. */
  scans: WindowScanPlan[];
  /** Bars per year used for annualisation (`config.periodsPerYear`, or inferred from the timestamps). */
  periodsPerYear: number;
}

/**
 * Window boundaries for `bars` bars: window w starts at s = w·stepBars; training is [s, s+trainBars)
 * (`'expanding'`: [0, s+trainBars)), test is [s+trainBars, s+trainBars+testBars). Only complete test
 * windows are produced.
 */
export function walkForwardWindows(bars: number, config: WalkForwardConfig): WalkForwardWindow[] {
  const out: WalkForwardWindow[] = [];
  for (let s = 0; s + config.trainBars + config.testBars <= bars; s += config.stepBars) {
    out.push({
      trainStart: config.mode === 'expanding' ? 0 : s,
      trainEnd: s + config.trainBars,
      testStart: s + config.trainBars,
      testEnd: s + config.trainBars + config.testBars,
    });
  }
  return out;
}

/**
 * Validate the inputs and plan the walk-forward on `panel`: resolved config, windows, bars per year and
 * each window's eligible universe ({@link isEligibleForTraining}, from training data only). Depends only on
 * the panel, the config and the sectors: never on how the scans are run.
 *
 * @param sectors sector of each symbol for `universe: 'within-sector'` (else `config.sectorsFile` is read).
 * @throws InvalidConfigError for an invalid config; InvalidInputError for a malformed panel (or no opens
 *   with `fillPrice: 'open'`); InsufficientDataError when the panel is shorter than one window.
 */
export function planWalkForward(
  panel: PricePanel,
  config: Partial<WalkForwardConfig> = {},
  sectors?: Readonly<Record<string, string>>,
): WalkForwardPlan {
  const cfg = resolveWalkForwardConfig(config);
  validatePricePanel(panel);
  if (cfg.fillPrice === 'open' && !panel.opens) {
    throw new InvalidInputError('runWalkForward panel.opens', "open prices with fillPrice 'open'", 'none');
  }
  const bars = panel.timestampsNs.length;
  const windows = walkForwardWindows(bars, cfg);
  if (windows.length === 0) {
    throw new InsufficientDataError(
      'runWalkForward panel',
      cfg.trainBars + cfg.testBars,
      bars,
      'trainBars + testBars',
    );
  }
  const periodsPerYear =
    cfg.periodsPerYear === 'auto' ? inferPeriodsPerYear(panel.timestampsNs) : cfg.periodsPerYear;
  if (
    periodsPerYear > DAILY_BARS_PER_YEAR * 1.5 &&
    (config.trainBars === undefined || config.testBars === undefined)
  ) {
    throw new InvalidConfigError(
      config.trainBars === undefined ? 'trainBars' : 'testBars',
      `set explicitly for intraday bars: this panel has ~${Math.round(periodsPerYear)} bars per year and the defaults (trainBars ${cfg.trainBars}, testBars ${cfg.testBars}) are one year / one quarter of daily bars; e.g. trainBars ${Math.round((periodsPerYear / DAILY_BARS_PER_YEAR) * 20)} and testBars ${Math.round((periodsPerYear / DAILY_BARS_PER_YEAR) * 5)} for 20 / 5 trading days`,
      undefined,
    );
  }
  const resolvedSectors = resolveSectors(cfg, sectors, panel.symbols);
  const sectorNames = resolvedSectors ? [...new Set(Object.values(resolvedSectors))].sort() : [];
  const sectorIdOf = new Map(sectorNames.map((name, k) => [name, k]));
  const order = panel.symbols.map((_, i) => i).sort((a, b) => compare(panel.symbols[a]!, panel.symbols[b]!));
  const scans = windows.map((win): WindowScanPlan => {
    const eligible = order.filter((i) =>
      isEligibleForTraining(panel.closes[i]!, win.trainStart, win.trainEnd, cfg.minTrainingCoverage),
    );
    const names = eligible.map((i) => panel.symbols[i]!);
    return {
      window: win,
      eligible,
      names,
      sectorIds: resolvedSectors ? names.map((n) => sectorIdOf.get(resolvedSectors[n] ?? '') ?? -1) : null,
      sectorNames: resolvedSectors ? names.map((n) => resolvedSectors[n] ?? null) : null,
    };
  });
  return { config: cfg, selectionConfig: selectionConfigOf(cfg), windows, scans, periodsPerYear };
}

/** Training prices of a window's eligible symbols, gaps filled forward: rows [0, trainEnd − trainStart). */
export function windowTrainingSeries(panel: PricePanel, scan: WindowScanPlan): Float64Array[] {
  return scan.eligible.map((i) =>
    filledTrainingPrices(panel.closes[i]!, scan.window.trainStart, scan.window.trainEnd),
  );
}

/** Key of a window's pair selection in a {@link PairStatsCache} (see `pairStatsKey`). */
export function windowSelectionKey(
  panel: PricePanel,
  plan: WalkForwardPlan,
  scan: WindowScanPlan,
  series: readonly Float64Array[] = windowTrainingSeries(panel, scan),
): string {
  const win = scan.window;
  const len = win.trainEnd - win.trainStart;
  return pairStatsKey(
    plan.selectionConfig,
    trainingDigest(scan.names, panel.timestampsNs.subarray(win.trainStart, win.trainEnd), series, 0, len),
    scan.sectorNames,
  );
}

/** The subset of the config that pair selection depends on (and the selection cache key covers). */
export function selectionConfigOf(cfg: WalkForwardConfig): PairSelectionConfig {
  return {
    minCorrelation: cfg.minCorrelation,
    maxPValue: cfg.maxPValue,
    halfLifeBars: cfg.halfLifeBars,
    topK: cfg.topK,
    adfLags: cfg.adfLags,
    prefilter: cfg.prefilter,
    adfAutolag: cfg.adfAutolag,
    adfMaxLag: cfg.adfMaxLag,
    maxHurst: cfg.maxHurst,
    minHedgeRatio: cfg.minHedgeRatio,
    minLegWeight: cfg.minLegWeight,
    fdrQ: cfg.fdrQ,
    method: cfg.method,
  };
}

function resolveSectors(
  cfg: WalkForwardConfig,
  given: Readonly<Record<string, string>> | undefined,
  symbols: readonly string[],
): Readonly<Record<string, string>> | null {
  if (cfg.universe !== 'within-sector') return null;
  let sectors: Readonly<Record<string, string>>;
  if (given) sectors = given;
  else if (cfg.sectorsFile) sectors = loadSectors(cfg.sectorsFile);
  else {
    throw new InvalidConfigError(
      'sectorsFile',
      "a sector file (or the sectors option) with universe 'within-sector'",
      null,
    );
  }
  if (!symbols.some((s) => sectors[s] !== undefined)) {
    throw new InvalidConfigError(
      cfg.sectorsFile ? 'sectorsFile' : 'sectors',
      `a sector map naming at least one of the ${symbols.length} panel symbols (e.g. ${symbols.slice(0, 3).join(', ')})`,
      cfg.sectorsFile ?? `${Object.keys(sectors).length} entries`,
    );
  }
  return sectors;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
