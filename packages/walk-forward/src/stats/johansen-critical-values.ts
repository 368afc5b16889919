/**
 * Asymptotic critical values of Johansen's trace and maximum-eigenvalue statistics, exactly the tables of
 * statsmodels `statsmodels/tsa/coint_tables.py` (`c_sjt` for the trace test, `c_sja` for the max-eigenvalue
 * test), which `coint_johansen` (`statsmodels/tsa/vector_ar/vecm.py`) returns as `cvt` / `cvm`.
 *
 * Source of the numbers, as stated in statsmodels (which took them from J. P. LeSage's MATLAB
 * Econometrics Toolbox, `c_sjt.m` / `c_sja.m`): generated with J. G. MacKinnon's program `johdist.f`,
 * method of MacKinnon, Haug & Michelis, "Numerical distribution functions of likelihood ratio tests for
 * cointegration", Queen's University IER Discussion Paper (1996; Journal of Applied Econometrics 14, 1999).
 * They approximate the same asymptotic distributions that Osterwald-Lenum (1992, "A note with quantiles of
 * the asymptotic distribution of the maximum likelihood cointegration rank test statistics", Oxford Bulletin
 * of Economics and Statistics 54) tabulated, but they are not that paper's digits (for example the 95 %
 * trace value for one series with a constant is 3.8415 here, 3.76 in Osterwald-Lenum). mmtape keeps
 * statsmodels' numbers so that its decisions match statsmodels'.
 *
 * Rows are indexed by n − r = the number of series minus the cointegration rank under the null (1..12);
 * columns are the 90 %, 95 % and 99 % quantiles. Units: the statistics' units (dimensionless
 * likelihood-ratio values, −T·Σ log(1 − λ)).
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';

/**
 * Deterministic-term order of Johansen's test as statsmodels `det_order`: −1 no deterministic terms,
 * 0 constant, 1 constant and linear trend (see {@link johansen} for how each is applied).
 */
export type JohansenDetOrder = -1 | 0 | 1;

/** Which Johansen statistic a critical value belongs to. */
export type JohansenStatisticKind = 'trace' | 'maxEig';

/** Significance levels the tables cover: 10 %, 5 % and 1 % (the 90 %, 95 % and 99 % quantiles). */
export type JohansenSignificanceLevel = 0.1 | 0.05 | 0.01;

/** The significance levels of {@link JohansenSignificanceLevel}, largest first. */
export const JOHANSEN_SIGNIFICANCE_LEVELS: readonly JohansenSignificanceLevel[] = Object.freeze([
  0.1, 0.05, 0.01,
]);

/** Largest number of series (n − r) the tables cover: 12, as statsmodels. */
export const JOHANSEN_MAX_SERIES = 12;

/**
 * Critical values of a Johansen statistic, keyed by significance level: `'10%'` is the 90 % quantile,
 * `'5%'` the 95 %, `'1%'` the 99 %. Reject the null when the statistic is ≥ the value (statsmodels
 * `select_coint_rank` keeps the null only when `stat < crit`).
 */
export interface JohansenCriticalValues {
  '10%': number;
  '5%': number;
  '1%': number;
}

// Each table: 12 rows (n − r = 1..12) × [90 %, 95 %, 99 %], copied from statsmodels coint_tables.py.

/** Max-eigenvalue test, det_order −1 (statsmodels `ejcp0`). */
const MAX_EIG_NONE = [
  [2.9762, 4.1296, 6.9406],
  [9.4748, 11.2246, 15.0923],
  [15.7175, 17.7961, 22.2519],
  [21.837, 24.1592, 29.0609],
  [27.916, 30.4428, 35.7359],
  [33.9271, 36.6301, 42.2333],
  [39.9085, 42.7679, 48.6606],
  [45.893, 48.8795, 55.0335],
  [51.8528, 54.9629, 61.3449],
  [57.7954, 61.0404, 67.6415],
  [63.7248, 67.0756, 73.8856],
  [69.6513, 73.0946, 80.0937],
] as const;

