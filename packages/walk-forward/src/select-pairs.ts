/**
 * Pair selection on one training window: correlation pre-filter, Engle-Granger, half-life, Hurst, ranking.
 * The scan over pairs ({@link scanPairs}) works on any slice of the pair triangle, so the walk-forward can
 * split it across workers; {@link mergePairScans} combines the slices (order-independent, hence identical
 * results for any number of workers).
 *
 * @module
 */
import type { AutolagMethod } from './stats/adfuller.js';
import { defaultMaxLag } from './stats/adfuller.js';
import { engleGrangerStatistic, newEngleGrangerStatistic } from './stats/engle-granger.js';
import { halfLife } from './stats/half-life.js';
import { hurstExponent } from './stats/hurst-exponent.js';
import { LeastSquaresWorkspace } from './stats/least-squares-workspace.js';

/** Statistics of a selected pair, all from the training window. */
export interface PairStats {
  /** Dependent symbol: the first of the two in sorted (code-unit) order. */
  y: string;
  /** Regressor symbol: the second in sorted order. */
  x: string;
  /** β of y = α + β·x (units of x per unit of y). */
  hedgeRatio: number;
  /** α of the cointegrating regression (price units of y). */
  intercept: number;
  /** Engle-Granger p-value (MacKinnon 1994, N = 2). */
  pValue: number;
  /** Engle-Granger ADF statistic. */
  adfStat: number;
  /** Lag order of the residual ADF regression (fixed `adfLags` or chosen by `adfAutolag`). */
  adfUsedLag?: number;
  /** Spread half-life in bars (see `halfLife`). */
  halfLifeBars: number;
  /** Hurst exponent of the training spread (only computed with a `maxHurst` filter, else absent). */
  hurst?: number;
  /** Pearson correlation of training log returns. */
  correlation: number;
  /** μ: mean of the training spread y − β·x (equals α). */
  spreadMean: number;
  /** σ: sample standard deviation (ddof = 1) of the training spread. */
  spreadStd: number;
}

/** Counts and selected pairs of one training window. JSON-serialisable (cached as is). */
export interface PairSelection {
  /** Symbols with complete, positive prices over the window. */
  symbolsEligible: number;
  /** All candidate pairs of the universe (all pairs, or same-sector pairs). */
  pairsConsidered: number;
  /** Pairs passing the correlation pre-filter, i.e. Engle-Granger tests run. */
  pairsTested: number;
  /** Pairs with p-value ≤ maxPValue (excluding collinear or degenerate ones). */
  pairsPassedCoint: number;
  /** Of those, pairs passing the half-life (and Hurst) filters. */
  pairsPassed: number;
  /**
   * Multiple-testing yardstick: pairsTested × maxPValue, the number of pairs expected to pass the p-value
   * test by chance if no pair were cointegrated (compare with `pairsPassedCoint`).
   */
  expectedFalsePositives: number;
  /** The topK pairs by ascending p-value (ties: ADF statistic, then names). */
  selected: PairStats[];
}

/** Selection thresholds (the subset of `WalkForwardConfig` that selection depends on). */
export interface PairSelectionConfig {
  minCorrelation: number;
  maxPValue: number;
  halfLifeBars: [number, number];
  topK: number;
  adfLags: number;
  /** Default true. */
  prefilter?: boolean;
  /** Default null (fixed `adfLags`). */
  adfAutolag?: AutolagMethod | null;
  /** Default null (statsmodels' default maximum lag). */
  adfMaxLag?: number | null;
  /** Default null (no Hurst filter). */
  maxHurst?: number | null;
}

/** One slice of the pair scan: counts and every pair that passed all filters (unsorted). */
export interface PairScanResult {
  pairsConsidered: number;
  pairsTested: number;
  pairsPassedCoint: number;
  pairsPassed: number;
  candidates: PairStats[];
}

