/**
 * Deterministic terms of a Dickey-Fuller regression, in statsmodels' notation:
 * `'n'` none, `'c'` constant, `'ct'` constant and linear trend.
 */
export type RegressionType = 'n' | 'c' | 'ct';

/** Number of deterministic regressors for a {@link RegressionType} (statsmodels `ntrend`). */
export function trendTermCount(regression: RegressionType): number {
  return regression === 'n' ? 0 : regression.length;
}
