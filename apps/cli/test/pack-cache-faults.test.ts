/**
 * Fault tests of `mmtape pack` / `mmtape hydrate` (SIGKILL of the built CLI at seeded random moments,
 * path-traversal packs, --overwrite of foreign folders) and of the walk-forward result cache (bad
 * entries, unwritable cache folder). Spawns `node apps/cli/dist/bin.js`: run `pnpm build` first.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '@mmtape/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { main } from '../src/main.js';
import { captureOutput, quietCtx, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tmp = tempDir('pack-faults');
afterAll(() => tmp.cleanup());
const dataset = join(tmp.dir, 'dataset');
const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));

/** Relative path → bytes (base64) of every file below `dir`; pack.json without its `createdAt`. */
function signature(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      continue; // a folder
    }
    if (name === 'pack.json') {
      const index = JSON.parse(bytes.toString('utf8'));
      delete index.createdAt;
      out[name] = JSON.stringify(index);
    } else out[name] = bytes.toString('base64');
  }
  return out;
}

/**
 * Runs the built CLI writing `target`. It watches for the child's temp folder beside `target`
 * (`.<name>.tmp-<child pid>-…`): `writeMs` is how long the child ran after it appeared (the write
 * phase), and with `killAfterWriteStartMs` the child is SIGKILLed that long after it appeared.
 */
function cli(
  args: string[],
  target: string,
  killAfterWriteStartMs?: number,
): Promise<{ code: number | null; signal: string | null; writeMs: number | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    // pack writes a temp folder beside --out; hydrate builds a dataset generation in `<out>/.tmp-<pid>-…`.
    const prefix = `.${basename(target)}.tmp-${child.pid}-`;
    const insidePrefix = `.tmp-${child.pid}-`;
    let writeStart: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (writeStart !== undefined) return;
      let names: string[] = [];
      let inside: string[] = [];
      try {
        names = readdirSync(dirname(target));
        if (existsSync(target)) inside = readdirSync(target);
      } catch {
        return;
      }
      if (!names.some((n) => n.startsWith(prefix)) && !inside.some((n) => n.startsWith(insidePrefix))) return;
      writeStart = Date.now();
      if (killAfterWriteStartMs !== undefined) {
        killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterWriteStartMs);
      }
    }, 2);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (killTimer) clearTimeout(killTimer);
      if (killAfterWriteStartMs === undefined && code !== 0) {
        reject(new Error(`mmtape ${args.join(' ')}: ${stderr}`));
      } else
        resolve({ code, signal, writeMs: writeStart === undefined ? undefined : Date.now() - writeStart });
    });
  });
}

/** Temp or aside folders of `name` in `parent` (what a killed run leaves and the next run cleans). */
const leftovers = (parent: string, name: string) =>
  readdirSync(parent).filter((f) => f.startsWith(`.${name}.tmp-`) || f.startsWith(`.${name}.old-`));

/** The files of a dataset's published generation (`CURRENT`), relative to it: what a reader sees. */
function datasetSignature(dir: string): Record<string, string> {
  const generation = readFileSync(join(dir, 'CURRENT'), 'utf8').trim();
  const out = signature(join(dir, generation));
  for (const k of Object.keys(out)) if (k.startsWith('.leases')) delete out[k];
  return out;
}

beforeAll(async () => {
  await runIngest([demoDataDir()], { out: dataset }, quietCtx);
});

