/**
 * Rolling annualised Sharpe ratio of per-bar returns, for the report's rolling-Sharpe chart.
 *
 * @module
 */

/**
 * Default rolling window: a quarter of a year of bars, round(periodsPerYear / 4) (63 for daily bars), or
 * the test window length when that is shorter (intraday runs: a quarter of a year of 1-minute bars,
 * 24,570, is usually longer than the whole run); at least 2 bars so a standard deviation exists.
 *
 * @param testBars bars per test window (`config.testBars`); omit to use the quarter year alone.
 */
export function defaultRollingSharpeBars(periodsPerYear: number, testBars?: number): number {
  const quarter = Math.round(periodsPerYear / 4);
  return Math.max(2, testBars !== undefined ? Math.min(quarter, testBars) : quarter);
}

/**
 * Sharpe ratio over the trailing `windowBars` returns at each bar, annualised like the summary:
 * mean(r) / std(r, ddof = 1) · √periodsPerYear (zero risk-free rate), 0 when the window's standard
 * deviation is 0 (e.g. no position held in it).
 *
 * Computed with running sums that are recomputed exactly every `windowBars` bars (no drift), and with
 * a count of non-zero returns so an all-zero window is exactly 0 rather than rounding noise.
 *
 * @param returns simple per-bar returns.
 * @param windowBars bars in each window (≥ 2).
 * @returns one value per bar: NaN until the window is full (indices < windowBars − 1).
 * @throws RangeError when windowBars is not an integer ≥ 2.
 */
export function rollingSharpe(
  returns: ArrayLike<number>,
  windowBars: number,
  periodsPerYear: number,
): number[] {
  if (!Number.isInteger(windowBars) || windowBars < 2) {
    throw new RangeError(`rollingSharpe: windowBars must be an integer >= 2, got ${windowBars}`);
  }
  const n = returns.length;
  const out = new Array<number>(n).fill(Number.NaN);
  const w = windowBars;
  const annualise = Math.sqrt(periodsPerYear);
  let sum = 0;
  let sumSq = 0;
  let nonZero = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t]!;
    sum += r;
    sumSq += r * r;
    if (r !== 0) nonZero++;
    if (t >= w) {
      const old = returns[t - w]!;
      sum -= old;
      sumSq -= old * old;
      if (old !== 0) nonZero--;
    }
    if (t < w - 1) continue;
    if ((t + 1) % w === 0) {
      // Exact recomputation once per window length keeps the running sums from drifting.
      sum = 0;
      sumSq = 0;
      for (let k = t - w + 1; k <= t; k++) {
        sum += returns[k]!;
        sumSq += returns[k]! * returns[k]!;
      }
    }
    if (nonZero === 0) {
      out[t] = 0;
      continue;
    }
    const mean = sum / w;
    const variance = Math.max(0, (sumSq - sum * mean) / (w - 1));
    // Below ~1e-12 of the mean square the variance is rounding noise of the running sums (equal returns).
    const std = variance > 1e-12 * (sumSq / w) ? Math.sqrt(variance) : 0;
    out[t] = std > 0 ? (mean / std) * annualise : 0;
  }
  return out;
}
