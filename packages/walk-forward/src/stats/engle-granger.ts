/**
 * Engle-Granger two-step cointegration test, matching statsmodels `coint(y0, y1, trend, maxlag, autolag)`
 * (`statsmodels/tsa/stattools.py`, method `'aeg'`).
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { type AdfStatistic, type AutolagMethod, adfStatistic, defaultMaxLag } from './adfuller.js';
import { LeastSquaresWorkspace, solveLeastSquares } from './least-squares-workspace.js';
import { type CriticalValues, mackinnonCriticalValues } from './mackinnon-critical-values.js';
import { mackinnonp } from './mackinnon-p.js';
import { ols } from './ols.js';
import { REGRESSION_TYPES, type RegressionType, trendTermCount } from './regression-type.js';

/** Options of {@link engleGranger} and {@link coint}. */
export interface EngleGrangerOptions {
  /**
   * Fixed ADF lag order on the residuals, used when `autolag` is `null`/omitted in {@link engleGranger}.
   * Default 1 there. Ignored when `autolag` is set.
   */
  lags?: number;
  /**
   * Largest lag of the residual ADF lag search (with `autolag`), statsmodels `maxlag`. Default `null`:
   * ⌈12·(n/100)^{1/4}⌉ capped at ⌊n/2⌋ − 1.
   */
  maxLag?: number | null;
  /** Residual ADF lag selection, statsmodels `autolag`: `'aic'`, `'bic'`, `'t-stat'`, or `null` (fixed lag). */
  autolag?: AutolagMethod | null;
  /** Deterministic terms of the cointegrating regression, statsmodels `trend`. Default `'c'`. */
  trend?: RegressionType;
}

/** Result of {@link engleGranger} / {@link coint}. */
export interface EngleGrangerResult {
  /** ADF t-statistic of the cointegrating residuals (−Infinity when y and x are collinear). */
  stat: number;
  /** MacKinnon (1994) p-value with N = 2 series and the `trend` table (`mackinnonp(stat, trend, 2)`). */
  pValue: number;
  /**
   * MacKinnon (2010) critical values, N = 2, regression `trend`, at T = n − 1 (as statsmodels); NaN for
   * `trend: 'n'` (statsmodels has no 2010 values there).
   */
  criticalValues: CriticalValues;
  /** β of y = [trend terms] + β·x + e: the hedge ratio (units of x per unit of y). */
  hedgeRatio: number;
  /** Constant of the cointegrating regression (price units of y); 0 for `trend: 'n'`. */
  intercept: number;
  /** R² of the cointegrating regression (centred, uncentred for `trend: 'n'`, as statsmodels). */
  rSquared: number;
  /** True when R² ≥ 1 − 100·√ε and the ADF step was skipped (statsmodels' collinearity rule). */
  collinear: boolean;
  /** Lag order of the residual ADF regression; `null` when collinear (no ADF run). */
  usedLag: number | null;
  /** Observations of the residual ADF regression (n − usedLag − 1); `null` when collinear. */
  nobs: number | null;
  /** Best information criterion of the lag search (statsmodels `icbest`); `null` without autolag. */
  icBest: number | null;
}

/** √(machine epsilon) for IEEE doubles, statsmodels' `SQRTEPS`. */
const SQRT_EPS = Math.sqrt(Number.EPSILON);
/** statsmodels' collinearity threshold 1 − 100·√ε on R² of the cointegrating regression. */
export const COLLINEAR_R_SQUARED = 1 - 100 * SQRT_EPS;

const sharedWorkspace = new LeastSquaresWorkspace();

/** Scalar outputs of {@link engleGrangerStatistic}, written in place (no allocation per pair). */
export interface EngleGrangerStatistic extends AdfStatistic {
  pValue: number;
  hedgeRatio: number;
  intercept: number;
  rSquared: number;
  collinear: boolean;
}

