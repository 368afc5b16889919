import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, isMmtapeError } from '../src/index.js';
import { ingest } from '../src/ingest/index.js';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-hyg-');
afterAll(cleanup);

// New York, 2018-01-02 (EST, UTC-5): 09:29 is before the session, 16:00 is after it.
const CSV = [
  'timestamp,open,high,low,close,volume',
  '2018-01-02T09:29:00-05:00,10,11,9,10,100',
  '2018-01-02T09:30:00-05:00,10,11,9,10.5,150',
  '2018-01-02T09:31:00-05:00,10,10,10,12,170', // high/low need repair
  '2018-01-02T09:32:00-05:00,0,11,9,10,200', // bad price (open 0)
  '2018-01-02T09:33:00-05:00,10,11,9,10,190', // cumulative reset -> clipped
  '2018-01-02T09:33:00-05:00,10,11,9,10.25,195', // same ts, different values: last kept
  '2018-01-02T16:00:00-05:00,10,11,9,10,300',
].join('\n');

describe('ingest hygiene options', () => {
  it('each step reports the rows it touched', async () => {
    const input = join(dir, 'X.csv');
    writeFileSync(input, CSV);
    const outDir = join(dir, 'out');
    const r = await ingest({
      inputs: [input],
      outDir,
      hygiene: {
        cumulativeVolume: true,
        session: { timeZone: 'America/New_York', start: '09:30', end: '16:00' },
        badPrices: 'drop',
        dropDuplicateTimestamps: true,
        repairOhlc: true,
      },
    });
    expect(r.hygiene).toEqual({
      volumeDeltasClipped: 1,
      outsideSessionDropped: 2,
      badPriceRows: 1,
      badPriceRowsDropped: 1,
      duplicateTimestampsDropped: 1,
      ohlcRepaired: 1,
    });
    expect(r.rowsRead).toBe(7);
    expect(r.rowsWritten).toBe(3);
    const f = Dataset.open(outDir).open('X');
    expect(Array.from(f.f64('close'))).toEqual([10.5, 12, 10.25]);
    expect(Array.from(f.f64('high'))).toEqual([11, 12, 11]);
    expect(Array.from(f.f64('low'))).toEqual([9, 10, 9]);
    expect(Array.from(f.f64('volume'))).toEqual([50, 20, 5]);
  });

  it('flag mode adds a u8 flags column instead of dropping', async () => {
    const input = join(dir, 'Y.csv');
    writeFileSync(input, CSV);
    const outDir = join(dir, 'flagged');
    const r = await ingest({ inputs: [input], outDir, hygiene: { badPrices: 'flag' } });
    expect(r.hygiene.badPriceRows).toBe(1);
    expect(r.hygiene.badPriceRowsDropped).toBe(0);
    const f = Dataset.open(outDir).open('Y');
    expect(Array.from(f.column('flags') as Uint8Array)).toEqual([0, 0, 0, 1, 0, 0, 0]);
  });

  it('partition option and bad session options', async () => {
    const input = join(dir, 'Z.csv');
    writeFileSync(input, CSV);
    const r = await ingest({
      inputs: [input],
      outDir: join(dir, 'daily'),
      partition: 'day',
      durable: false,
    });
    expect(
      Dataset.open(join(dir, 'daily'))
        .partitions('Z')
        .map((p) => p.key),
    ).toEqual(['2018-01-02']);
    expect(r.rowsWritten).toBe(7);
    await expect(
      ingest({
        inputs: [input],
        outDir: join(dir, 'bad'),
        hygiene: { session: { timeZone: 'Mars/Base', start: '09:30', end: '16:00' } },
      }),
    ).rejects.toSatisfy((e) => isMmtapeError(e, 'MMTAPE_INGEST_INVALID_OPTIONS'));
  });
});
