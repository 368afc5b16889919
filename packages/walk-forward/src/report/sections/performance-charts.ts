/**
 * Time-series charts of the portfolio: equity (currency and return), drawdown, exposure, rolling Sharpe
 * and the return of each test window.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatMoney, formatNumber, formatPercent, type NsFormatter } from '../format.js';
import { COLORS, legend, section } from '../html-parts.js';
import { rollingSharpe } from '../rolling-sharpe.js';
import { barChart, lineChart } from '../svg-chart.js';
import { nsToMs } from '../time-axis.js';
import { underwaterCurve } from '../top-drawdowns.js';

/** Right margin of the stacked time charts: room for the equity chart's return axis, equal for all so dates align. */
const RIGHT_MARGIN_PX = 72;

/** Axis label of a fraction as percent, with one decimal for small values. */
export function percentAxis(v: number): string {
  return `${(v * 100).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0)}%`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Short axis label of an amount: `995k`, `1.005M`, `2.5B` (full amounts are in the tooltips). */
export function compactMoney(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${trimZeros((v / 1e9).toFixed(3))}B`;
  if (a >= 1e6) return `${trimZeros((v / 1e6).toFixed(3))}M`;
  if (a >= 1e4) return `${trimZeros((v / 1e3).toFixed(2))}k`;
  return formatMoney(v, 0);
}

/** Equity in currency (left axis) with the return since the start (right axis). */
export function equitySection(report: WalkForwardReport): string {
  const timesMs = report.equityCurve.timestampsNs.map(nsToMs);
  const initial = report.summary.initialCapital;
  const c = report.config;
  const chart = lineChart({
    id: 'equity-chart',
    title: 'Equity of the portfolio over the concatenated test windows',
    series: [
      {
        name: 'equity',
        color: COLORS.equity,
        timesMs,
        values: report.equityCurve.equity,
        fillTo: initial,
        widthPx: 2,
      },
    ],
    referenceLines: [{ value: initial, label: 'initial capital', color: COLORS.muted, dash: '4 4' }],
    formatY: compactMoney,
    formatTooltip: (v) => `${formatMoney(v)} (${formatPercent(v / initial - 1)})`,
    yLabel: 'Equity (currency)',
    rightMarginPx: RIGHT_MARGIN_PX,
    secondaryAxis: { format: (v) => percentAxis(v / initial - 1), label: 'Return since start (%)' },
  });
  return section(
    'equity',
    'Equity curve',
    `Equity after each test bar, from ${formatMoney(initial, 0)}, net of commission ${c.commissionBps} bps + slippage ${c.slippageBps} bps per leg per fill and short borrow ${c.borrowBpsPerYear} bps/year. Right axis: the same curve as return since the start.`,
    `${chart}\n${legend([
      { label: 'equity (currency)', color: COLORS.equity },
      { label: 'initial capital', color: COLORS.muted, dash: true },
    ])}`,
  );
}

/** Underwater curve: equity relative to its running peak. */
export function drawdownSection(report: WalkForwardReport): string {
  const timesMs = report.equityCurve.timestampsNs.map(nsToMs);
  const chart = lineChart({
    id: 'drawdown-chart',
    title: 'Drawdown from the running peak',
    series: [
      {
        name: 'drawdown',
        color: COLORS.drawdown,
        timesMs,
        values: underwaterCurve(report.equityCurve.equity, report.summary.initialCapital),
        fillTo: 0,
      },
    ],
    includeY: [0],
    formatY: percentAxis,
    formatTooltip: (v) => formatPercent(v),
    yLabel: 'Drawdown (%)',
    heightPx: 220,
    rightMarginPx: RIGHT_MARGIN_PX,
  });
  return section(
    'drawdown',
    'Drawdown',
    `Equity relative to its running peak (the initial capital is the first peak); maximum ${formatPercent(report.summary.maxDrawdown)}.`,
    chart,
  );
}

/** Gross and net exposure (fractions of equity) after each bar. */
export function exposureSection(report: WalkForwardReport): string {
  const timesMs = report.equityCurve.timestampsNs.map(nsToMs);
  const s = report.summary;
  const chart = lineChart({
    id: 'exposure-chart',
    title: 'Gross and net exposure as a fraction of equity',
    series: [
      {
        name: 'gross exposure',
        color: COLORS.gross,
        timesMs,
        values: report.equityCurve.grossExposure,
        fillTo: 0,
        widthPx: 1.2,
      },
      {
        name: 'net exposure',
        color: COLORS.net,
        timesMs,
        values: report.equityCurve.netExposure,
        widthPx: 1.2,
      },
    ],
    includeY: [0],
    formatY: percentAxis,
    formatTooltip: (v) => formatPercent(v, 1),
    yLabel: 'Exposure (% of equity)',
    heightPx: 220,
    rightMarginPx: RIGHT_MARGIN_PX,
  });
  return section(
    'exposure',
    'Exposure',
    `Σ |notional| (gross) and Σ signed notional (net, long − short) of the open positions after each bar's close, over equity. Averages: gross ${formatPercent(s.averageGrossExposure, 1)}, net ${formatPercent(s.averageNetExposure, 1)}; a position is held on ${formatPercent(s.timeInMarket, 1)} of bars.`,
    `${chart}\n${legend([
      { label: 'gross exposure', color: COLORS.gross },
      { label: 'net exposure', color: COLORS.net },
    ])}`,
  );
}

