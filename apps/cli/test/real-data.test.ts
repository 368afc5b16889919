import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { replayDataset } from '@mmtape/merge-replay';
import { sharedDataDir } from '@mmtape/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest } from '../src/commands/ingest.js';
import { runReplay } from '../src/commands/replay.js';
import { runWalkForwardCommand } from '../src/commands/walk-forward.js';
import { plainSortOfAllRows, quietCtx, tempDir } from './helpers.js';

const SHARED = sharedDataDir();
const SP500 = join(SHARED, 'sp500-5yr-daily', 'individual_stocks_5yr');
const US1MIN = join(SHARED, 'us-1min-2018q1-sample', 'intraday');

/** Data lines (excluding the header) of every CSV in a folder. */
function csvDataLines(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
    n += readFileSync(join(dir, f), 'utf8').trim().split('\n').length - 1;
  }
  return n;
}

/** Replays a dataset and checks the visit order equals a plain sort of all rows, row for row. */
function expectReplayMatchesPlainSort(datasetDir: string): number {
  const oracle = plainSortOfAllRows(datasetDir);
  const dataset = Dataset.open(datasetDir);
  let i = 0;
  let mismatches = 0;
  try {
    replayDataset(dataset, { columns: ['close'] }, (batch) => {
      for (let k = 0; k < batch.length; k++) {
        const expected = oracle[i++];
        if (
          !expected ||
          expected.symbolId !== batch.symbolIds[k] ||
          expected.row !== batch.rows[k] ||
          expected.ts !== batch.timestampNs
        ) {
          mismatches++;
        }
      }
    });
  } finally {
    dataset.close();
  }
  expect(mismatches).toBe(0);
  expect(i).toBe(oracle.length);
  return i;
}

describe('real datasets end to end (needs ../shared/data beside the repo)', () => {
  const tmp = tempDir('real');
  afterAll(() => tmp.cleanup());

  describe('sp500-5yr-daily (505 symbols, daily)', () => {
    const out = join(tmp.dir, 'sp500');
    beforeAll(async () => {
      await runIngest([SP500], { out }, quietCtx);
    });

    it('ingests every row of every file', () => {
      const dataset = Dataset.open(out);
      try {
        expect(dataset.symbols.length).toBe(505);
        expect(dataset.manifest.totalRows).toBe(csvDataLines(SP500));
        expect(dataset.manifest.totalRows).toBe(619_040);
      } finally {
        dataset.close();
      }
    });

    it('replay visits every row once in the order of a plain sort', () => {
      expect(expectReplayMatchesPlainSort(out)).toBe(619_040);
      const r = runReplay(out, {}, quietCtx);
      expect(r.events).toBe(619_040);
      expect(r.batches).toBe(1259);
      expect(r.ordered).toBe(true);
      // the opening share of the wall time is reported apart from the merge rate
      expect(r.openMs).toBeGreaterThan(0);
      expect(r.openMs).toBeLessThan(r.elapsedMs);
      expect(r.mergeEventsPerSecond).toBeCloseTo((r.events / (r.elapsedMs - r.openMs)) * 1000, 6);
      expect(r.mergeEventsPerSecond).toBeGreaterThan(r.eventsPerSecond);
    });

    it('walk-forward produces a report with at least 10 windows', async () => {
      const { report } = await runWalkForwardCommand(
        out,
        { report: join(tmp.dir, 'sp500-report'), cache: false },
        quietCtx,
      );
      expect(report.windows.length).toBeGreaterThanOrEqual(10);
      const pairsTested = report.windows.reduce((a, w) => a + w.pairsTested, 0);
      expect(pairsTested).toBeGreaterThan(0);
      expect(Number.isFinite(report.summary.totalReturn)).toBe(true);
      const saved = JSON.parse(readFileSync(join(tmp.dir, 'sp500-report', 'report.json'), 'utf8'));
      expect(saved.windows.length).toBe(report.windows.length);
    });
  });

  describe('us-1min-2018q1-sample (40 symbols, 1-minute, America/New_York)', () => {
    const out = join(tmp.dir, 'us1m');
    let report: Awaited<ReturnType<typeof runIngest>>;
    beforeAll(async () => {
      report = await runIngest([US1MIN], { out, tz: 'America/New_York' }, quietCtx);
    });

    it('drops the duplicated tail of DIS and keeps every other row', () => {
      const dis = report.exactDuplicatesDropped.bySymbol.find((d) => d.symbol === 'DIS');
      expect(dis?.count ?? 0).toBeGreaterThan(3000);
      expect(report.rowsWritten).toBe(csvDataLines(US1MIN) - report.exactDuplicatesDropped.total);
    });

    it('stores 09:30 New York wall clock as 14:30 UTC before the DST change and 13:30 UTC after', () => {
      const dataset = Dataset.open(out);
      try {
        const ts = dataset.open('AAPL').timestampsNs();
        const iso = (i: number) => new Date(Number(ts[i]! / 1_000_000n)).toISOString();
        expect(iso(0)).toBe('2018-02-16T14:30:00.000Z');
        expect(iso(ts.length - 1)).toBe('2018-04-20T20:00:00.000Z');
      } finally {
        dataset.close();
      }
    });

    it('replay visits every row once in the order of a plain sort', () => {
      expect(expectReplayMatchesPlainSort(out)).toBe(report.rowsWritten);
    });
  });
});
