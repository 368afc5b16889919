/**
 * Pair selection on one training window: correlation pre-filter, Engle-Granger, half-life, ranking.
 *
 * @module
 */
import { engleGranger } from './stats/engle-granger.js';
import { halfLife } from './stats/half-life.js';
import { LeastSquaresWorkspace } from './stats/least-squares-workspace.js';
import { logReturns, pearson } from './stats/pearson.js';

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
  /** Spread half-life in bars (see `halfLife`). */
  halfLifeBars: number;
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
  /** All unordered pairs of eligible symbols. */
  pairsConsidered: number;
  /** Pairs passing the correlation pre-filter, i.e. Engle-Granger tests run. */
  pairsTested: number;
  /** Pairs with p-value ≤ maxPValue (excluding collinear or degenerate ones). */
  pairsPassedCoint: number;
  /** Of those, pairs whose half-life is within `halfLifeBars`. */
  pairsPassed: number;
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
}

/**
 * Select pairs on the training rows [trainStart, trainEnd) of `series` (one price series per symbol,
 * finite and positive on those rows; `names` sorted ascending so that for i < j, y = names[i], x = names[j]).
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
  workspace: LeastSquaresWorkspace = new LeastSquaresWorkspace(),
): PairSelection {
  const s = names.length;
  const len = trainEnd - trainStart;
  const rets = series.map((p) => logReturns(p, trainStart, trainEnd));
  const candidates: PairStats[] = [];
  let pairsTested = 0;
  let pairsPassedCoint = 0;
  let pairsPassed = 0;
  const spread = new Float64Array(len);
  for (let i = 0; i < s; i++) {
    for (let j = i + 1; j < s; j++) {
      const correlation = pearson(rets[i]!, rets[j]!);
      if (!(correlation >= config.minCorrelation)) continue;
      pairsTested++;
      const y = series[i]!.subarray(trainStart, trainEnd);
      const x = series[j]!.subarray(trainStart, trainEnd);
      const eg = engleGranger(y, x, { lags: config.adfLags }, workspace);
      if (eg.collinear || !Number.isFinite(eg.stat) || !(eg.pValue <= config.maxPValue)) continue;
      let sum = 0;
      for (let t = 0; t < len; t++) {
        spread[t] = y[t]! - eg.hedgeRatio * x[t]!;
        sum += spread[t]!;
      }
      const spreadMean = sum / len;
      let ss = 0;
      for (let t = 0; t < len; t++) ss += (spread[t]! - spreadMean) ** 2;
      const spreadStd = Math.sqrt(ss / (len - 1));
      if (!(spreadStd > 0) || !Number.isFinite(spreadStd)) continue;
      pairsPassedCoint++;
      const hl = halfLife(spread);
      if (!(hl >= config.halfLifeBars[0] && hl <= config.halfLifeBars[1])) continue;
      pairsPassed++;
      candidates.push({
        y: names[i]!,
        x: names[j]!,
        hedgeRatio: eg.hedgeRatio,
        intercept: eg.intercept,
        pValue: eg.pValue,
        adfStat: eg.stat,
        halfLifeBars: hl,
        correlation,
        spreadMean,
        spreadStd,
      });
    }
  }
  candidates.sort(
    (a, b) =>
      a.pValue - b.pValue ||
      a.adfStat - b.adfStat ||
      (a.y < b.y ? -1 : a.y > b.y ? 1 : a.x < b.x ? -1 : a.x > b.x ? 1 : 0),
  );
  return {
    symbolsEligible: s,
    pairsConsidered: (s * (s - 1)) / 2,
    pairsTested,
    pairsPassedCoint,
    pairsPassed,
    selected: candidates.slice(0, config.topK),
  };
}
