import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import {
  buildPanel,
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
});
afterAll(() => tmp.cleanup());

describe('renderReportHtml', () => {
  it('is deterministic and self-contained', () => {
    const a = renderReportHtml(report, { panel });
    expect(renderReportHtml(report, { panel })).toBe(a);
    expect(a).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(a).not.toMatch(/@import|url\(/);
    expect(a.startsWith('<!doctype html>')).toBe(true);
  });

  it('recomputes the traded z path from the panel with the report statistics', () => {
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
    // Trades in the report equal the entries of the recomputed signal (0 → ±1 or sign flips).
    let entries = 0;
    let prev = 0;
    for (const s of seg.signal) {
      if (s !== 0 && s !== prev) entries++;
      prev = s;
    }
    expect(entries).toBe(p.trades);
  });

  it('escapes text and explains what is missing without a panel', () => {
    const html = renderReportHtml(report, { title: '<b>x & y</b>' });
    expect(html).toContain('&lt;b&gt;x &amp; y&lt;/b&gt;');
    expect(html).toContain('Spread charts need the price panel');
    expect(html).not.toContain('<svg id="spread-');
  });
});
