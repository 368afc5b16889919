/**
 * The walk-forward report as one self-contained HTML page: inline CSS, inline SVG charts, no network
 * access and no external script. Output is deterministic for equal inputs.
 *
 * @module
 */
import type { PricePanel } from '../price-panel.js';
import type { WalkForwardReport } from '../walk-forward-report.js';
import { type PairName, pairSpreadSeries, rankSelectedPairs } from './pair-spread-series.js';
import { barChart, escapeXml, lineChart, type TimeSpan } from './svg-chart.js';
import { formatDate, nsToMs } from './time-axis.js';

/** Options of {@link renderReportHtml}. */
export interface RenderReportHtmlOptions {
  /** Page title. Default `mmtape walk-forward report`. */
  title?: string;
  /**
   * The price panel the report was computed on (same symbols and timeline). Needed for the spread
   * charts; without it the page says how to get them.
   */
  panel?: PricePanel;
  /**
   * Pairs whose spread is charted (first one shown, the others selectable). Default: up to 6 pairs,
   * most often selected first (see `rankSelectedPairs`).
   */
  pairs?: readonly PairName[];
  /** Free text shown under the title, e.g. the dataset path. */
  subtitle?: string;
  /** Timestamp shown in the footer (omit it for byte-identical output across runs). */
  generatedAt?: string;
}

const COLORS = {
  equity: '#1565c0',
  drawdown: '#c62828',
  z: '#37474f',
  entry: '#ef6c00',
  exit: '#2e7d32',
  stop: '#c62828',
  long: 'rgba(46,125,50,0.12)',
  short: 'rgba(198,40,40,0.10)',
};

function pct(x: number | null | undefined, digits = 2): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a';
}

function num(x: number | null | undefined, digits = 2): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function pValue(p: number | null): string {
  if (p === null) return '—';
  return p < 0.0001 ? p.toExponential(1) : p.toFixed(4);
}

function day(ns: string): string {
  return formatDate(nsToMs(ns));
}

const CSS = `
:root { --fg:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff; --accent:#1565c0; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--fg); background:var(--bg); }
header { background:#102a43; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header p { margin:0; color:#bcccdc; }
main { max-width:1100px; margin:0 auto; padding:24px 32px 48px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin:0 0 20px; }
h2 { font-size:16px; margin:0 0 4px; font-weight:600; }
.note { color:var(--muted); margin:0 0 12px; font-size:13px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); gap:12px; }
.kpi { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.kpi .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.kpi .value { font-size:22px; font-weight:600; font-variant-numeric:tabular-nums; }
.pos { color:#2e7d32; } .neg { color:#c62828; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart .grid { stroke:#eef1f4; stroke-width:1; }
svg.chart .axis { stroke:#9aa5b1; stroke-width:1; }
svg.chart .tick, svg.chart .muted { fill:var(--muted); font-size:11px; }
svg.chart .axis-label { fill:var(--muted); font-size:12px; }
svg.chart .ref { stroke-width:1.2; }
svg.chart .ref-label { font-size:11px; }
svg.chart .area { opacity:.15; }
svg.chart .marker { fill:transparent; stroke:none; }
svg.chart .marker:hover { fill:#102a43; }
svg.chart .bar:hover { opacity:.75; }
.legend { display:flex; flex-wrap:wrap; gap:16px; margin:8px 0 0; color:var(--muted); font-size:12px; }
.legend i { display:inline-block; width:18px; height:0; border-top:2px solid; vertical-align:middle; margin-right:6px; }
.legend i.box { height:10px; border:none; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; font-size:13px; }
th, td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
th { background:#f0f4f8; position:sticky; top:0; font-weight:600; }
th:first-child, td:first-child, td.l, th.l { text-align:left; }
.table-wrap { max-height:520px; overflow:auto; border:1px solid var(--line); border-radius:6px; }
select { font:inherit; padding:4px 8px; margin:0 0 8px; }
.spread[hidden] { display:none; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:0 0 24px; }
`;

