/**
 * Augmented Dickey-Fuller unit-root test with a fixed lag order, matching statsmodels
 * `adfuller(x, maxlag=lags, autolag=None, regression=...)` (`statsmodels/tsa/stattools.py`).
 *
 * @module
 */
import { InsufficientDataError, InvalidInputError } from '../errors.js';
import { inverseGramDiagonal, LeastSquaresWorkspace, solveLeastSquares } from './least-squares-workspace.js';
import { type CriticalValues, mackinnonCriticalValues } from './mackinnon-critical-values.js';
import { mackinnonp } from './mackinnon-p.js';
import { type RegressionType, trendTermCount } from './regression-type.js';

/** Options of {@link adf}. */
export interface AdfOptions {
  /** Number p of lagged differences Δy_{t−i}, fixed (no automatic selection). Default 1. */
  lags?: number;
  /** Deterministic terms: `'c'` constant (default), `'n'` none, `'ct'` constant + linear trend. */
  regression?: RegressionType;
}

/** Result of {@link adf}. */
export interface AdfResult {
  /** t-statistic of γ (the coefficient on y_{t−1}); NaN when the regression is rank-deficient. */
  stat: number;
  /** MacKinnon (1994) approximate p-value, `mackinnonp(stat, regression, 1)`. NaN when `stat` is NaN. */
  pValue: number;
  /** Lag order used (= `lags`). */
  usedLag: number;
  /** Observations in the regression, as statsmodels counts them: n − p − 1. */
  nobs: number;
  /** MacKinnon (2010) critical values for N = 1 at `nobs`. */
  criticalValues: CriticalValues;
  /** Estimated γ. */
  gamma: number;
}

const sharedWorkspace = new LeastSquaresWorkspace();

/**
 * Augmented Dickey-Fuller test:
 * Δy_t = [α + δt] + γ·y_{t−1} + Σ_{i=1..p} φ_i·Δy_{t−i} + ε_t, statistic = γ̂ / se(γ̂).
 *
 * Rows are t = p+1 … n−1 (0-based), so `nobs = n − p − 1`, as statsmodels' `lagmat(..., trim='both')`.
 * The linear trend regressor is 1..nobs as statsmodels' `add_trend` (it does not change the statistic).
 * Least squares by Householder QR in `workspace` (allocation-free once the workspace has grown).
 *
 * @param series the observations y_0..y_{n−1}; must be finite.
 * @param options lag order and deterministic terms.
 * @param workspace scratch buffers to reuse; defaults to a module-level one (not re-entrant with itself,
 *   which is fine in single-threaded JS as `adf` never yields).
 * @throws InsufficientDataError when `lags > floor(n/2) − ntrend − 1` (statsmodels' limit).
 * @throws InvalidInputError when `lags` is not a non-negative integer or `series` has non-finite values.
 */
export function adf(
  series: ArrayLike<number>,
  options: AdfOptions = {},
  workspace: LeastSquaresWorkspace = sharedWorkspace,
): AdfResult {
  const lags = options.lags ?? 1;
  const regression = options.regression ?? 'c';
  if (!Number.isInteger(lags) || lags < 0) {
    throw new InvalidInputError('adf lags', 'a non-negative integer', lags);
  }
  if (regression !== 'n' && regression !== 'c' && regression !== 'ct') {
    throw new InvalidInputError('adf regression', "'n', 'c' or 'ct'", regression);
  }
  const n = series.length;
  const ntrend = trendTermCount(regression);
  const maxLag = Math.floor(n / 2) - ntrend - 1;
  if (lags > maxLag) {
    throw new InsufficientDataError(
      'adf',
      2 * (lags + ntrend + 1),
      n,
      `lags=${lags} must be at most floor(n/2) - 1 - ntrend = ${maxLag}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(series[i]!)) {
      throw new InvalidInputError(`adf series[${i}]`, 'a finite number', series[i]);
    }
  }
  const nobs = n - lags - 1;
  const cols = 1 + lags + ntrend;
  workspace.ensure(nobs, cols);
  const x = workspace.design;
  const rhs = workspace.rhs;
  for (let r = 0; r < nobs; r++) {
    const t = lags + 1 + r;
    rhs[r] = series[t]! - series[t - 1]!;
    x[r] = series[t - 1]!;
    for (let i = 1; i <= lags; i++) x[i * nobs + r] = series[t - i]! - series[t - i - 1]!;
    if (ntrend >= 1) x[(lags + 1) * nobs + r] = 1;
    if (ntrend >= 2) x[(lags + 2) * nobs + r] = r + 1;
  }
  const criticalValues = mackinnonCriticalValues(1, regression, nobs);
  const solution = solveLeastSquares(workspace, nobs, cols);
  const dof = nobs - cols;
  if (!solution.fullRank || dof <= 0) {
    return { stat: Number.NaN, pValue: Number.NaN, usedLag: lags, nobs, criticalValues, gamma: Number.NaN };
  }
  const gamma = workspace.coef[0]!;
  const sigma2 = solution.ssr / dof;
  const se = Math.sqrt(sigma2 * inverseGramDiagonal(workspace, nobs, cols, 0));
  // A perfect fit (ssr = 0) gives ±Infinity, as a t-statistic with zero standard error.
  const stat =
    se === 0
      ? gamma < 0
        ? Number.NEGATIVE_INFINITY
        : gamma > 0
          ? Number.POSITIVE_INFINITY
          : Number.NaN
      : gamma / se;
  const pValue = Number.isNaN(stat) ? Number.NaN : mackinnonp(stat, regression, 1);
  return { stat, pValue, usedLag: lags, nobs, criticalValues, gamma };
}
