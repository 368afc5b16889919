/**
 * Small HTML building blocks shared by the report's sections: colours, KPI tiles, legends, tables.
 *
 * @module
 */
import { escapeXml } from './svg-chart.js';

/** Colours of the report's charts (one place, so legends match lines). */
export const COLORS = {
  equity: '#1565c0',
  drawdown: '#c62828',
  gross: '#6a1b9a',
  net: '#00897b',
  sharpe: '#37474f',
  z: '#37474f',
  entry: '#ef6c00',
  exit: '#2e7d32',
  stop: '#c62828',
  forced: '#616e7c',
  long: 'rgba(46,125,50,0.12)',
  short: 'rgba(198,40,40,0.10)',
  muted: '#9aa5b1',
} as const;

/** CSS class for a signed value: `pos`, `neg` or none for 0 / non-finite. */
export function signClass(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value === 0) return '';
  return value > 0 ? 'pos' : 'neg';
}

/** A KPI tile; `sign` colours the value (omit for neutral figures). `id` lets tests find it. */
export function kpi(label: string, value: string, sign?: number | null, id?: string): string {
  const cls = sign === undefined ? '' : signClass(sign);
  return `<div class="kpi"${id ? ` id="${escapeXml(id)}"` : ''}><div class="label">${escapeXml(label)}</div><div class="value${cls ? ` ${cls}` : ''}">${escapeXml(value)}</div></div>`;
}

/** A chart legend: lines (optionally dashed) or filled boxes. */
export function legend(items: { label: string; color: string; dash?: boolean; box?: boolean }[]): string {
  return `<div class="legend">${items
    .map((i) =>
      i.box
        ? `<span><i class="box" style="background:${i.color}"></i>${escapeXml(i.label)}</span>`
        : `<span><i style="border-color:${i.color}${i.dash ? ';border-top-style:dashed' : ''}"></i>${escapeXml(i.label)}</span>`,
    )
    .join('')}</div>`;
}

/** A table cell: `text` is escaped; `cls` adds classes (`l` left-aligns, `pos`/`neg` colour). */
export function td(text: string, cls = ''): string {
  return cls ? `<td class="${cls}">${escapeXml(text)}</td>` : `<td>${escapeXml(text)}</td>`;
}

/** A header row; a header whose text starts with `<` is taken as HTML, `l:` prefixes left-align. */
export function headerRow(headers: readonly string[]): string {
  return `<tr>${headers
    .map((h) =>
      h.startsWith('l:') ? `<th class="l">${escapeXml(h.slice(2))}</th>` : `<th>${escapeXml(h)}</th>`,
    )
    .join('')}</tr>`;
}

/** A scrollable table with a sticky header. */
export function table(id: string, headers: readonly string[], rows: readonly string[]): string {
  return `<div class="table-wrap"><table id="${escapeXml(id)}">
<thead>${headerRow(headers)}</thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

/** A report section with an id, a heading and optional note (HTML) before its body (HTML). */
export function section(id: string, heading: string, noteHtml: string, bodyHtml: string, cls = ''): string {
  return `<section id="${escapeXml(id)}"${cls ? ` class="${cls}"` : ''}>
<h2>${escapeXml(heading)}</h2>
${noteHtml ? `<p class="note">${noteHtml}</p>\n` : ''}${bodyHtml}
</section>`;
}
