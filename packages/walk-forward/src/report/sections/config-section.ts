/**
 * The configuration in force, as a settings table.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { escapeXml } from '../svg-chart.js';

/** Every `report.config` setting (JSON values) and the result-cache counters. */
export function configSection(report: WalkForwardReport): string {
  const rows = Object.entries(report.config)
    .map(([k, v]) => `<tr><td class="l">${escapeXml(k)}</td><td>${escapeXml(JSON.stringify(v))}</td></tr>`)
    .join('');
  const par = report.parallelism;
  return `<section id="config">
<h2>Configuration</h2>
<div class="table-wrap"><table id="config-table"><thead><tr><th class="l">Setting</th><th>Value</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="note" style="margin-top:8px">Result cache: ${report.cache.hits} hit(s), ${report.cache.misses} miss(es).${
    par ? ` Pair scan: ${par.workers} worker(s), panel source ${escapeXml(par.panelSource)}.` : ''
  }</p>
</section>`;
}
