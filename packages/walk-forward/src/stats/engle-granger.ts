/**
 * Engle-Granger two-step cointegration test, matching statsmodels
 * `coint(y, x, trend='c', maxlag=lags, autolag=None)` (`statsmodels/tsa/stattools.py`).
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { adf } from './adf.js';
import { LeastSquaresWorkspace } from './least-squares-workspace.js';
import { type CriticalValues, mackinnonCriticalValues } from './mackinnon-critical-values.js';
import { mackinnonp } from './mackinnon-p.js';
import { ols } from './ols.js';

/** Options of {@link engleGranger}. */
export interface EngleGrangerOptions {
  /** Fixed ADF lag order on the residuals. Default 1. */
  lags?: number;
}

/** Result of {@link engleGranger}. */
export interface EngleGrangerResult {
  /** ADF t-statistic of the cointegrating residuals (−Infinity when y and x are collinear). */
  stat: number;
  /** MacKinnon (1994) p-value with N = 2 series and the constant table (`mackinnonp(stat, 'c', 2)`). */
  pValue: number;
  /** MacKinnon (2010) critical values, N = 2, regression `'c'`, at T = n − 1 (as statsmodels). */
  criticalValues: CriticalValues;
  /** β of y = α + β·x + e: the hedge ratio (units of x per unit of y). */
  hedgeRatio: number;
  /** α of the cointegrating regression (price units of y). */
  intercept: number;
  /** R² of the cointegrating regression. */
  rSquared: number;
  /** True when R² ≥ 1 − 100·√ε and the ADF step was skipped (statsmodels' collinearity rule). */
  collinear: boolean;
}

/** √(machine epsilon) for IEEE doubles, statsmodels' `SQRTEPS`. */
const SQRT_EPS = Math.sqrt(Number.EPSILON);

const sharedWorkspace = new LeastSquaresWorkspace();

/**
 * Engle-Granger test of y and x (same length n, finite):
 * 1. OLS y_t = α + β·x_t + e_t;
 * 2. if R² < 1 − 100·√ε: ADF without deterministic terms (`regression='n'`) on e with `lags` lagged
 *    differences; else (near-perfect collinearity) stat = −Infinity, p = 0 (statsmodels warns and does the same);
 * 3. p-value from `mackinnonp(stat, 'c', 2)`: the residual test has no constant but its distribution is the
 *    two-variable constant-case tau (the constant sits in step 1).
 *
 * @param workspace scratch reused across calls (see {@link LeastSquaresWorkspace}).
 * @throws InvalidInputError on length mismatch or non-finite input (from {@link ols}/{@link adf}).
 * @throws InsufficientDataError when `lags` is too large for n (from {@link adf}).
 */
export function engleGranger(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: EngleGrangerOptions = {},
  workspace: LeastSquaresWorkspace = sharedWorkspace,
): EngleGrangerResult {
  const lags = options.lags ?? 1;
  if (x.length !== y.length)
    throw new InvalidInputError('engleGranger x', `length ${y.length} (as y)`, x.length);
  const n = y.length;
  const residuals = workspace.ensureSeries(n).subarray(0, n);
  const fit = ols(y, x, residuals);
  const criticalValues = mackinnonCriticalValues(2, 'c', n - 1);
  const collinear = !(fit.rSquared < 1 - 100 * SQRT_EPS);
  let stat: number;
  if (collinear) {
    stat = Number.NEGATIVE_INFINITY;
  } else {
    stat = adf(residuals, { lags, regression: 'n' }, workspace).stat;
  }
  const pValue = Number.isNaN(stat) ? Number.NaN : mackinnonp(stat, 'c', 2);
  return {
    stat,
    pValue,
    criticalValues,
    hedgeRatio: fit.slope,
    intercept: fit.intercept,
    rSquared: fit.rSquared,
    collinear,
  };
}
