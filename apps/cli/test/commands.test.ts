import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { loadConfig, resolveSettings } from '../src/config-file.js';
import { main } from '../src/main.js';
import { captureOutput, quietCtx, tempDir } from './helpers.js';

const tmp = tempDir('commands');
afterAll(() => tmp.cleanup());
const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));
const dataset = join(tmp.dir, 'ds');

beforeAll(async () => {
  await runIngest([demoDataDir()], { out: dataset }, quietCtx);
});

describe('--help', () => {
  it('documents every command with units, defaults and the exit codes', async () => {
    const top = await mmtape('--help');
    expect(top.result).toBe(0);
    for (const cmd of ['ingest', 'info', 'replay', 'walk-forward', 'export', 'cache', 'demo']) {
      expect(top.stdout).toContain(cmd);
    }
    expect(top.stdout).not.toMatch(/^\s+bench\b/m); // the bench is `pnpm bench`, not part of the binary
    expect(top.stdout).toMatch(/Exit codes: 0 ok, 1 usage error/);
    expect(top.stdout).toMatch(/4 I\/O error/);
    expect(top.stdout).toContain('-V, --version');
    // Backend options belong to the commands that use them, not to the top level.
    expect(top.stdout).not.toContain('--no-use-memory-mapped');
    expect(top.stdout).not.toContain('--compression-level');
    const wf = await mmtape('walk-forward', '--help');
    expect(wf.stdout).toMatch(/--train-bars <bars>\s+training window length, bars \(default 252\)/);
    expect(wf.stdout).toContain('report.html');
    expect(wf.stdout).toContain('--config <file>'); // global options are listed too
    expect(wf.stdout).toContain('--no-use-memory-mapped');
    expect(wf.stdout).toContain('--compression-level <level>'); // walk-forward uses the result cache
    const exp = await mmtape('export', '--help');
    expect(exp.stdout).toMatch(/choices: "arrow", "csv"/);
  });

  it('rejects bad global values with what was expected', async () => {
    const r = await mmtape('cache', 'stats', join(tmp.dir, 'c0'), '--compression-level', '40');
    expect(r.result).toBe(1);
    expect(r.stderr).toMatch(/expected an integer in 1\.\.22, found "40"/);
    const alg = await mmtape('cache', 'stats', '--compression-algorithm', 'lz4');
    expect(alg.result).toBe(1);
    expect(alg.stderr).toMatch(/Allowed choices are zstd/);
  });
});

