/**
 * Bar-by-bar simulation of one pair over one test window: the spread y − β·x held in shares, fills a
 * configurable number of bars after the signal, commission, slippage and short borrow, and a trade list.
 * The rules are stated in the package README ("Trading rules"); this module is their only implementation.
 *
 * @module
 */
import type { FillPrice } from './config.js';
import { InvalidInputError } from './errors.js';
import { SIGNAL_STOP, type ZScoreBands, zScoreSignals } from './z-score-signals.js';

/** Why a trade ended. */
export type ExitReason = 'signal' | 'stop' | 'window-end' | 'last-price';

/** Input of {@link simulatePairTrading}. Prices are panel series (NaN where a symbol has no bar). */
export interface PairTradingInput extends ZScoreBands {
  /** Closes of y (the dependent symbol) on the panel timeline. */
  closeY: ArrayLike<number>;
  /** Closes of x (the regressor). */
  closeX: ArrayLike<number>;
  /** Opens of y and x, needed with `fillPrice: 'open'`. */
  openY?: ArrayLike<number>;
  openX?: ArrayLike<number>;
  /** Bar timestamps (ns since the epoch, UTC), for borrow accrual (ACT/365) and the trade list. */
  timestampsNs: BigInt64Array;
  /** First bar of the test window (panel index). */
  start: number;
  /** End of the test window (exclusive panel index). */
  end: number;
  /** β of y = α + β·x from training: shares of x per share of y (> 0). */
  hedgeRatio: number;
  /** μ and σ of the training spread y − β·x: z_t = (y_t − β·x_t − μ) / σ. */
  spreadMean: number;
  spreadStd: number;
  /** Bars from the signal (at a close) to the fill (≥ 0; 0 = the signal bar's own close). */
  executionDelayBars: number;
  fillPrice: FillPrice;
  /** Commission and slippage, each in bps of traded notional per leg per fill. */
  commissionBps: number;
  slippageBps: number;
  /** Short-leg borrow fee, bps per year of the short notional (ACT/365). */
  borrowBpsPerYear: number;
  /** Gross notional of each entry (currency): |shares_y|·P_y + |shares_x|·P_x at the fill. */
  pairCapital: number;
}

/** One round trip of a pair. Indices are panel bars; money in the price currency. */
export interface PairTrade {
  /** +1 long the spread (long y, short x), −1 short the spread. */
  side: 1 | -1;
  /**
   * Bar whose close decided the entry (the bar at which the signal took the traded side: when a fill waited
   * for prices, earlier than fill − delay), and the fill bar.
   */
  signalIndex: number;
  entryIndex: number;
  /** Fill bar of the exit (a forced exit: the bar of the prices used). */
  exitIndex: number;
  entryTimestampNs: bigint;
  exitTimestampNs: bigint;
  /** z at the entry signal's close and at the exit decision's close (NaN for forced exits without one). */
  entryZ: number;
  exitZ: number;
  /** Fill prices (reference prices: close or open of the fill bar; slippage is a separate cost). */
  entryPriceY: number;
  entryPriceX: number;
  exitPriceY: number;
  exitPriceX: number;
  /** Signed shares held: y = side·n, x = −side·β·n. */
  sharesY: number;
  sharesX: number;
  /** sharesY·(exitPriceY − entryPriceY) + sharesX·(exitPriceX − entryPriceX). */
  grossPnl: number;
  /** Entry + exit commission, entry + exit slippage, borrow accrued while held: all ≥ 0. */
  commission: number;
  slippage: number;
  borrow: number;
  /** grossPnl − commission − slippage − borrow. */
  netPnl: number;
  /** exitIndex − entryIndex. */
  holdingBars: number;
  exitReason: ExitReason;
}

/** Output of {@link simulatePairTrading}: per-bar arrays have one entry per test bar. */
export interface PairTradingResult {
  /** Desired position after each bar's close (see {@link zScoreSignals}). */
  signal: Int8Array;
  /** Side held after each bar's fills (+1, −1, 0). */
  position: Int8Array;
  /** Net P&L of each bar (currency): gross − commission − slippage − borrow. */
  pnl: Float64Array;
  /** Mark-to-market P&L of each bar before costs. */
  grossPnl: Float64Array;
  /** Commission + slippage + borrow charged in each bar. */
  costs: Float64Array;
  /** |shares_y|·close_y + |shares_x|·close_x after each bar (0 when flat): gross exposure. */
  grossNotional: Float64Array;
  /** shares_y·close_y + shares_x·close_x after each bar: net (long minus short) exposure. */
  netNotional: Float64Array;
  /** Traded notional of each bar (both legs, every fill). */
  tradedNotional: Float64Array;
  trades: PairTrade[];
}

const NS_PER_YEAR_365 = 365 * 86_400 * 1e9;

function priced(v: number | undefined): v is number {
  return v !== undefined && v > 0 && Number.isFinite(v);
}

