import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isMmtapeError } from '../src/index.js';
import { type IngestOptions, type IngestReport, ingest } from '../src/ingest/index.js';
import { planFileTasks } from '../src/ingest/plan-file-tasks.js';
import { type ReadFileTask, runFileTaskInProcess } from '../src/ingest/read-input-file.js';
import { mulberry32, snapshot, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-ingest-split-');
afterAll(cleanup);

let n = 0;
function fresh(files: Record<string, string | Buffer>): { inDir: string; root: string } {
  const root = join(dir, `case${n++}`);
  const inDir = join(root, 'in');
  mkdirSync(inDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(inDir, name), content);
  return { inDir, root };
}

/** Value spellings the decimal fast path parses and the ones it hands to Number(). */
const ODD_VALUES = [
  '',
  'NaN',
  'nan',
  ' 2.5 ',
  '1e3',
  '-0',
  '.5',
  '5.',
  '0x10',
  '12345678901234567',
  '-0.000',
];

/**
 * Seeded intraday CSV with a symbol column: several symbols interleaved, wall-clock date + time in
 * America/New_York across the 2018-03-11 DST change, some rows out of order, exact duplicates (also far
 * apart, so they straddle range boundaries), same-timestamp ticks and odd value spellings.
 */
function intradayCsv(seed: number, rows: number, eol: string, bom: boolean): string {
  const rand = mulberry32(seed);
  const lines = ['date,time,symbol,open,high,low,close,volume'];
  const t0 = Date.UTC(2018, 2, 10, 12, 0);
  let minute = 0;
  for (let i = 0; i < rows; i++) {
    // Mostly forward one minute, sometimes a tick (same minute) or a jump back (out of order).
    const r = rand();
    minute = Math.max(0, minute + (r < 0.94 ? 1 : r < 0.97 ? 0 : -Math.floor(rand() * 50)));
    const d = new Date(t0 + minute * 60_000);
    const date = d.toISOString().slice(0, 10);
    const time = `${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}${rand() < 0.5 ? ':00' : ''}`;
    const sym = `S${Math.floor(rand() * 5)}`;
    const px = () =>
      rand() < 0.02
        ? ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)]!
        : (10 + rand() * 90).toFixed(Math.floor(rand() * 5));
    lines.push(
      `${date},${time},${sym},${px()},${px()},${px()},${(10 + rand() * 90).toFixed(2)},${Math.floor(rand() * 1e5)}`,
    );
    if (rand() < 0.01) lines.push(lines[1 + Math.floor(rand() * (lines.length - 1))]!); // exact duplicate
    if (rand() < 0.005) lines.push(''); // empty line
  }
  return (bom ? '\ufeff' : '') + lines.join(eol) + eol;
}

/** Report without timing and with file paths reduced to base names (inputs live in different folders). */
function stable(r: IngestReport) {
  const json = JSON.stringify({ ...r, outDir: '', generation: '', elapsedMs: 0 }, (k, v) =>
    typeof v === 'string' && (k === 'path' || k === 'outOfOrderFiles') ? basename(v) : v,
  );
  const parsed = JSON.parse(json);
  parsed.outOfOrderFiles = r.outOfOrderFiles.map((p) => basename(p));
  return parsed;
}

const base = (inDir: string, out: string, extra: Partial<IngestOptions> = {}): IngestOptions => ({
  inputs: [inDir],
  outDir: out,
  timeZone: 'America/New_York',
  durable: false,
  ...extra,
});