/** A fresh {@link EngleGrangerStatistic} to reuse across calls. */
export function newEngleGrangerStatistic(): EngleGrangerStatistic {
  return {
    stat: 0,
    usedLag: 0,
    nobs: 0,
    icBest: null,
    gamma: 0,
    pValue: 0,
    hedgeRatio: 0,
    intercept: 0,
    rSquared: 0,
    collinear: false,
  };
}

/**
 * Hot path of the Engle-Granger test with trend `'c'` on y[start..end), x[start..end) (finite, validated by
 * the caller): closed-form OLS, residuals into `workspace.series`, residual ADF without deterministic terms,
 * p-value. `maxLag` must be valid for n = end − start. Writes into `out`; allocates nothing.
 */
export function engleGrangerStatistic(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  start: number,
  end: number,
  maxLag: number,
  autolag: AutolagMethod | null,
  workspace: LeastSquaresWorkspace,
  out: EngleGrangerStatistic,
): EngleGrangerStatistic {
  const n = end - start;
  const residuals = workspace.ensureSeries(n);
  const fit = ols(y, x, residuals, start, end);
  out.hedgeRatio = fit.slope;
  out.intercept = fit.intercept;
  out.rSquared = fit.rSquared;
  out.collinear = !(fit.rSquared < COLLINEAR_R_SQUARED);
  if (out.collinear) {
    out.stat = Number.NEGATIVE_INFINITY;
    out.usedLag = -1;
    out.nobs = -1;
    out.icBest = null;
    out.gamma = Number.NaN;
    out.pValue = 0;
    return out;
  }
  adfStatistic(residuals, n, maxLag, autolag, 'n', workspace, out);
  out.pValue = Number.isNaN(out.stat) ? Number.NaN : mackinnonp(out.stat, 'c', 2);
  return out;
}

/**
 * Engle-Granger test of y and x (same length n, finite), statsmodels `coint` semantics:
 * 1. OLS y_t = [trend terms] + β·x_t + e_t;
 * 2. if R² < 1 − 100·√ε: ADF without deterministic terms (`regression='n'`) on e, lag fixed (`lags`) or
 *    chosen by `autolag` up to `maxLag`; else (near-perfect collinearity) stat = −Infinity, p = 0
 *    (statsmodels warns and does the same);
 * 3. p-value `mackinnonp(stat, trend, 2)`: the residual test has no constant but its distribution is the
 *    two-variable tau of the cointegrating regression's trend; critical values `mackinnoncrit(2, trend, n − 1)`.
 *
 * Defaults keep this package's earlier behaviour (fixed lag 1); {@link coint} has statsmodels' defaults.
 *
 * @param workspace scratch reused across calls (see {@link LeastSquaresWorkspace}).
 * @throws InvalidInputError on length mismatch, non-finite input or invalid options.
 * @throws InsufficientDataError when the lag is too large for n.
 */