/**
 * Simulate one pair over the test bars [start, end).
 *
 * 1. Signal: z at each close (NaN when a leg has no price: nothing is decided), the band rule of
 *    {@link zScoreSignals}. The window starts flat.
 * 2. Fill: the position traded at bar t is the signal of bar t − `executionDelayBars`, at bar t's close
 *    (or open). A fill needs a price for both legs at that bar; otherwise it waits for the next bar that
 *    has both (and then follows the latest signal). An exit and an opposite entry fill together.
 * 3. Size: an entry at prices (P_y, P_x) buys n = pairCapital / (P_y + β·P_x) shares of y and sells β·n
 *    of x (long spread; a short spread is the negative); shares are held unchanged until the exit.
 * 4. P&L: each leg is marked to each close it has (a bar without a price keeps the last mark):
 *    Δ = shares_y·ΔP_y + shares_x·ΔP_x. With `fillPrice: 'open'`, the fill bar is marked to the open before
 *    the fill and to the close after it. Round trip: gross = shares·(exit − entry) summed over the legs.
 * 5. Costs per fill: (commissionBps + slippageBps)/1e4 · (|shares_y|·P_y + |shares_x|·P_x); borrow per bar
 *    held since the previous bar: |short shares| · last mark of the short leg · borrowBpsPerYear/1e4 ·
 *    (t_k − t_{k−1}) / 365 days.
 * 6. Forced exits at the last marks: at the window's last bar (`'window-end'`), or at the last bar on
 *    which both legs still have a price when one leg has none for the rest of the window
 *    (`'last-price'`: a delisting or a gap). No entry fills on a forced-exit bar or after it.
 *
 * @throws InvalidInputError for an empty range, arrays shorter than `end`, missing opens with
 *   `fillPrice: 'open'`, β ≤ 0, σ ≤ 0, a negative delay or non-positive capital.
 */
export function simulatePairTrading(input: PairTradingInput): PairTradingResult {
  const { start, end, closeY, closeX, timestampsNs } = input;
  const n = end - start;
  validate(input, n);
  const openFill = input.fillPrice === 'open';
  const oy = input.openY;
  const ox = input.openX;
  const beta = input.hedgeRatio;
  const delay = input.executionDelayBars;
  const feeRate = (input.commissionBps + input.slippageBps) / 1e4;
  const borrowPerNs = input.borrowBpsPerYear / 1e4 / NS_PER_YEAR_365;

  // Signal at each close.
  const z = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const py = closeY[start + k];
    const px = closeX[start + k];
    z[k] = priced(py) && priced(px) ? (py - beta * px - input.spreadMean) / input.spreadStd : Number.NaN;
  }
  const reasons = new Int8Array(n);
  const signal = zScoreSignals(z, input, undefined, reasons);

  // Last bar on which both legs have a price (forced exit bar when before the window's last bar).
  let lastBoth = -1;
  for (let k = 0; k < n; k++) if (priced(closeY[start + k]) && priced(closeX[start + k])) lastBoth = k;
  // changedAt[k]: the latest bar ≤ k at which the signal took its current value (the deciding bar of a
  // fill that waited for prices).
  const changedAt = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    changedAt[k] = k > 0 && signal[k] === signal[k - 1] ? changedAt[k - 1]! : k;
  }

  const position = new Int8Array(n);
  const pnl = new Float64Array(n);
  const grossPnl = new Float64Array(n);
  const costs = new Float64Array(n);
  const grossNotional = new Float64Array(n);
  const netNotional = new Float64Array(n);
  const tradedNotional = new Float64Array(n);
  const trades: PairTrade[] = [];

  let side = 0;
  let sharesY = 0;
  let sharesX = 0;
  let markY = Number.NaN;
  let markX = Number.NaN;
  let open: PairTrade | null = null;

  const fee = (k: number, py: number, px: number): number => {
    const notional = Math.abs(sharesY) * py + Math.abs(sharesX) * px;
    tradedNotional[k] = tradedNotional[k]! + notional;
    costs[k] = costs[k]! + feeRate * notional;
    return notional;
  };
  const closeTrade = (k: number, py: number, px: number, reason: ExitReason, exitZ: number): void => {
    const t = open!;
    const notional = fee(k, py, px);
    t.commission += (input.commissionBps / 1e4) * notional;
    t.slippage += (input.slippageBps / 1e4) * notional;
    t.exitIndex = start + k;
    t.exitTimestampNs = timestampsNs[start + k]!;
    t.exitPriceY = py;
    t.exitPriceX = px;
    t.exitZ = exitZ;
    t.grossPnl = sharesY * (py - t.entryPriceY) + sharesX * (px - t.entryPriceX);
    t.netPnl = t.grossPnl - t.commission - t.slippage - t.borrow;
    t.holdingBars = t.exitIndex - t.entryIndex;
    t.exitReason = reason;
    trades.push(t);
    open = null;
    side = 0;
    sharesY = 0;
    sharesX = 0;
  };
  const openTrade = (k: number, s: 1 | -1, py: number, px: number, signalK: number): void => {
    const shares = input.pairCapital / (py + beta * px);
    side = s;
    sharesY = s * shares;
    sharesX = -s * beta * shares;
    const notional = fee(k, py, px);
    open = {
      side: s,
      signalIndex: start + signalK,
      entryIndex: start + k,
      exitIndex: -1,
      entryTimestampNs: timestampsNs[start + k]!,
      exitTimestampNs: 0n,
      entryZ: z[signalK]!,
      exitZ: Number.NaN,
      entryPriceY: py,
      entryPriceX: px,
      exitPriceY: Number.NaN,
      exitPriceX: Number.NaN,
      sharesY,
      sharesX,
      grossPnl: 0,
      commission: (input.commissionBps / 1e4) * notional,
      slippage: (input.slippageBps / 1e4) * notional,
      borrow: 0,
      netPnl: 0,
      holdingBars: 0,
      exitReason: 'signal',
    };
  };
  /**
   * Trade from the current side to the signal decided at bar `d` (fill at prices py, px of bar k). No
   * entry on the bar of a forced exit (it would be closed at once at the same prices).
   */
  const fillTo = (k: number, d: number, py: number, px: number): void => {
    const target = signal[d]!;
    if (target === side) return;
    if (side !== 0) {
      // The exit was decided at the first bar after the entry's signal where the signal left this side.
      let c = open!.signalIndex - start + 1;
      while (c < d && signal[c] === side) c++;
      closeTrade(k, py, px, reasons[c] === SIGNAL_STOP ? 'stop' : 'signal', z[c]!);
    }
    if (target !== 0 && k < n - 1 && k !== lastBoth) openTrade(k, target as 1 | -1, py, px, changedAt[d]!);
  };
  const mark = (k: number, py: number | undefined, px: number | undefined): void => {
    if (priced(py)) {
      if (side !== 0) grossPnl[k] = grossPnl[k]! + sharesY * (py - markY);
      markY = py;
    }
    if (priced(px)) {
      if (side !== 0) grossPnl[k] = grossPnl[k]! + sharesX * (px - markX);
      markX = px;
    }
  };

  for (let k = 0; k < n; k++) {
    const t = start + k;
    // Borrow over (t−1, t] on the short leg held since the previous bar.
    if (side !== 0 && k > 0) {
      const shortValue = sharesY < 0 ? -sharesY * markY : -sharesX * markX;
      const borrowFee = shortValue * borrowPerNs * Number(timestampsNs[t]! - timestampsNs[t - 1]!);
      costs[k] = costs[k]! + borrowFee;
      open!.borrow += borrowFee;
    }
    const d = k - delay;
    const canTrade = d >= 0 && k <= lastBoth;
    if (openFill && canTrade && priced(oy![t]) && priced(ox![t]) && signal[d] !== side) {
      mark(k, oy![t], ox![t]);
      fillTo(k, d, oy![t]!, ox![t]!);
    }
    mark(k, closeY[t], closeX[t]);
    if (!openFill && canTrade && priced(closeY[t]) && priced(closeX[t])) fillTo(k, d, markY, markX);
    if (side !== 0 && (k === n - 1 || k === lastBoth)) {
      closeTrade(k, markY, markX, k === n - 1 ? 'window-end' : 'last-price', Number.NaN);
    }
    position[k] = side;
    if (side !== 0) {
      grossNotional[k] = Math.abs(sharesY) * markY + Math.abs(sharesX) * markX;
      netNotional[k] = sharesY * markY + sharesX * markX;
    }
    pnl[k] = grossPnl[k]! - costs[k]!;
  }
  return { signal, position, pnl, grossPnl, costs, grossNotional, netNotional, tradedNotional, trades };
}