// Shows the spread chart of the pair chosen in the <select>; the page works without it (first pair shown).
const SCRIPT = `
document.getElementById('pair-select')?.addEventListener('change', function (e) {
  var v = e.target.value;
  document.querySelectorAll('section.spreads .spread').forEach(function (el) { el.hidden = el.dataset.pair !== v; });
});
`;

function kpi(label: string, value: string, sign?: number): string {
  const cls = sign === undefined || !Number.isFinite(sign) || sign === 0 ? '' : sign > 0 ? ' pos' : ' neg';
  return `<div class="kpi"><div class="label">${escapeXml(label)}</div><div class="value${cls}">${escapeXml(value)}</div></div>`;
}

function legend(items: { label: string; color: string; dash?: boolean; box?: boolean }[]): string {
  return `<div class="legend">${items
    .map((i) =>
      i.box
        ? `<span><i class="box" style="background:${i.color}"></i>${escapeXml(i.label)}</span>`
        : `<span><i style="border-color:${i.color}${i.dash ? ';border-top-style:dashed' : ''}"></i>${escapeXml(i.label)}</span>`,
    )
    .join('')}</div>`;
}

function spreadSection(report: WalkForwardReport, panel: PricePanel, pair: PairName, first: boolean): string {
  const series = pairSpreadSeries(report, panel, pair);
  const timesMs: number[] = [];
  const values: number[] = [];
  const spans: TimeSpan[] = [];
  for (const seg of series.segments) {
    if (timesMs.length > 0) {
      // A gap between windows where the pair was not traded.
      timesMs.push(timesMs[timesMs.length - 1]!);
      values.push(Number.NaN);
    }
    let open = -1;
    seg.timestampsNs.forEach((ns, i) => {
      const t = nsToMs(ns);
      timesMs.push(t);
      values.push(seg.z[i]!);
      const s = seg.signal[i]!;
      if (s !== 0 && open < 0) open = i;
      const closes = open >= 0 && (i === seg.signal.length - 1 || seg.signal[i + 1] !== s);
      if (closes) {
        spans.push({
          startMs: nsToMs(seg.timestampsNs[open]!),
          endMs: nsToMs(seg.timestampsNs[Math.min(i + 1, seg.timestampsNs.length - 1)]!),
          color: s > 0 ? COLORS.long : COLORS.short,
          label: `${s > 0 ? 'long' : 'short'} spread, window ${seg.windowIndex}, from ${day(seg.timestampsNs[open]!)}`,
        });
        open = -1;
      }
    });
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
      { value: 0, label: '0', color: '#9aa5b1' },
      { value: -exitZ, label: `exit −${exitZ}`, color: COLORS.exit, dash: '2 3' },
      { value: -entryZ, label: `entry −${entryZ}`, color: COLORS.entry, dash: '6 4' },
      { value: -stopZ, label: `stop −${stopZ}`, color: COLORS.stop },
    ],
    spans,
    formatY: (v) => v.toFixed(1),
    yLabel: 'z-score (σ of training spread)',
    heightPx: 320,
  });
  return `<div class="spread" data-pair="${escapeXml(key)}"${first ? '' : ' hidden'}>
<p class="note">y = ${escapeXml(pair.y)}, x = ${escapeXml(pair.x)}; z = (y − β·x − μ) / σ with each window's training β, μ, σ; traded in window(s) ${escapeXml(windows)}. Shaded: position held (signal at the close, executed ${report.config.executionDelayBars} bar later).</p>
${chart}
${legend([
  { label: 'spread z-score', color: COLORS.z },
  { label: `entry ±${entryZ}`, color: COLORS.entry, dash: true },
  { label: `exit ±${exitZ}`, color: COLORS.exit, dash: true },
  { label: `stop ±${stopZ}`, color: COLORS.stop },
  { label: 'long spread', color: COLORS.long, box: true },
  { label: 'short spread', color: COLORS.short, box: true },
])}
</div>`;
}