/** Rolling annualised Sharpe ratio over `windowBars` bars. */
export function rollingSharpeSection(report: WalkForwardReport, windowBars: number): string {
  const timesMs = report.equityCurve.timestampsNs.map(nsToMs);
  const n = report.equityCurve.returns.length;
  const s = report.summary;
  if (n < windowBars) {
    return section(
      'rolling-sharpe',
      'Rolling Sharpe ratio',
      `Not shown: the run has ${n} test bars, fewer than the ${windowBars}-bar window.`,
      '',
    );
  }
  const values = rollingSharpe(report.equityCurve.returns, windowBars, s.periodsPerYear);
  const chart = lineChart({
    id: 'rolling-sharpe-chart',
    title: `Rolling ${windowBars}-bar Sharpe ratio`,
    series: [{ name: `${windowBars}-bar Sharpe`, color: COLORS.sharpe, timesMs, values, widthPx: 1.4 }],
    referenceLines: [
      { value: 0, label: '0', color: COLORS.muted },
      { value: s.sharpe, label: `whole run ${formatNumber(s.sharpe)}`, color: COLORS.equity, dash: '6 4' },
    ],
    formatY: (v) => v.toFixed(1),
    formatTooltip: (v) => formatNumber(v),
    yLabel: 'Sharpe ratio (annualised)',
    heightPx: 240,
    rightMarginPx: RIGHT_MARGIN_PX,
  });
  return section(
    'rolling-sharpe',
    'Rolling Sharpe ratio',
    `Annualised Sharpe ratio of the trailing ${windowBars} bar returns (mean / std · √${s.periodsPerYear}), drawn from the first bar where the window is full. Windows span test-window boundaries.`,
    `${chart}\n${legend([
      { label: `${windowBars}-bar Sharpe`, color: COLORS.sharpe },
      { label: 'whole-run Sharpe', color: COLORS.equity, dash: true },
    ])}`,
  );
}

/** Bar chart of the compounded return of each test window. */
export function windowReturnsSection(report: WalkForwardReport, date: NsFormatter): string {
  // Month labels (YYYY-MM) when each window starts in its own month, else the start day.
  const months = report.windows.map((w) => date(w.testStartNs).slice(0, 7));
  const label = new Set(months).size === months.length ? 7 : 10;
  const chart = barChart({
    id: 'window-returns-chart',
    title: 'Return of each test window',
    bars: report.windows.map((w) => ({
      label: date(w.testStartNs).slice(0, label),
      value: w.return,
      tooltip: `window ${w.index}: ${date(w.testStartNs)} → ${date(w.testEndNs)}, return ${formatPercent(w.return)}, net P&L ${formatMoney(w.pnl)}, ${w.selected.length} pair(s), ${w.trades} trade(s)`,
    })),
    formatY: percentAxis,
    yLabel: 'Window return (%)',
  });
  return section(
    'window-returns',
    'Return per test window',
    `Compounded return of each ${report.config.testBars}-bar test window (hover a bar for its pairs and trades).`,
    chart,
  );
}
