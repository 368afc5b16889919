/**
 * Augmented Dickey-Fuller unit-root test with a fixed lag order, matching statsmodels
 * `adfuller(x, maxlag=lags, autolag=None, regression=...)` (`statsmodels/tsa/stattools.py`).
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { adfuller } from './adfuller.js';
import { LeastSquaresWorkspace } from './least-squares-workspace.js';
import type { CriticalValues } from './mackinnon-critical-values.js';
import type { RegressionType } from './regression-type.js';

/** Options of {@link adf}. */
export interface AdfOptions {
  /** Number p of lagged differences Δy_{t−i}, fixed (no automatic selection). Default 1. */
  lags?: number;
  /** Deterministic terms: `'c'` constant (default), `'n'` none, `'ct'` + linear trend, `'ctt'` + quadratic trend. */
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
 * Augmented Dickey-Fuller test with a fixed lag order:
 * Δy_t = [deterministic terms] + γ·y_{t−1} + Σ_{i=1..p} φ_i·Δy_{t−i} + ε_t, statistic = γ̂ / se(γ̂);
 * {@link adfuller} with `maxLag: lags, autolag: null`.
 *
 * Rows are t = p+1 … n−1 (0-based), so `nobs = n − p − 1`, as statsmodels' `lagmat(..., trim='both')`.
 *
 * @param series the observations y_0..y_{n−1}; must be finite.
 * @param options lag order and deterministic terms.
 * @param workspace scratch buffers to reuse; defaults to a module-level one.
 * @throws InsufficientDataError when `lags > floor(n/2) − ntrend − 1` (statsmodels' limit).
 * @throws InvalidInputError when `lags` is not a non-negative integer or `series` has non-finite values.
 */
export function adf(
  series: ArrayLike<number>,
  options: AdfOptions = {},
  workspace: LeastSquaresWorkspace = sharedWorkspace,
): AdfResult {
  const lags = options.lags ?? 1;
  if (!Number.isInteger(lags) || lags < 0) {
    throw new InvalidInputError('adf lags', 'a non-negative integer', lags);
  }
  const r = adfuller(
    series,
    { maxLag: lags, autolag: null, regression: options.regression ?? 'c' },
    workspace,
  );
  return {
    stat: r.stat,
    pValue: r.pValue,
    usedLag: r.usedLag,
    nobs: r.nobs,
    criticalValues: r.criticalValues,
    gamma: r.gamma,
  };
}
