/**
 * Deterministic terms of a Dickey-Fuller regression, in statsmodels' notation:
 * `'n'` none, `'c'` constant, `'ct'` constant and linear trend, `'ctt'` constant, linear and quadratic trend.
 */
export type RegressionType = 'n' | 'c' | 'ct' | 'ctt';

/** The accepted {@link RegressionType} values. */
export const REGRESSION_TYPES: readonly RegressionType[] = Object.freeze(['n', 'c', 'ct', 'ctt']);

/** Number of deterministic regressors for a {@link RegressionType} (statsmodels `ntrend`). */
export function trendTermCount(regression: RegressionType): number {
  return regression === 'n' ? 0 : regression.length;
}
