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
import { benjaminiHochbergCutoff } from './stats/benjamini-hochberg.js';
import {
  type EngleGrangerStatistic,
  engleGrangerStatistic,
  newEngleGrangerStatistic,
} from './stats/engle-granger.js';
import { engleGrangerBothOrderings, type PairMoments } from './stats/engle-granger-orderings.js';
import { halfLife } from './stats/half-life.js';
import { hurstExponent } from './stats/hurst-exponent.js';
import {
  type JohansenPairStatistic,
  johansenPair,
  johansenTraceRejects,
  newJohansenPairStatistic,
} from './stats/johansen-pair.js';
import { JohansenWorkspace } from './stats/johansen-workspace.js';
import { LeastSquaresWorkspace } from './stats/least-squares-workspace.js';

/** Statistics of a selected pair, all from the training window. */
export interface PairStats {
  /**
   * Dependent symbol: of the two Engle–Granger orderings (y on x and x on y), the one with the lower
   * MacKinnon p-value (ties: the lower ADF statistic, then the first name in code-unit order).
   */
  y: string;
  /** Regressor symbol. */
  x: string;
  /** β of y = α + β·x: shares of x per share of y (> `minHedgeRatio`). */
  hedgeRatio: number;
  /** α of the cointegrating regression (price units of y). */
  intercept: number;
  /**
   * Engle–Granger: the pair's p-value used for selection, min(1, 2·min(p_y|x, p_x|y)), the smaller of the
   * two orderings' p-values with a Bonferroni correction for having tested two orderings. Johansen: null.
   */
  pValue: number | null;
  /** MacKinnon (1994, N = 2) p-value of the ordering used (y on x): statsmodels `coint(y, x)`; Johansen: null. */
  pValueUsed: number | null;
  /** MacKinnon p-value of the other ordering (x on y): statsmodels `coint(x, y)`; Johansen: null. */
  pValueReverse: number | null;
  /** Engle-Granger ADF statistic of the ordering used; Johansen: null. */
  adfStat: number | null;
  /** Johansen only: trace statistic for rank 0, and its critical value at the level `maxPValue`. */
  traceStat?: number;
  traceCriticalValue?: number;
  /** Ranking key, lower is better: the p-value (Engle–Granger) or critical value / trace statistic (Johansen). */
  score: number;
  /** Share of y in the pair's gross notional at the last training close: y / (y + β·x). */
  legWeightY: number;
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
  /** Pairs rejected because the hedge ratio β ≤ `minHedgeRatio` or a leg is below `minLegWeight`. */
  pairsRejectedHedge: number;
  /**
   * Pairs whose p-value passed: p ≤ maxPValue, or p ≤ the Benjamini–Hochberg cutoff with `fdrQ` (excluding
   * collinear or degenerate ones and those rejected for their hedge ratio).
   */
  pairsPassedCoint: number;
  /** Of those, pairs passing the half-life (and Hurst) filters. */
  pairsPassed: number;
  /**
   * Multiple-testing yardstick: pairsTested × maxPValue, the number of pairs expected to pass the p-value
   * test by chance if no pair were cointegrated (compare with `pairsPassedCoint`). With `fdrQ`: the
   * Benjamini–Hochberg bound fdrQ × pairsPassedCoint on the expected number of false discoveries.
   */
  expectedFalsePositives: number;
  /** The p-value cutoff applied: maxPValue, or the Benjamini–Hochberg cutoff with `fdrQ` (−1: none pass). */
  pValueCutoff: number;
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
  /** β must exceed this. Default 0. */
  minHedgeRatio?: number;
  /** Each leg's share of gross notional at the last training close must be ≥ this. Default 0. */
  minLegWeight?: number;
  /** Benjamini–Hochberg q replacing `maxPValue`, or null (default). */
  fdrQ?: number | null;
  /** Cointegration test. Default `'engle-granger'`. */
  method?: 'engle-granger' | 'johansen';
}

/**
 * One slice of the pair scan: counts and every pair that passed all filters with p ≤ the scan's cut
 * (`maxPValue`, or `fdrQ` — the Benjamini–Hochberg cutoff is never above q), unsorted. With `fdrQ`,
 * `pValues` holds the p-value of every tested pair (1 for pairs without one: collinear, degenerate or
 * rejected for their hedge ratio), for the cutoff computed by {@link mergePairScans}.
 */
