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

/** Cointegration test used to select pairs. */
export type CointegrationMethod = 'engle-granger' | 'johansen';

/** Price at which orders fill: the fill bar's close, or its open (needs an `open` column). */
export type FillPrice = 'close' | 'open';

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
   * Commission in basis points of traded notional, charged on each leg at every fill (entry and exit):
   * commission = commissionBps/1e4 · Σ_legs |shares| · fill price. Default 1 bp (institutional per-share
   * commissions on US large caps are ~0.2–1 bp of notional).
   */
  commissionBps: number;
  /**
   * Slippage in basis points of traded notional, charged on each leg at every fill like the commission: the
   * fill is assumed `slippageBps` worse than the reference price (half the bid-ask spread plus impact).
   * Default 2 bps (a liquid large cap traded at the close).
   */
  slippageBps: number;
  /**
   * Annual borrow fee of the short leg in basis points of its notional, accrued every bar the position is
   * held: |short shares| · price at the previous bar · borrowBpsPerYear/1e4 · Δt / 365 days (ACT/365, Δt
   * from the bar timestamps, so a weekend accrues 3 days). Default 30 bps (general-collateral rate of
   * easy-to-borrow large caps).
   */
  borrowBpsPerYear: number;
  /**
   * Starting equity of the portfolio, in the price currency. Default 1,000,000. Each window gives every one
   * of its `topK` pair slots equity/topK (equity at the window's start); unused slots hold cash at 0 return.
   * Shares are fractional (no lot rounding).
   */
  initialCapital: number;
  /**
   * Bars between the signal (computed at a bar's close) and the fill. Default 1: a signal at the close of
   * bar t fills at bar t+1 (its close, or its open with `fillPrice: 'open'`). 0 fills at the signal bar's
   * own close: only honest if you can trade at the very close you observe (a market-on-close order sent
   * with the last print); the report names it as such.
   */
  executionDelayBars: number;
  /** `'close'` (default): fills at the fill bar's close. `'open'`: at its open (needs `executionDelayBars` ≥ 1). */
  fillPrice: FillPrice;
  /**
   * `'engle-granger'` (default): both orderings tested, see `maxPValue`. `'johansen'`: Johansen's trace test
   * for rank 0 (symmetric in the two symbols) at significance `maxPValue` ∈ {0.10, 0.05, 0.01}.
   */
  method: CointegrationMethod;
  /**
   * Benjamini–Hochberg false discovery rate q over all pairs tested in a window (Engle–Granger only).
   * Default `null` (off: every pair with p ≤ `maxPValue` passes). When set, it replaces `maxPValue`: the
   * pairs passing are those with p ≤ the BH cutoff (Benjamini & Hochberg 1995).
   */
  fdrQ: number | null;
  /**
   * Smallest hedge ratio traded. Pairs with β ≤ this are skipped (β ≤ 0 means "long both legs", not a
   * hedge). Default 0.
   */
  minHedgeRatio: number;
  /**
   * Minimum share of each leg in the pair's gross notional at the end of training: β·x / (y + β·x) and
   * y / (y + β·x) must both be ≥ this. Default 0.1: a pair with a 2 % leg is a bet on one stock.
   */
  minLegWeight: number;
  /**
   * Fraction of training bars on which a symbol needs a price to be eligible in a window (it also needs a
   * price on the first and the last training bar). Gaps inside the training window are filled with the
   * last price (training data only). Default 0.95.
   */
  minTrainingCoverage: number;
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
  commissionBps: 1,
  slippageBps: 2,
  borrowBpsPerYear: 30,
  initialCapital: 1_000_000,
  executionDelayBars: 1,
  fillPrice: 'close',
  method: 'engle-granger',
  fdrQ: null,
  minHedgeRatio: 0,
  minLegWeight: 0.1,
  minTrainingCoverage: 0.95,
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
 * 0 ≤ `exitZ` < `entryZ` < `stopZ` (finite); costs ≥ 0; `initialCapital` > 0; `executionDelayBars` ≥ 0
 * (≥ 1 with `fillPrice: 'open'`) and < `testBars`; `fdrQ` null or in (0, 1] (Engle–Granger only);
 * Johansen needs `maxPValue` ∈ {0.1, 0.05, 0.01}; `minLegWeight` ∈ [0, 0.5];
 * `minTrainingCoverage` ∈ (0, 1]; `periodsPerYear` `'auto'` or > 0.
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
  if (config.method !== 'engle-granger' && config.method !== 'johansen') {
    throw new InvalidConfigError('method', "'engle-granger' or 'johansen'", config.method);
  }
  if (config.fillPrice !== 'close' && config.fillPrice !== 'open') {
    throw new InvalidConfigError('fillPrice', "'close' or 'open'", config.fillPrice);
  }
  if (config.fdrQ !== null) {
    finite('fdrQ', config.fdrQ, 0, 1, true);
    if (config.method === 'johansen') {
      throw new InvalidConfigError('fdrQ', "null with method 'johansen' (it has no p-values)", config.fdrQ);
    }
  }
  if (config.method === 'johansen' && ![0.1, 0.05, 0.01].includes(config.maxPValue)) {
    throw new InvalidConfigError(
      'maxPValue',
      "0.1, 0.05 or 0.01 with method 'johansen' (the levels of its critical-value tables)",
      config.maxPValue,
    );
  }
  finite('minHedgeRatio', config.minHedgeRatio, 0, Number.MAX_VALUE);
  finite('minLegWeight', config.minLegWeight, 0, 0.5);
  finite('minTrainingCoverage', config.minTrainingCoverage, 0, 1, true);
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
  finite('commissionBps', config.commissionBps, 0, 1e4);
  finite('slippageBps', config.slippageBps, 0, 1e4);
  finite('borrowBpsPerYear', config.borrowBpsPerYear, 0, 1e5);
  finite('initialCapital', config.initialCapital, 0, Number.MAX_VALUE, true);
  int('executionDelayBars', config.executionDelayBars, 0);
  if (config.fillPrice === 'open' && config.executionDelayBars < 1) {
    throw new InvalidConfigError(
      'executionDelayBars',
      "at least 1 with fillPrice 'open' (a bar's open comes before the close that made the signal)",
      config.executionDelayBars,
    );
  }
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
