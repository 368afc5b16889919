import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDataDir } from '@mmtape/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset } from '../src/index.js';
import { ingest } from '../src/ingest/index.js';
import { tempDir } from './helpers.js';

/** The real market data (`sharedDataDir()`: `../shared/data` beside the repository, or `$MMTAPE_SHARED_DATA`). */
const DATA = sharedDataDir();
const US1M = join(DATA, 'us-1min-2018q1-sample/intraday');
const SP500 = join(DATA, 'sp500-5yr-daily/individual_stocks_5yr');

const { dir, cleanup } = tempDir('mmtape-real-');
afterAll(cleanup);

describe.skipIf(!existsSync(US1M) || !existsSync(SP500))('ingest of the real sample data', () => {
  it('us-1min-2018q1-sample: whole folder, DIS duplicate tail dropped and reported, all sorted', async () => {
    const outDir = join(dir, 'us1m');
    const r = await ingest({ inputs: [US1M], outDir, timeZone: 'America/New_York' });
    expect(r.files).toHaveLength(40);
    expect(r.symbols).toHaveLength(40);
    expect(r.symbols.map((s) => s.symbol)).toContain('BRK.B');
    expect(r.rowsRead).toBe(685_984); // 686,024 lines minus 40 headers
    const dis = r.symbols.find((s) => s.symbol === 'DIS')!;
    expect(dis.exactDuplicatesDropped).toBeGreaterThan(3000);
    expect(r.exactDuplicatesDropped.total).toBe(dis.exactDuplicatesDropped);
    expect(r.exactDuplicatesDropped.byFile).toEqual([
      { path: join(US1M, 'DIS.csv'), count: dis.exactDuplicatesDropped },
    ]);
    expect(r.outOfOrderFiles).toEqual([join(US1M, 'DIS.csv')]);
    expect(r.rowsWritten).toBe(r.rowsRead - dis.exactDuplicatesDropped);
    expect(r.sameTimestampRows).toBe(0);
    // First bar: 2018-02-16 09:30 EST = 14:30Z; last: 2018-04-20 16:00 EDT = 20:00Z.
    expect(r.firstTimestampNs).toBe((BigInt(Date.parse('2018-02-16T14:30:00Z')) * 1_000_000n).toString());
    expect(r.lastTimestampNs).toBe((BigInt(Date.parse('2018-04-20T20:00:00Z')) * 1_000_000n).toString());

    const ds = Dataset.open(outDir);
    for (const s of ds.symbols) {
      const f = ds.open(s);
      const ts = f.timestampsNs();
      expect(f.sortedByTimestamp).toBe(true);
      let sorted = true;
      for (let i = 1; i < ts.length; i++) if (ts[i]! <= ts[i - 1]!) sorted = false;
      expect(sorted).toBe(true);
    }
    // Every DIS timestamp is unique after de-duplication and 9:30 EDT (after 2018-03-11) is 13:30Z.
    const disTs = ds.open('DIS').timestampsNs();
    expect(disTs.length).toBe(dis.rowsWritten);
    const aaplTs = Array.from(ds.open('AAPL').timestampsNs());
    expect(aaplTs).toContain(BigInt(Date.parse('2018-03-12T13:30:00Z')) * 1_000_000n);
    expect(aaplTs).toContain(BigInt(Date.parse('2018-03-09T14:30:00Z')) * 1_000_000n);
    ds.close();
  });

  it('sp500-5yr-daily: 20-file subset, 11-row quirk columns as NaN', async () => {
    const names = readdirSync(SP500).sort().slice(0, 20);
    const inputs = names.map((n) => join(SP500, n));
    const outDir = join(dir, 'sp500');
    const r = await ingest({ inputs, outDir });
    expect(r.files).toHaveLength(20);
    expect(r.symbols.map((s) => s.symbol)).toEqual(names.map((n) => n.replace(/_data\.csv$/, '')).sort());
    expect(r.exactDuplicatesDropped.total).toBe(0);
    expect(r.outOfOrderFiles).toEqual([]);
    const ds = Dataset.open(outDir);
    const aapl = ds.open('AAPL');
    expect(aapl.rowCount).toBe(1259);
    expect(aapl.timestampsNs()[0]).toBe(BigInt(Date.parse('2013-02-08T00:00:00Z')) * 1_000_000n);
    expect(aapl.f64('close')[0]).toBe(67.8542);
    expect(ds.manifest.totalRows).toBe(r.rowsWritten);
    ds.close();

    const withGaps = await ingest({
      inputs: ['BHF', 'DHR', 'ES', 'FTV', 'O', 'REGN', 'UA', 'VRTX', 'WRK'].map((s) =>
        join(SP500, `${s}_data.csv`),
      ),
      outDir: join(dir, 'sp500-gaps'),
    });
    expect(withGaps.missingValues).toEqual({ open: 11, high: 8, low: 8, close: 0, volume: 0 });
  });
});