export interface PairScanResult {
  pairsConsidered: number;
  pairsTested: number;
  pairsRejectedHedge: number;
  pairsPassedCoint: number;
  pairsPassed: number;
  candidates: PairStats[];
  pValues?: number[];
  /**
   * Set by {@link trimPairScan} with `fdrQ`: the p-value of every candidate before trimming, so that the
   * merge still counts the candidates under the Benjamini–Hochberg cutoff (`pairsPassed`).
   */
  candidatePValues?: number[];
}

/** Reusable scratch of {@link scanPairs} (one per thread). */
export class PairScanScratch {
  readonly workspace = new LeastSquaresWorkspace();
  readonly eg = newEngleGrangerStatistic();
  readonly egReverse = newEngleGrangerStatistic();
  readonly johansen = newJohansenPairStatistic();
  readonly johansenWorkspace = new JohansenWorkspace();
  spread = new Float64Array(0);
  /** Centred training log returns per symbol, and their sums of squares. */
  centred: Float64Array[] = [];
  sumSquares = new Float64Array(0);
  /** Mean training price per symbol and centred sum of squares (level moments of the cointegrating OLS). */
  levelMeans = new Float64Array(0);
  levelSumSquares = new Float64Array(0);
  readonly moments: PairMoments = { meanA: 0, meanB: 0, ssA: 0, ssB: 0, sAB: 0 };
}

