/**
 * Definitions of every figure on the page, with formulas (mirrors rules 10–12 of the package README,
 * "Walk-forward rules").
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { escapeXml } from '../svg-chart.js';

/** Term and definition (plain text; escaped when rendered). */
export type Definition = readonly [term: string, definition: string];

/**
 * The definitions shown on the page for a report (P and the rolling window are filled in). Notation:
 * r_t the portfolio's simple return of test bar t, n the number of test bars, E_t the equity after bar t
 * (E_0 = initial capital before the first bar), P bars per year.
 */
export function reportDefinitions(report: WalkForwardReport, rollingSharpeBars: number): Definition[] {
  const P = report.summary.periodsPerYear;
  return [
    [
      'Notation',
      `r_t = P&L_t / E_(t−1): simple return of test bar t of the concatenated test windows; n = ${report.summary.bars} bars; E_t = equity after bar t, E_0 = initial capital; P = ${P} bars per year (periodsPerYear).`,
    ],
    ['Total return', 'Π(1 + r_t) − 1 = final equity / initial capital − 1.'],
    ['Annualised return', '(1 + total return)^(P / n) − 1.'],
    ['Annualised volatility', 'std(r_t, ddof 1) · √P.'],
    ['Sharpe ratio', 'mean(r_t) / std(r_t, ddof 1) · √P, zero risk-free rate; 0 when std is 0.'],
    ['Sortino ratio', 'mean(r_t) / √(Σ min(r_t, 0)² / n) · √P (target 0); 0 without a losing bar.'],
    ['Max drawdown', 'max_t (1 − E_t / max_(s≤t) E_s), shown negative.'],
    ['Calmar ratio', 'annualised return / max drawdown (0 without a drawdown).'],
    ['Trades', 'round trips opened in the test windows (entry fill to exit fill).'],
    ['Hit rate', 'trades with net P&L > 0 / trades.'],
    ['Time in market', 'bars on which at least one pair held a position / n.'],
    [
      'Gross / net exposure',
      'mean over bars of Σ|notional| / E_t (gross) and of Σ signed notional (long − short) / E_t (net), notional = shares × last mark.',
    ],
    ['Turnover', 'Σ traded notional (both legs, every fill) / mean equity.'],
    [
      'Gross P&L',
      'Σ shares · Δprice of both legs, marked to every close (per trade: shares_y·(exit_y − entry_y) + shares_x·(exit_x − entry_x)).',
    ],
    [
      'Commission, slippage',
      `per leg per fill: bps / 1e4 · |shares| · fill price (commission ${report.config.commissionBps} bps, slippage ${report.config.slippageBps} bps).`,
    ],
    [
      'Borrow',
      `short leg, per bar interval held: |short shares| · last mark · ${report.config.borrowBpsPerYear} bps / 1e4 · days / 365 (ACT/365).`,
    ],
    ['Net P&L', 'gross − commission − slippage − borrow (per trade, per pair and for the run).'],
    [
      'Expected by chance',
      report.config.fdrQ !== null
        ? 'with Benjamini–Hochberg FDR at q: q × pairs passing (the bound on false discoveries among them).'
        : `pairs tested × maxPValue (${report.config.maxPValue}): pairs passing the p-value test by luck if none were cointegrated.`,
    ],
    [
      'Monthly return',
      'Π(1 + r_t) − 1 over the bars whose timestamp falls in the UTC calendar month; the year column compounds the year’s bars.',
    ],
    [
      'Rolling Sharpe',
      `Sharpe ratio (as above, annualised with √P) of the trailing ${rollingSharpeBars} returns, from the first bar where the window is full.`,
    ],
    [
      'Drawdown episode',
      'from a running peak of E_t to the first bar with E_t ≥ that peak again (recovery); depth = 1 − trough / peak; length = recovery − peak bar (or to the last bar when not recovered).',
    ],
    [
      'Share of net P&L',
      'a pair’s net P&L / |the run’s net P&L|: signed like the pair’s P&L; the shares sum to +100% when the run made money, −100% when it lost.',
    ],
    ['Holding bars', 'exit fill bar − entry fill bar (panel bars).'],
    ['Window return', 'Π(1 + r_t) − 1 over the bars of one test window.'],
    [
      'Pair capital',
      `equity at the window’s start / topK (${report.config.topK}): the gross notional of each entry (n = capital / (P_y + β·P_x) shares of y).`,
    ],
    [
      'Hedge ratio β, y weight',
      'β: shares of x per share of y, OLS of training prices y = α + β·x; y weight = P_y / (P_y + β·P_x) at the last training close.',
    ],
    [
      'p-values',
      'p (y on x), p (x on y): Engle–Granger (MacKinnon 1994) p-values of both orderings; p (pair) = min(1, 2 · the smaller); p cutoff: the threshold applied in the window (maxPValue, or the Benjamini–Hochberg cutoff).',
    ],
    ['Passed / expected', 'pairs passing the p-value test / pairs expected by chance; ≤ 2 is highlighted.'],
    ['Half-life', '−ln 2 / b of Δs_t = a + b·s_(t−1) on the training spread s = y − β·x (bars).'],
    ['Correlation', 'Pearson correlation of the two symbols’ training log returns.'],
    ['z-score', 'z_t = (y_t − β·x_t − μ) / σ with μ, σ (ddof 1) of the training spread.'],
  ];
}

/** The definitions list (`#definitions`). */
export function definitionsSection(report: WalkForwardReport, rollingSharpeBars: number): string {
  const items = reportDefinitions(report, rollingSharpeBars)
    .map(([term, def]) => `<dt>${escapeXml(term)}</dt><dd>${escapeXml(def)}</dd>`)
    .join('\n');
  return `<section id="definitions" class="definitions">
<h2>Definitions</h2>
<p class="note">Every number on this page, with its formula (the package README, "Walk-forward rules", rules 10–12, states the simulation behind them).</p>
<dl>
${items}
</dl>
</section>`;
}
