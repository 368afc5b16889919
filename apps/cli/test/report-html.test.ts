import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import {
  buildPanel,
  pairAttribution,
  pairSpreadSeries,
  rankSelectedPairs,
  renderReportHtml,
  runWalkForward,
  type WalkForwardReport,
} from '@mmtape/walk-forward';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { quietCtx, tempDir } from './helpers.js';

const tmp = tempDir('report-html');
let report: WalkForwardReport;
let panel: ReturnType<typeof buildPanel>;
let html: string;

beforeAll(async () => {
  const dir = join(tmp.dir, 'ds');
  await runIngest([demoDataDir()], { out: dir }, quietCtx);
  const dataset = Dataset.open(dir);
  try {
    panel = buildPanel(dataset);
    report = await runWalkForward(panel, {});
  } finally {
    dataset.close();
  }
  html = renderReportHtml(report, { panel });
});
afterAll(() => tmp.cleanup());

/** The `<tbody>` rows of the table with this id. */
function bodyRows(page: string, id: string): string[] {
  const start = page.indexOf(`<table id="${id}"`);
  expect(start, `table #${id}`).toBeGreaterThanOrEqual(0);
  const body = page.slice(page.indexOf('<tbody>', start), page.indexOf('</tbody>', start));
  return body.split('<tr').slice(1);
}

/** The text of the KPI tile with this id. */
function tileValue(page: string, id: string): string {
  const m = new RegExp(`id="${id}"><div class="label">[^<]*</div><div class="value[^"]*">([^<]*)</div>`).exec(
    page,
  );
  expect(m, `tile #${id}`).not.toBeNull();
  return m![1]!;
}

