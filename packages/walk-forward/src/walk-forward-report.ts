/**
 * Shapes of the walk-forward report. Everything is JSON-serialisable: numbers are finite or `null`,
 * timestamps are decimal strings of int64 nanoseconds, no bigint, no typed arrays.
 *
 * @module
 */
import type { WalkForwardConfig } from './config.js';
import type { PairStats } from './select-pairs.js';
import type { PairTrade } from './simulate-pair-trading.js';

/** A selected pair's training statistics and its test-window trading result (money in price currency). */
export interface SelectedPairReport extends PairStats {
  /** Capital of the pair's slot in this window: equity at the window's start / topK. */
  pairCapital: number;
  /** Trades opened in the test window. */
  trades: number;
  /** Σ mark-to-market P&L before costs. */
  grossPnl: number;
  /** Σ commission, slippage and borrow. */
  costs: number;
  /** grossPnl − costs. */
  pnl: number;
  /** Traded notional (both legs, every fill) / pairCapital. */
  turnover: number;
  /** Winning trades (net P&L > 0) / trades; `null` without trades. */
  hitRate: number | null;
}

/** Fields of a simulated {@link PairTrade} that the report carries unchanged (see their docs there). */
type ReportedTradeFields =
  | 'signalIndex'
  | 'entryIndex'
  | 'exitIndex'
  | 'entryZ'
  | 'entryPriceY'
  | 'entryPriceX'
  | 'exitPriceY'
  | 'exitPriceX'
  | 'sharesY'
  | 'sharesX'
  | 'grossPnl'
  | 'commission'
  | 'slippage'
  | 'borrow'
  | 'netPnl'
  | 'holdingBars'
  | 'exitReason';

/**
 * One round trip in the report: the simulated {@link PairTrade}, JSON-safe (timestamps as decimal strings of
 * int64 ns, `exitZ` `null` instead of NaN), with its window and pair.
 */
export interface TradeReport extends Pick<PairTrade, ReportedTradeFields> {
  /** Window index and the pair (y dependent, x regressor, β from training). */
  window: number;
  y: string;
  x: string;
  hedgeRatio: number;
  /** `'long-spread'` (long y, short x) or `'short-spread'`. */
  side: 'long-spread' | 'short-spread';
  /** Timestamps (ns) of the signal's close, the entry fill and the exit fill. */
  signalNs: string;
  entryNs: string;
  exitNs: string;
  /** z at the exit decision (`null` for forced exits). */
  exitZ: number | null;
}

/** One walk-forward window. Bar indices refer to the panel timeline; ends are exclusive. */
export interface WindowReport {
  index: number;
  trainStartIndex: number;
  trainEndIndex: number;
  testStartIndex: number;
  testEndIndex: number;
  /** Timestamp (ns, decimal string) of the first training bar. */
  trainStartNs: string;
  /** Timestamp of the first test bar. */
  testStartNs: string;
  /** Timestamp of the last test bar (inclusive). */
  testEndNs: string;
  symbolsEligible: number;
  pairsConsidered: number;
  pairsTested: number;
  pairsPassedCoint: number;
  /** Pairs rejected for their hedge ratio (β ≤ minHedgeRatio, or a leg below minLegWeight). */
  pairsRejectedHedge: number;
  /** Pairs passing correlation, cointegration and half-life filters (candidates before topK). */
  pairsPassed: number;
  /**
   * pairsTested × maxPValue: pairs expected to pass the p-value test by chance alone (multiple testing);
   * with `fdrQ`, fdrQ × pairsPassedCoint (the Benjamini–Hochberg bound on false discoveries).
   */
  expectedFalsePositives: number;
  /** The p-value cutoff applied (maxPValue or the BH cutoff; −1: none passed). */
  pValueCutoff: number;
  /** Pairs traded in the test window (best first). */
  selected: SelectedPairReport[];
  /** Compounded portfolio return over the test window. */
  return: number;
  trades: number;
  /** Annualised Sharpe ratio of the window's per-bar portfolio returns. */
  sharpe?: number;
  /** Annualised Sortino ratio of the window's per-bar portfolio returns. */
  sortino?: number;
  /** Maximum drawdown within the window (fraction, equity restarting at 1). */
  maxDrawdown?: number;
  /** Traded notional of the window / equity at its start. */
  turnover?: number;
  /** Net P&L of the window (currency). */
  pnl: number;
  /** Winning trades / trades in the window; `null` without trades. */
  hitRate?: number | null;
  /** True when the pair selection came from the cache. */
  cacheHit: boolean;
}

/** Whole-run statistics over the concatenated test windows. Fractions, not percent; money in currency. */
export interface WalkForwardSummary {
  /** Π(1 + r_t) − 1 = finalEquity / initialCapital − 1. */
  totalReturn: number;
  annualizedReturn: number;
  annualizedVolatility: number;
  sharpe: number;
  /** mean(r) / downside deviation · √periodsPerYear (target 0). */
  sortino: number;
  maxDrawdown: number;
  /** annualizedReturn / maxDrawdown (0 without a drawdown). */
  calmar: number;
  /** Bars traded (sum of test window lengths). */
  bars: number;
  trades: number;
  /** Σ traded notional / mean equity. */
  turnover: number;
  /** Winning trades / trades (net of costs); `null` without trades. */
  hitRate: number | null;
  periodsPerYear: number;
  initialCapital: number;
  finalEquity: number;
  /** Σ mark-to-market P&L before costs, and each cost: netPnl = grossPnl − commission − slippage − borrow. */
  grossPnl: number;
  commission: number;
  slippage: number;
  borrow: number;
  netPnl: number;
  /** Fraction of bars on which at least one pair held a position. */
  timeInMarket: number;
  /** Mean over bars of Σ gross notional / equity, and of Σ net (long − short) notional / equity. */
  averageGrossExposure: number;
  averageNetExposure: number;
  /** Multiple testing over the run: Σ pairs tested, Σ passed the p-value test, Σ expected by chance. */
  pairsTested: number;
  pairsPassedCoint: number;
  expectedFalsePositives: number;
}

/** The rules in force, stated in the report so a reader knows what was simulated. */
export interface WalkForwardModel {
  /** e.g. "signal at the close of bar t, fill at the close of bar t+1". */
  execution: string;
  sizing: string;
  universe: string;
  selection: string;
  costs: string;
}

/** Result of {@link runWalkForward}. */
export interface WalkForwardReport {
  config: WalkForwardConfig;
  model: WalkForwardModel;
  symbols: string[];
  windows: WindowReport[];
  summary: WalkForwardSummary;
  /** Every round trip, in window order, then pair rank, then entry. */
  trades: TradeReport[];
  /**
   * After each test bar: timestamp, portfolio equity (currency, initialCapital before the first bar),
   * simple return, gross and net exposure (fractions of equity).
   */
  equityCurve: {
    timestampsNs: string[];
    equity: number[];
    returns: number[];
    grossExposure: number[];
    netExposure: number[];
  };
  cache: { hits: number; misses: number };
  /**
   * How the pair scan ran: worker count (1 = in the calling thread) and where workers read the panel
   * (`'dataset'`: each maps the dataset itself; `'panel-file'`: each maps a panel file; `'queue'`: a cluster
   * run through BullMQ, `workers` = worker processes seen). An execution detail like a timing: two runs that
   * differ only here computed the same results.
   */
  parallelism?: { workers: number; panelSource: 'in-process' | 'dataset' | 'panel-file' | 'queue' };
}
