/**
 * Augmented Dickey-Fuller unit-root test with automatic lag selection, matching statsmodels
 * `adfuller(x, maxlag, regression, autolag)` (`statsmodels/tsa/stattools.py`, 0.13/0.14) step by step.
 *
 * @module
 */
import { InsufficientDataError, InvalidInputError } from '../errors.js';
import { householderQr, LeastSquaresWorkspace } from './least-squares-workspace.js';
import { type CriticalValues, mackinnonCriticalValues } from './mackinnon-critical-values.js';
import { mackinnonp } from './mackinnon-p.js';
import { REGRESSION_TYPES, type RegressionType, trendTermCount } from './regression-type.js';

/** Lag-selection criterion of {@link adfuller}: statsmodels' `autolag` (`null` = use `maxLag` as is). */
export type AutolagMethod = 'aic' | 'bic' | 't-stat';

/** Options of {@link adfuller}. */
export interface AdfullerOptions {
  /**
   * Largest lag order considered (`autolag` set) or the lag used (`autolag: null`). Default (`null` or
   * omitted): statsmodels' ⌈12·(n/100)^{1/4}⌉ (Schwert 1989), capped at ⌊n/2⌋ − ntrend − 1.
   */
  maxLag?: number | null;
  /** Deterministic terms. Default `'c'`. */
  regression?: RegressionType;
  /**
   * `'aic'` (default, as statsmodels), `'bic'`: minimise the criterion over lags 0..maxLag, all fitted on
   * the same rows (n − maxLag − 1), ties to the smaller lag. `'t-stat'`: from maxLag down, the first lag
   * whose last coefficient has |t| ≥ 1.6448536269514722 (Φ⁻¹(0.95)), else 0. `null`: no search.
   * The chosen lag is then re-fitted on its own, longer sample (n − lag − 1 rows).
   */
  autolag?: AutolagMethod | null;
}

/** Result of {@link adfuller}. */
export interface AdfullerResult {
  /** t-statistic of γ (the coefficient on y_{t−1}); NaN when the regression is rank-deficient. */
  stat: number;
  /** MacKinnon (1994) approximate p-value, `mackinnonp(stat, regression, 1)`; NaN when `stat` is NaN. */
  pValue: number;
  /** Lag order used. */
  usedLag: number;
  /** Observations of the final regression: n − usedLag − 1. */
  nobs: number;
  /** MacKinnon (2010) critical values for N = 1 at `nobs`. */
  criticalValues: CriticalValues;
  /** Best criterion value (AIC, BIC or |t|) of the lag search; `null` without `autolag`. */
  icBest: number | null;
  /** Estimated γ. */
  gamma: number;
}

/** Φ⁻¹(0.95), statsmodels' `stop` of the t-stat lag search. */
const T_STAT_STOP = 1.6448536269514722;
/** ln(2π), of the Gaussian log-likelihood. */
const LOG_2PI = Math.log(2 * Math.PI);

const sharedWorkspace = new LeastSquaresWorkspace();

/** statsmodels' default maximum lag for `n` observations: min(⌈12·(n/100)^{1/4}⌉, ⌊n/2⌋ − ntrend − 1). */
export function defaultMaxLag(n: number, regression: RegressionType = 'c'): number {
  return Math.min(Math.ceil(12 * (n / 100) ** 0.25), Math.floor(n / 2) - trendTermCount(regression) - 1);
}

/**
 * Fill the design of the ADF regression with `lags` lagged differences over rows t = start + r, r = 0..rows−1
 * where start = n − rows: columns [trend terms (1, t, t² with t = 1..rows, statsmodels `add_trend`)…,
 * Δy_{t−1}…Δy_{t−lags}, y_{t−1}] (the level last, so its t-statistic reads straight off R), rhs Δy_t.
 * `levelFirst` puts the level right after the trend terms instead (the lag search's nested order).
 */
function fillDesign(
  ws: LeastSquaresWorkspace,
  y: ArrayLike<number>,
  n: number,
  rows: number,
  lags: number,
  ntrend: number,
  levelFirst: boolean,
): number {
  const cols = ntrend + 1 + lags;
  ws.ensure(rows, cols);
  const x = ws.design;
  const rhs = ws.rhs;
  const first = n - rows; // first t (≥ lags + 1)
  const levelCol = levelFirst ? ntrend : cols - 1;
  const lagCol0 = levelFirst ? ntrend + 1 : ntrend;
  for (let r = 0; r < rows; r++) {
    const t = first + r;
    rhs[r] = y[t]! - y[t - 1]!;
    x[levelCol * rows + r] = y[t - 1]!;
  }
  for (let i = 1; i <= lags; i++) {
    const off = (lagCol0 + i - 1) * rows;
    for (let r = 0; r < rows; r++) {
      const t = first + r - i;
      x[off + r] = y[t]! - y[t - 1]!;
    }
  }
  for (let k = 0; k < ntrend; k++) {
    const off = k * rows;
    for (let r = 0; r < rows; r++) x[off + r] = k === 0 ? 1 : (r + 1) ** k;
  }
  return cols;
}