/** Max-eigenvalue test, det_order 0 (statsmodels `ejcp1`). */
const MAX_EIG_CONSTANT = [
  [2.7055, 3.8415, 6.6349],
  [12.2971, 14.2639, 18.52],
  [18.8928, 21.1314, 25.865],
  [25.1236, 27.5858, 32.7172],
  [31.2379, 33.8777, 39.3693],
  [37.2786, 40.0763, 45.8662],
  [43.2947, 46.2299, 52.3069],
  [49.2855, 52.3622, 58.6634],
  [55.2412, 58.4332, 64.996],
  [61.2041, 64.504, 71.2525],
  [67.1307, 70.5392, 77.4877],
  [73.0563, 76.5734, 83.7105],
] as const;

/** Max-eigenvalue test, det_order 1 (statsmodels `ejcp2`). */
const MAX_EIG_TREND = [
  [2.7055, 3.8415, 6.6349],
  [15.0006, 17.1481, 21.7465],
  [21.8731, 24.2522, 29.2631],
  [28.2398, 30.8151, 36.193],
  [34.4202, 37.1646, 42.8612],
  [40.5244, 43.4183, 49.4095],
  [46.5583, 49.5875, 55.8171],
  [52.5858, 55.7302, 62.1741],
  [58.5316, 61.8051, 68.503],
  [64.5292, 67.904, 74.7434],
  [70.463, 73.9355, 81.0678],
  [76.4081, 79.9878, 87.2395],
] as const;

/** Trace test, det_order −1 (statsmodels `tjcp0`). */
const TRACE_NONE = [
  [2.9762, 4.1296, 6.9406],
  [10.4741, 12.3212, 16.364],
  [21.7781, 24.2761, 29.5147],
  [37.0339, 40.1749, 46.5716],
  [56.2839, 60.0627, 67.6367],
  [79.5329, 83.9383, 92.7136],
  [106.7351, 111.7797, 121.7375],
  [137.9954, 143.6691, 154.7977],
  [173.2292, 179.5199, 191.8122],
  [212.4721, 219.4051, 232.8291],
  [255.6732, 263.2603, 277.9962],
  [302.9054, 311.1288, 326.9716],
] as const;

/** Trace test, det_order 0 (statsmodels `tjcp1`). */
const TRACE_CONSTANT = [
  [2.7055, 3.8415, 6.6349],
  [13.4294, 15.4943, 19.9349],
  [27.0669, 29.7961, 35.4628],
  [44.4929, 47.8545, 54.6815],
  [65.8202, 69.8189, 77.8202],
  [91.109, 95.7542, 104.9637],
  [120.3673, 125.6185, 135.9825],
  [153.6341, 159.529, 171.0905],
  [190.8714, 197.3772, 210.0366],
  [232.103, 239.2468, 253.2526],
  [277.374, 285.1402, 300.2821],
  [326.5354, 334.9795, 351.215],
] as const;

/** Trace test, det_order 1 (statsmodels `tjcp2`). */
const TRACE_TREND = [
  [2.7055, 3.8415, 6.6349],
  [16.1619, 18.3985, 23.1485],
  [32.0645, 35.0116, 41.0815],
  [51.6492, 55.2459, 62.5202],
  [75.1027, 79.3422, 87.7748],
  [102.4674, 107.3429, 116.9829],
  [133.7852, 139.278, 150.0778],
  [169.0618, 175.1584, 187.1891],
  [208.3582, 215.1268, 228.2226],
  [251.6293, 259.0267, 273.3838],
  [298.8836, 306.8988, 322.4264],
  [350.1125, 358.719, 375.3203],
] as const;

const TABLES: Record<JohansenStatisticKind, Record<JohansenDetOrder, readonly (readonly number[])[]>> = {
  trace: { [-1]: TRACE_NONE, 0: TRACE_CONSTANT, 1: TRACE_TREND },
  maxEig: { [-1]: MAX_EIG_NONE, 0: MAX_EIG_CONSTANT, 1: MAX_EIG_TREND },
};

