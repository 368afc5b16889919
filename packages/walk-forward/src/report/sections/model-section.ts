/**
 * The "model" box at the top of the report: the simulated rules in the words of `report.model`, and a red
 * banner when fills happen at the signal's own close.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { escapeXml } from '../svg-chart.js';

/** The five `report.model` sentences verbatim (execution first), preceded by a same-bar-fill warning if any. */
export function modelSection(report: WalkForwardReport): string {
  const m = report.model;
  const banner =
    report.config.executionDelayBars === 0
      ? `<div class="banner danger" id="same-bar-warning">Warning: same-bar fills (executionDelayBars 0). Every trade fills at the close of the bar whose close produced its signal; results are only achievable if you can trade at the close you observe, and overstate what a strategy filling on the next bar earns.</div>\n`
      : '';
  const rows: [string, string][] = [
    ['Execution', m.execution],
    ['Sizing', m.sizing],
    ['Universe', m.universe],
    ['Selection', m.selection],
    ['Costs', m.costs],
  ];
  return `${banner}<section id="model" class="model">
<h2>Model simulated</h2>
<p class="note">The rules in force for this run (<code>report.model</code>); the package README, "Walk-forward rules", states each in full.</p>
<dl>
${rows
  .map(
    ([k, v]) =>
      `<dt>${k}</dt><dd${k === 'Execution' ? ' class="execution"' : ''} data-rule="${k.toLowerCase()}">${escapeXml(v)}</dd>`,
  )
  .join('\n')}
</dl>
</section>`;
}