/** Money as en-US with 2 decimals: an independent formatter to check the page's. */
function money(x: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

describe('renderReportHtml', () => {
  it('is deterministic and self-contained, with every number defined', () => {
    expect(renderReportHtml(report, { panel })).toBe(html);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/NaN|undefined|Infinity|\[object/);
  });

  it('has every tearsheet section', () => {
    for (const id of [
      'model',
      'kpis',
      'multiple-testing',
      'equity',
      'drawdown',
      'exposure',
      'rolling-sharpe',
      'monthly-returns',
      'drawdowns',
      'window-returns',
      'trades',
      'attribution',
      'spread',
      'pairs',
      'definitions',
      'config',
    ]) {
      expect(html, id).toContain(`<section id="${id}"`);
    }
    for (const id of ['equity-chart', 'drawdown-chart', 'exposure-chart', 'rolling-sharpe-chart']) {
      expect(html, id).toContain(`<svg id="${id}"`);
    }
    for (const term of [
      'Calmar ratio',
      'Sortino ratio',
      'Time in market',
      'Rolling Sharpe',
      'Expected by chance',
    ]) {
      expect(html).toContain(`<dt>${term}</dt>`);
    }
  });

  it('has as many cells in every table row as header columns', () => {
    for (const id of [
      'multiple-testing-table',
      'monthly-returns-table',
      'drawdowns-table',
      'trades-table',
      'attribution-table',
      'pairs-table',
    ]) {
      const start = html.indexOf(`<table id="${id}"`);
      const head = html.slice(start, html.indexOf('</thead>', start));
      const columns = head.split(/<th[ >]/).length - 1;
      for (const row of bodyRows(html, id)) expect(row.split(/<t[dh][ >]/).length - 1, id).toBe(columns);
    }
  });

  it('states the model verbatim at the top, and warns of same-bar fills', () => {
    const model = html.indexOf('<section id="model"');
    expect(model).toBeLessThan(html.indexOf('<section id="kpis"'));
    for (const sentence of Object.values(report.model)) expect(html).toContain(escapeHtml(sentence));
    expect(report.config.executionDelayBars).toBe(1);
    expect(html).not.toContain('same-bar-warning');
    const sameBar = renderReportHtml({ ...report, config: { ...report.config, executionDelayBars: 0 } });
    expect(sameBar).toMatch(/<div class="banner danger" id="same-bar-warning">[^<]*same-bar fills/);
  });

  it('shows the gross-to-net P&L and the KPIs from the summary', () => {
    const s = report.summary;
    expect(tileValue(html, 'pnl-net')).toBe(money(s.netPnl));
    expect(tileValue(html, 'pnl-gross')).toBe(money(s.grossPnl));
    expect(tileValue(html, 'pnl-commission')).toBe(money(-s.commission));
    expect(tileValue(html, 'pnl-slippage')).toBe(money(-s.slippage));
    expect(tileValue(html, 'pnl-borrow')).toBe(money(-s.borrow));
    expect(tileValue(html, 'kpi-calmar')).toBe(s.calmar.toFixed(2));
    expect(tileValue(html, 'kpi-time-in-market')).toBe(`${(s.timeInMarket * 100).toFixed(1)}%`);
    expect(tileValue(html, 'kpi-gross-exposure')).toBe(`${(s.averageGrossExposure * 100).toFixed(1)}%`);
    expect(tileValue(html, 'kpi-net-exposure')).toBe(`${(s.averageNetExposure * 100).toFixed(1)}%`);
  });

  it('states the multiple-testing caveat for the run and each window', () => {
    const s = report.summary;
    expect(html).toContain(
      `${s.pairsPassedCoint} pairs passed of ${s.pairsTested.toLocaleString('en-US')} tested; ${Math.round(s.expectedFalsePositives)} would pass by chance alone if no pair were cointegrated`,
    );
    // The demo passes fewer pairs than chance alone gives: the run-level caveat is a warning.
    expect(s.pairsPassedCoint).toBeLessThanOrEqual(2 * s.expectedFalsePositives);
    expect(html).toContain('<div class="callout warn" id="multiple-testing-run">');
    const rows = bodyRows(html, 'multiple-testing-table');
    expect(rows).toHaveLength(report.windows.length);
    const weak = report.windows.filter(
      (w) => w.pairsTested > 0 && w.pairsPassedCoint <= 2 * w.expectedFalsePositives,
    );
    expect(rows.filter((r) => r.startsWith(' class="warn"'))).toHaveLength(weak.length);
    const w5 = report.windows[5]!;
    expect(rows[5]).toContain(
      `title="window 5: ${w5.pairsPassedCoint} pair${w5.pairsPassedCoint === 1 ? '' : 's'} passed of ${w5.pairsTested} tested; ${w5.expectedFalsePositives.toFixed(1)} would pass by chance alone`,
    );
  });

  it('lists every trade, with totals equal to the summary', () => {
    expect(report.trades.length).toBeGreaterThan(0);
    const rows = bodyRows(html, 'trades-table');
    expect(rows).toHaveLength(report.trades.length);
    const t = report.trades[0]!;
    expect(rows[0]).toContain(`${t.y} / ${t.x}`);
    expect(rows[0]).toContain(money(t.netPnl));
    const foot = html.slice(html.indexOf('<tfoot>', html.indexOf('id="trades-table"')));
    const net = report.trades.reduce((a, x) => a + x.netPnl, 0);
    expect(net).toBeCloseTo(report.summary.netPnl, 6);
    expect(foot).toContain(money(net));
    expect(html).not.toContain('trades-omitted');

    const capped = renderReportHtml(report, { maxTradeRows: 5 });
    expect(bodyRows(capped, 'trades-table')).toHaveLength(5);
    expect(capped).toContain(
      `Showing the first 5 trades; ${report.trades.length - 5} more are omitted here (report.json lists all ${report.trades.length})`,
    );
  });

  it('attributes the net P&L to pairs', () => {
    const pairs = pairAttribution(report);
    expect(bodyRows(html, 'attribution-table')).toHaveLength(pairs.length);
    expect(pairs.reduce((a, p) => a + p.netPnl, 0)).toBeCloseTo(report.summary.netPnl, 6);
    expect(pairs.reduce((a, p) => a + p.trades, 0)).toBe(report.trades.length);
    expect(pairs.reduce((a, p) => a + p.shareOfNetPnl!, 0)).toBeCloseTo(Math.sign(report.summary.netPnl), 9);
    for (let i = 1; i < pairs.length; i++) expect(pairs[i]!.netPnl).toBeLessThanOrEqual(pairs[i - 1]!.netPnl);
    const selections = report.windows.reduce((n, w) => n + w.selected.length, 0);
    expect(pairs.reduce((a, p) => a + p.windowsSelected, 0)).toBe(selections);
  });

  it('has one heatmap row per calendar year and one drawdown row per episode (at most 5)', () => {
    const years = new Set(
      report.equityCurve.timestampsNs.map((ns) => new Date(Number(BigInt(ns) / 1_000_000n)).getUTCFullYear()),
    );
    expect(bodyRows(html, 'monthly-returns-table')).toHaveLength(years.size);
    const dd = bodyRows(html, 'drawdowns-table');
    expect(dd.length).toBeGreaterThan(0);
    expect(dd.length).toBeLessThanOrEqual(5);
    expect(dd[0]).toContain(`${(-report.summary.maxDrawdown * 100).toFixed(2)}%`);
  });

  it('recomputes the traded z path from the panel and marks the trades of the report', () => {
    const [pair] = rankSelectedPairs(report, 1);
    expect(pair).toBeDefined();
    const series = pairSpreadSeries(report, panel, pair!);
    expect(series.segments.length).toBeGreaterThan(0);
    const seg = series.segments[0]!;
    const w = report.windows[seg.windowIndex]!;
    const p = w.selected.find((s) => s.y === pair!.y && s.x === pair!.x)!;
    const iy = panel.symbols.indexOf(pair!.y);
    const ix = panel.symbols.indexOf(pair!.x);
    const t = w.testStartIndex;
    expect(seg.z[0]).toBeCloseTo(
      (panel.closes[iy]![t]! - p.hedgeRatio * panel.closes[ix]![t]! - p.spreadMean) / p.spreadStd,
      12,
    );
    expect(seg.z.length).toBe(w.testEndIndex - w.testStartIndex);
    // Each segment carries the report's trades of that pair and window; the z at each signal bar is the
    // entry z the engine recorded.
    let trades = 0;
    for (const s of series.segments) {
      const start = report.windows[s.windowIndex]!.testStartIndex;
      expect(s.trades).toHaveLength(
        report.windows[s.windowIndex]!.selected.find((q) => q.y === pair!.y && q.x === pair!.x)!.trades,
      );
      for (const tr of s.trades) {
        expect(tr.window).toBe(s.windowIndex);
        expect(s.z[tr.signalIndex - start]).toBeCloseTo(tr.entryZ, 9);
        trades++;
      }
    }
    expect(trades).toBe(report.trades.filter((x) => x.y === pair!.y && x.x === pair!.x).length);
  });

  it('renders a run without windows or trades, saying so', () => {
    const empty: WalkForwardReport = {
      ...report,
      windows: [],
      trades: [],
      equityCurve: { timestampsNs: [], equity: [], returns: [], grossExposure: [], netExposure: [] },
    };
    const page = renderReportHtml(empty, { panel });
    expect(page).toContain('No trade was opened in any test window.');
    expect(page).toContain('No pair was selected in any window.');
    expect(page).toContain('class="chart empty"');
    expect(page).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('escapes text and explains what is missing without a panel', () => {
    const page = renderReportHtml(report, { title: '<b>x & y</b>' });
    expect(page).toContain('&lt;b&gt;x &amp; y&lt;/b&gt;');
    expect(page).toContain('Spread charts need the price panel');
    expect(page).not.toContain('<svg id="spread-');
  });
});