/**
 * Augmented Dickey-Fuller test, statsmodels `adfuller` semantics:
 * Δy_t = [deterministic terms] + γ·y_{t−1} + Σ_{i=1..p} φ_i·Δy_{t−i} + ε_t, statistic = γ̂ / se(γ̂).
 *
 * With `autolag`, the widest design (lags 0..maxLag on the common rows t = maxLag+1 … n−1) is factorised
 * once by Householder QR; the residual sum of squares of every nested model comes from the same Qᵀy
 * (AIC = n·(ln 2π + ln(SSR/n) + 1) + 2k, BIC with ln(n)·k, as statsmodels' OLS `aic`/`bic`), then the
 * chosen lag is re-fitted on its longer sample. No allocation once `workspace` has grown.
 *
 * @param series y_0..y_{n−1}, finite.
 * @param workspace scratch buffers (see {@link LeastSquaresWorkspace}); one per thread of work.
 * @throws InvalidInputError for a non-integer or negative `maxLag`, an unknown `regression`/`autolag`, or
 *   non-finite values.
 * @throws InsufficientDataError when maxLag > ⌊n/2⌋ − ntrend − 1 (statsmodels' limit).
 */
export function adfuller(
  series: ArrayLike<number>,
  options: AdfullerOptions = {},
  workspace: LeastSquaresWorkspace = sharedWorkspace,
): AdfullerResult {
  const regression = options.regression ?? 'c';
  const autolag = options.autolag === undefined ? 'aic' : options.autolag;
  if (!REGRESSION_TYPES.includes(regression)) {
    throw new InvalidInputError('adfuller regression', "'n', 'c', 'ct' or 'ctt'", regression);
  }
  if (autolag !== null && autolag !== 'aic' && autolag !== 'bic' && autolag !== 't-stat') {
    throw new InvalidInputError('adfuller autolag', "'aic', 'bic', 't-stat' or null", autolag);
  }
  const n = series.length;
  const ntrend = trendTermCount(regression);
  const limit = Math.floor(n / 2) - ntrend - 1;
  let maxLag: number;
  if (options.maxLag === undefined || options.maxLag === null) {
    maxLag = defaultMaxLag(n, regression);
    if (maxLag < 0) {
      throw new InsufficientDataError('adfuller', 2 * (ntrend + 1), n, 'too short for the regression terms');
    }
  } else {
    maxLag = options.maxLag;
    if (!Number.isInteger(maxLag) || maxLag < 0) {
      throw new InvalidInputError('adfuller maxLag', 'a non-negative integer or null', maxLag);
    }
    if (maxLag > limit) {
      throw new InsufficientDataError(
        'adfuller',
        2 * (maxLag + ntrend + 1),
        n,
        `maxLag=${maxLag} must be at most floor(n/2) - 1 - ntrend = ${limit}`,
      );
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(series[i]!)) {
      throw new InvalidInputError(`adfuller series[${i}]`, 'a finite number', series[i]);
    }
  }

  const out = adfStatistic(series, n, maxLag, autolag, regression, workspace, {
    stat: 0,
    usedLag: 0,
    nobs: 0,
    icBest: null,
    gamma: 0,
  });
  return {
    stat: out.stat,
    pValue: Number.isNaN(out.stat) ? Number.NaN : mackinnonp(out.stat, regression, 1),
    usedLag: out.usedLag,
    nobs: out.nobs,
    criticalValues: mackinnonCriticalValues(1, regression, out.nobs),
    icBest: out.icBest,
    gamma: out.gamma,
  };
}

/** The statistic part of an ADF result, written in place by {@link adfStatistic}. */
export interface AdfStatistic {
  stat: number;
  usedLag: number;
  nobs: number;
  icBest: number | null;
  gamma: number;
}

/**
 * The computation of {@link adfuller} without validation, p-value or critical values, writing into `out`
 * (allocation-free hot path of the pair scan). Uses series[0..n); they must be finite and `maxLag` valid
 * for n.
 */