/**
 * Scan the pairs (i, j), `iStart ≤ i < iEnd`, i < j < S, of the eligible symbols on training rows
 * [trainStart, trainEnd). `names` sorted ascending; `series` the price arrays (finite and positive on those
 * rows, see `filledTrainingPrices`); `sectorIds` (optional) restricts pairs to equal ids ≥ 0.
 *
 * Per pair: correlation of log returns (pre-filter when `prefilter`); the sign of the level covariance
 * (β has that sign in both orderings: β ≤ 0 pairs are rejected without a test when `minHedgeRatio` ≥ 0);
 * Engle-Granger in both orderings (OLS + residual ADF, fixed lag or autolag, reused workspaces: no
 * allocation per pair unless it passes), the ordering with the lower p-value kept, pair p-value
 * min(1, 2·min(p_y|x, p_x|y)); β > `minHedgeRatio` and both leg weights ≥ `minLegWeight`; p ≤ the cut;
 * spread y − β·x with μ, σ (ddof 1); half-life within `halfLifeBars`; Hurst < `maxHurst` when set.
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
  const minHedgeRatio = config.minHedgeRatio ?? 0;
  const minLegWeight = config.minLegWeight ?? 0;
  const fdrQ = config.fdrQ ?? null;
  const cut = fdrQ ?? config.maxPValue;
  const johansen = config.method === 'johansen';
  const pValues: number[] | undefined = fdrQ === null ? undefined : [];
  if (scratch.spread.length < len) scratch.spread = new Float64Array(len);
  if (scratch.sumSquares.length < s) scratch.sumSquares = new Float64Array(s);
  if (scratch.levelMeans.length < s) scratch.levelMeans = new Float64Array(s);
  if (scratch.levelSumSquares.length < s) scratch.levelSumSquares = new Float64Array(s);
  const fastLags = autolag === null && (maxLag === 0 || maxLag === 1) ? (maxLag as 0 | 1) : null;
  const moments = scratch.moments;
  const centred = scratch.centred;
  for (let k = iStart; k < s; k++) {
    let r = centred[k];
    if (!r || r.length < m) {
      r = new Float64Array(m);
      centred[k] = r;
    }
    const p = series[k]!;
    let mean = 0;
    let levelSum = p[trainStart]!;
    for (let t = 0; t < m; t++) {
      r[t] = Math.log(p[trainStart + t + 1]! / p[trainStart + t]!);
      mean += r[t]!;
      levelSum += p[trainStart + t + 1]!;
    }
    const levelMean = levelSum / len;
    scratch.levelMeans[k] = levelMean;
    let levelSs = 0;
    for (let t = trainStart; t < trainEnd; t++) levelSs += (p[t]! - levelMean) * (p[t]! - levelMean);
    scratch.levelSumSquares[k] = levelSs;
    mean /= m;
    let ss = 0;
    for (let t = 0; t < m; t++) {
      r[t] = r[t]! - mean;
      ss += r[t]! * r[t]!;
    }
    scratch.sumSquares[k] = ss;
  }
  const spread = scratch.spread;
  const egA = scratch.eg;
  const egB = scratch.egReverse;
  const ws = scratch.workspace;
  const candidates: PairStats[] = [];
  let pairsConsidered = 0;
  let pairsTested = 0;
  let pairsRejectedHedge = 0;
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
    const a = series[i]!;
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
      const b = series[j]!;
      // β of either ordering has the sign of the level covariance: skip both tests when it is ≤ 0.
      const ma = scratch.levelMeans[i]!;
      const mb = scratch.levelMeans[j]!;
      let cov = 0;
      for (let t = trainStart; t < trainEnd; t++) cov += (a[t]! - ma) * (b[t]! - mb);
      if (!(cov > 0)) {
        pairsRejectedHedge++;
        pValues?.push(1);
        continue;
      }
      let useA = true;
      let beta: number;
      let pValue: number | null = null;
      let eg: EngleGrangerStatistic | null = null;
      const jo = scratch.johansen;
      if (johansen) {
        johansenPair(
          a,
          b,
          trainStart,
          trainEnd,
          JOHANSEN_LAGGED_DIFFERENCES,
          JOHANSEN_DET_ORDER,
          scratch.johansenWorkspace,
          jo,
        );
        if (jo.degenerate) continue;
        beta = jo.hedgeRatio;
      } else {
        if (fastLags !== null) {
          moments.meanA = ma;
          moments.meanB = mb;
          moments.ssA = scratch.levelSumSquares[i]!;
          moments.ssB = scratch.levelSumSquares[j]!;
          moments.sAB = cov;
          engleGrangerBothOrderings(a, b, trainStart, trainEnd, fastLags, moments, egA, egB);
        } else {
          engleGrangerStatistic(a, b, trainStart, trainEnd, maxLag, autolag, ws, egA);
          engleGrangerStatistic(b, a, trainStart, trainEnd, maxLag, autolag, ws, egB);
        }
        const okA = !egA.collinear && Number.isFinite(egA.stat) && Number.isFinite(egA.pValue);
        const okB = !egB.collinear && Number.isFinite(egB.stat) && Number.isFinite(egB.pValue);
        if (!okA || !okB) {
          pValues?.push(1);
          continue;
        }
        useA = egA.pValue < egB.pValue || (egA.pValue === egB.pValue && egA.stat <= egB.stat);
        eg = useA ? egA : egB;
        beta = eg.hedgeRatio;
      }
      const y = useA ? a : b;
      const x = useA ? b : a;
      const yEnd = y[trainEnd - 1]!;
      const xEnd = x[trainEnd - 1]!;
      const legWeightY = yEnd / (yEnd + beta * xEnd);
      if (!(beta > minHedgeRatio) || !(legWeightY >= minLegWeight) || !(1 - legWeightY >= minLegWeight)) {
        pairsRejectedHedge++;
        pValues?.push(1);
        continue;
      }
      let score: number;
      if (eg) {
        pValue = Math.min(1, 2 * eg.pValue);
        pValues?.push(pValue);
        if (!(pValue <= cut)) continue;
        score = pValue;
      } else {
        if (!johansenTraceRejects(jo, config.maxPValue)) continue;
        score = criticalValueAt(jo, config.maxPValue) / jo.traceStat0;
      }
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
        y: useA ? names[i]! : names[j]!,
        x: useA ? names[j]! : names[i]!,
        hedgeRatio: beta,
        intercept: eg ? eg.intercept : spreadMean,
        pValue,
        pValueUsed: eg ? eg.pValue : null,
        pValueReverse: eg ? (useA ? egB.pValue : egA.pValue) : null,
        adfStat: eg ? eg.stat : null,
        score,
        legWeightY,
        halfLifeBars: hl,
        correlation,
        spreadMean,
        spreadStd,
      };
      if (eg) stats.adfUsedLag = eg.usedLag;
      else {
        stats.traceStat = jo.traceStat0;
        stats.traceCriticalValue = criticalValueAt(jo, config.maxPValue);
      }
      if (hurst !== undefined) stats.hurst = hurst;
      candidates.push(stats);
    }
  }
  const result: PairScanResult = {
    pairsConsidered,
    pairsTested,
    pairsRejectedHedge,
    pairsPassedCoint,
    pairsPassed,
    candidates,
  };
  if (pValues) result.pValues = pValues;
  return result;
}

/** Johansen in the pair scan: a constant in the cointegrating relation (detOrder 0), one lagged difference. */
const JOHANSEN_DET_ORDER = 0;
const JOHANSEN_LAGGED_DIFFERENCES = 1;

function criticalValueAt(jo: JohansenPairStatistic, level: number): number {
  return level === 0.1
    ? jo.traceCriticalValue90
    : level === 0.05
      ? jo.traceCriticalValue95
      : jo.traceCriticalValue99;
}

