/**
 * The trade list: every round trip with its dates, fill prices, shares, P&L and exit reason.
 *
 * @module
 */
import type { TradeReport, WalkForwardReport } from '../../walk-forward-report.js';
import { formatCount, formatMoney, formatNumber, formatPrice, type NsFormatter } from '../format.js';
import { headerRow, section, signClass, td } from '../html-parts.js';
import { escapeXml } from '../svg-chart.js';

/** Default row limit of the trade table (the page stays light; report.json has every trade). */
export const DEFAULT_MAX_TRADE_ROWS = 2000;

/** Exit reasons: short label and tooltip. */
const EXIT_REASONS: Record<TradeReport['exitReason'], [string, string]> = {
  signal: ['signal', 'z crossed back within the exit band'],
  stop: ['stop', 'z beyond the stop band'],
  'window-end': ['window end', 'forced: the test window ended'],
  'last-price': [
    'last price',
    'forced: a leg has no further price in the test window (delisting or data gap)',
  ],
};

/** Two values in one cell, y first: `61.14 / 16.49`. */
function pairCell(y: string, x: string): string {
  return td(`${y} / ${x}`);
}

/** A trade's costs: commission + slippage + borrow (currency). */
export function tradeCosts(t: TradeReport): number {
  return t.commission + t.slippage + t.borrow;
}

function tradeRow(t: TradeReport, date: NsFormatter): string {
  const costs = tradeCosts(t);
  return `<tr>${[
    td(String(t.window), 'l'),
    td(`${t.y} / ${t.x}`, 'l'),
    td(t.side === 'long-spread' ? 'long spread' : 'short spread', 'l'),
    td(date(t.signalNs), 'l'),
    td(date(t.entryNs), 'l'),
    td(date(t.exitNs), 'l'),
    td(formatNumber(t.hedgeRatio, 3)),
    pairCell(formatPrice(t.entryPriceY), formatPrice(t.entryPriceX)),
    pairCell(formatPrice(t.exitPriceY), formatPrice(t.exitPriceX)),
    pairCell(formatNumber(t.sharesY, 2), formatNumber(t.sharesX, 2)),
    td(formatMoney(t.grossPnl), signClass(t.grossPnl)),
    `<td title="${escapeXml(`commission ${formatMoney(t.commission)} + slippage ${formatMoney(t.slippage)} + borrow ${formatMoney(t.borrow)}`)}">${escapeXml(formatMoney(costs))}</td>`,
    td(formatMoney(t.netPnl), signClass(t.netPnl)),
    td(formatCount(t.holdingBars)),
    `<td class="l" title="${escapeXml(EXIT_REASONS[t.exitReason]?.[1] ?? '')}">${escapeXml(EXIT_REASONS[t.exitReason]?.[0] ?? t.exitReason)}</td>`,
  ].join('')}</tr>`;
}

/**
 * The trade table (`#trades-table`, one `tbody` row per trade shown, in the order of `report.trades`:
 * window, then pair rank, then entry) with a totals footer over all trades.
 *
 * @param maxRows trades shown; beyond it the page says how many are omitted.
 */
export function tradesSection(
  report: WalkForwardReport,
  date: NsFormatter,
  maxRows = DEFAULT_MAX_TRADE_ROWS,
): string {
  const trades = report.trades;
  const shown = trades.slice(0, maxRows);
  const omitted = trades.length - shown.length;
  let gross = 0;
  let costs = 0;
  let net = 0;
  for (const t of trades) {
    gross += t.grossPnl;
    costs += tradeCosts(t);
    net += t.netPnl;
  }
  const note = `Every round trip (${formatCount(trades.length)}), oldest window first. Signal: the close whose z-score triggered the entry; entry and exit: the fill bars (UTC). Shares are signed (long &gt; 0): a long spread holds +n y and −β·n x. Gross = Σ shares × (exit − entry price); costs = commission + slippage + borrow (hover for the split); net = gross − costs; holding = bars from entry to exit fill; exit reasons: signal (z back within ±exitZ), stop (beyond ±stopZ), window end and last price (forced exits).${
    omitted > 0
      ? ` <strong id="trades-omitted">Showing the first ${formatCount(shown.length)} trades; ${formatCount(omitted)} more are omitted here (report.json lists all ${formatCount(trades.length)}).</strong>`
      : ''
  }`;
  if (trades.length === 0) return section('trades', 'Trades', 'No trade was opened in any test window.', '');
  const headers = [
    'l:Window',
    'l:Pair (y / x)',
    'l:Side',
    'l:Signal',
    'l:Entry',
    'l:Exit',
    'β',
    'Entry price y / x',
    'Exit price y / x',
    'Shares y / x',
    'Gross',
    'Costs',
    'Net',
    'Holding (bars)',
    'l:Exit reason',
  ];
  const foot = `<tr><td class="l" colspan="10">Total of all ${formatCount(trades.length)} trades</td>${td(formatMoney(gross), signClass(gross))}${td(formatMoney(costs))}${td(formatMoney(net), signClass(net))}<td></td><td></td></tr>`;
  const html = `<div class="table-wrap"><table id="trades-table">
<thead>${headerRow(headers)}</thead>
<tbody>
${shown.map((t) => tradeRow(t, date)).join('\n')}
</tbody>
<tfoot>${foot}</tfoot></table></div>`;
  return section('trades', 'Trades', note, html);
}
