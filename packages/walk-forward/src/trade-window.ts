/**
 * Trading of one walk-forward window: every selected pair simulated on the test bars in its capital slot,
 * combined into the portfolio's per-bar P&L, equity and exposure.
 *
 * @module
 */
import type { WalkForwardConfig } from './config.js';
import type { PricePanel } from './price-panel.js';
import type { PairSelection } from './select-pairs.js';
import { type PairTrade, simulatePairTrading } from './simulate-pair-trading.js';
import type { WalkForwardWindow } from './walk-forward-plan.js';
import type { SelectedPairReport, TradeReport } from './walk-forward-report.js';

/** Result of {@link tradeWindow}; per-bar arrays have one entry per test bar. */
export interface WindowTrading {
  pairs: SelectedPairReport[];
  trades: TradeReport[];
  /** Portfolio equity after each bar (currency). */
  equity: Float64Array;
  /** Simple return of each bar: pnl_t / equity_{t−1}. */
  returns: Float64Array;
  /** Σ gross notional / equity and Σ net notional / equity after each bar. */
  grossExposure: Float64Array;
  netExposure: Float64Array;
  /** Σ over the window: gross P&L, commission, slippage, borrow, traded notional. */
  grossPnl: number;
  commission: number;
  slippage: number;
  borrow: number;
  tradedNotional: number;
}

/**
 * Trade `selection` on the test bars of `win`, starting from `equityStart`: each pair gets a slot of
 * equityStart / topK (unused slots hold cash at 0 return); the portfolio P&L of a bar is the sum of the
 * pairs' net P&L; equity_t = equity_{t−1} + P&L_t and return_t = P&L_t / equity_{t−1}.
 */
export function tradeWindow(
  panel: PricePanel,
  win: WalkForwardWindow,
  windowIndex: number,
  selection: PairSelection,
  cfg: WalkForwardConfig,
  equityStart: number,
  symbolIndex: ReadonlyMap<string, number>,
): WindowTrading {
  const n = win.testEnd - win.testStart;
  const pnl = new Float64Array(n);
  const gross = new Float64Array(n);
  const net = new Float64Array(n);
  const pairCapital = equityStart / cfg.topK;
  const pairs: SelectedPairReport[] = [];
  const trades: TradeReport[] = [];
  const totals = { grossPnl: 0, commission: 0, slippage: 0, borrow: 0, tradedNotional: 0 };
  for (const p of selection.selected) {
    const iy = symbolIndex.get(p.y)!;
    const ix = symbolIndex.get(p.x)!;
    const sim = simulatePairTrading({
      closeY: panel.closes[iy]!,
      closeX: panel.closes[ix]!,
      ...(panel.opens ? { openY: panel.opens[iy]!, openX: panel.opens[ix]! } : {}),
      timestampsNs: panel.timestampsNs,
      start: win.testStart,
      end: win.testEnd,
      hedgeRatio: p.hedgeRatio,
      spreadMean: p.spreadMean,
      spreadStd: p.spreadStd,
      entryZ: cfg.entryZ,
      exitZ: cfg.exitZ,
      stopZ: cfg.stopZ,
      executionDelayBars: cfg.executionDelayBars,
      fillPrice: cfg.fillPrice,
      commissionBps: cfg.commissionBps,
      slippageBps: cfg.slippageBps,
      borrowBpsPerYear: cfg.borrowBpsPerYear,
      pairCapital,
    });
    let pairGross = 0;
    let pairCosts = 0;
    let pairTraded = 0;
    for (let k = 0; k < n; k++) {
      pnl[k] = pnl[k]! + sim.pnl[k]!;
      gross[k] = gross[k]! + sim.grossNotional[k]!;
      net[k] = net[k]! + sim.netNotional[k]!;
      pairGross += sim.grossPnl[k]!;
      pairCosts += sim.costs[k]!;
      pairTraded += sim.tradedNotional[k]!;
    }
    let wins = 0;
    for (const t of sim.trades) {
      if (t.netPnl > 0) wins++;
      totals.commission += t.commission;
      totals.slippage += t.slippage;
      totals.borrow += t.borrow;
      trades.push(tradeReport(t, windowIndex, p.y, p.x, p.hedgeRatio, panel.timestampsNs));
    }
    totals.grossPnl += pairGross;
    totals.tradedNotional += pairTraded;
    pairs.push({
      ...p,
      pairCapital,
      trades: sim.trades.length,
      grossPnl: pairGross,
      costs: pairCosts,
      pnl: pairGross - pairCosts,
      turnover: pairTraded / pairCapital,
      hitRate: sim.trades.length > 0 ? wins / sim.trades.length : null,
    });
  }
  const equity = new Float64Array(n);
  const returns = new Float64Array(n);
  const grossExposure = new Float64Array(n);
  const netExposure = new Float64Array(n);
  let e = equityStart;
  for (let k = 0; k < n; k++) {
    returns[k] = pnl[k]! / e;
    e += pnl[k]!;
    equity[k] = e;
    grossExposure[k] = gross[k]! / e;
    netExposure[k] = net[k]! / e;
  }
  return { pairs, trades, equity, returns, grossExposure, netExposure, ...totals };
}

function tradeReport(
  t: PairTrade,
  window: number,
  y: string,
  x: string,
  hedgeRatio: number,
  timestampsNs: BigInt64Array,
): TradeReport {
  return {
    window,
    y,
    x,
    hedgeRatio,
    side: t.side === 1 ? 'long-spread' : 'short-spread',
    signalNs: timestampsNs[t.signalIndex]!.toString(),
    entryNs: t.entryTimestampNs.toString(),
    exitNs: t.exitTimestampNs.toString(),
    signalIndex: t.signalIndex,
    entryIndex: t.entryIndex,
    exitIndex: t.exitIndex,
    entryZ: t.entryZ,
    exitZ: Number.isFinite(t.exitZ) ? t.exitZ : null,
    entryPriceY: t.entryPriceY,
    entryPriceX: t.entryPriceX,
    exitPriceY: t.exitPriceY,
    exitPriceX: t.exitPriceX,
    sharesY: t.sharesY,
    sharesX: t.sharesX,
    grossPnl: t.grossPnl,
    commission: t.commission,
    slippage: t.slippage,
    borrow: t.borrow,
    netPnl: t.netPnl,
    holdingBars: t.holdingBars,
    exitReason: t.exitReason,
  };
}