describe('byte-range splitting of large CSV files', () => {
  const files = {
    'big.csv': intradayCsv(1, 6000, '\r\n', true),
    'mid.csv': intradayCsv(2, 2500, '\n', false),
    'small.csv': intradayCsv(3, 40, '\n', false),
    'zipped.csv.gz': gzipSync(intradayCsv(4, 1500, '\n', false)),
  };

  it('split ingests (1 and 3 workers, several range sizes) equal the unsplit single-worker ingest byte for byte', async () => {
    const { inDir, root } = fresh(files);
    const ref = await ingest(base(inDir, join(root, 'ref'), { workers: 1 }));
    expect(ref.exactDuplicatesDropped.total).toBeGreaterThan(0);
    expect(ref.outOfOrderFiles.length).toBeGreaterThan(0);
    expect(ref.sameTimestampRows).toBeGreaterThan(0);
    // The rows span the 2018-03-11 DST change (EST -> EDT) in America/New_York.
    expect(BigInt(ref.firstTimestampNs)).toBeLessThan(BigInt(Date.UTC(2018, 2, 11, 7)) * 1_000_000n);
    expect(BigInt(ref.lastTimestampNs)).toBeGreaterThan(BigInt(Date.UTC(2018, 2, 11, 8)) * 1_000_000n);
    expect(Object.values(ref.missingValues).some((m) => m > 0)).toBe(true);
    const bigBytes = statSync(join(inDir, 'big.csv')).size;
    for (const [workers, splitBytes] of [
      [1, 4096],
      [3, 4096],
      [2, 65_536],
      [3, 1000],
      [2, Math.ceil(bigBytes / 2)],
    ] as const) {
      const out = join(root, `w${workers}-s${splitBytes}`);
      const got = await ingest(base(inDir, out, { workers, splitBytes }));
      expect(stable(got)).toEqual(stable(ref));
      expect(snapshot(out)).toEqual(snapshot(join(root, 'ref')));
    }
  });

  it('each byte range parses on its own (no silent fallback): row counts add up to the whole file', async () => {
    const { inDir } = fresh({ 'big.csv': files['big.csv'] });
    const path = join(inDir, 'big.csv');
    const task = (range?: { startBytes: number; endBytes: number }): ReadFileTask => ({
      path,
      timeZone: 'America/New_York',
      timestampUnit: undefined,
      mapping: {},
      columnMap: {},
      repairNonFinitePrices: false,
      delimiter: ',',
      symbolPattern: { source: '^(.+)\\.csv$', flags: 'i' },
      range,
    });
    const whole = await runFileTaskInProcess(task());
    if (!whole.ok) throw whole.thrown;
    const plan = planFileTasks([path], 2, ',', 4096);
    expect(plan.length).toBeGreaterThan(50);
    let rows = 0;
    const missing = [0, 0, 0, 0, 0];
    for (const t of plan) {
      const part = await runFileTaskInProcess(task(t.range));
      expect(part.ok).toBe(true);
      if (!part.ok) return;
      rows += part.value.rowsRead;
      part.value.missing.forEach((m, k) => {
        missing[k]! += m;
      });
    }
    expect(rows).toBe(whole.value.rowsRead);
    expect(missing).toEqual(whole.value.missing);
  });

  it('the fast path gives the same dataset as csv-parse (quoted header forces the csv-parse path)', async () => {
    const a = fresh({ 'big.csv': files['big.csv'], 'mid.csv': files['mid.csv'] });
    const quote = (s: string) =>
      s.replace(
        'date,time,symbol,open,high,low,close,volume',
        '"date","time","symbol","open","high","low","close","volume"',
      );
    const b = fresh({ 'big.csv': quote(files['big.csv']), 'mid.csv': quote(files['mid.csv']) });
    const fast = await ingest(base(a.inDir, join(a.root, 'out'), { workers: 1 }));
    const slow = await ingest(base(b.inDir, join(b.root, 'out'), { workers: 1 }));
    expect(stable(slow)).toEqual(stable(fast));
    expect(snapshot(join(b.root, 'out'), b.inDir)).toEqual(snapshot(join(a.root, 'out'), a.inDir));
  });

  it('a quoted field past the first 64 KiB (spanning lines) makes the file be read whole: same result', async () => {
    const text = intradayCsv(5, 4000, '\n', false).split('\n');
    const at = Math.floor(text.length * 0.7);
    // A quoted symbol with an embedded newline whose second line looks like a data row.
    text.splice(at, 0, '2018-03-12,10:00,"S9\n2018-03-12,10:01,S1,1,1,1,1,1",1,1,1,1,1');
    const { inDir, root } = fresh({ 'q.csv': text.join('\n') });
    expect(statSync(join(inDir, 'q.csv')).size).toBeGreaterThan(100_000);
    const ref = await ingest(base(inDir, join(root, 'ref'), { workers: 1 }));
    expect(ref.symbols.map((s) => s.symbol)).toContain('S9\n2018-03-12,10:01,S1,1,1,1,1,1');
    for (const workers of [1, 3]) {
      const got = await ingest(base(inDir, join(root, `w${workers}`), { workers, splitBytes: 8192 }));
      expect(stable(got)).toEqual(stable(ref));
      expect(snapshot(join(root, `w${workers}`))).toEqual(snapshot(join(root, 'ref')));
    }
  });

  it('an error deep inside a split file names the exact line, as without splitting; nothing left behind', async () => {
    const text = intradayCsv(6, 5000, '\n', false).split('\n');
    text[4321] = '2018-03-12,10:00,S1,1,1,1,abc,1'; // line 4322 (1-based)
    const { inDir, root } = fresh({ 'bad.csv': text.join('\n') });
    for (const [workers, splitBytes] of [
      [1, undefined],
      [1, 4096],
      [3, 4096],
    ] as const) {
      const err = await ingest(base(inDir, join(root, 'out'), { workers, splitBytes })).catch((e) => e);
      expect(isMmtapeError(err, 'MMTAPE_INGEST_INVALID_NUMBER')).toBe(true);
      expect((err as Error).message).toContain(`${join(inDir, 'bad.csv')}:4322:`);
      expect((err as { line?: number }).line).toBe(4322);
      expect(readdirSync(root)).toEqual(['in']);
    }
  });

  it('rejects a bad splitBytes option', async () => {
    const { inDir, root } = fresh({ 'a.csv': 'date,close\n2020-01-01,1\n' });
    for (const splitBytes of [0, -5, 1.5, Number.NaN]) {
      const err = await ingest(base(inDir, join(root, 'out'), { splitBytes })).catch((e) => e);
      expect(isMmtapeError(err, 'MMTAPE_INGEST_INVALID_OPTIONS')).toBe(true);
      expect((err as Error).message).toContain('splitBytes');
    }
  });
});

