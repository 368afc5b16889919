/**
 * Table of the largest drawdown episodes of the equity curve.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatCount, formatMoney, formatPercent, type NsFormatter } from '../format.js';
import { section, table, td } from '../html-parts.js';
import { topDrawdowns } from '../top-drawdowns.js';

/** The 5 deepest non-overlapping drawdowns (`#drawdowns-table`). */
export function drawdownsSection(report: WalkForwardReport, date: NsFormatter): string {
  const ts = report.equityCurve.timestampsNs;
  const episodes = topDrawdowns(report.equityCurve.equity, report.summary.initialCapital, 5);
  const at = (i: number) => (i < 0 ? `start (before ${date(ts[0]!)})` : date(ts[i]!));
  const rows = episodes.map(
    (e, k) =>
      `<tr>${[
        td(String(k + 1), 'l'),
        td(at(e.peakIndex), 'l'),
        td(at(e.troughIndex), 'l'),
        e.recoveryIndex === null ? td('not recovered', 'l neg') : td(at(e.recoveryIndex), 'l'),
        td(formatPercent(-e.depth), 'neg'),
        td(formatMoney(e.troughEquity - e.peakEquity, 0), 'neg'),
        td(formatCount(e.declineBars)),
        td(e.recoveryBars === null ? '—' : formatCount(e.recoveryBars)),
        td(`${e.recoveryIndex === null ? '≥ ' : ''}${formatCount(e.lengthBars)}`),
      ].join('')}</tr>`,
  );
  const body =
    rows.length === 0
      ? '<p class="note">No drawdown: equity never fell below a previous peak.</p>'
      : table(
          'drawdowns-table',
          [
            'l:#',
            'l:Peak',
            'l:Trough',
            'l:Recovery',
            'Depth',
            'Loss (currency)',
            'Peak → trough (bars)',
            'Recovery (bars)',
            'Length (bars)',
          ],
          rows,
        );
  return section(
    'drawdowns',
    'Top drawdowns',
    'The deepest declines of equity from a running peak to the lowest point before equity regained that peak. Episodes never overlap (each ends when the peak is regained). Length = peak to recovery, or to the last bar (≥) when not recovered.',
    body,
  );
}
