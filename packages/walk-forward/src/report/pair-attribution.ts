/**
 * Whole-run P&L attribution per pair, for the report's attribution table.
 *
 * @module
 */
import type { WalkForwardReport } from '../walk-forward-report.js';

/** One pair's contribution over the run (money in price currency). */
export interface PairAttribution {
  /** Dependent and regressor symbols, as selected (`y/x`; the same two symbols in the other ordering are another row). */
  y: string;
  x: string;
  /** Windows in which the pair was selected (traded or not). */
  windowsSelected: number;
  /** Round trips (`report.trades` of the pair). */
  trades: number;
  /** Σ over its windows of the pair's mark-to-market P&L before costs (`selected[].grossPnl`). */
  grossPnl: number;
  /** Σ commission + slippage + borrow (`selected[].costs`). */
  costs: number;
  /** grossPnl − costs (Σ `selected[].pnl`). */
  netPnl: number;
  /** Trades with net P&L > 0 / trades; `null` without trades. */
  hitRate: number | null;
  /**
   * netPnl / |summary.netPnl|: signed like the pair's own P&L (a pair that made money has a positive
   * share even when the run lost); the shares sum to +1 when the run made money, −1 when it lost.
   * `null` when the run's net P&L is 0.
   */
  shareOfNetPnl: number | null;
}

/**
 * Sums each pair's per-window results over the run and its trades' outcomes; sorted by net P&L
 * descending (ties: name).
 */
export function pairAttribution(report: WalkForwardReport): PairAttribution[] {
  const byPair = new Map<string, PairAttribution & { wins: number }>();
  const entry = (y: string, x: string) => {
    const key = `${y}/${x}`;
    let a = byPair.get(key);
    if (!a) {
      a = {
        y,
        x,
        windowsSelected: 0,
        trades: 0,
        grossPnl: 0,
        costs: 0,
        netPnl: 0,
        hitRate: null,
        shareOfNetPnl: null,
        wins: 0,
      };
      byPair.set(key, a);
    }
    return a;
  };
  for (const w of report.windows) {
    for (const p of w.selected) {
      const a = entry(p.y, p.x);
      a.windowsSelected++;
      a.grossPnl += p.grossPnl;
      a.costs += p.costs;
      a.netPnl += p.pnl;
    }
  }
  for (const t of report.trades) {
    const a = entry(t.y, t.x);
    a.trades++;
    if (t.netPnl > 0) a.wins++;
  }
  const total = report.summary.netPnl;
  return [...byPair.entries()]
    .sort(([ka, a], [kb, b]) => b.netPnl - a.netPnl || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .map(([, { wins, ...a }]) => ({
      ...a,
      hitRate: a.trades > 0 ? wins / a.trades : null,
      shareOfNetPnl: total !== 0 ? a.netPnl / Math.abs(total) : null,
    }));
}
