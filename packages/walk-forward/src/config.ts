/**
 * Walk-forward configuration: shape, defaults (with units and reasons) and validation.
 *
 * @module
 */
import { InvalidConfigError } from './errors.js';
import type { AutolagMethod } from './stats/adfuller.js';

/** Training window anchoring. */
export type WalkForwardMode = 'rolling' | 'expanding';

/** Which pairs are candidates: every pair, or only pairs of two symbols in the same sector. */
export type PairUniverse = 'all' | 'within-sector';

/** Position sizing of a pair (both unit gross exposure). */
export type PairSizing = 'hedge-ratio' | 'dollar-neutral';

/**
 * Every option of {@link runWalkForward}. Bars are rows of the {@link PricePanel} timeline.
 */
export interface WalkForwardConfig {
  /** Training window length in bars. Default 252 (one trading year of daily bars: enough for a stable ADF). */
  trainBars: number;
  /** Test (trading) window length in bars. Default 63 (one quarter of daily bars). */
  testBars: number;
  /**
   * Bars between consecutive window starts. Default = `testBars`, so test windows tile the timeline
   * without overlap. Must be ≥ `testBars` (overlapping test windows would double-count returns).
   */
  stepBars: number;
  /** `'rolling'` (default): train on the last `trainBars` bars. `'expanding'`: train on everything since bar 0. */
  mode: WalkForwardMode;
  /**
   * Minimum Pearson correlation of the two symbols' training **log returns** for a pair to be tested for
   * cointegration. Default 0.5: a cheap pre-filter that removes most of the O(S²) Engle-Granger tests.
   */
  minCorrelation: number;
  /**
   * Apply the `minCorrelation` pre-filter. Default true. `false` tests every pair of the universe (the
   * full O(S²) scan, e.g. 124,750 pairs for 500 symbols); the correlation is still reported per pair.
   */
  prefilter: boolean;
  /**
   * `'all'` (default): every pair of eligible symbols. `'within-sector'`: only pairs whose two symbols have
   * the same sector in the sector map (`sectorsFile` or `runWalkForward`'s `sectors` option); symbols
   * without a sector are left out.
   */
  universe: PairUniverse;
  /**
   * CSV file `symbol,sector` (a header line is skipped when its first field is `symbol`) used by
   * `universe: 'within-sector'`. Default `null`. Relative paths resolve against the working directory
   * (the CLI resolves them against the config file).
   */
  sectorsFile: string | null;
  /** Maximum Engle-Granger p-value (MacKinnon 1994) to accept a pair. Default 0.05. */
  maxPValue: number;
  /**
   * Accepted spread half-life range [min, max] in bars, inclusive. Default [1, 126]: faster than a bar is
   * noise; slower than half a training year rarely reverts inside a 63-bar test window.
   */
  halfLifeBars: [number, number];
  /**
   * Number of pairs traded per window: the accepted pairs with the lowest Engle-Granger p-value (score =
   * p-value ascending, ties by ADF statistic ascending, then by pair name). Default 5.
   */
  topK: number;
  /**
   * Fixed ADF lag order for the Engle-Granger residual test, used when `adfAutolag` is `null`. Default 1:
   * one lagged difference absorbs the first-order autocorrelation of daily spreads and is ~10× cheaper
   * than a lag search.
   */
  adfLags: number;
  /**
   * Residual ADF lag selection as statsmodels `coint(autolag=…)`: `'aic'`, `'bic'`, `'t-stat'`, or `null`
   * (default, fixed `adfLags`). `'aic'` with `adfMaxLag: null` reproduces statsmodels' default `coint`.
   */
  adfAutolag: AutolagMethod | null;
  /**
   * Largest lag of the search (`adfAutolag` set). Default `null`: statsmodels' ⌈12·(n/100)^{1/4}⌉ capped at
   * ⌊n/2⌋ − 1 for n training bars (16 for 252 bars).
   */
  adfMaxLag: number | null;
  /**
   * Optional Hurst-exponent filter: accept a pair only when the Hurst exponent of its training spread
   * (variance-of-lagged-differences estimate over lags 2..20, see `hurstExponent`) is below this. Default
   * `null` (no filter). 0.5 = random walk; mean-reverting spreads are below.
   */
  maxHurst: number | null;
  /** Enter when |z| exceeds this (spread standard deviations). Default 2.0. */
  entryZ: number;
  /** Exit when z has reverted to within ±`exitZ` (or crossed it). Default 0.5. */
  exitZ: number;
  /** Stop out when |z| exceeds this. Default 4.0. */
  stopZ: number;
  /**
   * Transaction cost in basis points per unit of turnover (|Δweight| summed over both legs). Default 5 bps,
   * a realistic all-in cost for liquid large caps.
   */
  costBps: number;
  /**
   * `'hedge-ratio'` (default): w_y = 1/(1+|β|), w_x = −β/(1+|β|) (legs in the hedge ratio, unit gross).
   * `'dollar-neutral'`: w_y = 1/2, w_x = −sign(β)/2 (equal dollars per leg).
   */
  sizing: PairSizing;
  /** Capital allocated to each pair; pair `pnl` is reported in these units. Default 1 (pnl = return fraction). */
  capitalPerPair: number;
  /**
   * Bars between the signal (computed at a bar's close) and the first bar whose return the position earns.
   * Default 1: signal at close t, position held over bar t+1 (no same-bar execution). Minimum 1.
   */
  executionDelayBars: number;
  /**
   * Periods per year for annualisation, or `'auto'` (default) to infer it from the median bar spacing
   * (252 for daily bars, 252·390 for 1-minute bars; see {@link inferPeriodsPerYear}).
   */
  periodsPerYear: number | 'auto';
}