/**
 * Renders a walk-forward report as a self-contained HTML page with: summary figures, the equity curve
 * (cumulative return, %), the drawdown (%), per-window test returns (%), the spread z-score with
 * entry/exit/stop bands for chosen pairs (needs `options.panel`), a table of the pairs selected in each
 * window (hedge ratio, half-life, p-value, correlation, trades, P&L) and the configuration.
 *
 * Charts are inline SVG (ids `equity-chart`, `drawdown-chart`, `window-returns-chart`, `spread-<y>-<x>`)
 * with `<title>` tooltips. Nothing is fetched when the page is viewed.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { renderReportHtml } from '@mmtape/walk-forward';
 * writeFileSync('out/report.html', renderReportHtml(report, { panel }));
 * ```
 */
export function renderReportHtml(report: WalkForwardReport, options: RenderReportHtmlOptions = {}): string {
  const title = options.title ?? 'mmtape walk-forward report';
  const s = report.summary;
  const timesMs = report.equityCurve.timestampsNs.map(nsToMs);
  const equity = report.equityCurve.equity;
  const cumulative = equity.map((e) => e - 1);
  let peak = 1;
  const drawdown = equity.map((e) => {
    peak = Math.max(peak, e);
    return e / peak - 1;
  });
  const first = report.windows[0];
  const last = report.windows[report.windows.length - 1];
  const period = first && last ? `${day(first.testStartNs)} → ${day(last.testEndNs)}` : 'no windows';
  const pctAxis = (v: number) => `${(v * 100).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0)}%`;

  const equityChart = lineChart({
    id: 'equity-chart',
    title: 'Equity curve: cumulative return of the test windows',
    series: [
      { name: 'cumulative return', color: COLORS.equity, timesMs, values: cumulative, fillTo: 0, widthPx: 2 },
    ],
    includeY: [0],
    formatY: pctAxis,
    yLabel: 'Cumulative return (%)',
  });
  const drawdownChart = lineChart({
    id: 'drawdown-chart',
    title: 'Drawdown from the running peak',
    series: [{ name: 'drawdown', color: COLORS.drawdown, timesMs, values: drawdown, fillTo: 0 }],
    includeY: [0],
    formatY: pctAxis,
    yLabel: 'Drawdown (%)',
    heightPx: 220,
  });
  const windowChart = barChart({
    id: 'window-returns-chart',
    title: 'Return of each test window',
    bars: report.windows.map((w) => ({
      label: day(w.testStartNs).slice(0, 7),
      value: w.return,
      tooltip: `window ${w.index}: ${day(w.testStartNs)} → ${day(w.testEndNs)}, return ${pct(w.return)}, ${w.selected.length} pair(s), ${w.trades} trade(s)`,
    })),
    formatY: pctAxis,
    yLabel: 'Window return (%)',
  });

  const pairs = options.pairs ?? rankSelectedPairs(report, 6);
  let spreads: string;
  if (!options.panel) {
    spreads =
      '<p class="note">Spread charts need the price panel: render with <code>renderReportHtml(report, { panel })</code> (the <code>mmtape walk-forward</code> command does).</p>';
  } else if (pairs.length === 0) {
    spreads = '<p class="note">No pair was selected in any window.</p>';
  } else {
    const selectBox =
      pairs.length > 1
        ? `<label>Pair: <select id="pair-select">${pairs
            .map(
              (p) => `<option value="${escapeXml(`${p.y}/${p.x}`)}">${escapeXml(`${p.y} / ${p.x}`)}</option>`,
            )
            .join('')}</select></label>`
        : '';
    spreads = selectBox + pairs.map((p, i) => spreadSection(report, options.panel!, p, i === 0)).join('\n');
  }

  const rows = report.windows.flatMap((w) => {
    const head = `<td class="l">${w.index}</td><td class="l">${day(w.testStartNs)} → ${day(w.testEndNs)}</td>`;
    if (w.selected.length === 0) {
      return [
        `<tr>${head}<td class="l">—</td><td></td><td></td><td></td><td></td><td></td><td></td><td class="${w.return >= 0 ? 'pos' : 'neg'}">${pct(w.return)}</td></tr>`,
      ];
    }
    return w.selected.map(
      (p, k) =>
        `<tr>${k === 0 ? head : '<td></td><td></td>'}<td class="l">${escapeXml(`${p.y} / ${p.x}`)}</td><td>${num(p.hedgeRatio, 3)}</td><td>${num(p.halfLifeBars, 1)}</td><td>${pValue(p.pValue)}</td><td>${num(p.correlation, 2)}</td><td>${p.trades}</td><td class="${p.pnl >= 0 ? 'pos' : 'neg'}">${pct(p.pnl / p.pairCapital)}</td><td class="${w.return >= 0 ? 'pos' : 'neg'}">${k === 0 ? pct(w.return) : ''}</td></tr>`,
    );
  });
  const configRows = Object.entries(report.config)
    .map(([k, v]) => `<tr><td class="l">${escapeXml(k)}</td><td>${escapeXml(JSON.stringify(v))}</td></tr>`)
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@mmtape/walk-forward">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(options.subtitle ? `${options.subtitle} · ` : '')}${report.symbols.length} symbols · ${report.windows.length} windows · test period ${escapeXml(period)} · ${report.config.mode} ${report.config.trainBars}-bar training, ${report.config.testBars}-bar test</p>
</header>
<main>
<section class="kpis-section" style="background:none;border:none;padding:0">
<div class="kpis">
${kpi('Total return', pct(s.totalReturn), s.totalReturn)}
${kpi('Annualised return', pct(s.annualizedReturn), s.annualizedReturn)}
${kpi('Annualised volatility', pct(s.annualizedVolatility))}
${kpi('Sharpe ratio', num(s.sharpe), s.sharpe)}
${kpi('Max drawdown', pct(-Math.abs(s.maxDrawdown)), s.maxDrawdown === 0 ? 0 : -1)}
${kpi('Trades', String(s.trades))}
${kpi('Hit rate', pct(s.hitRate, 1))}
${kpi('Bars traded', String(s.bars))}
</div>
</section>
<section id="equity">
<h2>Equity curve</h2>
<p class="note">Cumulative return of the portfolio over the concatenated test windows (net of commission ${report.config.commissionBps} bps + slippage ${report.config.slippageBps} bps per leg per fill and short borrow ${report.config.borrowBpsPerYear} bps/year).</p>
${equityChart}
${legend([{ label: 'cumulative return (%)', color: COLORS.equity }])}
</section>
<section id="drawdown">
<h2>Drawdown</h2>
<p class="note">Equity relative to its running peak; maximum ${pct(s.maxDrawdown)}.</p>
${drawdownChart}
</section>
<section id="window-returns">
<h2>Return per test window</h2>
<p class="note">Compounded return of each ${report.config.testBars}-bar test window (hover a bar for its pairs and trades).</p>
${windowChart}
</section>
<section id="spread" class="spreads">
<h2>Spread and trading bands</h2>
${spreads}
</section>
<section id="pairs">
<h2>Selected pairs per window</h2>
<p class="note">Training-window statistics of the pairs traded in each test window: hedge ratio β of y = α + β·x, spread half-life (bars), Engle–Granger p-value (MacKinnon), correlation of log returns; trades and P&amp;L in the test window.</p>
<div class="table-wrap"><table id="pairs-table">
<thead><tr><th class="l">Window</th><th class="l">Test period</th><th class="l">Pair (y / x)</th><th>Hedge ratio β</th><th>Half-life (bars)</th><th>p-value</th><th>Correlation</th><th>Trades</th><th>Pair P&amp;L</th><th>Window return</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>
</section>
<section id="config">
<h2>Configuration</h2>
<div class="table-wrap"><table><thead><tr><th class="l">Setting</th><th>Value</th></tr></thead><tbody>${configRows}</tbody></table></div>
<p class="note">Result cache: ${report.cache.hits} hit(s), ${report.cache.misses} miss(es).</p>
</section>
</main>
<footer>Generated by mmtape${options.generatedAt ? ` on ${escapeXml(options.generatedAt)}` : ''}. Self-contained: no network access needed.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
