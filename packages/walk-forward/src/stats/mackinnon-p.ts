/**
 * MacKinnon (1994) approximate asymptotic p-values for (augmented) Dickey-Fuller and Engle-Granger
 * tau statistics, reproducing `mackinnonp` of statsmodels `statsmodels/tsa/adfvalues.py` (0.13/0.14) exactly:
 * same tables, same scaling, same branch points.
 *
 * Source: J. G. MacKinnon, "Approximate Asymptotic Distribution Functions for Unit-Root and Cointegration
 * Tests", Journal of Business & Economic Statistics 12.2 (1994) 167–176, tables 3 and 4.
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { normalCdf } from './normal-cdf.js';
import type { RegressionType } from './regression-type.js';

/** Row N−1 (N = 1..6 series): left-tail / right-tail cut-off `tau_star_*`. */
const TAU_STAR: Record<RegressionType, readonly number[]> = {
  n: [-1.04, -1.53, -2.68, -3.09, -3.07, -3.77],
  c: [-1.61, -2.62, -3.13, -3.47, -3.78, -3.93],
  ct: [-2.89, -3.19, -3.5, -3.65, -3.8, -4.36],
  ctt: [-3.21, -3.51, -3.81, -3.83, -4.12, -4.63],
};
/** Below `tau_min_*` the p-value is 0. */
const TAU_MIN: Record<RegressionType, readonly number[]> = {
  n: [-19.04, -19.62, -21.21, -23.25, -21.63, -25.74],
  c: [-18.83, -18.86, -23.48, -28.07, -25.96, -23.27],
  ct: [-16.18, -21.15, -25.37, -26.63, -26.53, -26.18],
  ctt: [-17.17, -21.1, -24.33, -24.03, -24.33, -28.22],
};
/** Above `tau_max_*` the p-value is 1. */
const TAU_MAX: Record<RegressionType, readonly number[]> = {
  n: [Number.POSITIVE_INFINITY, 1.51, 0.86, 0.88, 1.05, 1.24],
  c: [2.74, 0.92, 0.55, 0.61, 0.79, 1],
  ct: [0.7, 0.63, 0.71, 0.93, 1.19, 1.42],
  ctt: [0.54, 0.79, 1.08, 1.43, 3.49, 1.92],
};

/** statsmodels `small_scaling`: the printed `tau_*_smallp` coefficients are multiplied by this. */
const SMALL_SCALING = [1, 1, 1e-2];
/** statsmodels `large_scaling`: the printed `tau_*_largep` coefficients are multiplied by this. */
const LARGE_SCALING = [1, 1e-1, 1e-1, 1e-2];