/** Reusable scratch of {@link scanPairs} (one per thread). */
export class PairScanScratch {
  readonly workspace = new LeastSquaresWorkspace();
  readonly eg = newEngleGrangerStatistic();
  spread = new Float64Array(0);
  /** Centred training log returns per symbol, and their sums of squares. */
  centred: Float64Array[] = [];
  sumSquares = new Float64Array(0);
}

/**
 * Scan the pairs (i, j), `iStart ≤ i < iEnd`, i < j < S, of the eligible symbols on training rows
 * [trainStart, trainEnd). `names` sorted ascending (y = names[i], x = names[j]); `series` the full price
 * arrays (finite and positive on those rows); `sectorIds` (optional) restricts pairs to equal ids ≥ 0.
 *
 * Per pair: correlation of log returns (pre-filter when `prefilter`), Engle-Granger (OLS + residual ADF,
 * fixed lag or autolag, from a reused workspace: no allocation per pair unless it passes), p ≤ maxPValue,
 * spread y − β·x with μ, σ (ddof 1), half-life within `halfLifeBars`, Hurst < `maxHurst` when set.
 */
export function scanPairs(
  names: readonly string[],
  series: readonly Float64Array[],
  trainStart: number,
  trainEnd: number,
  iStart: number,
  iEnd: number,
  config: PairSelectionConfig,
  sectorIds: ArrayLike<number> | null = null,
  scratch: PairScanScratch = new PairScanScratch(),
): PairScanResult {
  const s = names.length;
  const len = trainEnd - trainStart;
  const m = len - 1;
  const prefilter = config.prefilter ?? true;
  const autolag = config.adfAutolag ?? null;
  const maxLag = autolag === null ? config.adfLags : (config.adfMaxLag ?? defaultMaxLag(len, 'n'));
  const maxHurst = config.maxHurst ?? null;
  if (scratch.spread.length < len) scratch.spread = new Float64Array(len);
  if (scratch.sumSquares.length < s) scratch.sumSquares = new Float64Array(s);
  const centred = scratch.centred;
  for (let k = iStart; k < s; k++) {
    let r = centred[k];
    if (!r || r.length < m) {
      r = new Float64Array(m);
      centred[k] = r;
    }
    const p = series[k]!;
    let mean = 0;
    for (let t = 0; t < m; t++) {
      r[t] = Math.log(p[trainStart + t + 1]! / p[trainStart + t]!);
      mean += r[t]!;
    }
    mean /= m;
    let ss = 0;
    for (let t = 0; t < m; t++) {
      r[t] = r[t]! - mean;
      ss += r[t]! * r[t]!;
    }
    scratch.sumSquares[k] = ss;
  }
  const spread = scratch.spread;
  const eg = scratch.eg;
  const ws = scratch.workspace;
  const candidates: PairStats[] = [];
  let pairsConsidered = 0;
  let pairsTested = 0;
  let pairsPassedCoint = 0;
  let pairsPassed = 0;
  const correlationOf = (i: number, j: number): number => {
    const a = centred[i]!;
    const b = centred[j]!;
    let sab = 0;
    for (let t = 0; t < m; t++) sab += a[t]! * b[t]!;
    const saa = scratch.sumSquares[i]!;
    const sbb = scratch.sumSquares[j]!;
    if (saa === 0 || sbb === 0) return Number.NaN;
    return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
  };
  for (let i = iStart; i < iEnd; i++) {
    const y = series[i]!;
    const sectorI = sectorIds ? sectorIds[i]! : 0;
    if (sectorI < 0) continue;
    for (let j = i + 1; j < s; j++) {
      if (sectorIds && sectorIds[j] !== sectorI) continue;
      pairsConsidered++;
      let correlation = Number.NaN;
      if (prefilter) {
        correlation = correlationOf(i, j);
        if (!(correlation >= config.minCorrelation)) continue;
      }
      pairsTested++;
      const x = series[j]!;
      engleGrangerStatistic(y, x, trainStart, trainEnd, maxLag, autolag, ws, eg);
      if (eg.collinear || !Number.isFinite(eg.stat) || !(eg.pValue <= config.maxPValue)) continue;
      const beta = eg.hedgeRatio;
      let sum = 0;
      for (let t = 0; t < len; t++) {
        const v = y[trainStart + t]! - beta * x[trainStart + t]!;
        spread[t] = v;
        sum += v;
      }
      const spreadMean = sum / len;
      let ss = 0;
      for (let t = 0; t < len; t++) ss += (spread[t]! - spreadMean) ** 2;
      const spreadStd = Math.sqrt(ss / (len - 1));
      if (!(spreadStd > 0) || !Number.isFinite(spreadStd)) continue;
      pairsPassedCoint++;
      const hl = halfLife(spread, 0, len);
      if (!(hl >= config.halfLifeBars[0] && hl <= config.halfLifeBars[1])) continue;
      let hurst: number | undefined;
      if (maxHurst !== null) {
        hurst = hurstExponent(spread, 0, len);
        if (!(hurst < maxHurst)) continue;
      }
      pairsPassed++;
      if (!prefilter) correlation = correlationOf(i, j);
      const stats: PairStats = {
        y: names[i]!,
        x: names[j]!,
        hedgeRatio: beta,
        intercept: eg.intercept,
        pValue: eg.pValue,
        adfStat: eg.stat,
        adfUsedLag: eg.usedLag,
        halfLifeBars: hl,
        correlation,
        spreadMean,
        spreadStd,
      };
      if (hurst !== undefined) stats.hurst = hurst;
      candidates.push(stats);
    }
  }
  return { pairsConsidered, pairsTested, pairsPassedCoint, pairsPassed, candidates };
}

