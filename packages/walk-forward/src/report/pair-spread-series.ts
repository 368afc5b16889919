/**
 * The test-window spread z-score of a selected pair, recomputed from the price panel and the training
 * statistics stored in the report (hedge ratio, spread mean and standard deviation).
 *
 * @module
 */
import type { PricePanel } from '../price-panel.js';
import type { TradeReport, WalkForwardReport } from '../walk-forward-report.js';

/** A pair named by its dependent (`y`) and regressor (`x`) symbols. */
export interface PairName {
  y: string;
  x: string;
}

/** The z path of a pair in one test window where it was traded. */
export interface PairSpreadSegment {
  windowIndex: number;
  hedgeRatio: number;
  /** Timestamps (ns since the epoch, UTC, decimal strings) of the test bars. */
  timestampsNs: string[];
  /** z = (y − β·x − μ) / σ with the window's training β, μ, σ (NaN where a price is missing). */
  z: number[];
  /**
   * The pair's round trips in this window, from `report.trades` (the positions actually held: entries
   * fill `executionDelayBars` after their signal, forced exits close at window end or a leg's last price).
   */
  trades: TradeReport[];
}

/** Every test-window segment of one pair. */
export interface PairSpreadSeries extends PairName {
  segments: PairSpreadSegment[];
}

/**
 * Recomputes the z-score path the backtest traded for `pair` in every window where it was selected:
 * rows [testStartIndex, testEndIndex) of the panel, z = (y − β·x − μ) / σ (the same formula as
 * `runWalkForward`), with the pair's trades of that window from `report.trades`.
 *
 * @returns segments in window order; empty when the pair was never selected or a symbol is not in the panel.
 */
export function pairSpreadSeries(
  report: WalkForwardReport,
  panel: PricePanel,
  pair: PairName,
): PairSpreadSeries {
  const iy = panel.symbols.indexOf(pair.y);
  const ix = panel.symbols.indexOf(pair.x);
  const segments: PairSpreadSegment[] = [];
  if (iy < 0 || ix < 0) return { ...pair, segments };
  const ys = panel.closes[iy]!;
  const xs = panel.closes[ix]!;
  for (const w of report.windows) {
    const p = w.selected.find((s) => s.y === pair.y && s.x === pair.x);
    if (!p) continue;
    const end = Math.min(w.testEndIndex, panel.timestampsNs.length);
    const timestampsNs: string[] = [];
    const z: number[] = [];
    for (let t = w.testStartIndex; t < end; t++) {
      timestampsNs.push(panel.timestampsNs[t]!.toString());
      z.push((ys[t]! - p.hedgeRatio * xs[t]! - p.spreadMean) / p.spreadStd);
    }
    const trades = report.trades.filter((t) => t.window === w.index && t.y === pair.y && t.x === pair.x);
    segments.push({ windowIndex: w.index, hedgeRatio: p.hedgeRatio, timestampsNs, z, trades });
  }
  return { ...pair, segments };
}

/**
 * Pairs ranked for display: most windows selected first, then lowest mean p-value, then name.
 * @param limit maximum number of pairs returned.
 */
export function rankSelectedPairs(report: WalkForwardReport, limit: number): PairName[] {
  const stats = new Map<string, { pair: PairName; windows: number; pSum: number }>();
  for (const w of report.windows) {
    for (const p of w.selected) {
      const key = `${p.y}/${p.x}`;
      const s = stats.get(key) ?? { pair: { y: p.y, x: p.x }, windows: 0, pSum: 0 };
      s.windows++;
      s.pSum += p.score;
      stats.set(key, s);
    }
  }
  return [...stats.entries()]
    .sort(
      ([ka, a], [kb, b]) =>
        b.windows - a.windows || a.pSum / a.windows - b.pSum / b.windows || (ka < kb ? -1 : ka > kb ? 1 : 0),
    )
    .slice(0, limit)
    .map(([, s]) => s.pair);
}