function validate(input: PairTradingInput, n: number): void {
  const { start, end } = input;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || n < 1) {
    throw new InvalidInputError('simulatePairTrading range', 'integers 0 <= start < end', [start, end]);
  }
  for (const [name, a] of [
    ['closeY', input.closeY],
    ['closeX', input.closeX],
    ['timestampsNs', input.timestampsNs],
  ] as const) {
    if (a.length < end)
      throw new InvalidInputError(`simulatePairTrading ${name}`, `length >= ${end}`, a.length);
  }
  if (input.fillPrice === 'open') {
    if (!input.openY || !input.openX || input.openY.length < end || input.openX.length < end) {
      throw new InvalidInputError('simulatePairTrading openY/openX', `opens of length >= ${end}`, 'missing');
    }
  }
  const delay = input.executionDelayBars;
  if (!Number.isInteger(delay) || delay < 0 || (input.fillPrice === 'open' && delay < 1)) {
    throw new InvalidInputError(
      'simulatePairTrading executionDelayBars',
      "an integer >= 0 (>= 1 with fillPrice 'open')",
      delay,
    );
  }
  if (!(input.hedgeRatio > 0) || !Number.isFinite(input.hedgeRatio)) {
    throw new InvalidInputError('simulatePairTrading hedgeRatio', 'a finite number > 0', input.hedgeRatio);
  }
  if (!(input.spreadStd > 0) || !Number.isFinite(input.spreadStd)) {
    throw new InvalidInputError('simulatePairTrading spreadStd', 'a finite number > 0', input.spreadStd);
  }
  if (!(input.pairCapital > 0) || !Number.isFinite(input.pairCapital)) {
    throw new InvalidInputError('simulatePairTrading pairCapital', 'a finite number > 0', input.pairCapital);
  }
}
