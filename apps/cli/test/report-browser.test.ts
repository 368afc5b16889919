import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoResult, runDemo } from '../src/commands/demo.js';
import { quietCtx, tempDir } from './helpers.js';

/** Debian's chromium (installed by .ci/run); the test is skipped with a printed reason without it. */
const CHROMIUM = process.env.MMTAPE_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Screenshots land here (git-ignored); the path is printed by the test. */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'test-output');

if (!hasChromium) {
  console.warn(
    `report-browser.test.ts: SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set MMTAPE_CHROMIUM); .ci/run installs it`,
  );
}

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  const tmp = tempDir('report-browser');
  let demo: DemoResult;
  beforeAll(async () => {
    demo = await runDemo({ out: join(tmp.dir, 'demo') }, quietCtx);
  });
  afterAll(() => tmp.cleanup());

  it('renders every chart with no console errors and no network requests; saves a screenshot', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(demo.htmlPath).href;
      await page.goto(url, { waitUntil: 'load' });

      // Self-contained: the only request is the page itself.
      expect(requests).toEqual([url]);
      expect(consoleErrors).toEqual([]);

      // Every chart is an SVG with a drawn, non-empty path or bars, and laid out with a real size.
      for (const id of [
        'equity-chart',
        'drawdown-chart',
        'exposure-chart',
        'rolling-sharpe-chart',
        'window-returns-chart',
      ]) {
        const box = await page.locator(`#${id}`).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.width).toBeGreaterThan(600);
        expect(box!.height).toBeGreaterThan(100);
      }
      const equityPath = await page.locator('#equity-chart path.series').getAttribute('d');
      expect(equityPath?.length ?? 0).toBeGreaterThan(1000);
      expect(await page.locator('#window-returns-chart rect.bar').count()).toBe(
        demo.walkForward.report.windows.length,
      );
      // The spread chart of the first (visible) pair, with its entry/exit/stop bands.
      const spread = page.locator('section.spreads .spread:not([hidden]) svg.chart');
      expect(await spread.count()).toBe(1);
      expect(((await spread.locator('path.series').getAttribute('d')) ?? '').length).toBeGreaterThan(200);
      expect(await spread.locator('line.ref').count()).toBe(7);
      expect((await spread.boundingBox())!.height).toBeGreaterThan(100);
      // The stacked time charts share their plot area, so their dates line up.
      const plotRight = async (id: string) =>
        page
          .locator(`#${id} line.axis`)
          .first()
          .evaluate((el) => el.getBoundingClientRect().right);
      expect(await plotRight('drawdown-chart')).toBeCloseTo(await plotRight('equity-chart'), 0);
      // The trades held are marked on the spread chart (entry and exit fill of each).
      const report = demo.walkForward.report;
      const firstPair = await page.locator('section.spreads .spread:not([hidden])').getAttribute('data-pair');
      const held = report.trades.filter((t) => `${t.y}/${t.x}` === firstPair).length;
      expect(await spread.locator('g.points .point').count()).toBe(2 * held);
      // Tearsheet tables: every trade, one heatmap row per year, at most 5 drawdowns.
      expect(await page.locator('#trades-table tbody tr').count()).toBe(report.trades.length);
      expect(await page.locator('#monthly-returns-table tbody tr').count()).toBeGreaterThan(0);
      const drawdowns = await page.locator('#drawdowns-table tbody tr').count();
      expect(drawdowns).toBeGreaterThan(0);
      expect(drawdowns).toBeLessThanOrEqual(5);
      expect(await page.locator('#pnl-net .value').textContent()).toBe(
        report.summary.netPnl.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      );
      // Selected pairs table: one row per selected pair (or per window without pairs).
      const rows = demo.walkForward.report.windows.reduce((n, w) => n + Math.max(1, w.selected.length), 0);
      expect(await page.locator('#pairs-table tbody tr').count()).toBe(rows);

      // Choosing another pair shows its chart (the page's only script).
      const options = await page.locator('#pair-select option').count();
      if (options > 1) {
        const second = await page.locator('#pair-select option').nth(1).getAttribute('value');
        await page.selectOption('#pair-select', second!);
        expect(await page.locator('section.spreads .spread:not([hidden])').getAttribute('data-pair')).toBe(
          second,
        );
        await page.selectOption(
          '#pair-select',
          (await page.locator('#pair-select option').first().getAttribute('value'))!,
        );
      }
      expect(consoleErrors).toEqual([]);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const screenshot = join(SCREENSHOT_DIR, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(50_000);
      const png = readFileSync(screenshot);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      console.log(`report screenshot: ${screenshot}`);
    } finally {
      await browser.close();
    }
  });
});
