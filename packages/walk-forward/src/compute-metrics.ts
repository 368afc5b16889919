/**
 * Performance statistics of a return series.
 *
 * @module
 */

/** Output of {@link computeMetrics}. Fractions, not percent. */
export interface PerformanceMetrics {
  /** Π(1 + r_t) − 1. */
  totalReturn: number;
  /** (1 + totalReturn)^(periodsPerYear / bars) − 1; 0 for an empty series. */
  annualizedReturn: number;
  /** Sample standard deviation (ddof = 1) of r_t · √periodsPerYear; 0 with fewer than 2 bars. */
  annualizedVolatility: number;
  /** mean(r) / std(r, ddof = 1) · √periodsPerYear (zero risk-free rate); 0 when std is 0. */
  sharpe: number;
  /**
   * mean(r) / DD · √periodsPerYear with downside deviation DD = √(Σ min(r_t, 0)² / n) (target 0,
   * Sortino & Price 1994); 0 when DD is 0.
   */
  sortino: number;
  /** max_t (1 − E_t / max_{s≤t} E_s) with E_0 = 1 before the first bar: a positive fraction. */
  maxDrawdown: number;
  /** Number of bars. */
  bars: number;
}

/**
 * Total and annualised return, annualised volatility and Sharpe ratio, and maximum drawdown of simple
 * per-bar returns (compounded).
 *
 * @param periodsPerYear bars per year for annualisation, e.g. 252 for daily bars.
 */
export function computeMetrics(returns: ArrayLike<number>, periodsPerYear: number): PerformanceMetrics {
  const n = returns.length;
  let equity = 1;
  let peak = 1;
  let maxDrawdown = 0;
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t]!;
    sum += r;
    equity *= 1 + r;
    if (equity > peak) peak = equity;
    const dd = 1 - equity / peak;
    if (dd > maxDrawdown) maxDrawdown = dd;
  }
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (returns[t]! - mean) ** 2;
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  let down = 0;
  for (let t = 0; t < n; t++) if (returns[t]! < 0) down += returns[t]! * returns[t]!;
  const downside = n > 0 ? Math.sqrt(down / n) : 0;
  const totalReturn = equity - 1;
  return {
    totalReturn,
    annualizedReturn: n > 0 ? equity ** (periodsPerYear / n) - 1 : 0,
    annualizedVolatility: std * Math.sqrt(periodsPerYear),
    sharpe: std > 0 ? (mean / std) * Math.sqrt(periodsPerYear) : 0,
    sortino: downside > 0 ? (mean / downside) * Math.sqrt(periodsPerYear) : 0,
    maxDrawdown,
    bars: n,
  };
}
