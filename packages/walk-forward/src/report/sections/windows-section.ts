/**
 * Table of the pairs selected in each window with their training statistics and test results.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import {
  formatCount,
  formatMoney,
  formatNumber,
  formatPercent,
  formatPValue,
  type NsFormatter,
} from '../format.js';
import { section, signClass, table, td } from '../html-parts.js';

/** One row per selected pair (`#pairs-table`), or one per window without pairs. */
export function windowsSection(report: WalkForwardReport, date: NsFormatter): string {
  const blank = (k: number) => '<td></td>'.repeat(k);
  const rows = report.windows.flatMap((w) => {
    const head = `${td(String(w.index), 'l')}${td(`${date(w.testStartNs)} → ${date(w.testEndNs)}`, 'l')}`;
    const windowReturn = td(formatPercent(w.return), signClass(w.return));
    if (w.selected.length === 0) {
      return [`<tr>${head}${td('—', 'l')}${blank(12)}${windowReturn}</tr>`];
    }
    return w.selected.map(
      (p, k) =>
        `<tr>${k === 0 ? head : blank(2)}${[
          td(`${p.y} / ${p.x}`, 'l'),
          td(formatNumber(p.hedgeRatio, 3)),
          td(formatPercent(p.legWeightY, 0)),
          td(formatNumber(p.halfLifeBars, 1)),
          td(formatPValue(p.pValue)),
          td(formatPValue(p.pValueUsed)),
          td(formatPValue(p.pValueReverse)),
          td(formatNumber(p.correlation, 2)),
          td(formatMoney(p.pairCapital, 0)),
          td(formatCount(p.trades)),
          td(formatMoney(p.grossPnl), signClass(p.grossPnl)),
          td(formatMoney(p.costs)),
          td(formatMoney(p.pnl), signClass(p.pnl)),
        ].join('')}${k === 0 ? windowReturn : blank(1)}</tr>`,
    );
  });
  return section(
    'pairs',
    'Selected pairs per window',
    'Training statistics of the pairs traded in each test window: hedge ratio β (shares of x per share of y), y’s share of gross notional at the last training close, spread half-life (bars), the pair p-value min(1, 2·min) with the Engle–Granger p-values of the ordering used (y on x) and the reverse (x on y), correlation of log returns; then the slot capital and the test-window P&amp;L.',
    table(
      'pairs-table',
      [
        'l:Window',
        'l:Test period',
        'l:Pair (y / x)',
        'β',
        'y weight',
        'Half-life',
        'p (pair)',
        'p (y on x)',
        'p (x on y)',
        'Correlation',
        'Capital',
        'Trades',
        'Gross',
        'Costs',
        'Net',
        'Window return',
      ],
      rows,
    ),
  );
}