/** `tau_*_smallp` as printed (unscaled): p = Φ(c0 + c1·τ + c2·τ²) for τ ≤ τ*. */
const TAU_SMALLP_RAW: Record<RegressionType, readonly (readonly number[])[]> = {
  n: [
    [0.6344, 1.2378, 3.2496],
    [1.9129, 1.3857, 3.5322],
    [2.7648, 1.4502, 3.4186],
    [3.4336, 1.4835, 3.19],
    [4.0999, 1.5533, 3.59],
    [4.5388, 1.5344, 2.9807],
  ],
  c: [
    [2.1659, 1.4412, 3.8269],
    [2.92, 1.5012, 3.9796],
    [3.4699, 1.4856, 3.164],
    [3.9673, 1.4777, 2.6315],
    [4.5509, 1.5338, 2.9545],
    [5.1399, 1.6036, 3.4445],
  ],
  ct: [
    [3.2512, 1.6047, 4.9588],
    [3.6646, 1.5419, 3.6448],
    [4.0983, 1.5173, 2.9898],
    [4.5844, 1.5338, 2.8796],
    [5.0722, 1.5634, 2.9472],
    [5.53, 1.5914, 3.0392],
  ],
  ctt: [
    [4.0003, 1.658, 4.8288],
    [4.3534, 1.6016, 3.7947],
    [4.7343, 1.5768, 3.2396],
    [5.214, 1.6077, 3.3449],
    [5.6481, 1.6274, 3.3455],
    [5.9296, 1.5929, 2.8223],
  ],
};
/** `tau_*_largep` as printed (unscaled): p = Φ(c0 + c1·τ + c2·τ² + c3·τ³) for τ > τ*. */
const TAU_LARGEP_RAW: Record<RegressionType, readonly (readonly number[])[]> = {
  n: [
    [0.4797, 9.3557, -0.6999, 3.3066],
    [1.5578, 8.558, -2.083, -3.3549],
    [2.2268, 6.8093, -3.2362, -5.4448],
    [2.7654, 6.4502, -3.0811, -4.4946],
    [3.2684, 6.8051, -2.6778, -3.4972],
    [3.7268, 7.167, -2.3648, -2.8288],
  ],
  c: [
    [1.7339, 9.3202, -1.2745, -1.0368],
    [2.1945, 6.4695, -2.9198, -4.2377],
    [2.5893, 4.5168, -3.6529, -5.0074],
    [3.0387, 4.5452, -3.3666, -4.1921],
    [3.5049, 5.2098, -2.9158, -3.3468],
    [3.9489, 5.8933, -2.5359, -2.721],
  ],
  ct: [
    [2.5261, 6.1654, -3.7956, -6.0285],
    [2.85, 5.272, -3.6622, -5.1695],
    [3.221, 5.255, -3.2685, -4.1501],
    [3.652, 5.9758, -2.7483, -3.2081],
    [4.0712, 6.6428, -2.3464, -2.546],
    [4.4735, 7.1757, -2.0681, -2.1196],
  ],
  ctt: [
    [3.0778, 4.9529, -4.1477, -5.9359],
    [3.4713, 5.967, -3.2507, -4.2286],
    [3.8637, 6.7852, -2.6286, -3.1381],
    [4.2736, 7.6199, -2.1534, -2.4026],
    [4.6679, 8.2618, -1.822, -1.9147],
    [5.0009, 8.3735, -1.6994, -1.6928],
  ],
};

function scale(
  table: Record<RegressionType, readonly (readonly number[])[]>,
  scaling: readonly number[],
): Record<RegressionType, number[][]> {
  const out = {} as Record<RegressionType, number[][]>;
  for (const key of Object.keys(table) as RegressionType[]) {
    out[key] = table[key].map((row) => row.map((c, i) => c * scaling[i]!));
  }
  return out;
}

const TAU_SMALLP = scale(TAU_SMALLP_RAW, SMALL_SCALING);
const TAU_LARGEP = scale(TAU_LARGEP_RAW, LARGE_SCALING);

/** Largest number of I(1) series the 1994 tables cover. */
export const MACKINNON_P_MAX_SERIES = 6;

/**
 * MacKinnon (1994) approximate asymptotic p-value of a Dickey-Fuller / Engle-Granger tau statistic.
 * Reproduces statsmodels `statsmodels/tsa/adfvalues.py` `mackinnonp(teststat, regression, N)`:
 * 1 above `tau_max`, 0 below `tau_min`, otherwise Φ(polynomial in `stat`) with the small-p table for
 * `stat ≤ tau_star` and the large-p table above it.
 *
 * @param stat tau statistic (may be ±Infinity: −Infinity → 0, +Infinity → 1).
 * @param regression deterministic terms of the test regression (`'n' | 'c' | 'ct' | 'ctt'`).
 * @param series N, the number of I(1) series (1 for ADF, 2 for a two-variable Engle-Granger test), 1..6.
 * @throws InvalidInputError when `series` is not an integer in 1..6 or `stat` is NaN.
 */
export function mackinnonp(stat: number, regression: RegressionType = 'c', series = 1): number {
  if (!Number.isInteger(series) || series < 1 || series > MACKINNON_P_MAX_SERIES) {
    throw new InvalidInputError('mackinnonp series (N)', 'an integer in 1..6', series);
  }
  if (Number.isNaN(stat)) throw new InvalidInputError('mackinnonp stat', 'a number', stat);
  const i = series - 1;
  if (stat > TAU_MAX[regression][i]!) return 1;
  if (stat < TAU_MIN[regression][i]!) return 0;
  const coef = stat <= TAU_STAR[regression][i]! ? TAU_SMALLP[regression][i]! : TAU_LARGEP[regression][i]!;
  // Horner evaluation of c0 + c1·t + c2·t² (+ c3·t³), as numpy.polyval(coef[::-1], t).
  let acc = 0;
  for (let k = coef.length - 1; k >= 0; k--) acc = acc * stat + coef[k]!;
  return normalCdf(acc);
}
