import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset } from '@mmtape/columnar-format';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { captureOutput, tempDir } from './helpers.js';

const tmp = tempDir('ingest-columns');
afterAll(() => tmp.cleanup());
const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));
/** The Alpha Vantage-style fixture of @mmtape/columnar-format's tests. */
const AV = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../packages/columnar-format/test/fixtures/ingest/alpha-vantage',
);

let n = 0;
function inputFolder(files: Record<string, string>): string {
  const dir = join(tmp.dir, `in${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('mmtape ingest: columns', () => {
  it('reports the stored columns; --column-map close=adjusted_close stores the adjusted close as close', async () => {
    const plain = await mmtape('ingest', AV, '--out', join(tmp.dir, 'av'), '--workers', '1');
    expect(plain.result).toBe(0);
    expect(plain.stdout).toContain(
      'columns stored: ts, open, high, low, close, volume, adjusted_close, dividend_amount, split_coefficient',
    );
    expect(plain.stderr).not.toContain('warning');

    const out = join(tmp.dir, 'av-mapped');
    const text = await mmtape(
      'ingest',
      AV,
      '--out',
      out,
      '--column-map',
      'close=adjusted_close',
      '--workers',
      '1',
    );
    expect(text.result).toBe(0);
    // A column left out is a diagnostic: stderr, not the summary on stdout.
    expect(text.stderr).toContain(
      'mmtape: warning: column map: close <- "adjusted_close"; the input\'s own "close" column is left out',
    );
    expect(text.stdout).not.toContain('left out');
    const ds = Dataset.open(out);
    expect(Array.from(ds.open('IBM').f64('close'))).toEqual([
      117.4868, 108.6541, 108.6541, 107.0889, 107.3117,
    ]);
    ds.close();

    const json = await mmtape(
      '--json',
      'ingest',
      AV,
      '--out',
      join(tmp.dir, 'av-json'),
      '--column-map',
      'close = adjusted_close',
      '--column-map',
      'div=dividend_amount',
    );
    expect(json.result).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.columns.map((c: { name: string }) => c.name)).toEqual([
      'open',
      'high',
      'low',
      'close',
      'volume',
      'adjusted_close',
      'dividend_amount',
      'div',
      'split_coefficient',
    ]);
    expect(report.replacedColumns).toEqual([{ name: 'close', header: 'close', from: 'adjusted_close' }]);
    // The input's own close column, left out by the map, is the one warning.
    expect(report.warnings.map((w: { code: string }) => w.code)).toEqual(['COLUMN_REPLACED']);
  });

  it('usage errors (exit 1): a source column the file lacks (file and columns named), a malformed map', async () => {
    const missing = await mmtape(
      'ingest',
      AV,
      '--out',
      join(tmp.dir, 'x1'),
      '--column-map',
      'close=adj_close',
    );
    expect(missing.result).toBe(1);
    expect(missing.stderr).toContain('IBM.csv');
    expect(missing.stderr).toContain(
      'no column "adj_close" in this file; its value columns are "open", "high", "low", "close", "adjusted_close", "volume", "dividend_amount", "split_coefficient"',
    );
    expect(existsSync(join(tmp.dir, 'x1'))).toBe(false);
    const malformed = await mmtape('ingest', AV, '--out', join(tmp.dir, 'x2'), '--column-map', 'close');
    expect(malformed.result).toBe(1);
    expect(malformed.stderr).toContain('expected target=source');
    const twice = await mmtape('ingest', AV, '--out', join(tmp.dir, 'x3'), '--column-map', 'close=a,close=b');
    expect(twice.result).toBe(1);
    expect(twice.stderr).toContain('"close" is mapped twice');
  });

  it('data errors (exit 2): a header name collision, an overflowing number', async () => {
    const collide = inputFolder({ 'A.csv': 'Date,Close,Adj Close,adj_close\n2020-01-01,1,2,3\n' });
    const c = await mmtape('ingest', collide, '--out', join(tmp.dir, 'y1'));
    expect(c.result).toBe(2);
    expect(c.stderr).toContain('"Adj Close" and "adj_close"');
    expect(c.stderr).toContain('MMTAPE_INGEST_COLUMN_NAME_COLLISION');
    const overflow = inputFolder({ 'A.csv': 'date,open,close\n2020-01-01,1,1\n2020-01-02,1e309,1\n' });
    const o = await mmtape('ingest', overflow, '--out', join(tmp.dir, 'y2'));
    expect(o.result).toBe(2);
    expect(o.stderr).toMatch(/A\.csv:3: column "open" value "1e309" is not a finite number/);
    const repaired = await mmtape('ingest', overflow, '--out', join(tmp.dir, 'y3'), '--bad-prices', 'drop');
    expect(repaired.result).toBe(0);
  });

  it('prints one warning line per problem on stderr (and a warnings array with --json) without any hygiene flag', async () => {
    const input = inputFolder({
      'A.csv': 'date,open,high,low,close\n2020-01-01,1,2,1,1.5\n2020-01-02,0,1,2,1.5\n',
      'B.csv': 'date,open,high,low,close\n',
    });
    const text = await mmtape('ingest', input, '--out', join(tmp.dir, 'w1'));
    expect(text.result).toBe(0);
    expect(text.stderr.split('\n').filter((l) => l.startsWith('mmtape:'))).toEqual([
      'mmtape: warning: skipped 1 empty or header-only input file: B.csv',
      'mmtape: warning: 1 stored row has a zero or negative open/high/low/close, first A 2020-01-02T00:00:00.000Z (bad-prices drop or flag handles them)',
      'mmtape: warning: 1 stored row has high < low, first A 2020-01-02T00:00:00.000Z (repair-ohlc sets high/low to the max/min of open, high, low, close)',
    ]);
    expect(text.stdout).not.toContain('warning');
    const json = await mmtape('--json', 'ingest', input, '--out', join(tmp.dir, 'w2'));
    expect(json.stderr.split('\n').filter((l) => l.startsWith('mmtape: warning:'))).toHaveLength(3);
    expect(JSON.parse(json.stdout).warnings).toEqual([
      { code: 'EMPTY_FILES', count: 1, message: 'skipped 1 empty or header-only input file: B.csv' },
      expect.objectContaining({ code: 'NON_POSITIVE_PRICES', count: 1 }),
      expect.objectContaining({ code: 'HIGH_BELOW_LOW', count: 1 }),
    ]);
  });
});