/** True for −1, 0 and 1, the det_order values with critical values. */
export function isJohansenDetOrder(detOrder: unknown): detOrder is JohansenDetOrder {
  return detOrder === -1 || detOrder === 0 || detOrder === 1;
}

/**
 * Critical values (90 %, 95 %, 99 % quantiles) of a Johansen statistic, as statsmodels `c_sjt(n, p)` (trace)
 * or `c_sja(n, p)` (max-eigenvalue).
 *
 * @param kind `'trace'` (statsmodels `cvt`) or `'maxEig'` (statsmodels `cvm`).
 * @param seriesMinusRank n − r: number of series minus the cointegration rank r of the null hypothesis,
 *   1..12 (for two series: 2 for H₀ r = 0, 1 for H₀ r ≤ 1).
 * @param detOrder deterministic terms, statsmodels `det_order`.
 * @throws InvalidInputError when `seriesMinusRank` is outside 1..12 or `detOrder` not −1/0/1 (statsmodels
 *   returns NaN there; mmtape refuses).
 */
export function johansenCriticalValues(
  kind: JohansenStatisticKind,
  seriesMinusRank: number,
  detOrder: JohansenDetOrder,
): JohansenCriticalValues {
  const row = johansenCriticalRow(kind, seriesMinusRank, detOrder);
  return { '10%': row[0]!, '5%': row[1]!, '1%': row[2]! };
}

/**
 * One critical value of a Johansen statistic at significance `alpha`.
 *
 * @param alpha significance level: 0.10, 0.05 or 0.01 only.
 * @throws InvalidInputError for any other `alpha` (the tables hold only the 90/95/99 % quantiles; mmtape
 *   does not interpolate p-values from them), and as {@link johansenCriticalValues}.
 */
export function johansenCriticalValue(
  kind: JohansenStatisticKind,
  seriesMinusRank: number,
  detOrder: JohansenDetOrder,
  alpha: number,
): number {
  return johansenCriticalRow(kind, seriesMinusRank, detOrder)[significanceColumn(alpha)]!;
}

/**
 * Column of the tables for significance `alpha`: 0 for 0.10, 1 for 0.05, 2 for 0.01.
 *
 * @throws InvalidInputError for any other value.
 */
export function significanceColumn(alpha: number): 0 | 1 | 2 {
  if (alpha === 0.1) return 0;
  if (alpha === 0.05) return 1;
  if (alpha === 0.01) return 2;
  throw new InvalidInputError(
    'Johansen significance level alpha',
    '0.10, 0.05 or 0.01 (the Johansen critical value tables only hold the 90 %, 95 % and 99 % quantiles)',
    alpha,
  );
}

/** [90 %, 95 %, 99 %] row of the table; validates its arguments. */
export function johansenCriticalRow(
  kind: JohansenStatisticKind,
  seriesMinusRank: number,
  detOrder: JohansenDetOrder,
): readonly number[] {
  if (kind !== 'trace' && kind !== 'maxEig') {
    throw new InvalidInputError('johansenCriticalValues kind', "'trace' or 'maxEig'", kind);
  }
  if (!isJohansenDetOrder(detOrder)) {
    throw new InvalidInputError(
      'johansenCriticalValues detOrder',
      '-1 (no deterministic terms), 0 (constant) or 1 (linear trend)',
      detOrder,
    );
  }
  if (!Number.isInteger(seriesMinusRank) || seriesMinusRank < 1 || seriesMinusRank > JOHANSEN_MAX_SERIES) {
    throw new InvalidInputError(
      'johansenCriticalValues seriesMinusRank (n - r)',
      `an integer in 1..${JOHANSEN_MAX_SERIES} (the tables stop at ${JOHANSEN_MAX_SERIES} series)`,
      seriesMinusRank,
    );
  }
  return TABLES[kind][detOrder][seriesMinusRank - 1]!;
}
