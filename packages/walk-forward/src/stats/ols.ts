/**
 * Simple linear regression y = α + β·x + e by ordinary least squares, using centred sums (two passes) for
 * accuracy on price levels.
 *
 * @module
 */
import { InsufficientDataError, InvalidInputError } from '../errors.js';

/** Result of {@link ols}. */
export interface OlsResult {
  /** α, the intercept. */
  intercept: number;
  /** β, the slope (the hedge ratio when y and x are prices). */
  slope: number;
  /** Coefficient of determination R² = 1 − SSR/SST (centred); 1 when y is constant and fitted exactly. */
  rSquared: number;
  /** Sum of squared residuals. */
  ssr: number;
  /** Number of observations used. */
  nobs: number;
}

/**
 * OLS of `y` on [1, `x`]. Residuals e_t = y_t − α − β·x_t are written into `residuals` when given
 * (it must hold at least `y.length` values).
 *
 * @param start first index to use (default 0); `end` one past the last (default `y.length`): the regression
 *   uses y[start..end) and x[start..end), residuals are written to residuals[0..end−start).
 * @throws InvalidInputError when lengths differ or `residuals` is too short.
 * @throws InsufficientDataError with fewer than 2 observations.
 * When x is constant the slope is NaN (the regression is not identified).
 */
export function ols(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  residuals?: Float64Array,
  start = 0,
  end: number = y.length,
): OlsResult {
  if (x.length !== y.length) throw new InvalidInputError('ols x', `length ${y.length} (as y)`, x.length);
  const n = end - start;
  if (n < 2) throw new InsufficientDataError('ols', 2, n);
  if (residuals && residuals.length < n) {
    throw new InvalidInputError('ols residuals buffer', `length >= ${n}`, residuals.length);
  }
  let meanX = 0;
  let meanY = 0;
  for (let i = start; i < end; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = start; i < end; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let ssr = 0;
  for (let i = start; i < end; i++) {
    const e = y[i]! - intercept - slope * x[i]!;
    if (residuals) residuals[i - start] = e;
    ssr += e * e;
  }
  const rSquared = syy > 0 ? 1 - ssr / syy : ssr === 0 ? 1 : Number.NaN;
  return { intercept, slope, rSquared, ssr, nobs: n };
}
