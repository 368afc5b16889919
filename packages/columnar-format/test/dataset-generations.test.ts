import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CURRENT_FILE_NAME,
  collectGenerations,
  Dataset,
  DatasetWriter,
  isMmtapeError,
  readCurrentGeneration,
} from '../src/index.js';
import { catchError, currentGenerationDir, mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-generations-');
afterAll(cleanup);

const T0 = 1_700_000_000_000_000_000n;

/** Writes (or, with overwrite, replaces) dataset `out`: `symbols` symbols of 3 rows, every close = `close`. */
function writeVersion(out: string, close: number, symbols = 5, overwrite = true): string {
  const w = DatasetWriter.create(out, { overwrite, durable: false });
  for (let s = 0; s < symbols; s++) {
    w.writeSymbol(`S${s}`, [
      { name: 'ts', dtype: 'i64', data: BigInt64Array.of(T0, T0 + 1n, T0 + 2n) },
      { name: 'close', dtype: 'f64', data: Float64Array.of(close, close, close) },
    ]);
  }
  w.finish();
  return w.generation!;
}

/** Sum of `close` over every symbol of an opened dataset (opens every column file). */
function closeSum(ds: Dataset): number {
  let sum = 0;
  for (const s of ds.symbols) for (const v of ds.open(s).f64('close')) sum += v;
  return sum;
}

/** An owner token of a process that has exited (its pid is free), as a dead writer or reader leaves. */
function deadOwnerToken(): string {
  const child = spawnSync(process.execPath, ['-e', '']);
  return `${child.pid}-0-deadbeef`;
}

/** Entries of a dataset folder, sorted. */
function entries(out: string): string[] {
  return readdirSync(out).sort();
}

describe('dataset folder layout', () => {
  it('a first write creates CURRENT and one generation folder holding the manifest and column files', () => {
    const out = join(dir, 'first');
    const gen = writeVersion(out, 1, 3, false);
    expect(gen).toMatch(/^gen-\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    expect(entries(out)).toEqual([CURRENT_FILE_NAME, gen]);
    expect(readFileSync(join(out, CURRENT_FILE_NAME), 'utf8')).toBe(`${gen}\n`);
    expect(readdirSync(join(out, gen)).sort()).toEqual([
      '.leases',
      'S0.col',
      'S1.col',
      'S2.col',
      'manifest.json',
    ]);
    expect(readdirSync(join(out, gen, '.leases'))).toEqual([]); // the writer's lease is gone
    const ds = Dataset.open(out);
    expect(ds.generation).toBe(gen);
    expect(ds.generationDir).toBe(resolve(out, gen));
    expect(readdirSync(join(out, gen, '.leases'))).toHaveLength(1); // the reader's lease
    expect(closeSum(ds)).toBe(9);
    ds.close();
    expect(readdirSync(join(out, gen, '.leases'))).toEqual([]);
  });

  it('overwrite publishes a new generation and removes the old one when nobody leases it', () => {
    const out = join(dir, 'overwrite');
    writeVersion(out, 1, 3, false);
    const second = writeVersion(out, 2, 3);
    expect(entries(out)).toEqual([CURRENT_FILE_NAME, second]);
    const ds = Dataset.open(out);
    expect(closeSum(ds)).toBe(18);
    ds.close();
  });

  it('without overwrite an existing dataset is refused; a foreign folder is refused even with overwrite', () => {
    const out = join(dir, 'refuse');
    writeVersion(out, 1, 1, false);
    expect(
      isMmtapeError(
        catchError(() => DatasetWriter.create(out)),
        'MMTAPE_OUTPUT_EXISTS',
      ),
    ).toBe(true);
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    const e = catchError(() => DatasetWriter.create(foreign, { overwrite: true }));
    expect(isMmtapeError(e, 'MMTAPE_OUTPUT_EXISTS')).toBe(true);
    expect((e as Error).message).toContain('notes.txt');
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('abort of a first write leaves nothing; an unpublished folder is not a dataset', () => {
    const out = join(dir, 'aborted');
    const w = DatasetWriter.create(out);
    w.writeSymbol('A', [{ name: 'ts', dtype: 'i64', data: BigInt64Array.of(T0) }]);
    expect(existsSync(w.tempDir)).toBe(true);
    const e = catchError(() => Dataset.open(out));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_GENERATION')).toBe(true);
    expect((e as Error).message).toContain('no CURRENT');
    w.abort();
    expect(existsSync(out)).toBe(false);
  });
});

describe('generation pointer', () => {
  it('rejects a missing, oversized or malformed CURRENT with a typed error naming it', () => {
    const out = join(dir, 'pointer');
    writeVersion(out, 1, 1, false);
    const path = join(out, CURRENT_FILE_NAME);
    const good = readFileSync(path, 'utf8');
    for (const bad of ['', 'gen-../../etc\n', '../x\n', `${'gen-a'.repeat(100)}\n`, 'gen-a\ngen-b\n']) {
      writeFileSync(path, bad);
      const e = catchError(() => Dataset.open(out));
      expect(isMmtapeError(e, 'MMTAPE_DATASET_GENERATION'), JSON.stringify(bad)).toBe(true);
      expect((e as Error).message).toContain(path);
    }
    writeFileSync(path, good);
    expect(readCurrentGeneration(out)).toBe(good.trim());
  });

  it('every state a killed writer can leave behind reads as the old generation, and gc clears it', () => {
    const out = join(dir, 'killed');
    const old = writeVersion(out, 1, 2, false);
    const dead = deadOwnerToken();
    // 1. killed while writing files: a temp folder with the writer's (now stale) lease.
    mkdirSync(join(out, `.tmp-${dead}`, '.leases'), { recursive: true });
    writeFileSync(join(out, `.tmp-${dead}`, '.leases', `${dead}.lease`), '{}');
    writeFileSync(join(out, `.tmp-${dead}`, 'S0.col'), 'half a file');
    // 2. killed after renaming the folder to gen-<id>, before the pointer: an unpublished generation.
    const orphan = 'gen-20990101T000000000Z-abcdef';
    mkdirSync(join(out, orphan, '.leases'), { recursive: true });
    writeFileSync(join(out, orphan, '.leases', `${dead}.lease`), '{}');
    writeFileSync(join(out, orphan, 'manifest.json'), '{}');
    // 3. killed after writing the new pointer, before renaming it onto CURRENT.
    writeFileSync(join(out, `CURRENT.tmp-${dead}`), `${orphan}\n`);
    const ds = Dataset.open(out);
    expect(ds.generation).toBe(old);
    expect(closeSum(ds)).toBe(6);
    ds.close();
    const report = collectGenerations(out);
    expect(report.removedGenerations).toEqual([orphan]);
    expect(report.removedTemp.sort()).toEqual([`.tmp-${dead}`, `CURRENT.tmp-${dead}`].sort());
    expect(entries(out)).toEqual([CURRENT_FILE_NAME, old]);
  });

  it('SIGKILL of a writer at seeded random moments leaves the old or the new version, never a mix', async () => {
    const out = join(dir, 'sigkill');
    writeVersion(out, 1, 40, false);
    const entry = resolve(__dirname, '../dist/index.js');
    const script = `
      const { DatasetWriter } = await import(${JSON.stringify(entry)});
      for (let round = 0; ; round++) {
        const close = 2 + (round % 2);
        const w = DatasetWriter.create(${JSON.stringify(out)}, { overwrite: true, durable: false });
        for (let s = 0; s < 40; s++) {
          w.writeSymbol('S' + s, [
            { name: 'ts', dtype: 'i64', data: BigInt64Array.of(1n, 2n, 3n) },
            { name: 'close', dtype: 'f64', data: Float64Array.of(close, close, close) },
          ]);
        }
        w.finish();
        process.stdout.write('.');
      }`;
    const rand = mulberry32(14);
    const seen = new Set<number>();
    for (let k = 0; k < 6; k++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // Let it publish at least once, then kill it somewhere inside a later round.
      await new Promise<void>((done) => child.stdout.once('data', () => done()));
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 60)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const ds = Dataset.open(out);
      const sum = closeSum(ds);
      ds.close();
      expect([120, 240, 360]).toContain(sum); // 40 symbols x 3 rows of one version only
      seen.add(sum);
      collectGenerations(out);
      expect(entries(out).filter((n) => n !== CURRENT_FILE_NAME)).toHaveLength(1);
    }
    expect([...seen].some((s) => s !== 120)).toBe(true); // the writer did publish
  }, 60_000);
});

describe('leases and garbage collection', () => {
  it('a reader keeps reading its generation while a writer replaces the dataset; gc removes it after close', () => {
    const out = join(dir, 'leased');
    const first = writeVersion(out, 1, 4, false);
    const reader = Dataset.open(out);
    reader.open('S0'); // one file opened before the overwrite, the rest after
    const second = writeVersion(out, 2, 4);
    expect(entries(out)).toEqual([CURRENT_FILE_NAME, first, second].sort());
    expect(closeSum(reader)).toBe(12); // old data only, although S1..S3 are opened after the overwrite
    const kept = collectGenerations(out);
    expect(kept.current).toBe(second);
    expect(kept.keptGenerations).toEqual([{ generation: first, liveLeases: 1 }]);
    expect(kept.removedGenerations).toEqual([]);
    const fresh = Dataset.open(out);
    expect(closeSum(fresh)).toBe(24);
    fresh.close();
    reader.close();
    const removed = collectGenerations(out);
    expect(removed.removedGenerations).toEqual([first]);
    expect(entries(out)).toEqual([CURRENT_FILE_NAME, second]);
  });

  it('closeFiles keeps the lease; reading after close re-leases, or fails typed once the generation is gone', () => {
    const out = join(dir, 'reopen');
    const first = writeVersion(out, 1, 2, false);
    const ds = Dataset.open(out);
    ds.closeFiles();
    writeVersion(out, 2, 2);
    expect(existsSync(join(out, first))).toBe(true); // still leased
    expect(closeSum(ds)).toBe(6);
    ds.close();
    collectGenerations(out);
    expect(existsSync(join(out, first))).toBe(false);
    const e = catchError(() => ds.open('S0'));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_GENERATION')).toBe(true);
    expect((e as Error).message).toContain(first);
  });

  it('leases of dead processes on this host are stale: their generation is removed', () => {
    const out = join(dir, 'stale');
    const first = writeVersion(out, 1, 1, false);
    const dead = deadOwnerToken();
    // A lease written on another host cannot be checked: it counts as live.
    writeFileSync(join(out, first, '.leases', `${dead}.lease`), JSON.stringify({ host: 'another-host' }));
    writeVersion(out, 2, 1);
    expect(existsSync(join(out, first))).toBe(true);
    writeFileSync(join(out, first, '.leases', `${dead}.lease`), JSON.stringify({ host: hostname() }));
    const third = writeVersion(out, 3, 1); // its garbage collection drops the stale lease
    expect(entries(out)).toEqual([CURRENT_FILE_NAME, third]);
  });

  it('a live lease from a process started before this one keeps its generation (pid and start time match)', () => {
    const out = join(dir, 'parent-lease');
    const first = writeVersion(out, 1, 1, false);
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'latin1');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(join(out, first, '.leases', `${process.ppid}-${start}-0000abcd.lease`), '{}');
    writeVersion(out, 2, 1);
    expect(existsSync(join(out, first))).toBe(true);
    // The same pid with another start time is a recycled pid: stale.
    writeFileSync(join(out, first, '.leases', `${process.ppid}-${start}-0000abcd.lease`), '{}');
    const recycled = `${process.ppid}-${BigInt(start!) + 1n}-0000abcd.lease`;
    writeFileSync(join(out, first, '.leases', recycled), '{}');
    expect(collectGenerations(out).keptGenerations).toEqual([{ generation: first, liveLeases: 1 }]);
    expect(existsSync(join(out, first, '.leases', recycled))).toBe(false);
  });

  it("a reader skips a generation a live collector is removing, and ignores a dead collector's marker", () => {
    const out = join(dir, 'marker');
    const gen = writeVersion(out, 1, 1, false);
    writeFileSync(join(out, gen, '.removing'), `${deadOwnerToken()}\n`);
    const ds = Dataset.open(out);
    expect(ds.generation).toBe(gen);
    ds.close();
    // A pinned open of a generation a live collector (this process) is removing fails typed.
    writeFileSync(join(out, gen, '.removing'), `${process.pid}-0-00000001\n`);
    const e = catchError(() => Dataset.open(join(out, gen)));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_GENERATION')).toBe(true);
    expect(readdirSync(join(out, gen, '.leases'))).toEqual([]);
  });

  it('opens a pinned generation folder; dry runs remove nothing', () => {
    const out = join(dir, 'pinned');
    const first = writeVersion(out, 1, 2, false);
    const pinned = Dataset.open(currentGenerationDir(out));
    expect(pinned.dir).toBe(out);
    expect(pinned.generation).toBe(first);
    writeVersion(out, 2, 2);
    expect(closeSum(pinned)).toBe(6);
    pinned.close();
    const dry = collectGenerations(out, { dryRun: true });
    expect(dry.removedGenerations).toEqual([first]);
    expect(existsSync(join(out, first))).toBe(true);
    expect(collectGenerations(out).removedGenerations).toEqual([first]);
  });
});

describe('hand-made generations', () => {
  it('a current generation without a .leases folder is refused, naming the folder', () => {
    const out = join(dir, 'hand-made');
    const gen = writeVersion(out, 1, 1, false);
    rmSync(join(out, gen, '.leases'), { recursive: true });
    const e = catchError(() => Dataset.open(out));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_GENERATION')).toBe(true);
    expect((e as Error).message).toContain('.leases');
  });
});

describe('pack and hydrate with generations', () => {
  it('pack reads the current generation; hydrate --overwrite publishes a new one beside a reader of the old', async () => {
    const { hydrateDataset, packDataset } = await import('../src/pack/index.js');
    const src = join(dir, 'pack-src');
    writeVersion(src, 5, 3, false);
    const packed = join(dir, 'pack-out');
    const report = await packDataset(src, packed);
    expect(report.files).toBe(3);
    expect(report.index.others.map((o) => o.path)).toEqual(['manifest.json']); // no CURRENT, no leases
    const target = join(dir, 'pack-target');
    const old = writeVersion(target, 1, 3, false);
    const reader = Dataset.open(target);
    const h = await hydrateDataset(packed, target, { overwrite: true });
    expect(readCurrentGeneration(target)).toBe(h.generation);
    expect(closeSum(reader)).toBe(9); // still the old generation
    const fresh = Dataset.open(target);
    expect(closeSum(fresh)).toBe(45);
    fresh.close();
    reader.close();
    expect(collectGenerations(target).removedGenerations).toEqual([old]);
  });
});
