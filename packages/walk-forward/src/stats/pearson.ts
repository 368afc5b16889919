/**
 * Pearson correlation and log returns.
 *
 * @module
 */
import { InsufficientDataError, InvalidInputError } from '../errors.js';

/**
 * Pearson correlation coefficient of a[start..end) and b[start..end) (two-pass, centred).
 * Returns NaN when either input is constant. The walk-forward pre-filter applies it to **log returns**
 * of the training prices (see {@link logReturns}), not to price levels, which are spuriously correlated.
 *
 * @throws InvalidInputError on length mismatch; InsufficientDataError with fewer than 2 values.
 */
export function pearson(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  start = 0,
  end: number = a.length,
): number {
  if (a.length !== b.length) throw new InvalidInputError('pearson b', `length ${a.length} (as a)`, b.length);
  const n = end - start;
  if (n < 2) throw new InsufficientDataError('pearson', 2, n);
  let ma = 0;
  let mb = 0;
  for (let i = start; i < end; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = start; i < end; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/**
 * Log returns r_t = ln(p_{t+1} / p_t) of prices[start..end), written to `out[0..end−start−1)`
 * (allocated when not given). Prices must be positive for a finite result.
 */
export function logReturns(
  prices: ArrayLike<number>,
  start = 0,
  end: number = prices.length,
  out?: Float64Array,
): Float64Array {
  const m = Math.max(0, end - start - 1);
  const result = out ?? new Float64Array(m);
  if (result.length < m) throw new InvalidInputError('logReturns out', `length >= ${m}`, result.length);
  for (let i = 0; i < m; i++) result[i] = Math.log(prices[start + i + 1]! / prices[start + i]!);
  return result;
}
