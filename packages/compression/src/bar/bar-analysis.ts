/**
 * First step of encoding a `bar` frame: the decimal scales of the prices and the volume, the
 * exception rows and whether the wicks need a sign (`FORMAT.md`, "bar stage: scales and exception
 * rows").
 *
 * @module
 */

/** Largest decimal scale tried for prices and volumes (as the `decimal` filter). */
export const BAR_MAX_SCALE = 12;
/**
 * Largest share of rows stored as exceptions (raw, 4 + 8·C bytes each): 1/16, as the decimal filter;
 * beyond it the codec declines and the per-column chains take the data.
 */
export const BAR_MAX_EXCEPTION_RATIO = 1 / 16;
/** Largest magnitude of a scaled integer: 2^50, so that differences and zigzags stay exact below 2^53. */
export const BAR_MAX_INT = 2 ** 50;

/** Scales, exception rows and wick signedness of a set of bars, chosen by {@link analyzeBars}. */
export interface BarAnalysis {
  /** Decimal scale kp of the four price columns: prices are integers / 10^kp. */
  priceScale: number;
  /** Decimal scale kv of the volume column (0 without volumes). */
  volumeScale: number;
  /** 1 for exception rows (stored raw), one byte per row. */
  exception: Uint8Array;
  /** Number of exception rows. */
  exceptions: number;
  /** Some row has high < max(open, close) or low > min(open, close): wicks are coded signed. */
  signedWicks: boolean;
}

/** `x` is exact at scale `p` = 10^k: `Math.round(x · p) / p` is bit-identical and |x · p| ≤ 2^50. */
function fits(x: number, p: number): boolean {
  const s = x * p;
  if (!(s >= -BAR_MAX_INT && s <= BAR_MAX_INT)) return false; // NaN, ±Infinity, too large
  return Object.is((Math.round(s) + 0) / p, x); // `+ 0`: -0 is not representable
}

/**
 * Scale k (0..{@link BAR_MAX_SCALE}) at which the fewest values of `values[from..to)` fail to be exact
 * (smallest k among ties, as the decimal filter), and that number of failures.
 */
function detectScale(values: Float64Array, from: number, to: number): { scale: number; failures: number } {
  let best = 0;
  let bestFailures = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= BAR_MAX_SCALE; k++) {
    const p = 10 ** k;
    let failures = 0;
    for (let i = from; i < to && failures < bestFailures; i++) {
      if (!fits(values[i] as number, p)) failures++;
    }
    if (failures < bestFailures) {
      bestFailures = failures;
      best = k;
      if (failures === 0) break;
    }
  }
  return { scale: best, failures: bestFailures };
}

/**
 * Scales, exception rows and wick signedness of n rows of C float64 columns (`values`, column-major:
 * open, high, low, close[, volume]), or `undefined` when more than ⌊n / 16⌋ rows would be exceptions
 * (then the caller stores the columns with per-column chains).
 *
 * An exception row holds a value without an exact form at the chosen scale (NaN of any payload,
 * ±Infinity, -0, more decimals, |value · 10^k| > 2^50) or a negative volume.
 */
export function analyzeBars(values: Float64Array, n: number, columns: number): BarAnalysis | undefined {
  const limit = Math.floor(n * BAR_MAX_EXCEPTION_RATIO);
  const price = detectScale(values, 0, 4 * n);
  if (price.failures > limit) return undefined;
  const volume = columns === 5 ? detectScale(values, 4 * n, 5 * n) : { scale: 0, failures: 0 };
  if (volume.failures > limit) return undefined;
  const pp = 10 ** price.scale;
  const pv = 10 ** volume.scale;
  const exception = new Uint8Array(n);
  let exceptions = 0;
  let signed = false;
  for (let i = 0; i < n; i++) {
    const o = values[i] as number;
    const h = values[n + i] as number;
    const l = values[2 * n + i] as number;
    const c = values[3 * n + i] as number;
    let bad = !fits(o, pp) || !fits(h, pp) || !fits(l, pp) || !fits(c, pp);
    if (columns === 5) {
      const v = values[4 * n + i] as number;
      if (!(v >= 0) || !fits(v, pv)) bad = true;
    }
    if (bad) {
      exception[i] = 1;
      exceptions++;
    } else if (h < (o > c ? o : c) || l > (o < c ? o : c)) signed = true;
  }
  if (exceptions > limit) return undefined;
  return { priceScale: price.scale, volumeScale: volume.scale, exception, exceptions, signedWicks: signed };
}