describe('SIGKILL during pack and hydrate (seeded moments of the write phase)', () => {
  it('pack: --out is absent, the previous pack or the complete new one, never partial; a rerun cleans up', async () => {
    const parent = join(tmp.dir, 'pack-kill');
    mkdirSync(parent);
    const out = join(parent, 'packed');
    const packA = ['pack', dataset, '--out', out, '--overwrite', '--chunk-rows', '512', '--quiet'];
    const packB = ['pack', dataset, '--out', out, '--overwrite', '--chunk-rows', '256', '--quiet'];
    const refB = join(tmp.dir, 'pack-b-ref');
    const timed = await cli(['pack', dataset, '--out', refB, '--chunk-rows', '256', '-q'], refB);
    const sigB = signature(refB);
    await cli(packA, out);
    const sigA = signature(out);
    expect(sigA).not.toEqual(sigB);
    expect(timed.writeMs).toBeDefined();
    const rand = mulberry32(1401);
    let interrupted = 0;
    for (let k = 0; k < 6; k++) {
      const fresh = k === 5; // the last one writes a new --out instead of replacing one
      const target = fresh ? join(parent, `fresh${k}`) : out;
      const args = fresh ? ['pack', dataset, '--out', target, '--chunk-rows', '256', '-q'] : packB;
      // A seeded moment of the write phase (some land after it: the run then completes).
      const delayMs = Math.round(rand() * 1.1 * (timed.writeMs as number));
      const r = await cli(args, target, delayMs);
      if (r.signal === 'SIGKILL') interrupted++;
      const name = fresh ? `fresh${k}` : 'packed';
      if (existsSync(target)) {
        const allowed = fresh ? [sigB] : [sigA, sigB];
        expect(allowed, `kill ${k} after ${delayMs} ms: ${target} is partial`).toContainEqual(
          signature(target),
        );
      }
      // The rerun succeeds, removes what the killed run left, and leaves the expected pack.
      await cli(fresh ? [...args, '--overwrite'] : packA, target);
      expect(leftovers(parent, name), `kill ${k}`).toEqual([]);
      expect(signature(target)).toEqual(fresh ? sigB : sigA);
    }
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);

  it('hydrate: a reader of --out sees the previous dataset or the complete new one, never partial; a rerun cleans up', async () => {
    const packed = join(tmp.dir, 'packed-for-hydrate');
    await cli(['pack', dataset, '--out', packed, '--chunk-rows', '256', '-q'], packed);
    const parent = join(tmp.dir, 'hydrate-kill');
    mkdirSync(parent);
    const out = join(parent, 'restored');
    const expected = datasetSignature(dataset);
    const timed = await cli(['hydrate', packed, '--out', out, '-q'], out);
    expect(timed.writeMs).toBeDefined();
    expect(datasetSignature(out)).toEqual(expected);
    const rand = mulberry32(1402);
    let interrupted = 0;
    for (let k = 0; k < 6; k++) {
      const fresh = k === 5;
      const target = fresh ? join(parent, `fresh${k}`) : out;
      const args = ['hydrate', packed, '--out', target, '-q', ...(fresh ? [] : ['--overwrite'])];
      const before = fresh ? undefined : readFileSync(join(target, 'CURRENT'), 'utf8');
      const delayMs = Math.round(rand() * 1.1 * (timed.writeMs as number));
      const r = await cli(args, target, delayMs);
      if (r.signal === 'SIGKILL') interrupted++;
      // Published or not: CURRENT names a complete generation (the old one or the new), or nothing yet.
      if (existsSync(join(target, 'CURRENT'))) {
        expect(datasetSignature(target), `kill ${k} after ${delayMs} ms`).toEqual(expected);
      } else expect(fresh, `kill ${k}: the previous dataset lost its CURRENT`).toBe(true);
      if (
        r.signal === 'SIGKILL' &&
        before !== undefined &&
        readFileSync(join(target, 'CURRENT'), 'utf8') === before
      ) {
        expect(existsSync(join(target, before.trim())), `kill ${k}: previous generation kept`).toBe(true);
      }
      await cli([...args.filter((a) => a !== '--overwrite'), '--overwrite'], target);
      expect(leftovers(parent, fresh ? `fresh${k}` : 'restored'), `kill ${k}`).toEqual([]);
      // The rerun removed what the killed run left and every superseded generation (no reader holds them).
      expect(
        readdirSync(target).filter((f) => f.startsWith('.tmp-')),
        `kill ${k}`,
      ).toEqual([]);
      expect(readdirSync(target).filter((f) => f.startsWith('gen-')).length, `kill ${k}`).toBe(1);
      expect(datasetSignature(target)).toEqual(expected);
    }
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});

describe('pack.json paths and --overwrite through the CLI', () => {
  it('a path-traversal pack exits 2 and writes nothing outside --out; a foreign folder is never replaced', async () => {
    const packed = join(tmp.dir, 'good-pack');
    expect((await mmtape('-q', 'pack', dataset, '--out', packed)).result).toBe(0);
    const sandbox = join(tmp.dir, 'sandbox');
    mkdirSync(join(sandbox, 'a'), { recursive: true });
    const edits: [string, (index: Record<string, { path: string }[]>) => void][] = [
      ['dotdot', (i) => void Object.assign(i.files![0]!, { path: '../../x.col' })],
      ['absolute', (i) => void Object.assign(i.files![0]!, { path: join(sandbox, 'abs.col') })],
      ['others', (i) => void Object.assign(i.others![0]!, { path: '../y.json' })],
    ];
    for (const [name, edit] of edits) {
      const evil = join(tmp.dir, `evil-${name}`);
      cpSync(packed, evil, { recursive: true });
      const index = JSON.parse(readFileSync(join(evil, 'pack.json'), 'utf8'));
      edit(index);
      writeFileSync(join(evil, 'pack.json'), JSON.stringify(index));
      const r = await mmtape('hydrate', evil, '--out', join(sandbox, 'a', 'out'));
      expect(r.result, name).toBe(2);
      expect(r.stderr).toMatch(/MMTAPE_PACK_UNSAFE_PATH/);
      expect(readdirSync(sandbox, { recursive: true })).toEqual(['a']);
    }
    const foreign = join(tmp.dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    for (const args of [
      ['pack', dataset, '--out', foreign, '--overwrite'],
      ['hydrate', packed, '--out', foreign, '--overwrite'],
    ]) {
      const r = await mmtape(...args);
      expect(r.result).toBe(1);
      expect(r.stderr).toMatch(/is not an mmtape (pack|dataset)/);
      expect(readdirSync(foreign)).toEqual(['notes.txt']);
      expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    }
  });
});

describe('walk-forward with a damaged or unwritable cache', () => {
  const wf = (report: string, cacheDir: string) =>
    mmtape(
      '--json',
      'walk-forward',
      dataset,
      '--report',
      report,
      '--train-bars',
      '200',
      '--test-bars',
      '100',
      '--cache-dir',
      cacheDir,
    );
  const resultOf = (stdout: string) => {
    const { report } = JSON.parse(stdout);
    // Everything but the cache bookkeeping (`cacheHit` per window, `cache` totals).
    const windows = report.windows.map((w: Record<string, unknown>) => ({ ...w, cacheHit: undefined }));
    return { windows, summary: report.summary, equityCurve: report.equityCurve };
  };

  it('entries under the wrong key are misses: same report, one stderr line, exit 0', async () => {
    const cacheDir = join(tmp.dir, 'wf-cache');
    const first = await wf(join(tmp.dir, 'wf1'), cacheDir);
    expect(first.result).toBe(0);
    expect(first.stderr).not.toMatch(/mmtape: warning: cache/);
    // Rotate the entry files: every entry now sits under another key.
    const files = (readdirSync(cacheDir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.zst'))
      .map((f) => join(cacheDir, f));
    expect(files.length).toBeGreaterThan(1);
    const bytes = files.map((f) => readFileSync(f));
    for (const [i, f] of files.entries()) writeFileSync(f, bytes[(i + 1) % files.length]!);
    const second = await wf(join(tmp.dir, 'wf2'), cacheDir);
    expect(second.result).toBe(0);
    expect(resultOf(second.stdout)).toEqual(resultOf(first.stdout));
    const lines = second.stderr.split('\n').filter((l) => l.startsWith('mmtape: warning: cache'));
    expect(lines).toEqual([
      `mmtape: warning: cache ${cacheDir}: ${files.length} bad entries removed (${files.length} wrong-key)`,
    ]);
  });

  it('a cache folder that cannot be created: the walk-forward runs without it, one warning line', async () => {
    const blocker = join(tmp.dir, 'blocker');
    writeFileSync(blocker, 'a file where the cache folder should be');
    const r = await wf(join(tmp.dir, 'wf3'), join(blocker, 'cache'));
    expect(r.result).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('mmtape: warning: cache'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot be written .*ENOTDIR.*ran without storing results/);
    expect(resultOf(r.stdout)).toEqual(
      resultOf((await wf(join(tmp.dir, 'wf4'), join(tmp.dir, 'wf-cache-2'))).stdout),
    );
    expect(existsSync(join(tmp.dir, 'wf3', 'report.json'))).toBe(true);
  });
});
