/**
 * Engle–Granger in both orderings of a pair with a fixed residual-ADF lag of 0 or 1: the pair scan's hot
 * path. Same statistics as {@link engleGrangerStatistic} (statsmodels `coint(y, x, trend='c', maxlag=p,
 * autolag=None)`), computed from sums in one pass per ordering instead of a QR factorisation per ordering.
 *
 * @module
 */
import type { EngleGrangerStatistic } from './engle-granger.js';
import { COLLINEAR_R_SQUARED } from './engle-granger.js';
import { mackinnonp } from './mackinnon-p.js';

/**
 * Training-window moments of a pair (a, b) on rows [start, end): the means, the centred sums of squares
 * Σ(a − ā)², Σ(b − b̄)² and the centred cross product Σ(a − ā)(b − b̄).
 */
export interface PairMoments {
  meanA: number;
  meanB: number;
  ssA: number;
  ssB: number;
  sAB: number;
}

/**
 * Determinant threshold of the residual-ADF normal equations, relative to the product of the diagonal:
 * below it the two regressors are (numerically) collinear and the statistic is NaN, as a rank-deficient
 * QR gives in {@link engleGrangerStatistic}.
 */
const RELATIVE_SINGULAR_DET = 1e-12;

/**
 * Engle–Granger of y on x (one ordering) from the pair's moments: OLS y = α + β·x (β = S_xy/S_xx,
 * α = ȳ − β·x̄, R² = 1 − SSR/S_yy); if R² < 1 − 100·√ε, the ADF regression without deterministic terms
 * Δe_t = γ·e_{t−1} [+ φ·Δe_{t−1}] + u_t on the residuals (t from lags + 1; nobs = n − lags − 1), solved by
 * its 1×1 or 2×2 normal equations, stat = γ / se(γ) with σ² = SSR / (nobs − lags − 1), p-value
 * `mackinnonp(stat, 'c', 2)`. Writes into `out`, allocates nothing.
 *
 * @param lags 0 or 1 (the caller uses the general path for other lags).
 */
export function engleGrangerOrdering(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  start: number,
  end: number,
  lags: 0 | 1,
  meanY: number,
  meanX: number,
  ssY: number,
  ssX: number,
  sXY: number,
  out: EngleGrangerStatistic,
): EngleGrangerStatistic {
  const slope = sXY / ssX;
  const intercept = meanY - slope * meanX;
  out.hedgeRatio = slope;
  out.intercept = intercept;
  out.icBest = null;
  out.usedLag = lags;
  const n = end - start;
  const nobs = n - lags - 1;
  out.nobs = nobs;
  // One pass: residuals e_t, their SSR, and the sums of the ADF normal equations.
  let ssr = 0;
  let g11 = 0; // Σ e_{t−1}²
  let g12 = 0; // Σ e_{t−1}·Δe_{t−1}
  let g22 = 0; // Σ Δe_{t−1}²
  let r1 = 0; // Σ e_{t−1}·Δe_t
  let r2 = 0; // Σ Δe_{t−1}·Δe_t
  let dd = 0; // Σ Δe_t²
  let e1 = y[start]! - intercept - slope * x[start]!; // e_{t−1}
  ssr += e1 * e1;
  let d1 = 0; // Δe_{t−1}
  for (let i = start + 1; i < end; i++) {
    const e = y[i]! - intercept - slope * x[i]!;
    ssr += e * e;
    const d = e - e1;
    if (i - start > lags) {
      g11 += e1 * e1;
      r1 += e1 * d;
      dd += d * d;
      if (lags === 1) {
        g12 += e1 * d1;
        g22 += d1 * d1;
        r2 += d1 * d;
      }
    }
    d1 = d;
    e1 = e;
  }
  out.rSquared = ssY > 0 ? 1 - ssr / ssY : ssr === 0 ? 1 : Number.NaN;
  out.collinear = !(out.rSquared < COLLINEAR_R_SQUARED);
  if (out.collinear) {
    out.stat = Number.NEGATIVE_INFINITY;
    out.usedLag = -1;
    out.nobs = -1;
    out.gamma = Number.NaN;
    out.pValue = 0;
    return out;
  }
  const k = lags + 1;
  let gamma: number;
  let inverse11: number;
  let fitted: number;
  if (lags === 0) {
    gamma = r1 / g11;
    inverse11 = 1 / g11;
    fitted = gamma * r1;
    if (!(g11 > 0)) gamma = Number.NaN;
  } else {
    const det = g11 * g22 - g12 * g12;
    if (!(det > RELATIVE_SINGULAR_DET * g11 * g22)) {
      gamma = Number.NaN;
      inverse11 = Number.NaN;
      fitted = Number.NaN;
    } else {
      gamma = (r1 * g22 - r2 * g12) / det;
      const phi = (r2 * g11 - r1 * g12) / det;
      inverse11 = g22 / det;
      fitted = gamma * r1 + phi * r2;
    }
  }
  const sigma2 = (dd - fitted) / (nobs - k);
  const stat = gamma / Math.sqrt(sigma2 * inverse11);
  out.gamma = gamma;
  out.stat = Number.isFinite(stat) ? stat : Number.NaN;
  out.pValue = Number.isNaN(out.stat) ? Number.NaN : mackinnonp(out.stat, 'c', 2);
  return out;
}

/**
 * Both orderings of the pair (a on b into `outAB`, b on a into `outBA`) from one set of moments; see
 * {@link engleGrangerOrdering}.
 */
export function engleGrangerBothOrderings(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  start: number,
  end: number,
  lags: 0 | 1,
  m: PairMoments,
  outAB: EngleGrangerStatistic,
  outBA: EngleGrangerStatistic,
): void {
  engleGrangerOrdering(a, b, start, end, lags, m.meanA, m.meanB, m.ssA, m.ssB, m.sAB, outAB);
  engleGrangerOrdering(b, a, start, end, lags, m.meanB, m.meanA, m.ssB, m.ssA, m.sAB, outBA);
}