/** Defaults of every {@link WalkForwardConfig} option (`stepBars` follows `testBars` when not given). */
export const DEFAULT_WALK_FORWARD_CONFIG: Readonly<WalkForwardConfig> = Object.freeze({
  trainBars: 252,
  testBars: 63,
  stepBars: 63,
  mode: 'rolling',
  minCorrelation: 0.5,
  prefilter: true,
  universe: 'all',
  sectorsFile: null,
  maxPValue: 0.05,
  halfLifeBars: [1, 126],
  topK: 5,
  adfLags: 1,
  adfAutolag: null,
  adfMaxLag: null,
  maxHurst: null,
  entryZ: 2.0,
  exitZ: 0.5,
  stopZ: 4.0,
  costBps: 5,
  sizing: 'hedge-ratio',
  capitalPerPair: 1,
  executionDelayBars: 1,
  periodsPerYear: 'auto',
} satisfies WalkForwardConfig);

/**
 * Apply defaults to a partial config and validate it. `stepBars` defaults to the (given or default)
 * `testBars`.
 *
 * @throws InvalidConfigError naming the first invalid field.
 */
export function resolveWalkForwardConfig(partial: Partial<WalkForwardConfig> = {}): WalkForwardConfig {
  const testBars = partial.testBars ?? DEFAULT_WALK_FORWARD_CONFIG.testBars;
  const config: WalkForwardConfig = {
    ...DEFAULT_WALK_FORWARD_CONFIG,
    ...stripUndefined(partial),
    testBars,
    stepBars: partial.stepBars ?? testBars,
    halfLifeBars: [...(partial.halfLifeBars ?? DEFAULT_WALK_FORWARD_CONFIG.halfLifeBars)] as [number, number],
  };
  validateWalkForwardConfig(config);
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function int(field: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new InvalidConfigError(field, `an integer >= ${min}`, v);
  }
}

function finite(field: string, v: unknown, min: number, max: number, minExclusive = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (minExclusive && v === min)) {
    throw new InvalidConfigError(field, `a finite number in ${minExclusive ? '(' : '['}${min}, ${max}]`, v);
  }
}

/**
 * Validate a complete config. Rules: `trainBars` ≥ 10, `testBars` ≥ 2, `stepBars` ≥ `testBars` (integers);
 * `mode` ∈ {rolling, expanding}; `minCorrelation` ∈ [−1, 1]; `maxPValue` ∈ (0, 1];
 * 0 ≤ `halfLifeBars[0]` ≤ `halfLifeBars[1]` (finite); `topK` ≥ 1; 0 ≤ `adfLags` ≤ ⌊trainBars/2⌋ − 1;
 * 0 ≤ `exitZ` < `entryZ` < `stopZ` (finite); `costBps` ≥ 0; `capitalPerPair` > 0;
 * `executionDelayBars` ≥ 1 and < `testBars`; `periodsPerYear` `'auto'` or > 0.
 *
 * @throws InvalidConfigError with `field`, `expected` and `actual`.
 */