describe('config file', () => {
  it('is found in the working directory (json, yaml) and validated with the field named', () => {
    const dir = join(tmp.dir, 'cfg');
    mkdirSync(dir, { recursive: true });
    expect(loadConfig(undefined, dir)).toEqual({ path: undefined, config: {} });
    writeFileSync(
      join(dir, 'mmtape.config.yaml'),
      'useMemoryMapped: false\ncompressionLevel: 9\nwalkForward:\n  trainBars: 126\n  mode: expanding\ningest:\n  timeZone: America/New_York\n',
    );
    const loaded = loadConfig(undefined, dir);
    expect(loaded.path).toBe(join(dir, 'mmtape.config.yaml'));
    expect(loaded.config.walkForward?.trainBars).toBe(126);
    const settings = resolveSettings({}, dir);
    expect(settings.forceFallback).toBe(true);
    expect(settings.cache).toEqual({
      useCompression: true,
      compressionLevel: 9,
      compressionAlgorithm: 'zstd',
    });
    // Flags override the file.
    const flagged = resolveSettings(
      { useMemoryMapped: true, compressionLevel: 2, useCompression: false },
      dir,
    );
    expect(flagged.forceFallback).toBe(false);
    expect(flagged.cache.compressionLevel).toBe(2);
    expect(flagged.cache.useCompression).toBe(false);

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ walkForward: { trainBars: 'many' } }));
    expect(() => loadConfig('bad.json', dir)).toThrow(
      /^bad\.json: walkForward\.trainBars: .*expected number/,
    );
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ useMemoryMaped: false }));
    expect(() => loadConfig('typo.json', dir)).toThrow(/typo\.json: useMemoryMaped: unknown setting/);
    writeFileSync(join(dir, 'broken.yaml'), 'walkForward: [1,\n');
    expect(() => loadConfig('broken.yaml', dir)).toThrow(/broken\.yaml: not valid YAML/);
    expect(() => loadConfig('missing.json', dir)).toThrow(/config file missing\.json not found/);
    // The older form: a bare walk-forward settings object.
    writeFileSync(join(dir, 'wf.json'), JSON.stringify({ trainBars: 100, topK: 3 }));
    expect(loadConfig('wf.json', dir).config).toEqual({ walkForward: { trainBars: 100, topK: 3 } });
  });

  it('an invalid config is a one-line user error (exit 1) naming the file and field', async () => {
    const file = join(tmp.dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ compressionLevel: 0 }));
    const r = await mmtape('--config', file, 'info', dataset);
    expect(r.result).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file}: compressionLevel:`);
  });

  it('walk-forward takes settings from the config, flags override them, and writes report.html', async () => {
    const file = join(tmp.dir, 'wf.yaml');
    writeFileSync(
      file,
      'useMemoryMapped: false\nwalkForward:\n  trainBars: 200\n  testBars: 100\n  topK: 2\n',
    );
    const out = join(tmp.dir, 'wf-report');
    const r = await mmtape(
      '--json',
      'walk-forward',
      dataset,
      '--report',
      out,
      '--config',
      file,
      '--top-k',
      '3',
    );
    expect(r.result).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.report.config.trainBars).toBe(200);
    expect(result.report.config.testBars).toBe(100);
    expect(result.report.config.topK).toBe(3);
    expect(result.htmlPath).toBe(join(out, 'report.html'));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('id="equity-chart"');
    expect(html).toContain('id="pairs-table"');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});

describe('mmtape export', () => {
  it('writes an Arrow IPC file that apache-arrow reads back with every row', async () => {
    const out = join(tmp.dir, 'all.arrow');
    const r = await mmtape('--json', 'export', dataset, '--out', out);
    expect(r.result).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ format: 'arrow', symbols: 30, rows: 37_486 });
    const table = tableFromIPC(readFileSync(out));
    expect(table.numRows).toBe(37_486);
    expect(table.schema.fields.map((f) => f.name)).toEqual([
      'symbol',
      'timestamp',
      'open',
      'high',
      'low',
      'close',
      'volume',
    ]);
    const ds = Dataset.open(dataset);
    try {
      const first = ds.symbols[0]!;
      expect(table.getChild('symbol')!.get(0)).toBe(first);
      expect(table.getChild('close')!.get(0)).toBe(ds.open(first).f64('close')[0]);
    } finally {
      ds.close();
    }
  });

  it('writes CSV that mmtape ingest reads back to the same rows', async () => {
    const out = join(tmp.dir, 'two.csv');
    const r = await mmtape('export', dataset, '--out', out, '--symbols', 'KO,PEP', '--columns', 'close');
    expect(r.result).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('symbol,timestamp,close');
    expect(lines[1]).toMatch(/^KO,2013-02-08T00:00:00\.000Z,\d/);
    const back = join(tmp.dir, 'two-back');
    const report = await runIngest([out], { out: back }, quietCtx);
    expect(report.symbols.map((s) => s.symbol).sort()).toEqual(['KO', 'PEP']);
    expect(report.rowsWritten).toBe(lines.length - 1);
  });

  it('refuses to overwrite, and an unknown format or symbol is a user error', async () => {
    const out = join(tmp.dir, 'all.arrow');
    expect((await mmtape('export', dataset, '--out', out)).result).toBe(1);
    const fmt = await mmtape('export', dataset, '--out', join(tmp.dir, 'x.bin'));
    expect(fmt.result).toBe(1);
    expect(fmt.stderr).toMatch(/pass --format arrow\|csv/);
    const sym = await mmtape('export', dataset, '--out', join(tmp.dir, 'y.csv'), '--symbols', 'NOPE');
    expect(sym.result).toBe(1);
    expect(existsSync(join(tmp.dir, 'y.csv'))).toBe(false);
  });
});

describe('mmtape cache', () => {
  it('stats counts the entries walk-forward wrote, clear removes them', async () => {
    const cacheDir = join(tmp.dir, 'wf-report', '.cache');
    const stats = await mmtape('--json', 'cache', 'stats', cacheDir);
    expect(stats.result).toBe(0);
    const before = JSON.parse(stats.stdout);
    expect(before.before.entries).toBeGreaterThan(0);
    const clear = await mmtape('--json', 'cache', 'clear', cacheDir);
    expect(JSON.parse(clear.stdout).after).toEqual({ entries: 0, bytes: 0 });
  });
});

describe('mmtape bench', () => {
  it('is not a command of the published binary (the bench is `pnpm bench`)', async () => {
    const r = await mmtape('bench');
    expect(r.result).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'bench'/);
  });
});

describe('segment files and prefetch modes (ingest --segment-mb, replay --prefetch)', () => {
  it('ingests into segment files and replays the same events as one file per symbol', async () => {
    const segmented = join(tmp.dir, 'ds-seg');
    const ingest = await mmtape(
      '--json',
      '--quiet',
      'ingest',
      demoDataDir(),
      '--out',
      segmented,
      '--segment-mb',
      '1',
    );
    expect(ingest.result).toBe(0);
    const ds = Dataset.open(segmented);
    const files = new Set(ds.manifest.symbols.map((s) => s.file));
    // 30 symbols of ~1,259 daily bars (~60 KiB each) in 1 MiB segments: a few segments, not 30 files.
    expect(files.size).toBeGreaterThan(1);
    expect(files.size).toBeLessThan(ds.symbols.length);
    expect([...files].every((f) => f.endsWith('.mmseg'))).toBe(true);
    ds.close();
    const plain = JSON.parse((await mmtape('--json', '--quiet', 'replay', dataset)).stdout);
    const seg = JSON.parse(
      (await mmtape('--json', '--quiet', 'replay', segmented, '--prefetch', 'on')).stdout,
    );
    expect(seg.events).toBe(plain.events);
    expect(seg.batches).toBe(plain.batches);
    expect(seg.columnSum).toBe(plain.columnSum);
    expect(seg.ordered).toBe(true);
    expect(seg.prefetch.willneedCalls).toBeGreaterThan(0);
    expect(seg.prefetch.worker).toBe(false); // just ingested: in the page cache, the replay thread advises
    // Without the helper the merge reads through the mapping; window reads need the helper (cold data).
    expect(seg.reads).toBe('mapping');
    expect(plain.reads).toBe('mapping');
    expect(seg.prefetch.workerPeakRssBytes).toBe(-1);
    expect(seg.prefetch.workerPrivateBytes).toBe(-1);
    expect(plain.prefetch).toBeNull(); // auto: 37,486 rows of ts + close are far below 256 MiB
    // Bytes needed: every replayed row of ts + close, 8 bytes each; device reads from /proc/self/io.
    expect(plain.neededBytes).toBe(plain.events * 2 * 8);
    expect(seg.neededBytes).toBe(plain.neededBytes);
    for (const run of [plain, seg]) {
      if (run.deviceReadBytes >= 0)
        expect(run.readAmplification).toBeCloseTo(run.deviceReadBytes / run.neededBytes, 9);
      else expect(run.readAmplification).toBe(-1);
    }
    const text = (await mmtape('replay', dataset)).stdout;
    expect(text).toMatch(/I\/O: needed [\d.]+ (KiB|MiB) \(ts \+ close\), read from device /);
    const prefetched = (await mmtape('replay', segmented, '--prefetch', 'on')).stdout;
    expect(prefetched).toMatch(/DONTNEED .*; rows read through the mapping/);
    // Evicted from the page cache (dd iflag=nocache count=0: posix_fadvise DONTNEED per file, Linux), the
    // replay starts its helper and the merge reads windows: same events, nothing mapped.
    const segmentFiles = readdirSync(segmented, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.mmseg'))
      .map((f) => join(segmented, f));
    spawnSync('sync');
    const evicted = segmentFiles.every(
      (f) => spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0,
    );
    if (process.platform === 'linux') {
      expect(evicted).toBe(true);
      const cold = JSON.parse(
        (await mmtape('--json', '--quiet', 'replay', segmented, '--prefetch', 'on')).stdout,
      );
      expect(cold.prefetch.worker).toBe(true);
      expect(cold.reads).toBe('windows');
      expect(cold.prefetch.dontneedCalls).toBe(0);
      expect(cold.events).toBe(plain.events);
      expect(cold.columnSum).toBe(plain.columnSum);
      expect(cold.ordered).toBe(true);
    }
    const info = JSON.parse((await mmtape('--json', '--quiet', 'info', segmented)).stdout);
    expect(info.onDiskBytes).toBeGreaterThan(0);
    expect(info.perSymbol.reduce((n: number, s: { bytes: number }) => n + s.bytes, 0)).toBeLessThanOrEqual(
      info.onDiskBytes,
    );
  });

  it('rejects a segment size outside 0..1024 MiB and an unknown prefetch mode (exit 1)', async () => {
    expect(
      (await mmtape('ingest', demoDataDir(), '--out', join(tmp.dir, 'x'), '--segment-mb', '-1')).result,
    ).toBe(1);
    expect(
      (await mmtape('ingest', demoDataDir(), '--out', join(tmp.dir, 'x'), '--segment-mb', '2048')).result,
    ).toBe(1);
    const bad = await mmtape('replay', dataset, '--prefetch', 'sometimes');
    expect(bad.result).toBe(1);
    expect(bad.stderr).toContain('auto');
  });
});
