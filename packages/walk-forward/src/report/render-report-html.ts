/**
 * The walk-forward report as one self-contained HTML tearsheet: inline CSS, inline SVG charts, no network
 * access and no external script. Output is deterministic for equal inputs.
 *
 * Sections live in `./sections/`, the computed quantities beside this file (`monthly-returns.ts`,
 * `rolling-sharpe.ts`, `top-drawdowns.ts`, `pair-attribution.ts`).
 *
 * @module
 */
import type { PricePanel } from '../price-panel.js';
import type { WalkForwardReport } from '../walk-forward-report.js';
import { nsFormatterFor } from './format.js';
import { type PairName, rankSelectedPairs } from './pair-spread-series.js';
import { REPORT_CSS } from './report-css.js';
import { defaultRollingSharpeBars } from './rolling-sharpe.js';
import { configSection } from './sections/config-section.js';
import { definitionsSection } from './sections/definitions-section.js';
import { drawdownsSection } from './sections/drawdowns-section.js';
import { kpiSection } from './sections/kpi-section.js';
import { modelSection } from './sections/model-section.js';
import { monthlyReturnsSection } from './sections/monthly-returns-section.js';
import { multipleTestingSection } from './sections/multiple-testing-section.js';
import { pairAttributionSection } from './sections/pair-attribution-section.js';
import {
  drawdownSection,
  equitySection,
  exposureSection,
  rollingSharpeSection,
  windowReturnsSection,
} from './sections/performance-charts.js';
import { SPREAD_SELECT_SCRIPT, spreadSection } from './sections/spread-section.js';
import { DEFAULT_MAX_TRADE_ROWS, tradesSection } from './sections/trades-section.js';
import { windowsSection } from './sections/windows-section.js';
import { escapeXml } from './svg-chart.js';

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
  /**
   * Bars in the rolling-Sharpe window. Default round(periodsPerYear / 4) (63 for daily bars: a quarter of
   * a year, enough bars to mean something while still moving with regimes), or `config.testBars` when
   * shorter (intraday runs).
   */
  rollingSharpeBars?: number;
  /**
   * Trades listed in the trade table (default 2,000, which keeps the page quick to open); the page says
   * how many more exist (report.json has them all).
   */
  maxTradeRows?: number;
}

const NAV: [string, string][] = [
  ['model', 'Model'],
  ['kpis', 'Summary'],
  ['multiple-testing', 'Multiple testing'],
  ['equity', 'Equity'],
  ['monthly-returns', 'Monthly'],
  ['drawdowns', 'Drawdowns'],
  ['trades', 'Trades'],
  ['attribution', 'By pair'],
  ['spread', 'Spreads'],
  ['pairs', 'Windows'],
  ['definitions', 'Definitions'],
  ['config', 'Config'],
];

/**
 * Renders a walk-forward report as a self-contained HTML tearsheet, top to bottom: the model simulated
 * (`report.model`, with a red banner for same-bar fills), KPIs and the gross-to-net P&L bridge, the
 * multiple-testing caveat (run and per window), equity (currency and %), drawdown, exposure, rolling
 * Sharpe, monthly returns heatmap, top drawdowns, per-window returns, the trade list, P&L by pair, spread
 * z-scores with bands and trades (needs `options.panel`), the selected pairs per window, definitions of
 * every figure and the configuration.
 *
 * Element ids for tests and links: sections `model`, `kpis`, `multiple-testing`, `equity`, `drawdown`,
 * `exposure`, `rolling-sharpe`, `monthly-returns`, `drawdowns`, `window-returns`, `trades`, `attribution`,
 * `spread`, `pairs`, `definitions`, `config`; charts `equity-chart`, `drawdown-chart`, `exposure-chart`,
 * `rolling-sharpe-chart`, `window-returns-chart`, `spread-<y>-<x>`; tables `multiple-testing-table`,
 * `monthly-returns-table`, `drawdowns-table`, `trades-table`, `attribution-table`, `pairs-table`,
 * `config-table`; P&L tiles `pnl-gross` … `pnl-net`. Charts are inline SVG with `<title>` tooltips.
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
  const date = nsFormatterFor(report.equityCurve.timestampsNs);
  const first = report.windows[0];
  const last = report.windows[report.windows.length - 1];
  const period = first && last ? `${date(first.testStartNs)} → ${date(last.testEndNs)}` : 'no windows';
  const rollingBars =
    options.rollingSharpeBars ??
    defaultRollingSharpeBars(report.summary.periodsPerYear, report.config.testBars);
  const pairs = options.pairs ?? rankSelectedPairs(report, 6);
  const c = report.config;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@mmtape/walk-forward">
<title>${escapeXml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(options.subtitle ? `${options.subtitle} · ` : '')}${report.symbols.length} symbols · ${report.windows.length} windows · test period ${escapeXml(period)} · ${c.mode} ${c.trainBars}-bar training, ${c.testBars}-bar test · ${escapeXml(c.method)}</p>
<nav>${NAV.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav>
</header>
<main>
${modelSection(report)}
${kpiSection(report)}
${multipleTestingSection(report, date)}
${equitySection(report)}
${drawdownSection(report)}
${exposureSection(report)}
${rollingSharpeSection(report, rollingBars)}
${monthlyReturnsSection(report)}
${drawdownsSection(report, date)}
${windowReturnsSection(report, date)}
${tradesSection(report, date, options.maxTradeRows ?? DEFAULT_MAX_TRADE_ROWS)}
${pairAttributionSection(report)}
${spreadSection(report, options.panel, pairs, date)}
${windowsSection(report, date)}
${definitionsSection(report, rollingBars)}
${configSection(report)}
</main>
<footer>Generated by mmtape${options.generatedAt ? ` on ${escapeXml(options.generatedAt)}` : ''}. Self-contained: no network access needed.</footer>
<script>${SPREAD_SELECT_SCRIPT}</script>
</body>
</html>
`;
}