export function validateWalkForwardConfig(config: WalkForwardConfig): void {
  if (typeof config !== 'object' || config === null)
    throw new InvalidConfigError('(root)', 'an object', config);
  int('trainBars', config.trainBars, 10);
  int('testBars', config.testBars, 2);
  int('stepBars', config.stepBars, config.testBars);
  if (config.mode !== 'rolling' && config.mode !== 'expanding') {
    throw new InvalidConfigError('mode', "'rolling' or 'expanding'", config.mode);
  }
  finite('minCorrelation', config.minCorrelation, -1, 1);
  if (typeof config.prefilter !== 'boolean')
    throw new InvalidConfigError('prefilter', 'a boolean', config.prefilter);
  if (config.universe !== 'all' && config.universe !== 'within-sector') {
    throw new InvalidConfigError('universe', "'all' or 'within-sector'", config.universe);
  }
  if (config.sectorsFile !== null && (typeof config.sectorsFile !== 'string' || config.sectorsFile === '')) {
    throw new InvalidConfigError('sectorsFile', 'a non-empty path or null', config.sectorsFile);
  }
  if (
    config.adfAutolag !== null &&
    config.adfAutolag !== 'aic' &&
    config.adfAutolag !== 'bic' &&
    config.adfAutolag !== 't-stat'
  ) {
    throw new InvalidConfigError('adfAutolag', "'aic', 'bic', 't-stat' or null", config.adfAutolag);
  }
  if (config.adfMaxLag !== null) {
    int('adfMaxLag', config.adfMaxLag, 0);
    const max = Math.floor(config.trainBars / 2) - 1;
    if (config.adfMaxLag > max) {
      throw new InvalidConfigError('adfMaxLag', `at most floor(trainBars/2) - 1 = ${max}`, config.adfMaxLag);
    }
  }
  if (config.maxHurst !== null) finite('maxHurst', config.maxHurst, 0, 2, true);
  if (config.sizing !== 'hedge-ratio' && config.sizing !== 'dollar-neutral') {
    throw new InvalidConfigError('sizing', "'hedge-ratio' or 'dollar-neutral'", config.sizing);
  }
  finite('maxPValue', config.maxPValue, 0, 1, true);
  const hl = config.halfLifeBars;
  if (!Array.isArray(hl) || hl.length !== 2) {
    throw new InvalidConfigError('halfLifeBars', 'a [min, max] pair', hl);
  }
  finite('halfLifeBars[0]', hl[0], 0, Number.MAX_VALUE);
  finite('halfLifeBars[1]', hl[1], hl[0], Number.MAX_VALUE);
  int('topK', config.topK, 1);
  int('adfLags', config.adfLags, 0);
  const maxLags = Math.floor(config.trainBars / 2) - 1;
  if (config.adfLags > maxLags) {
    throw new InvalidConfigError('adfLags', `at most floor(trainBars/2) - 1 = ${maxLags}`, config.adfLags);
  }
  finite('exitZ', config.exitZ, 0, Number.MAX_VALUE);
  finite('entryZ', config.entryZ, config.exitZ, Number.MAX_VALUE, true);
  finite('stopZ', config.stopZ, config.entryZ, Number.MAX_VALUE, true);
  finite('costBps', config.costBps, 0, 1e4);
  finite('capitalPerPair', config.capitalPerPair, 0, Number.MAX_VALUE, true);
  int('executionDelayBars', config.executionDelayBars, 1);
  if (config.executionDelayBars >= config.testBars) {
    throw new InvalidConfigError(
      'executionDelayBars',
      `less than testBars (${config.testBars})`,
      config.executionDelayBars,
    );
  }
  if (config.periodsPerYear !== 'auto')
    finite('periodsPerYear', config.periodsPerYear, 0, Number.MAX_VALUE, true);
}
