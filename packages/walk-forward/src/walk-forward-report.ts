/**
 * Shapes of the walk-forward report. Everything is JSON-serialisable: numbers are finite or `null`,
 * timestamps are decimal strings of int64 nanoseconds, no bigint, no typed arrays.
 *
 * @module
 */
import type { WalkForwardConfig } from './config.js';
import type { PairStats } from './select-pairs.js';

/** A selected pair's training statistics and its test-window trading result. */
export interface SelectedPairReport extends PairStats {
  /** Trades opened in the test window. */
  trades: number;
  /** Σ net per-bar returns of the pair in the test window × capitalPerPair (simple sum, not compounded). */
  pnl: number;
  /** Σ |Δweight| over both legs in the test window (incl. the forced close). */
  turnover: number;
  /** Winning trades / trades of this pair (net of costs); `null` without trades. */
  hitRate?: number | null;
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
  /** Pairs passing correlation, cointegration and half-life filters (candidates before topK). */
  pairsPassed: number;
  /** pairsTested × maxPValue: pairs expected to pass the p-value test by chance alone (multiple testing). */
  expectedFalsePositives?: number;
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
  /** Σ over the window's bars of the portfolio's |Δweight|. */
  turnover?: number;
  /** Winning trades / trades in the window; `null` without trades. */
  hitRate?: number | null;
  /** True when the pair selection came from the cache. */
  cacheHit: boolean;
}

/** Whole-run statistics over the concatenated test windows. Fractions, not percent. */
export interface WalkForwardSummary {
  totalReturn: number;
  annualizedReturn: number;
  annualizedVolatility: number;
  sharpe: number;
  /** mean(r) / downside deviation · √periodsPerYear (target 0). */
  sortino: number;
  maxDrawdown: number;
  /** Bars traded (sum of test window lengths). */
  bars: number;
  trades: number;
  /** Σ over bars of the portfolio's |Δweight| (mean over the window's pairs, both legs). */
  turnover: number;
  /** Winning trades / trades (net of costs); `null` without trades. */
  hitRate: number | null;
  periodsPerYear: number;
}

/** Result of {@link runWalkForward}. */
export interface WalkForwardReport {
  config: WalkForwardConfig;
  symbols: string[];
  windows: WindowReport[];
  summary: WalkForwardSummary;
  /** Portfolio equity (starts at 1 before the first test bar) after each test bar, with its timestamp. */
  equityCurve: { timestampsNs: string[]; equity: number[]; returns: number[] };
  cache: { hits: number; misses: number };
  /**
   * How the pair scan ran: worker count (1 = in the calling thread) and where workers read the panel
   * (`'dataset'`: each maps the dataset itself; `'panel-file'`: each maps a panel file).
   */
  parallelism?: { workers: number; panelSource: 'in-process' | 'dataset' | 'panel-file' };
}