/** The ranking of candidates: p-value ascending, then ADF statistic ascending, then y, then x. */
export function comparePairStats(a: PairStats, b: PairStats): number {
  return (
    a.pValue - b.pValue ||
    a.adfStat - b.adfStat ||
    (a.y < b.y ? -1 : a.y > b.y ? 1 : a.x < b.x ? -1 : a.x > b.x ? 1 : 0)
  );
}

/**
 * Combine the slices of one window's scan: counts summed, candidates ranked by {@link comparePairStats}
 * (a total order, so the result does not depend on how the triangle was split), the best `topK` kept.
 */
export function mergePairScans(
  symbolsEligible: number,
  scans: readonly PairScanResult[],
  config: PairSelectionConfig,
): PairSelection {
  let pairsConsidered = 0;
  let pairsTested = 0;
  let pairsPassedCoint = 0;
  let pairsPassed = 0;
  const all: PairStats[] = [];
  for (const r of scans) {
    pairsConsidered += r.pairsConsidered;
    pairsTested += r.pairsTested;
    pairsPassedCoint += r.pairsPassedCoint;
    pairsPassed += r.pairsPassed;
    for (const c of r.candidates) all.push(c);
  }
  all.sort(comparePairStats);
  return {
    symbolsEligible,
    pairsConsidered,
    pairsTested,
    pairsPassedCoint,
    pairsPassed,
    expectedFalsePositives: pairsTested * config.maxPValue,
    selected: all.slice(0, config.topK),
  };
}

/**
 * Select pairs on the training rows [trainStart, trainEnd) of `series` (one price series per symbol,
 * finite and positive on those rows; `names` sorted ascending so that for i < j, y = names[i], x = names[j]):
 * {@link scanPairs} over the whole triangle, then {@link mergePairScans}.
 *
 * Pairs whose cointegrating regression is (near-)collinear (statsmodels' rule: R² ≥ 1 − 100·√ε) or whose
 * spread has zero variance are skipped: their z-score is undefined.
 */
export function selectPairs(
  names: readonly string[],
  series: readonly Float64Array[],
  trainStart: number,
  trainEnd: number,
  config: PairSelectionConfig,
  workspace?: LeastSquaresWorkspace,
  sectorIds: ArrayLike<number> | null = null,
): PairSelection {
  void workspace; // kept for API compatibility; scanPairs owns its scratch
  const scan = scanPairs(names, series, trainStart, trainEnd, 0, names.length, config, sectorIds);
  return mergePairScans(names.length, [scan], config);
}