export function adfStatistic(
  series: ArrayLike<number>,
  n: number,
  maxLag: number,
  autolag: AutolagMethod | null,
  regression: RegressionType,
  workspace: LeastSquaresWorkspace,
  out: AdfStatistic,
): AdfStatistic {
  const ntrend = trendTermCount(regression);
  let usedLag = maxLag;
  let icBest: number | null = null;
  if (autolag !== null) {
    const rows = n - maxLag - 1;
    const startCols = ntrend + 1; // trend terms + level: the lag-0 model
    // ssr of the model with startCols + p columns goes to ssrOf[p]; lastOf[p] is (Qᵀy) of its last
    // column with the sign of R's diagonal, so that its t-statistic is lastOf[p] / σ.
    let maxUsable: number;
    let ssrOf: Float64Array;
    let lastOf: Float64Array;
    if (ntrend === 0) {
      maxUsable = gramLagSearch(series, n, maxLag, workspace);
      ssrOf = workspace.tmp;
      lastOf = workspace.coef;
    } else {
      const cols = fillDesign(workspace, series, n, rows, maxLag, ntrend, true);
      const rank = householderQr(workspace, rows, cols);
      const b = workspace.rhs;
      ssrOf = workspace.tmp;
      lastOf = workspace.coef;
      // ssr of the first k columns = Σ_{i ≥ k} b_i²; accumulate from the widest model down.
      let acc = 0;
      for (let i = rank; i < rows; i++) acc += b[i]! * b[i]!;
      for (let k = rank; k >= startCols; k--) {
        if (k - startCols <= maxLag) ssrOf[k - startCols] = acc;
        if (k > startCols) acc += b[k - 1]! * b[k - 1]!;
      }
      for (let k = startCols; k <= rank; k++)
        lastOf[k - startCols] = b[k - 1]! * Math.sign(workspace.rDiag[k - 1]!);
      maxUsable = rank - startCols;
    }
    if (maxUsable < 0) {
      return setNan(out, usedLag, n - usedLag - 1, null);
    }
    if (autolag === 't-stat') {
      usedLag = 0;
      icBest = 0;
      for (let p = maxUsable; p >= 0; p--) {
        const k = startCols + p;
        const sigma = Math.sqrt(ssrOf[p]! / (rows - k));
        icBest = Math.abs(lastOf[p]! / sigma);
        usedLag = p;
        if (icBest >= T_STAT_STOP) break;
      }
    } else {
      const penalty = autolag === 'aic' ? 2 : Math.log(rows);
      let best = Number.POSITIVE_INFINITY;
      usedLag = 0;
      for (let p = 0; p <= maxUsable; p++) {
        const k = startCols + p;
        // −2·llf + penalty·k with llf = −rows/2·(ln 2π + ln(ssr/rows) + 1) (statsmodels OLS).
        const ic = rows * (LOG_2PI + Math.log(ssrOf[p]! / rows) + 1) + penalty * k;
        if (ic < best) {
          best = ic;
          usedLag = p;
        }
      }
      icBest = best;
    }
  }

  const nobs = n - usedLag - 1;
  if (ntrend === 0 && autolag !== null) {
    return gramRefit(series, n, maxLag, usedLag, icBest, workspace, out);
  }
  const cols = fillDesign(workspace, series, n, nobs, usedLag, ntrend, false);
  const rank = householderQr(workspace, nobs, cols);
  const dof = nobs - cols;
  if (rank < cols || dof <= 0) {
    return setNan(out, usedLag, nobs, icBest);
  }
  const b = workspace.rhs;
  let ssr = 0;
  for (let i = cols; i < nobs; i++) ssr += b[i]! * b[i]!;
  const rLast = workspace.rDiag[cols - 1]!;
  const gamma = b[cols - 1]! / rLast;
  // se(γ̂) = σ / |R_last,last| because γ is the last column: (XᵀX)⁻¹_last,last = 1 / R_last,last².
  const sigma = Math.sqrt(ssr / dof);
  const stat =
    sigma === 0
      ? gamma < 0
        ? Number.NEGATIVE_INFINITY
        : gamma > 0
          ? Number.POSITIVE_INFINITY
          : Number.NaN
      : (b[cols - 1]! * Math.sign(rLast)) / sigma;
  out.stat = stat;
  out.usedLag = usedLag;
  out.nobs = nobs;
  out.icBest = icBest;
  out.gamma = gamma;
  return out;
}

