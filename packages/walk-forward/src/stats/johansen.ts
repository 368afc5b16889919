/**
 * Johansen's cointegration rank test for k ≥ 2 series, reproducing statsmodels
 * `coint_johansen(endog, det_order, k_ar_diff)` (`statsmodels/tsa/vector_ar/vecm.py`).
 *
 * References: S. Johansen, "Estimation and hypothesis testing of cointegration vectors in Gaussian vector
 * autoregressive models", Econometrica 59 (1991) 1551–1580; H. Lütkepohl, "New Introduction to Multiple Time
 * Series Analysis" (2005) §7.2–8.2; critical values: see {@link johansenCriticalValues}.
 *
 * @module
 */
import { InsufficientDataError, InvalidInputError } from '../errors.js';
import {
  isJohansenDetOrder,
  JOHANSEN_MAX_SERIES,
  type JohansenCriticalValues,
  type JohansenDetOrder,
  johansenCriticalValues,
} from './johansen-critical-values.js';
import { JohansenWorkspace, johansenKernel, johansenMinRows } from './johansen-workspace.js';

/** Options of {@link johansen}. */
export interface JohansenOptions {
  /**
   * Deterministic terms, statsmodels `det_order`: −1 none; 0 constant (the levels are demeaned and the
   * concentrated regressions get a constant); 1 linear trend (the levels are detrended on [1, t] first, then
   * as 0). Each selects its own critical value table. No default: the choice changes the answer.
   */
  detOrder: JohansenDetOrder;
  /**
   * Number of lagged differences ΔYₜ₋₁ … ΔYₜ₋ₚ in the VECM, statsmodels `k_ar_diff` (a VAR of order p + 1 in
   * levels), in bars. Use ≥ 1: for 0 statsmodels (and so mmtape) regresses ΔYₜ on Yₜ rather than Yₜ₋₁
   * (statsmodels issue #7459; EViews and urca give different statistics there).
   */
  kArDiff: number;
  /** First row (bar index) of the window, inclusive. Default 0. */
  start?: number;
  /** End of the window (bar index), exclusive. Default: the series length. */
  end?: number;
}

/** Result of {@link johansen}, statsmodels `JohansenTestResult` fields under their statsmodels names. */
export interface JohansenResult {
  /** Number of series k. */
  series: number;
  /** T = n − 1 − kArDiff: rows of the concentrated regressions (statsmodels `rkt.shape[0]`), in bars. */
  nobs: number;
  /** det_order used. */
  detOrder: JohansenDetOrder;
  /** k_ar_diff used (bars). */
  kArDiff: number;
  /**
   * Eigenvalues λ₁ ≥ … ≥ λ_k of S₁₁⁻¹S₁₀S₀₀⁻¹S₀₁ (statsmodels `eig`): squared canonical correlations between
   * the concentrated differences and lagged levels; dimensionless, in [0, 1).
   */
  eigenvalues: Float64Array;
  /**
   * Eigenvectors (statsmodels `evec` columns): `eigenvectors[j]` is the j-th vector (of λⱼ₊₁), its component
   * i multiplies series i, so `eigenvectors[0]` is the estimated cointegrating vector of the strongest
   * relation. Normalised as statsmodels: vᵀS₁₁v = 1 (S₁₁ in squared price units of the detrended levels), so
   * a vector's entries are in 1/price units. Sign: first non-zero component positive (statsmodels' column 0
   * has the same sign; its other columns may be negated).
   */
  eigenvectors: Float64Array[];
  /** Trace statistics (statsmodels `lr1`): lr1[r] = −T·Σ_{i=r+1}^{k} log(1 − λᵢ), for H₀: rank ≤ r. */
  lr1: Float64Array;
  /** Max-eigenvalue statistics (statsmodels `lr2`): lr2[r] = −T·log(1 − λ_{r+1}), H₀ rank r vs r + 1. */
  lr2: Float64Array;
  /** Trace critical values per r (statsmodels `cvt[r]` = c_sjt(k − r, det_order)). */
  cvt: JohansenCriticalValues[];
  /** Max-eigenvalue critical values per r (statsmodels `cvm[r]` = c_sja(k − r, det_order)). */
  cvm: JohansenCriticalValues[];
}