export function engleGranger(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: EngleGrangerOptions = {},
  workspace: LeastSquaresWorkspace = sharedWorkspace,
): EngleGrangerResult {
  const trend = options.trend ?? 'c';
  const autolag = options.autolag ?? null;
  if (!REGRESSION_TYPES.includes(trend)) {
    throw new InvalidInputError('engleGranger trend', "'n', 'c', 'ct' or 'ctt'", trend);
  }
  if (autolag !== null && autolag !== 'aic' && autolag !== 'bic' && autolag !== 't-stat') {
    throw new InvalidInputError('engleGranger autolag', "'aic', 'bic', 't-stat' or null", autolag);
  }
  if (x.length !== y.length)
    throw new InvalidInputError('engleGranger x', `length ${y.length} (as y)`, x.length);
  const n = y.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!)) throw new InvalidInputError(`engleGranger y[${i}]`, 'a finite number', y[i]);
    if (!Number.isFinite(x[i]!)) throw new InvalidInputError(`engleGranger x[${i}]`, 'a finite number', x[i]);
  }
  let maxLag: number;
  if (autolag === null) {
    maxLag = options.lags ?? options.maxLag ?? 1;
  } else {
    maxLag = options.maxLag ?? defaultMaxLag(n, 'n');
  }
  if (!Number.isInteger(maxLag) || maxLag < 0) {
    throw new InvalidInputError('engleGranger lags', 'a non-negative integer', maxLag);
  }
  const limit = Math.floor(n / 2) - 1;
  if (maxLag > limit) {
    throw new InvalidInputError('engleGranger lags', `at most floor(n/2) - 1 = ${limit}`, maxLag);
  }
  const out = newEngleGrangerStatistic();
  if (trend === 'c') {
    engleGrangerStatistic(y, x, 0, n, maxLag, autolag, workspace, out);
  } else {
    cointegratingRegression(y, x, trend, workspace, out);
    if (out.collinear) {
      out.stat = Number.NEGATIVE_INFINITY;
    } else {
      adfStatistic(workspace.series, n, maxLag, autolag, 'n', workspace, out);
    }
    out.pValue = Number.isNaN(out.stat) ? Number.NaN : mackinnonp(out.stat, trend, 2);
  }
  const criticalValues =
    trend === 'n'
      ? { '1%': Number.NaN, '5%': Number.NaN, '10%': Number.NaN }
      : mackinnonCriticalValues(2, trend, n - 1);
  return {
    stat: out.stat,
    pValue: out.pValue,
    criticalValues,
    hedgeRatio: out.hedgeRatio,
    intercept: out.intercept,
    rSquared: out.rSquared,
    collinear: out.collinear,
    usedLag: out.collinear ? null : out.usedLag,
    nobs: out.collinear ? null : out.nobs,
    icBest: out.collinear ? null : out.icBest,
  };
}

/**
 * statsmodels `coint(y, x, trend='c', method='aeg', maxlag=None, autolag='aic')` with the same defaults:
 * {@link engleGranger} with `autolag: 'aic'` unless given.
 */
export function coint(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: EngleGrangerOptions = {},
  workspace: LeastSquaresWorkspace = sharedWorkspace,
): EngleGrangerResult {
  return engleGranger(
    y,
    x,
    { ...options, autolag: options.autolag === undefined ? 'aic' : options.autolag },
    workspace,
  );
}

/** OLS of y on [x, trend terms] by QR (trends other than 'c'); residuals into `ws.series`. */
function cointegratingRegression(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  trend: RegressionType,
  ws: LeastSquaresWorkspace,
  out: EngleGrangerStatistic,
): void {
  const n = y.length;
  const ntrend = trendTermCount(trend);
  const cols = 1 + ntrend;
  ws.ensure(n, cols);
  const a = ws.design;
  const b = ws.rhs;
  for (let r = 0; r < n; r++) {
    a[r] = x[r]!;
    b[r] = y[r]!;
    for (let k = 0; k < ntrend; k++) a[(1 + k) * n + r] = k === 0 ? 1 : (r + 1) ** k;
  }
  const sol = solveLeastSquares(ws, n, cols);
  const residuals = ws.ensureSeries(n);
  let mean = 0;
  for (let r = 0; r < n; r++) mean += y[r]!;
  mean /= n;
  let tss = 0;
  let ssr = 0;
  for (let r = 0; r < n; r++) {
    let fit = ws.coef[0]! * x[r]!;
    for (let k = 0; k < ntrend; k++) fit += ws.coef[1 + k]! * (k === 0 ? 1 : (r + 1) ** k);
    const e = y[r]! - fit;
    residuals[r] = e;
    ssr += e * e;
    const d = ntrend > 0 ? y[r]! - mean : y[r]!;
    tss += d * d;
  }
  out.hedgeRatio = ws.coef[0]!;
  out.intercept = ntrend > 0 ? ws.coef[1]! : 0;
  out.rSquared = sol.fullRank ? 1 - ssr / tss : Number.NaN;
  out.collinear = !(out.rSquared < COLLINEAR_R_SQUARED);
}
