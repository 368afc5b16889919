/**
 * Per-pair P&L attribution over the whole run.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatCount, formatMoney, formatPercent } from '../format.js';
import { section, signClass, table, td } from '../html-parts.js';
import { pairAttribution } from '../pair-attribution.js';

/** The attribution table (`#attribution-table`), one row per pair, best net P&L first. */
export function pairAttributionSection(report: WalkForwardReport): string {
  const pairs = pairAttribution(report);
  if (pairs.length === 0)
    return section('attribution', 'P&L by pair', 'No pair was selected in any window.', '');
  const rows = pairs.map(
    (p) =>
      `<tr>${[
        td(`${p.y} / ${p.x}`, 'l'),
        td(formatCount(p.windowsSelected)),
        td(formatCount(p.trades)),
        td(formatMoney(p.grossPnl), signClass(p.grossPnl)),
        td(formatMoney(p.costs)),
        td(formatMoney(p.netPnl), signClass(p.netPnl)),
        td(formatPercent(p.hitRate, 1)),
        td(formatPercent(p.shareOfNetPnl, 1)),
      ].join('')}</tr>`,
  );
  return section(
    'attribution',
    'P&L by pair',
    `Each pair (y / x as selected; the other ordering of the same symbols is another row) over the whole run: windows in which it was selected, round trips, gross P&amp;L, costs (commission + slippage + borrow), net P&amp;L, hit rate (trades with net &gt; 0 / trades) and share = net / |run net P&amp;L| (run: ${formatMoney(report.summary.netPnl)}; a share is signed like the pair's net, and the shares sum to ${report.summary.netPnl < 0 ? '−' : '+'}100%). Sorted by net P&amp;L.`,
    table(
      'attribution-table',
      ['l:Pair (y / x)', 'Windows', 'Trades', 'Gross', 'Costs', 'Net', 'Hit rate', 'Share of net'],
      rows,
    ),
  );
}