/**
 * Johansen's test of the cointegration rank of k series (2 ≤ k ≤ 12, the range of the critical value
 * tables), statsmodels `coint_johansen(endog, det_order, k_ar_diff)` on rows [start, end).
 *
 * Model (Johansen 1991): ΔYₜ = Π·Yₜ₋₁ + Σᵢ₌₁ᵖ Γᵢ·ΔYₜ₋ᵢ + deterministic terms + εₜ, p = kArDiff; rank Π = r.
 * After concentrating out the lagged differences (residuals R₀ of ΔYₜ and R₁ of the lagged levels,
 * Sᵢⱼ = RᵢᵀRⱼ/T), the eigenvalues of S₁₁⁻¹S₁₀S₀₀⁻¹S₀₁ give the likelihood-ratio statistics
 * trace(r) = −T·Σ_{i>r} log(1 − λᵢ) and maxEig(r) = −T·log(1 − λ_{r+1}). The detrending for `detOrder`
 * follows statsmodels, not the restricted/unrestricted cases of Johansen (1995): see
 * {@link johansenKernel} for each step. Reject H₀ rank ≤ r when lr1[r] ≥ cvt[r] at the chosen level.
 *
 * @param series k series, each with the same length (`Float64Array`s or number arrays; `series[j][t]` is
 *   series j at bar t). Values in [start, end) must be finite.
 * @throws InvalidInputError for fewer than 2 or more than 12 series, unequal lengths, a bad window,
 *   `detOrder` not −1/0/1, `kArDiff` not a non-negative integer, a non-finite value, or series whose
 *   residual covariance is singular (collinear or constant series).
 * @throws InsufficientDataError when the window has fewer than {@link johansenMinRows} rows.
 */
export function johansen(series: readonly ArrayLike<number>[], options: JohansenOptions): JohansenResult {
  const { detOrder, kArDiff } = options;
  if (!Array.isArray(series) || series.length < 2 || series.length > JOHANSEN_MAX_SERIES) {
    throw new InvalidInputError(
      'johansen series',
      `2..${JOHANSEN_MAX_SERIES} series (critical values exist for up to ${JOHANSEN_MAX_SERIES})`,
      Array.isArray(series) ? `${series.length} series` : series,
    );
  }
  const k = series.length;
  if (!isJohansenDetOrder(detOrder)) {
    throw new InvalidInputError('johansen detOrder', '-1 (none), 0 (constant) or 1 (linear trend)', detOrder);
  }
  if (!Number.isInteger(kArDiff) || kArDiff < 0) {
    throw new InvalidInputError(
      'johansen kArDiff',
      'a non-negative integer (lagged differences, bars)',
      kArDiff,
    );
  }
  const length = series[0]!.length;
  for (let j = 1; j < k; j++) {
    if (series[j]!.length !== length) {
      throw new InvalidInputError(
        `johansen series[${j}]`,
        `length ${length} (as series[0])`,
        series[j]!.length,
      );
    }
  }
  const start = options.start ?? 0;
  const end = options.end ?? length;
  if (!Number.isInteger(start) || start < 0 || start > length) {
    throw new InvalidInputError('johansen start', `an integer in 0..${length}`, start);
  }
  if (!Number.isInteger(end) || end < start || end > length) {
    throw new InvalidInputError('johansen end', `an integer in ${start}..${length}`, end);
  }
  const n = end - start;
  const minRows = johansenMinRows(k, kArDiff, detOrder);
  if (n < minRows) {
    throw new InsufficientDataError(
      'johansen',
      minRows,
      n,
      `${k} series, kArDiff ${kArDiff}, detOrder ${detOrder}: more than 2k residual degrees of freedom`,
    );
  }
  for (let j = 0; j < k; j++) {
    const s = series[j]!;
    for (let t = start; t < end; t++) {
      if (!Number.isFinite(s[t]!))
        throw new InvalidInputError(`johansen series[${j}][${t}]`, 'a finite number', s[t]);
    }
  }
  const ws = new JohansenWorkspace();
  if (!johansenKernel(series, k, start, end, kArDiff, detOrder, ws)) {
    throw new InvalidInputError(
      'johansen series',
      'series whose residual covariance matrices S00 and S11 are positive definite (no constant or collinear series)',
      `a singular S00 or S11 on rows ${start}..${end}`,
    );
  }
  const eigenvectors: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(k);
    for (let i = 0; i < k; i++) v[i] = ws.eigenvectors[i * k + j]!;
    eigenvectors.push(v);
  }
  const cvt: JohansenCriticalValues[] = [];
  const cvm: JohansenCriticalValues[] = [];
  for (let r = 0; r < k; r++) {
    cvt.push(johansenCriticalValues('trace', k - r, detOrder));
    cvm.push(johansenCriticalValues('maxEig', k - r, detOrder));
  }
  return {
    series: k,
    nobs: ws.nobs,
    detOrder,
    kArDiff,
    eigenvalues: ws.eigenvalues.slice(0, k),
    eigenvectors,
    lr1: ws.lr1.slice(0, k),
    lr2: ws.lr2.slice(0, k),
    cvt,
    cvm,
  };
}
