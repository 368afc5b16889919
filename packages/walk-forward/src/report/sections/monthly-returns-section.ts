/**
 * Monthly returns heatmap: rows are years, columns months and the year's total.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatPercent } from '../format.js';
import { section } from '../html-parts.js';
import { monthlyReturns } from '../monthly-returns.js';
import { escapeXml } from '../svg-chart.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Green (#2e7d32) for gains, red (#c62828) for losses. */
const POSITIVE_RGB = [46, 125, 50];
const NEGATIVE_RGB = [198, 40, 40];

/**
 * Background of a cell: white at 0, blending to full green/red at ±`scale` (symmetric around 0, so equal
 * gains and losses have equal intensity); values beyond the scale saturate.
 */
export function heatmapColor(value: number, scale: number): string {
  if (!(scale > 0) || value === 0) return 'rgb(255,255,255)';
  const k = Math.min(1, Math.abs(value) / scale);
  const target = value > 0 ? POSITIVE_RGB : NEGATIVE_RGB;
  const mix = target.map((c) => Math.round(255 + (c - 255) * k * 0.85));
  return `rgb(${mix.join(',')})`;
}

function cell(value: number | null, scale: number, cls = ''): string {
  if (value === null) return `<td class="empty${cls ? ` ${cls}` : ''}"></td>`;
  const k = scale > 0 ? Math.min(1, Math.abs(value) / scale) : 0;
  const text = k > 0.6 ? ';color:#fff' : '';
  return `<td class="${cls}" style="background:${heatmapColor(value, scale)}${text}" title="${escapeXml(formatPercent(value, 2))}">${escapeXml(formatPercent(value, 1))}</td>`;
}

/** The heatmap table (`#monthly-returns-table`); the colour scale is ± the largest |monthly return|. */
export function monthlyReturnsSection(report: WalkForwardReport): string {
  const rows = monthlyReturns(report.equityCurve.timestampsNs, report.equityCurve.returns);
  let scale = 0;
  for (const r of rows) for (const m of r.months) if (m !== null) scale = Math.max(scale, Math.abs(m));
  const body = rows.map(
    (r) =>
      `<tr><th class="l">${r.year}</th>${r.months.map((m) => cell(m, scale)).join('')}${cell(r.total, scale, 'year')}</tr>`,
  );
  const html = `<div class="table-wrap"><table id="monthly-returns-table" class="heatmap">
<thead><tr><th class="l">Year</th>${MONTHS.map((m) => `<th>${m}</th>`).join('')}<th class="year">Year</th></tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></div>`;
  return section(
    'monthly-returns',
    'Monthly returns',
    `Π(1 + r<sub>t</sub>) − 1 over the test bars whose timestamp falls in each UTC calendar month; Year compounds the year's bars. Empty: no test bar in that month. Colour scale symmetric around 0, saturating at ±${escapeXml(formatPercent(scale, 1))}.`,
    html,
  );
}
