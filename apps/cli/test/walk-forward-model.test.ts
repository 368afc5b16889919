import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { main } from '../src/main.js';
import { captureOutput, tempDir } from './helpers.js';

const tmp = tempDir('wf-model');
const dataset = join(tmp.dir, 'demo');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  const r = await captureOutput(() =>
    main(['node', 'mmtape', 'ingest', demoDataDir(), '--out', dataset, '-q']),
  );
  expect(r.result).toBe(0);
}, 60_000);

const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));
const reportOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('mmtape walk-forward: the trading model on the demo data', () => {
  it('prints gross vs net P&L, the chance count and the execution rule; report.json lists every trade', async () => {
    const out = join(tmp.dir, 'r-default');
    const r = await mmtape('walk-forward', dataset, '--report', out, '--no-cache');
    expect(r.result).toBe(0);
    expect(r.stdout).toMatch(/P&L: gross .*commission .*slippage .*borrow .*net/);
    expect(r.stdout).toMatch(/expected by chance alone/);
    expect(r.stdout).toMatch(/fill at the close of bar t\+1/);
    const report = reportOf(out);
    expect(report.trades.length).toBe(report.summary.trades);
    expect(report.trades.length).toBeGreaterThan(0);
    for (const t of report.trades) {
      expect(BigInt(t.entryNs)).toBeGreaterThan(BigInt(t.signalNs)); // never at the signal's own close
      expect(t.entryIndex).toBe(t.signalIndex + 1);
      expect(['signal', 'stop', 'window-end', 'last-price']).toContain(t.exitReason);
    }
  });

  it('--execution-delay 0 is named as a same-bar fill; --fill-price open fills at opens', async () => {
    const same = join(tmp.dir, 'r-same');
    expect(
      (await mmtape('walk-forward', dataset, '--report', same, '--no-cache', '--execution-delay', '0'))
        .result,
    ).toBe(0);
    const sameReport = reportOf(same);
    expect(sameReport.model.execution).toMatch(/SAME-BAR FILL/);
    for (const t of sameReport.trades) expect(t.entryIndex).toBe(t.signalIndex);
    const open = join(tmp.dir, 'r-open');
    expect(
      (await mmtape('walk-forward', dataset, '--report', open, '--no-cache', '--fill-price', 'open')).result,
    ).toBe(0);
    const openReport = reportOf(open);
    expect(openReport.model.execution).toMatch(/fill at the open of bar t\+1/);
    const aal = readFileSync(join(demoDataDir(), `${openReport.trades[0].y}_data.csv`), 'utf8');
    const day = new Date(Number(BigInt(openReport.trades[0].entryNs) / 1_000_000n))
      .toISOString()
      .slice(0, 10);
    const row = aal
      .split('\n')
      .find((l) => l.startsWith(day))!
      .split(',');
    expect(openReport.trades[0].entryPriceY).toBe(Number(row[1])); // the open column
  });

  it('an unknown --price-column is a usage error naming the price columns', async () => {
    const r = await mmtape(
      'walk-forward',
      dataset,
      '--report',
      join(tmp.dir, 'r-bad'),
      '--price-column',
      'adjusted_close',
    );
    expect(r.result).toBe(1);
    expect(r.stderr).toMatch(/no f64 column "adjusted_close".*close/);
  });
});
