/**
 * Hurst exponent of a series from the scaling of its lagged differences.
 *
 * @module
 */
import { InsufficientDataError } from '../errors.js';

/**
 * Hurst exponent H: the slope of ln σ(τ) against ln τ over lags τ = 2..maxLag, where σ(τ) is the standard
 * deviation (ddof 0) of s_{t+τ} − s_t. For a random walk σ(τ) ∝ τ^{1/2} (H = 0.5); mean-reverting series
 * have H < 0.5, trending ones H > 0.5. (The variance-of-differences estimator common in pairs trading.)
 * Allocation-free. NaN when every σ(τ) is 0.
 *
 * @param maxLag largest lag, default 20; capped at ⌊n/2⌋.
 * @throws InsufficientDataError with fewer than 8 values.
 */
export function hurstExponent(
  series: ArrayLike<number>,
  start = 0,
  end: number = series.length,
  maxLag = 20,
): number {
  const n = end - start;
  if (n < 8) throw new InsufficientDataError('hurstExponent', 8, n);
  const top = Math.min(maxLag, Math.floor(n / 2));
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let m = 0;
  for (let tau = 2; tau <= top; tau++) {
    const count = n - tau;
    let mean = 0;
    for (let t = start; t < end - tau; t++) mean += series[t + tau]! - series[t]!;
    mean /= count;
    let ss = 0;
    for (let t = start; t < end - tau; t++) {
      const d = series[t + tau]! - series[t]! - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / count);
    if (!(sd > 0)) continue;
    const lx = Math.log(tau);
    const ly = Math.log(sd);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
    m++;
  }
  if (m < 2) return Number.NaN;
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}