/**
 * The ranking of candidates: `score` ascending (p-value, or Johansen's critical value / trace statistic),
 * then the ADF statistic ascending (Engle–Granger), then y, then x.
 */
export function comparePairStats(a: PairStats, b: PairStats): number {
  return (
    a.score - b.score ||
    (a.adfStat ?? 0) - (b.adfStat ?? 0) ||
    (a.y < b.y ? -1 : a.y > b.y ? 1 : a.x < b.x ? -1 : a.x > b.x ? 1 : 0)
  );
}

/**
 * Combine the slices of one window's scan: counts summed; with `fdrQ`, the Benjamini–Hochberg cutoff over
 * every tested pair's p-value ({@link benjaminiHochbergCutoff}) and only candidates at or below it;
 * candidates ranked by {@link comparePairStats} (a total order, so the result does not depend on how the
 * triangle was split), the best `topK` kept.
 */
export function mergePairScans(
  symbolsEligible: number,
  scans: readonly PairScanResult[],
  config: PairSelectionConfig,
): PairSelection {
  let pairsConsidered = 0;
  let pairsTested = 0;
  let pairsRejectedHedge = 0;
  let pairsPassedCoint = 0;
  let pairsPassed = 0;
  const fdrQ = config.fdrQ ?? null;
  let all: PairStats[] = [];
  const pValues: number[] = [];
  for (const r of scans) {
    pairsConsidered += r.pairsConsidered;
    pairsTested += r.pairsTested;
    pairsRejectedHedge += r.pairsRejectedHedge;
    pairsPassedCoint += r.pairsPassedCoint;
    pairsPassed += r.pairsPassed;
    for (const c of r.candidates) all.push(c);
    if (fdrQ !== null) for (const p of r.pValues ?? []) pValues.push(p);
  }
  let pValueCutoff = config.maxPValue;
  let expectedFalsePositives = pairsTested * config.maxPValue;
  if (fdrQ !== null) {
    pValueCutoff = benjaminiHochbergCutoff(pValues, fdrQ);
    all = all.filter((c) => c.pValue !== null && c.pValue <= pValueCutoff);
    pairsPassed = 0;
    for (const r of scans) {
      if (r.candidatePValues) {
        for (const p of r.candidatePValues) if (p <= pValueCutoff) pairsPassed++;
      } else {
        for (const c of r.candidates) if (c.pValue !== null && c.pValue <= pValueCutoff) pairsPassed++;
      }
    }
    pairsPassedCoint = 0;
    for (const p of pValues) if (p <= pValueCutoff) pairsPassedCoint++;
    expectedFalsePositives = fdrQ * pairsPassedCoint;
  }
  all.sort(comparePairStats);
  return {
    symbolsEligible,
    pairsConsidered,
    pairsTested,
    pairsRejectedHedge,
    pairsPassedCoint,
    pairsPassed,
    expectedFalsePositives,
    pValueCutoff,
    selected: all.slice(0, config.topK),
  };
}

/**
 * Keep only what {@link mergePairScans} can use of one slice: its best `topK` candidates by
 * {@link comparePairStats} (with `fdrQ`, plus every candidate's p-value in `candidatePValues`). Exact: the
 * merged selection is the best `topK` of all candidates (those under the Benjamini–Hochberg cutoff with
 * `fdrQ`; that cutoff is on the p-value, which is the ranking key of Engle–Granger candidates, so the passing
 * candidates of a slice are a prefix of its ranking), and those are among the slices' best `topK`. Cuts what
 * a slice sends back (a cluster task's result) from every passing pair to `topK`.
 */
export function trimPairScan(scan: PairScanResult, config: PairSelectionConfig): PairScanResult {
  if (scan.candidates.length <= config.topK) return scan;
  const out: PairScanResult = {
    ...scan,
    candidates: [...scan.candidates].sort(comparePairStats).slice(0, config.topK),
  };
  if ((config.fdrQ ?? null) !== null) {
    out.candidatePValues = scan.candidates.flatMap((c) => (c.pValue === null ? [] : [c.pValue]));
  }
  return out;
}

/**
 * Select pairs on the training rows [trainStart, trainEnd) of `series` (one price series per symbol,
 * finite and positive on those rows; `names` sorted ascending):
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
  sectorIds: ArrayLike<number> | null = null,
): PairSelection {
  const scan = scanPairs(names, series, trainStart, trainEnd, 0, names.length, config, sectorIds);
  return mergePairScans(names.length, [scan], config);
}
