import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CacheManager } from '@mmtape/cache-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { runHydrate, runPack } from '../src/commands/pack.js';
import { runReplay } from '../src/commands/replay.js';
import { main } from '../src/main.js';
import { captureOutput, quietCtx, tempDir } from './helpers.js';

const tmp = tempDir('pack');
afterAll(() => tmp.cleanup());
const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));

/** Relative path → bytes of every data file of the current generation of dataset folder `dir`. */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const gen = join(dir, readFileSync(join(dir, 'CURRENT'), 'utf8').trim());
  for (const name of readdirSync(gen, { recursive: true }) as string[]) {
    if (name.startsWith('.leases')) continue;
    const path = join(gen, name);
    try {
      out.set(name, readFileSync(path));
    } catch {
      // a folder
    }
  }
  return out;
}

describe('pack and hydrate', () => {
  const dataset = join(tmp.dir, 'dataset');
  beforeAll(async () => {
    await runIngest([demoDataDir()], { out: dataset }, quietCtx);
  });

  it('pack shrinks the dataset and hydrate restores every file byte for byte', async () => {
    const packed = await runPack(dataset, { out: join(tmp.dir, 'packed'), chunkRows: 256 }, quietCtx);
    expect(packed.files).toBe(30);
    expect(packed.rows).toBe(37_486);
    expect(packed.ratio).toBeGreaterThan(2);
    expect(packed.packedBytes).toBeLessThan(packed.rawBytes);
    const restored = await runHydrate(join(tmp.dir, 'packed'), { out: join(tmp.dir, 'hydrated') }, quietCtx);
    expect(restored.verified).toBe(true);
    const before = filesOf(dataset);
    const after = filesOf(join(tmp.dir, 'hydrated'));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, bytes] of before) expect(after.get(name)?.equals(bytes), name).toBe(true);
    const replay = runReplay(join(tmp.dir, 'hydrated'), {}, quietCtx);
    expect(replay.events).toBe(37_486);
    expect(replay.ordered).toBe(true);
  });

  it('--no-bars packs every column on its own: larger than the bar codec, hydrates byte for byte', async () => {
    const bars = await mmtape('pack', dataset, '--out', join(tmp.dir, 'packed-bars'), '--json');
    const plain = await mmtape(
      'pack',
      dataset,
      '--out',
      join(tmp.dir, 'packed-plain'),
      '--no-bars',
      '--json',
    );
    expect(bars.result).toBe(0);
    expect(plain.result).toBe(0);
    const withBars = JSON.parse(bars.stdout) as { packedBytes: number; rawBytes: number };
    const withoutBars = JSON.parse(plain.stdout) as { packedBytes: number; rawBytes: number };
    expect(withoutBars.rawBytes).toBe(withBars.rawBytes);
    expect(withBars.packedBytes).toBeLessThan(withoutBars.packedBytes);
    const manifest = JSON.parse(readFileSync(join(tmp.dir, 'packed-plain', 'pack.json'), 'utf8')) as {
      formatVersion: number;
    };
    expect(manifest.formatVersion).toBe(3); // the one pack format version, bar frames or not
    const restored = await runHydrate(
      join(tmp.dir, 'packed-plain'),
      { out: join(tmp.dir, 'h-plain') },
      quietCtx,
    );
    expect(restored.verified).toBe(true);
    const before = filesOf(dataset);
    for (const [name, bytes] of filesOf(join(tmp.dir, 'h-plain')))
      expect(before.get(name)?.equals(bytes), name).toBe(true);
  });

  it('hydrate of a folder that is not a packed dataset is a user error', async () => {
    const r = await mmtape('hydrate', dataset, '--out', join(tmp.dir, 'x'));
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('not a packed dataset');
  });
});

describe('mmtape cache prune', () => {
  it('evicts entries down to --max-bytes and reports what is left', async () => {
    const dir = join(tmp.dir, 'cache');
    const cache = new CacheManager({ dir });
    for (let i = 0; i < 6; i++) {
      await cache.putArrays(CacheManager.key({ i }), { x: new Float64Array(2048).fill(i) });
    }
    const before = await cache.stats();
    expect(before.entries).toBe(6);
    const cap = Math.floor(before.bytes / 2);
    const r = await mmtape('--json', 'cache', 'prune', dir, '--max-bytes', String(cap));
    expect(r.result).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.after.bytes).toBeLessThanOrEqual(cap);
    expect(out.after.entries).toBeLessThan(6);
    expect((await cache.stats()).entries).toBe(out.after.entries);
  });

  it('without a cap it is a user error that says what to pass', async () => {
    const r = await mmtape('cache', 'prune', join(tmp.dir, 'cache'));
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('--max-bytes');
  });
});

