import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMmtapeError, writeDirAtomic, writeFileAtomic } from '../src/index.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('mmtape-atomic-');
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (): string => {
  const dir = join(tmp.dir, `case${n++}`);
  mkdirSync(dir);
  return dir;
};

/** Pid of a process that has exited (a node child run to completion). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const writeText = (path: string, text: string) => writeFileAtomic(path, new TextEncoder().encode(text));

describe('writeFileAtomic', () => {
  it('creates folders, replaces the file whole and leaves no temp file', () => {
    const dir = fresh();
    const path = join(dir, 'a', 'b', 'x.json');
    writeText(path, 'one');
    writeText(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['x.json']);
  });

  it('removes its temp file when the rename fails and leaves the target as it was', () => {
    const dir = fresh();
    const path = join(dir, 'target');
    mkdirSync(join(path, 'child'), { recursive: true }); // a non-empty folder: rename of a file onto it fails
    expect(() => writeText(path, 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readdirSync(path)).toEqual(['child']);
  });
});

describe('writeDirAtomic', () => {
  it('shows nothing at the target until build returns, and removes the temp folder when build throws', async () => {
    const dir = fresh();
    const target = join(dir, 'out');
    let seenTmp = '';
    await expect(
      writeDirAtomic(target, async (tmpDir) => {
        seenTmp = tmpDir;
        writeFileSync(join(tmpDir, 'part'), 'half');
        expect(existsSync(target)).toBe(false);
        expect(tmpDir).toMatch(new RegExp(`/\\.out\\.tmp-${process.pid}-[0-9a-f]+$`));
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    expect(existsSync(seenTmp)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    const r = await writeDirAtomic(target, async (tmpDir) => {
      writeFileSync(join(tmpDir, 'done'), 'yes');
      return 42;
    });
    expect(r).toBe(42);
    expect(readdirSync(dir)).toEqual(['out']);
    expect(readFileSync(join(target, 'done'), 'utf8')).toBe('yes');
  });

  it('replaces only a replaceable folder, and the previous copy stays intact until the swap', async () => {
    const dir = fresh();
    const target = join(dir, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'KIND'), 'mine');
    const isReplaceable = (d: string) =>
      (existsSync(join(d, 'KIND')) && readFileSync(join(d, 'KIND'), 'utf8') === 'mine') || 'no KIND file';
    // Without overwrite: refused, before build runs.
    let built = false;
    const e1 = await writeDirAtomic(
      target,
      async () => {
        built = true;
      },
      { isReplaceable },
    ).catch((e: unknown) => e);
    expect(isMmtapeError(e1, 'MMTAPE_FORMAT_OUTPUT_EXISTS')).toBe(true);
    expect(built).toBe(false);
    // With overwrite: the old copy is readable during build, replaced after.
    await writeDirAtomic(
      target,
      async (tmpDir) => {
        expect(readFileSync(join(target, 'KIND'), 'utf8')).toBe('mine');
        writeFileSync(join(tmpDir, 'KIND'), 'mine');
        writeFileSync(join(tmpDir, 'v2'), '');
      },
      { overwrite: true, isReplaceable },
    );
    expect(readdirSync(target).sort()).toEqual(['KIND', 'v2']);
    expect(readdirSync(dir)).toEqual(['out']);
    // A folder of another kind: refused even with overwrite, untouched, the message says what was found.
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'precious.txt'), 'keep');
    const e2 = await writeDirAtomic(other, async () => undefined, {
      overwrite: true,
      isReplaceable,
      replaceableDescription: 'a KIND folder',
    }).catch((e: unknown) => e);
    expect(isMmtapeError(e2, 'MMTAPE_FORMAT_OUTPUT_EXISTS')).toBe(true);
    expect((e2 as Error).message).toMatch(/is not a KIND folder: no KIND file, found precious\.txt/);
    expect(readFileSync(join(other, 'precious.txt'), 'utf8')).toBe('keep');
    // Default isReplaceable refuses every non-empty folder; a file or a link is never replaced.
    const e3 = await writeDirAtomic(other, async () => undefined, { overwrite: true }).catch(
      (e: unknown) => e,
    );
    expect(isMmtapeError(e3, 'MMTAPE_FORMAT_OUTPUT_EXISTS')).toBe(true);
    writeFileSync(join(dir, 'file'), 'x');
    symlinkSync(target, join(dir, 'link'));
    for (const p of ['file', 'link']) {
      const e = await writeDirAtomic(join(dir, p), async () => undefined, {
        overwrite: true,
        isReplaceable: () => true,
      }).catch((x: unknown) => x);
      expect(isMmtapeError(e, 'MMTAPE_FORMAT_OUTPUT_EXISTS'), p).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['file', 'link', 'other', 'out']);
  });

  it('an empty existing folder is replaced without overwrite', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'out'));
    await writeDirAtomic(join(dir, 'out'), async (t) => writeFileSync(join(t, 'f'), '1'));
    expect(readdirSync(join(dir, 'out'))).toEqual(['f']);
  });

  it('cleans up after dead processes: removes their temp folders, restores an aside copy when the target is missing', async () => {
    const dir = fresh();
    const pid = deadPid();
    expect(pid).not.toBe(process.pid);
    // A writer killed while building, and one killed between "old aside" and "new in".
    mkdirSync(join(dir, `.out.tmp-${pid}-aa11`));
    writeFileSync(join(dir, `.out.tmp-${pid}-aa11`, 'partial'), 'x');
    mkdirSync(join(dir, `.out.old-${pid}-bb22`));
    writeFileSync(join(dir, `.out.old-${pid}-bb22`, 'KIND'), 'mine');
    // Temp folders of a live process (this one) and of other names are left alone.
    mkdirSync(join(dir, `.out.tmp-${process.pid}-cc33`));
    mkdirSync(join(dir, `.other.tmp-${pid}-dd44`));
    const isReplaceable = (d: string) => existsSync(join(d, 'KIND'));
    await writeDirAtomic(
      join(dir, 'out'),
      async (tmpDir) => {
        // The previous copy is back in place before the new one is built.
        expect(readFileSync(join(dir, 'out', 'KIND'), 'utf8')).toBe('mine');
        writeFileSync(join(tmpDir, 'KIND'), 'new');
      },
      { overwrite: true, isReplaceable },
    );
    expect(readFileSync(join(dir, 'out', 'KIND'), 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual([
      `.other.tmp-${pid}-dd44`,
      `.out.tmp-${process.pid}-cc33`,
      'out',
    ]);
  });
});
