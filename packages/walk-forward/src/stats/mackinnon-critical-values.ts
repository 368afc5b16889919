/**
 * MacKinnon (2010) finite-sample critical values of Dickey-Fuller / Engle-Granger tau statistics,
 * reproducing `mackinnoncrit` of statsmodels `statsmodels/tsa/adfvalues.py` (tables `tau_*_2010`).
 *
 * Source: J. G. MacKinnon, "Critical Values for Cointegration Tests", Queen's University Economics
 * Working Paper 1227 (2010), table 2; the no-constant row is from MacKinnon (1996), as in statsmodels.
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import type { RegressionType } from './regression-type.js';

/**
 * Response-surface coefficients [τ∞, β1, β2, β3] per N (outer), per level 1 %, 5 %, 10 % (inner):
 * crit(T) = τ∞ + β1/T + β2/T² + β3/T³.
 */
const TAU_2010: Record<RegressionType, readonly (readonly (readonly number[])[])[]> = {
  n: [
    [
      [-2.56574, -2.2358, -3.627, 0],
      [-1.941, -0.2686, -3.365, 31.223],
      [-1.61682, 0.2656, -2.714, 25.364],
    ],
  ],
  c: [
    [
      [-3.43035, -6.5393, -16.786, -79.433],
      [-2.86154, -2.8903, -4.234, -40.04],
      [-2.56677, -1.5384, -2.809, 0],
    ],
    [
      [-3.89644, -10.9519, -33.527, 0],
      [-3.33613, -6.1101, -6.823, 0],
      [-3.04445, -4.2412, -2.72, 0],
    ],
    [
      [-4.29374, -14.4354, -33.195, 47.433],
      [-3.74066, -8.5632, -10.852, 27.982],
      [-3.45218, -6.2143, -3.718, 0],
    ],
    [
      [-4.64332, -18.1031, -37.972, 0],
      [-4.096, -11.2349, -11.175, 0],
      [-3.8102, -8.3931, -4.137, 0],
    ],
  ],
  ct: [
    [
      [-3.95877, -9.0531, -28.428, -134.155],
      [-3.41049, -4.3904, -9.036, -45.374],
      [-3.12705, -2.5856, -3.925, -22.38],
    ],
    [
      [-4.32762, -15.4387, -35.679, 0],
      [-3.78057, -9.5106, -12.074, 0],
      [-3.49631, -7.0815, -7.538, 21.892],
    ],
    [
      [-4.66305, -18.7688, -49.793, 104.244],
      [-4.1189, -11.8922, -19.031, 77.332],
      [-3.83511, -9.0723, -8.504, 35.403],
    ],
    [
      [-4.9694, -22.4694, -52.599, 51.314],
      [-4.42871, -14.5876, -18.228, 39.647],
      [-4.14633, -11.25, -9.873, 54.109],
    ],
  ],
  ctt: [
    [
      [-4.37113, -11.5882, -35.819, -334.047],
      [-3.83239, -5.9057, -12.49, -118.284],
      [-3.55326, -3.6596, -5.293, -63.559],
    ],
    [
      [-4.69276, -20.2284, -64.919, 88.884],
      [-4.15387, -13.3114, -28.402, 72.741],
      [-3.87346, -10.4637, -17.408, 66.313],
    ],
    [
      [-4.99071, -23.5873, -76.924, 184.782],
      [-4.45311, -15.7732, -32.316, 122.705],
      [-4.1728, -12.4909, -17.912, 83.285],
    ],
    [
      [-5.2678, -27.2836, -78.971, 137.871],
      [-4.73244, -18.4833, -31.875, 111.817],
      [-4.45268, -14.7199, -17.969, 101.92],
    ],
  ],
};

/** Critical values at the 1 %, 5 % and 10 % levels (tau statistic units; reject the unit root below). */
export interface CriticalValues {
  '1%': number;
  '5%': number;
  '10%': number;
}

/**
 * MacKinnon (2010) critical values for `series` (N) I(1) series, as statsmodels
 * `mackinnoncrit(N, regression, nobs)`.
 *
 * @param series N: 1 for ADF, 2 for a two-variable Engle-Granger test. Supported: 1..4 for `'c'`/`'ct'`/`'ctt'`,
 *   1 for `'n'` (statsmodels has no N > 1 for `'n'`).
 * @param regression deterministic terms.
 * @param nobs sample size T used in the response surface; `Infinity` gives the asymptotic values. ADF uses
 *   its regression `nobs`; statsmodels `coint` passes `len(y) − 1`.
 * @throws InvalidInputError for an unsupported `series`/`regression` combination or `nobs ≤ 0`.
 */
export function mackinnonCriticalValues(
  series: number,
  regression: RegressionType = 'c',
  nobs = Number.POSITIVE_INFINITY,
): CriticalValues {
  const table = TAU_2010[regression];
  if (!Number.isInteger(series) || series < 1 || series > table.length) {
    throw new InvalidInputError(
      `mackinnonCriticalValues series (N) for regression '${regression}'`,
      `an integer in 1..${table.length}`,
      series,
    );
  }
  if (!(nobs > 0)) throw new InvalidInputError('mackinnonCriticalValues nobs', 'a positive number', nobs);
  const rows = table[series - 1]!;
  const x = Number.isFinite(nobs) ? 1 / nobs : 0;
  const at = (k: number): number => {
    const c = rows[k]!;
    return c[0]! + x * (c[1]! + x * (c[2]! + x * c[3]!));
  };
  return { '1%': at(0), '5%': at(1), '10%': at(2) };
}