describe('mmtape walk-forward --workers', () => {
  it('gives the same report with 2 workers as in-process, testing all pairs', async () => {
    const dataset = join(tmp.dir, 'wf');
    await runIngest([demoDataDir()], { out: dataset }, quietCtx);
    const run = async (workers: string) => {
      const report = join(tmp.dir, `wf-report-${workers}`);
      const r = await mmtape(
        '-q',
        'walk-forward',
        dataset,
        '--report',
        report,
        '--all-pairs',
        '--no-cache',
        '--workers',
        workers,
      );
      expect(r.result, r.stderr).toBe(0);
      return JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
    };
    const one = await run('1');
    const two = await run('2');
    expect(one.windows.length).toBeGreaterThanOrEqual(10);
    expect(one.windows[0].pairsTested).toBe((29 * 28) / 2);
    expect(two.windows).toEqual(one.windows);
    expect(two.summary).toEqual(one.summary);
  });

  it('rejects a bad --workers value', async () => {
    const r = await mmtape('walk-forward', 'x', '--report', 'y', '--workers', 'many');
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('expected "auto" or an integer');
  });
});

describe('mmtape export --format parquet', () => {
  it('writes every column at its stored type: re-ingests to the same values, bit for bit', async () => {
    const dataset = join(tmp.dir, 'pq-src');
    await runIngest([demoDataDir()], { out: dataset }, quietCtx);
    const file = join(tmp.dir, 'demo.parquet');
    const r = await mmtape('--json', 'export', dataset, '--out', file, '--symbols', 'KO,PEP');
    expect(r.result, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.format).toBe('parquet');
    expect(out.rows).toBe(2 * 1259);
    const back = join(tmp.dir, 'pq-back');
    await runIngest([file], { out: back }, quietCtx);
    const { Dataset } = await import('@mmtape/columnar-format');
    const a = Dataset.open(dataset);
    const b = Dataset.open(back);
    try {
      expect([...b.symbols]).toEqual(['KO', 'PEP']);
      for (const s of ['KO', 'PEP']) {
        const x = a.open(s);
        const y = b.open(s);
        expect([...y.timestampsNs()]).toEqual([...x.timestampsNs()]);
        for (const c of ['open', 'high', 'low', 'close', 'volume']) {
          expect([...y.f64(c)]).toEqual([...x.f64(c)]);
        }
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('--columns and --row-groups time; --parquet-layout compact-close-f32 says it is lossy', async () => {
    const src = join(tmp.dir, 'pq-src');
    const cols = await mmtape(
      'export',
      src,
      '--out',
      join(tmp.dir, 'cols.parquet'),
      '--columns',
      'close,volume',
      '--row-groups',
      'time',
    );
    expect(cols.result, cols.stderr).toBe(0);
    expect(cols.stdout).toContain('columns timestamp, symbol, close, volume');
    expect(cols.stdout).toContain('row groups by time');
    const compact = await mmtape(
      'export',
      src,
      '--out',
      join(tmp.dir, 'compact.parquet'),
      '--parquet-layout',
      'compact-close-f32',
    );
    expect(compact.result, compact.stderr).toBe(0);
    expect(compact.stdout).toContain('LOSSY');
    const refused = await mmtape(
      'export',
      src,
      '--out',
      join(tmp.dir, 'x.parquet'),
      '--parquet-layout',
      'compact-close-f32',
      '--columns',
      'open',
    );
    expect(refused.result).toBe(1);
    expect(refused.stderr).toContain('compact-close-f32 has fixed columns');
    const csv = await mmtape('export', src, '--out', join(tmp.dir, 'x.csv'), '--row-groups', 'time');
    expect(csv.result).toBe(1);
    expect(csv.stderr).toContain('apply to parquet only');
  });
});
