/**
 * Headline figures of the run: performance KPIs and the gross-to-net P&L bridge.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatCount, formatMoney, formatNumber, formatPercent } from '../format.js';
import { kpi } from '../html-parts.js';

/** KPI tiles (returns, risk, ratios, trading activity, exposure) and the P&L block in currency. */
export function kpiSection(report: WalkForwardReport): string {
  const s = report.summary;
  const costs = s.commission + s.slippage + s.borrow;
  return `<section id="kpis">
<h2>Summary</h2>
<p class="note">Over ${formatCount(s.bars)} test bars (${s.periodsPerYear} bars per year for annualisation), from an initial capital of ${formatMoney(s.initialCapital, 0)}. Every figure is defined under <a href="#definitions">Definitions</a>.</p>
<div class="kpis">
${kpi('Total return', formatPercent(s.totalReturn), s.totalReturn, 'kpi-total-return')}
${kpi('Annualised return', formatPercent(s.annualizedReturn), s.annualizedReturn, 'kpi-annualized-return')}
${kpi('Annualised volatility', formatPercent(s.annualizedVolatility), undefined, 'kpi-volatility')}
${kpi('Sharpe ratio', formatNumber(s.sharpe), s.sharpe, 'kpi-sharpe')}
${kpi('Sortino ratio', formatNumber(s.sortino), s.sortino, 'kpi-sortino')}
${kpi('Max drawdown', formatPercent(-Math.abs(s.maxDrawdown)), s.maxDrawdown === 0 ? 0 : -1, 'kpi-max-drawdown')}
${kpi('Calmar ratio', formatNumber(s.calmar), s.calmar, 'kpi-calmar')}
${kpi('Trades', formatCount(s.trades), undefined, 'kpi-trades')}
${kpi('Hit rate', formatPercent(s.hitRate, 1), undefined, 'kpi-hit-rate')}
${kpi('Time in market', formatPercent(s.timeInMarket, 1), undefined, 'kpi-time-in-market')}
${kpi('Avg gross exposure', formatPercent(s.averageGrossExposure, 1), undefined, 'kpi-gross-exposure')}
${kpi('Avg net exposure', formatPercent(s.averageNetExposure, 1), undefined, 'kpi-net-exposure')}
${kpi('Turnover', `${formatNumber(s.turnover)}×`, undefined, 'kpi-turnover')}
</div>
<h3>Gross to net P&amp;L (currency)</h3>
<div class="pnl" id="pnl-block">
${kpi('Gross P&L', formatMoney(s.grossPnl), s.grossPnl, 'pnl-gross')}
${kpi('Commission', formatMoney(-s.commission), -s.commission, 'pnl-commission')}
${kpi('Slippage', formatMoney(-s.slippage), -s.slippage, 'pnl-slippage')}
${kpi('Borrow', formatMoney(-s.borrow), -s.borrow, 'pnl-borrow')}
${kpi('Net P&L', formatMoney(s.netPnl), s.netPnl, 'pnl-net')}
${kpi('Final equity', formatMoney(s.finalEquity), undefined, 'pnl-final-equity')}
</div>
<p class="note" style="margin-top:8px">Net = gross − commission − slippage − borrow; costs total ${formatMoney(costs)}${
    s.grossPnl !== 0 ? ` (${formatPercent(costs / Math.abs(s.grossPnl), 1)} of |gross|)` : ''
  }.</p>
</section>`;
}