describe('planFileTasks', () => {
  it('splits only large plain CSV files, into contiguous ranges after the header', () => {
    const { inDir } = fresh({
      'plain.csv': `timestamp,close\n${'2020-01-01T00:00:00Z,1\n'.repeat(2000)}`,
      'quoted.csv': `"timestamp",close\n${'2020-01-01T00:00:00Z,1\n'.repeat(2000)}`,
      'bare-cr.csv': `timestamp,close\r${'2020-01-01T00:00:00Z,1\r'.repeat(2000)}`,
      'z.csv.gz': gzipSync(`timestamp,close\n${'2020-01-01T00:00:00Z,1\n'.repeat(2000)}`),
      'tiny.csv': 'timestamp,close\n2020-01-01T00:00:00Z,1\n',
    });
    const files = ['bare-cr.csv', 'plain.csv', 'quoted.csv', 'tiny.csv', 'z.csv.gz'].map((f) =>
      join(inDir, f),
    );
    const plan = planFileTasks(files, 2, ',', 10_000);
    const byFile = (i: number) => plan.filter((t) => t.file === i);
    for (const i of [0, 2, 3, 4])
      expect(byFile(i)).toEqual([{ file: i, range: undefined, lastOfFile: true }]);
    const parts = byFile(1);
    const size = statSync(files[1]!).size;
    expect(parts.length).toBe(Math.ceil(size / 10_000));
    expect(parts[0]!.range!.startBytes).toBe(0);
    expect(parts.at(-1)!.range!.endBytes).toBe(size);
    for (let k = 1; k < parts.length; k++) {
      expect(parts[k]!.range!.startBytes).toBe(parts[k - 1]!.range!.endBytes);
      expect(parts[k]!.range!.startBytes).toBeGreaterThan('timestamp,close'.length);
    }
    expect(parts.map((p) => p.lastOfFile)).toEqual(parts.map((_, k) => k === parts.length - 1));
    // Tasks stay in file order.
    expect(plan.map((t) => t.file)).toEqual([...plan.map((t) => t.file)].sort((a, b) => a - b));
    // Automatic size: nothing this small is split, and 1 lane never splits.
    expect(planFileTasks(files, 2, ',', undefined).every((t) => t.range === undefined)).toBe(true);
    expect(planFileTasks(files, 1, ',', undefined).every((t) => t.range === undefined)).toBe(true);
    // A delimiter the fast path cannot take is never split.
    expect(planFileTasks(files, 2, '"', 10_000).every((t) => t.range === undefined)).toBe(true);
    expect(planFileTasks(files, 2, '::', 10_000).every((t) => t.range === undefined)).toBe(true);
  });

  it('automatic splitting: a file above max(8 MiB, total / (4 x lanes)) is split', () => {
    const row = '2020-01-01T00:00:00Z,1\n';
    const { inDir } = fresh({
      'huge.csv': `timestamp,close\n${row.repeat(Math.ceil((9 << 20) / row.length))}`,
    });
    const plan = planFileTasks([join(inDir, 'huge.csv')], 2, ',', undefined);
    expect(plan.length).toBe(2); // 9 MiB in ranges of 8 MiB
    expect(plan[0]!.range).toEqual({ startBytes: 0, endBytes: 8 << 20 });
  });
});
