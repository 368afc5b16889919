/**
 * Bar-by-bar P&L of one pair under the z-score rule, with next-bar execution and linear costs.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';
import { type ZScoreBands, zScoreSignals } from './z-score-signals.js';

/** Input of {@link simulatePairTrading}. All arrays have one entry per test bar. */
export interface PairTradingInput extends ZScoreBands {
  /** Spread z-score at each bar's close. */
  z: ArrayLike<number>;
  /** Simple return of y over each bar: close_t / close_{t−1} − 1 (bar 0: from the bar before the window). */
  returnsY: ArrayLike<number>;
  /** Simple return of x over each bar. */
  returnsX: ArrayLike<number>;
  /** β of y = α + β·x: the hedge ratio. */
  hedgeRatio: number;
  /** Cost in basis points per unit of turnover (|Δweight| summed over both legs). */
  costBps: number;
  /** Bars from signal to held position (≥ 1). Default 1. */
  executionDelayBars?: number;
  /** Leg weights: `'hedge-ratio'` (default) or `'dollar-neutral'` (w_y = 1/2, w_x = −sign(β)/2). */
  sizing?: 'hedge-ratio' | 'dollar-neutral';
}

/** Output of {@link simulatePairTrading}. */
export interface PairTradingResult {
  /** Desired position after each bar's close (see {@link zScoreSignals}). */
  signal: Int8Array;
  /** Position held over each bar (earning that bar's return): signal[t − delay], 0 before. */
  position: Int8Array;
  /** Net return of the pair's capital for each bar (gross − cost). */
  returns: Float64Array;
  /** Cost charged in each bar (fraction of capital). */
  costs: Float64Array;
  /** Turnover in each bar: Σ over both legs of |Δweight| (incl. the forced close on the last bar). */
  turnover: Float64Array;
  /** Number of trades (positions opened, a flip counting as a new trade). */
  trades: number;
  /** Net return (simple sum over its bars, incl. entry and exit costs) of each trade, in order. */
  tradeReturns: number[];
  /** Leg weights of a +1 (long spread) position: w_y = 1/(1+|β|), w_x = −β/(1+|β|). */
  weightY: number;
  weightX: number;
}

/**
 * Simulate a pair over a test window.
 *
 * - Weights: a +1 position holds w_y = 1/(1+|β|) of capital in y and w_x = −β/(1+|β|) in x (−1: the
 *   negatives). Gross exposure |w_y| + |w_x| = 1 and the leg ratio is the hedge ratio β (share-for-share
 *   when y and x have similar prices); it is dollar-neutral only for β = 1 — this is the hedge-ratio
 *   weighting of the spread y − β·x scaled to unit gross exposure. Weights are held constant (implicitly
 *   rebalanced each bar; that rebalancing is not charged).
 * - Timing: signal at bar t's close → position held over bar t + delay (earning close_{t+delay}/close_{t+delay−1} − 1).
 *   No same-bar execution. Signals of the last `delay` bars never execute.
 * - Return of bar t: position_t · (w_y·r_y,t + w_x·r_x,t) − cost_t.
 * - Costs: cost_t = costBps/1e4 · Σ_legs |w_t − w_{t−1}| = costBps/1e4 · |position_t − position_{t−1}|
 *   (unit gross exposure), charged in the bar where the new position is first held; any position still
 *   held on the last bar is closed at its close and that cost is charged in the last bar.
 *
 * @throws InvalidInputError when array lengths differ or the delay is not an integer ≥ 1.
 */
export function simulatePairTrading(input: PairTradingInput): PairTradingResult {
  const n = input.z.length;
  const delay = input.executionDelayBars ?? 1;
  if (input.returnsY.length !== n || input.returnsX.length !== n) {
    throw new InvalidInputError('simulatePairTrading returns', `length ${n} (as z)`, [
      input.returnsY.length,
      input.returnsX.length,
    ]);
  }
  if (!Number.isInteger(delay) || delay < 1) {
    throw new InvalidInputError('simulatePairTrading executionDelayBars', 'an integer >= 1', delay);
  }
  const beta = input.hedgeRatio;
  const dollarNeutral = input.sizing === 'dollar-neutral';
  const weightY = dollarNeutral ? 0.5 : 1 / (1 + Math.abs(beta));
  const weightX = dollarNeutral ? -0.5 * Math.sign(beta) : -beta / (1 + Math.abs(beta));
  const costRate = input.costBps / 1e4;
  const signal = zScoreSignals(input.z, input);
  const position = new Int8Array(n);
  const returns = new Float64Array(n);
  const costs = new Float64Array(n);
  const turnover = new Float64Array(n);
  const tradeReturns: number[] = [];
  let trades = 0;
  let previous = 0;
  let open = 0; // accumulated net return of the trade being held
  for (let t = 0; t < n; t++) {
    const pos = t >= delay ? signal[t - delay]! : 0;
    position[t] = pos;
    const gross = pos === 0 ? 0 : pos * (weightY * input.returnsY[t]! + weightX * input.returnsX[t]!);
    const closeCost = previous !== 0 && pos !== previous ? costRate * Math.abs(previous) : 0;
    const openCost = pos !== 0 && pos !== previous ? costRate * Math.abs(pos) : 0;
    if (previous !== 0 && pos !== previous) {
      // The previous trade was closed at the last bar's close: its exit cost is charged now.
      tradeReturns.push(open - closeCost);
      open = 0;
    }
    if (pos !== 0 && pos !== previous) trades++;
    let cost = closeCost + openCost;
    let turn = Math.abs(pos - previous);
    if (pos !== 0) open += gross - openCost;
    if (t === n - 1 && pos !== 0) {
      // Forced close at the window's last close.
      const finalCost = costRate * Math.abs(pos);
      cost += finalCost;
      turn += Math.abs(pos);
      tradeReturns.push(open - finalCost);
      open = 0;
    }
    costs[t] = cost;
    turnover[t] = turn;
    returns[t] = gross - cost;
    previous = pos;
  }
  return { signal, position, returns, costs, turnover, trades, tradeReturns, weightY, weightX };
}