/**
 * The final fit of the chosen lag p after {@link gramLagSearch} (no deterministic terms), from normal
 * equations instead of a second QR: the Gram matrix of [y_{t−1}, Δy_{t−1} … Δy_{t−p}] and Δy_t over the
 * refit's rows t = p+1 … n−1 is the search's (rows maxLag+1 … n−1, kept in the strict upper triangle and
 * `gramDiagonal`) plus the ≤ maxLag − p extra rows, solved by a (p+1)×(p+1) Cholesky: γ = coef₀,
 * SSR = Σ Δy_t² − rᵀcoef, stat = γ / √(SSR/(nobs − p − 1) · (G⁻¹)₀₀). Same statistic as the QR refit to
 * ~1e-12 relative (the residual ADF regression is far from collinear: |corr(y_{t−1}, Δy_{t−j})| ≪ 1).
 */
function gramRefit(
  y: ArrayLike<number>,
  n: number,
  maxLag: number,
  p: number,
  icBest: number | null,
  ws: LeastSquaresWorkspace,
  out: AdfStatistic,
): AdfStatistic {
  const m = maxLag + 1;
  const size = m + 1;
  const g = ws.gram;
  const d = ws.diff;
  const k = p + 1; // regressors: level + p lags
  const nobs = n - p - 1;
  const dof = nobs - k;
  if (dof <= 0) return setNan(out, p, nobs, icBest);
  const a = ws.refit; // k×k matrix, then rhs r (k), then z (k)
  const r = k * k;
  // Search Gram entries: column c of the refit is augmented column c (level 0, D_j at j); rhs is column m.
  const gramAt = (i: number, j: number): number =>
    i === j ? ws.gramDiagonal[i]! : i < j ? g[i * size + j]! : g[j * size + i]!;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) a[i * k + j] = gramAt(i, j);
    a[r + i] = gramAt(i, m);
  }
  let dd = ws.gramDiagonal[m]!;
  // The refit's extra rows t = p+1 … maxLag (before the search's first row).
  for (let t = p + 1; t <= maxLag; t++) {
    const rhs = d[t]!;
    dd += rhs * rhs;
    for (let i = 0; i < k; i++) {
      const xi = i === 0 ? y[t - 1]! : d[t - i]!;
      a[r + i] = a[r + i]! + xi * rhs;
      for (let j = 0; j < k; j++) a[i * k + j] = a[i * k + j]! + xi * (j === 0 ? y[t - 1]! : d[t - j]!);
    }
  }
  // Cholesky of A (lower, in place), then coef = A⁻¹r and z = A⁻¹e₀ by two triangular solves each.
  for (let c = 0; c < k; c++) {
    let diag = a[c * k + c]!;
    for (let q = 0; q < c; q++) diag -= a[c * k + q]! * a[c * k + q]!;
    if (!(diag > 1e-26 * a[c * k + c]!)) return setNan(out, p, nobs, icBest);
    const l = Math.sqrt(diag);
    a[c * k + c] = l;
    for (let i = c + 1; i < k; i++) {
      let v = a[i * k + c]!;
      for (let q = 0; q < c; q++) v -= a[i * k + q]! * a[c * k + q]!;
      a[i * k + c] = v / l;
    }
  }
  const coef = a.subarray(r, r + k); // r, overwritten by the solution
  const z = a.subarray(r + k, r + 2 * k);
  let fitted = 0;
  const rhsCopy = a.subarray(r + 2 * k, r + 3 * k);
  for (let i = 0; i < k; i++) rhsCopy[i] = coef[i]!;
  solveCholesky(a, k, coef);
  for (let i = 0; i < k; i++) {
    z[i] = i === 0 ? 1 : 0;
    fitted += rhsCopy[i]! * coef[i]!;
  }
  solveCholesky(a, k, z);
  const ssr = dd - fitted;
  const gamma = coef[0]!;
  const variance = (ssr / dof) * z[0]!;
  const stat =
    variance === 0
      ? gamma < 0
        ? Number.NEGATIVE_INFINITY
        : gamma > 0
          ? Number.POSITIVE_INFINITY
          : Number.NaN
      : gamma / Math.sqrt(variance);
  out.stat = stat;
  out.usedLag = p;
  out.nobs = nobs;
  out.icBest = icBest;
  out.gamma = gamma;
  return out;
}

/** Solves L·Lᵀ·x = b in place (`b` → x) for the lower Cholesky factor L stored row-major in `l` (k×k). */
function solveCholesky(l: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let v = b[i]!;
    for (let q = 0; q < i; q++) v -= l[i * k + q]! * b[q]!;
    b[i] = v / l[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let v = b[i]!;
    for (let q = i + 1; q < k; q++) v -= l[q * k + i]! * b[q]!;
    b[i] = v / l[i * k + i]!;
  }
}

