/**
 * The point-in-time universe of a window: which symbols may be selected, decided from training data only,
 * and their gap-filled training prices.
 *
 * @module
 */

function priced(v: number): boolean {
  return v > 0 && Number.isFinite(v);
}

/**
 * Whether a symbol is eligible for pair selection in a window, from its training prices only: a price
 * (finite, > 0) on the first and on the last training bar, and on at least `minCoverage` of the training
 * bars. The test window is never looked at: a symbol that stops trading later is still eligible (the
 * simulator closes its trades at its last price), and a late listing joins once it has such a window.
 *
 * @param prices the symbol's panel series (NaN where it has no bar).
 * @param trainStart first training bar (panel index); `trainEnd` exclusive.
 * @param minCoverage fraction in (0, 1].
 */
export function isEligibleForTraining(
  prices: Float64Array,
  trainStart: number,
  trainEnd: number,
  minCoverage: number,
): boolean {
  if (!priced(prices[trainStart]!) || !priced(prices[trainEnd - 1]!)) return false;
  let count = 0;
  for (let t = trainStart; t < trainEnd; t++) if (priced(prices[t]!)) count++;
  return count >= minCoverage * (trainEnd - trainStart);
}

/**
 * The training prices [trainStart, trainEnd) of an eligible symbol as a new array of `trainEnd − trainStart`
 * values, each bar without a price filled with the last price before it (the first bar always has one,
 * see {@link isEligibleForTraining}). Filling forward uses only past prices.
 */
export function filledTrainingPrices(
  prices: Float64Array,
  trainStart: number,
  trainEnd: number,
): Float64Array {
  const out = new Float64Array(trainEnd - trainStart);
  let last = prices[trainStart]!;
  for (let t = trainStart; t < trainEnd; t++) {
    const v = prices[t]!;
    if (priced(v)) last = v;
    out[t - trainStart] = last;
  }
  return out;
}
