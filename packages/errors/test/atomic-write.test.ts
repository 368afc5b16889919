import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMmtapeError, writeDirAtomic, writeFileAtomic, writeFileAtomicAsync } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'mmtape-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(root, `case${n++}`);
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
    let error: unknown;
    try {
      writeText(path, 'x');
    } catch (e) {
      error = e;
    }
    // A typed error naming the final path, not the temp file.
    expect(isMmtapeError(error, 'MMTAPE_SYSTEM_CALL_FAILED')).toBe(true);
    expect(error).toMatchObject({ kind: 'usage', syscall: 'rename', path });
    expect((error as Error).message).toContain(`cannot rename file ${path}`);
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readdirSync(path)).toEqual(['child']);
  });

  it('writes strings and descriptor callbacks; a callback error passes through and leaves nothing', () => {
    const dir = fresh();
    const path = join(dir, 'x.txt');
    writeFileAtomic(path, 'héllo\n');
    expect(readFileSync(path, 'utf8')).toBe('héllo\n');
    writeFileAtomic(path, (fd) => {
      writeSync(fd, 'a');
      writeSync(fd, 'b');
    });
    expect(readFileSync(path, 'utf8')).toBe('ab');
    const boom = new RangeError('bad input');
    expect(() =>
      writeFileAtomic(path, (fd) => {
        writeSync(fd, 'partial');
        throw boom;
      }),
    ).toThrow(boom);
    expect(readFileSync(path, 'utf8')).toBe('ab');
    expect(readdirSync(dir)).toEqual(['x.txt']);
  });

  it('uses the given temp name and refuses one that exists', () => {
    const dir = fresh();
    const path = join(dir, 'CURRENT');
    const tempPath = join(dir, 'CURRENT.tmp-owner');
    writeFileAtomic(path, 'gen-1\n', { tempPath });
    expect(readdirSync(dir)).toEqual(['CURRENT']);
    writeFileSync(tempPath, 'someone else');
    expect(() => writeFileAtomic(path, 'gen-2\n', { tempPath })).toThrow(/EEXIST/);
    expect(readFileSync(path, 'utf8')).toBe('gen-1\n');
  });
});

describe('writeFileAtomicAsync', () => {
  it('renames the filled temp file into place and returns what fill returned', async () => {
    const dir = fresh();
    const path = join(dir, 'out.bin');
    let seen = '';
    const r = await writeFileAtomicAsync(path, async (tempPath) => {
      seen = tempPath;
      expect(tempPath).toMatch(new RegExp(`/out\\.bin\\.tmp-${process.pid}-[0-9a-f]{12}$`));
      expect(readdirSync(dir)).toEqual([tempPath.slice(dir.length + 1)]); // created empty, exclusively
      writeFileSync(tempPath, 'streamed');
      return 8;
    });
    expect(r).toBe(8);
    expect(existsSync(seen)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('streamed');
  });

  it('removes the temp file when fill throws, and the error passes through', async () => {
    const dir = fresh();
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    await expect(
      writeFileAtomicAsync(path, async (tempPath) => {
        writeFileSync(tempPath, 'half');
        throw new Error('stream failed');
      }),
    ).rejects.toThrow('stream failed');
    expect(readdirSync(dir)).toEqual(['out.bin']);
    expect(readFileSync(path, 'utf8')).toBe('old');
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
    expect(isMmtapeError(e1, 'MMTAPE_OUTPUT_EXISTS')).toBe(true);
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
    expect(isMmtapeError(e2, 'MMTAPE_OUTPUT_EXISTS')).toBe(true);
    expect((e2 as Error).message).toMatch(/is not a KIND folder: no KIND file, found precious\.txt/);
    expect(readFileSync(join(other, 'precious.txt'), 'utf8')).toBe('keep');
    // Default isReplaceable refuses every non-empty folder; a file or a link is never replaced.
    const e3 = await writeDirAtomic(other, async () => undefined, { overwrite: true }).catch(
      (e: unknown) => e,
    );
    expect(isMmtapeError(e3, 'MMTAPE_OUTPUT_EXISTS')).toBe(true);
    writeFileSync(join(dir, 'file'), 'x');
    symlinkSync(target, join(dir, 'link'));
    for (const p of ['file', 'link']) {
      const e = await writeDirAtomic(join(dir, p), async () => undefined, {
        overwrite: true,
        isReplaceable: () => true,
      }).catch((x: unknown) => x);
      expect(isMmtapeError(e, 'MMTAPE_OUTPUT_EXISTS'), p).toBe(true);
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