function setNan(out: AdfStatistic, usedLag: number, nobs: number, icBest: number | null): AdfStatistic {
  out.stat = Number.NaN;
  out.usedLag = usedLag;
  out.nobs = nobs;
  out.icBest = icBest;
  out.gamma = Number.NaN;
  return out;
}

/**
 * Lag search without deterministic terms (the Engle-Granger residual test): one Cholesky factorisation of
 * the augmented Gram matrix [X y]ᵀ[X y] of the widest design X = [y_{t−1}, Δy_{t−1} … Δy_{t−maxLag}],
 * y = Δy_t over the common rows t = maxLag+1 … n−1. The lagged-difference block is Toeplitz-like, so after
 * one row of dot products the rest follows by sliding-window updates (O(rows·maxLag + maxLag³) instead of
 * O(rows·maxLag²) for a QR). After eliminating the first k columns, the Schur complement of y is the SSR
 * of the k-column model, and its Cholesky entry is that model's last (Qᵀy) entry.
 * Writes ssr into `ws.tmp[p]` and the last-column entries into `ws.coef[p]` for p = 0..maxLag.
 *
 * @returns the largest usable lag (−1 when even the level column is degenerate).
 */
function gramLagSearch(y: ArrayLike<number>, n: number, maxLag: number, ws: LeastSquaresWorkspace): number {
  const m = maxLag + 1; // regressors: level + maxLag lags
  const size = m + 1; // + rhs
  ws.ensureGram(size, n);
  const d = ws.diff;
  for (let t = 1; t < n; t++) d[t] = y[t]! - y[t - 1]!;
  const first = maxLag + 1;
  const g = ws.gram;
  // Index of D_k (d shifted by k, k = 0 is the rhs) in the augmented order [level, D_1..D_maxLag, D_0].
  const idx = (k: number): number => (k === 0 ? m : k);
  // C[0][l] directly, C[k+1][l+1] = C[k][l] + d[first−1−k]·d[first−1−l] − d[n−1−k]·d[n−1−l].
  for (let l = 0; l <= maxLag; l++) {
    let c = 0;
    for (let t = first; t < n; t++) c += d[t]! * d[t - l]!;
    g[idx(0) * size + idx(l)] = c;
    g[idx(l) * size + idx(0)] = c;
  }
  for (let k = 0; k < maxLag; k++) {
    for (let l = k; l < maxLag; l++) {
      const c =
        g[idx(k) * size + idx(l)]! + d[first - 1 - k]! * d[first - 1 - l]! - d[n - 1 - k]! * d[n - 1 - l]!;
      g[idx(k + 1) * size + idx(l + 1)] = c;
      g[idx(l + 1) * size + idx(k + 1)] = c;
    }
  }
  let ll = 0;
  for (let t = first; t < n; t++) ll += y[t - 1]! * y[t - 1]!;
  g[0] = ll;
  for (let l = 0; l <= maxLag; l++) {
    let c = 0;
    for (let t = first; t < n; t++) c += y[t - 1]! * d[t - l]!;
    g[idx(l)] = c;
    g[idx(l) * size] = c;
  }
  for (let k = 0; k < size; k++) ws.gramDiagonal[k] = g[k * size + k]!;
  // In-place Cholesky (lower triangle, row-major), column by column, tracking the rhs Schur complement.
  // The strict upper triangle keeps the Gram matrix (see gramRefit).
  const ssrOf = ws.tmp;
  const lastOf = ws.coef;
  let ssr = g[m * size + m]!;
  for (let k = 0; k < m; k++) {
    let diag = g[k * size + k]!;
    for (let p = 0; p < k; p++) diag -= g[k * size + p]! * g[k * size + p]!;
    // Rank test as in householderQr: remaining norm negligible against the column norm.
    if (!(diag > 1e-26 * g[k * size + k]!)) return k - 1;
    const lkk = Math.sqrt(diag);
    g[k * size + k] = lkk;
    for (let i = k + 1; i < size; i++) {
      let v = g[i * size + k]!;
      for (let p = 0; p < k; p++) v -= g[i * size + p]! * g[k * size + p]!;
      g[i * size + k] = v / lkk;
    }
    const last = g[m * size + k]!;
    ssr -= last * last;
    ssrOf[k] = ssr;
    lastOf[k] = last;
  }
  return maxLag;
}
