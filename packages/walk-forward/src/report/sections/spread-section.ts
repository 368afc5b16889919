/**
 * Spread z-score charts with the entry/exit/stop bands and the trades actually held.
 *
 * @module
 */
import type { PricePanel } from '../../price-panel.js';
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatMoney, type NsFormatter } from '../format.js';
import { COLORS, legend } from '../html-parts.js';
import { type PairName, pairSpreadSeries } from '../pair-spread-series.js';
import { type ChartPoint, escapeXml, lineChart, type TimeSpan } from '../svg-chart.js';
import { nsToMs } from '../time-axis.js';

function pairChart(
  report: WalkForwardReport,
  panel: PricePanel,
  pair: PairName,
  first: boolean,
  date: NsFormatter,
): string {
  const series = pairSpreadSeries(report, panel, pair);
  const timesMs: number[] = [];
  const values: number[] = [];
  const spans: TimeSpan[] = [];
  const points: ChartPoint[] = [];
  for (const seg of series.segments) {
    if (timesMs.length > 0) {
      // A gap between windows where the pair was not traded.
      timesMs.push(timesMs[timesMs.length - 1]!);
      values.push(Number.NaN);
    }
    seg.timestampsNs.forEach((ns, i) => {
      timesMs.push(nsToMs(ns));
      values.push(seg.z[i]!);
    });
    const start = report.windows[seg.windowIndex]!.testStartIndex;
    const zAt = (index: number) => seg.z[index - start] ?? Number.NaN;
    for (const t of seg.trades) {
      const long = t.side === 'long-spread';
      const what = `${long ? 'long' : 'short'} spread, window ${t.window}`;
      spans.push({
        startMs: nsToMs(t.entryNs),
        endMs: nsToMs(t.exitNs),
        color: long ? COLORS.long : COLORS.short,
        label: `${what}: entry ${date(t.entryNs)}, exit ${date(t.exitNs)} (${t.exitReason}), net ${formatMoney(t.netPnl)}`,
      });
      points.push(
        {
          timeMs: nsToMs(t.entryNs),
          value: zAt(t.entryIndex),
          color: COLORS.entry,
          shape: long ? 'up' : 'down',
          label: `entry fill ${date(t.entryNs)}, ${what} (signal ${date(t.signalNs)}, z ${t.entryZ.toFixed(2)})`,
        },
        {
          timeMs: nsToMs(t.exitNs),
          value: zAt(t.exitIndex),
          color:
            t.exitReason === 'stop' ? COLORS.stop : t.exitReason === 'signal' ? COLORS.exit : COLORS.forced,
          shape: 'circle',
          label: `exit fill ${date(t.exitNs)}, ${t.exitReason}, net ${formatMoney(t.netPnl)}`,
        },
      );
    }
  }
  const { entryZ, exitZ, stopZ } = report.config;
  const key = `${pair.y}/${pair.x}`;
  const windows = series.segments.map((s) => s.windowIndex).join(', ');
  const chart = lineChart({
    id: `spread-${pair.y}-${pair.x}`.replace(/[^A-Za-z0-9_-]/g, '_'),
    title: `Spread z-score of ${key}`,
    series: [{ name: `z(${key})`, color: COLORS.z, timesMs, values, widthPx: 1.4 }],
    referenceLines: [
      { value: stopZ, label: `stop +${stopZ}`, color: COLORS.stop },
      { value: entryZ, label: `entry +${entryZ}`, color: COLORS.entry, dash: '6 4' },
      { value: exitZ, label: `exit +${exitZ}`, color: COLORS.exit, dash: '2 3' },
      { value: 0, label: '0', color: COLORS.muted },
      { value: -exitZ, label: `exit −${exitZ}`, color: COLORS.exit, dash: '2 3' },
      { value: -entryZ, label: `entry −${entryZ}`, color: COLORS.entry, dash: '6 4' },
      { value: -stopZ, label: `stop −${stopZ}`, color: COLORS.stop },
    ],
    spans,
    points,
    formatY: (v) => v.toFixed(1),
    formatTooltip: (v) => v.toFixed(2),
    yLabel: 'z-score (σ of training spread)',
    heightPx: 320,
  });
  const trades = series.segments.reduce((n, s) => n + s.trades.length, 0);
  return `<div class="spread" data-pair="${escapeXml(key)}"${first ? '' : ' hidden'}>
<p class="note">y = ${escapeXml(pair.y)}, x = ${escapeXml(pair.x)}; z = (y − β·x − μ) / σ with each window's training β, μ, σ; selected in window(s) ${escapeXml(windows)}; ${trades} trade(s). Shaded: position held, from the entry fill to the exit fill (from the trade list; entries fill ${report.config.executionDelayBars} bar(s) after the signal).</p>
${chart}
${legend([
  { label: 'spread z-score', color: COLORS.z },
  { label: `entry ±${entryZ}`, color: COLORS.entry, dash: true },
  { label: `exit ±${exitZ}`, color: COLORS.exit, dash: true },
  { label: `stop ±${stopZ}`, color: COLORS.stop },
  { label: 'long spread held', color: COLORS.long, box: true },
  { label: 'short spread held', color: COLORS.short, box: true },
  { label: 'entry fill ▲ long / ▼ short', color: COLORS.entry, box: true },
  { label: 'exit fill ○ (green signal, red stop, grey forced)', color: COLORS.exit, box: true },
])}
</div>`;
}

/**
 * The spread section: a pair chooser and one chart per pair (only the first visible without script).
 * Without a panel, says how to get the charts.
 */
export function spreadSection(
  report: WalkForwardReport,
  panel: PricePanel | undefined,
  pairs: readonly PairName[],
  date: NsFormatter,
): string {
  let body: string;
  if (!panel) {
    body =
      '<p class="note">Spread charts need the price panel: render with <code>renderReportHtml(report, { panel })</code> (the <code>mmtape walk-forward</code> command does).</p>';
  } else if (pairs.length === 0) {
    body = '<p class="note">No pair was selected in any window.</p>';
  } else {
    const selectBox =
      pairs.length > 1
        ? `<label>Pair: <select id="pair-select">${pairs
            .map(
              (p) => `<option value="${escapeXml(`${p.y}/${p.x}`)}">${escapeXml(`${p.y} / ${p.x}`)}</option>`,
            )
            .join('')}</select></label>`
        : '';
    body = selectBox + pairs.map((p, i) => pairChart(report, panel, p, i === 0, date)).join('\n');
  }
  return `<section id="spread" class="spreads">
<h2>Spread and trading bands</h2>
${body}
</section>`;
}

/** The page's only script: shows the spread chart of the pair chosen in the `<select>`. */
export const SPREAD_SELECT_SCRIPT = `
document.getElementById('pair-select')?.addEventListener('change', function (e) {
  var v = e.target.value;
  document.querySelectorAll('section.spreads .spread').forEach(function (el) { el.hidden = el.dataset.pair !== v; });
});
`;
