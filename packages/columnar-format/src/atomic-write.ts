/**
 * Atomic output: a file or a whole folder becomes visible at its final path only when complete.
 *
 * - {@link writeFileAtomic}: `<path>.tmp-<pid>-<random>`, fsync, `rename()` onto `path`.
 * - {@link writeDirAtomic}: a temp folder `.<name>.tmp-<pid>-<random>` beside the target (same parent,
 *   so the final `rename()` never crosses a file system), filled by a callback, fsynced, then renamed
 *   into place. An existing target is replaced only with `overwrite` and only when `isReplaceable`
 *   accepts it; it is renamed aside (`.<name>.old-<pid>-<random>`), the new folder renamed in, and the
 *   old one deleted last, so a crash at any moment leaves either the previous copy or the new one.
 *
 * Temp and aside folders of dead processes (a SIGKILL, a power cut) are cleaned up by the next
 * `writeDirAtomic` on the same target: temp folders are removed; an aside folder is renamed back when
 * the target is missing (the kill fell between the two renames) and removed otherwise.
 *
 * @example
 * ```ts
 * import { writeDirAtomic, writeFileAtomic } from '@mmtape/columnar-format';
 *
 * await writeDirAtomic('out/report', async (tmp) => {
 *   writeFileAtomic(`${tmp}/summary.json`, new TextEncoder().encode('{}'));
 * }, { overwrite: true, isReplaceable: (dir) => existsSync(`${dir}/summary.json`) || 'no summary.json' });
 * ```
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputExistsError } from './errors.js';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * fsync the file before the rename. Default `true`: after a power cut the name then points at complete
   * bytes; `false` keeps the rename atomic for other processes but not durable.
   */
  durable?: boolean;
}

/**
 * Writes `data` to `path` atomically: a unique temp file `<path>.tmp-<pid>-<random>` beside it (created
 * with `wx`, never following an existing name), fsync (unless `durable: false`), `rename()` onto `path`.
 * Parent folders are created. On any error the temp file is removed and `path` is untouched.
 *
 * @throws the underlying `fs` error (ENOSPC, EACCES, EROFS, ...).
 */
export function writeFileAtomic(path: string, data: Uint8Array, options: WriteFileAtomicOptions = {}): void {
  writeFileAtomicWith(
    path,
    (fd) => {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    },
    options,
  );
}

/**
 * {@link writeFileAtomic} for output too large to hold in memory: `write(fd)` fills the temp file
 * `<path>.tmp-<pid>-<random>` (with `writeSync`, in as many calls as it likes), then fsync (unless
 * `durable: false`) and `rename()` onto `path`. Parent folders are created. On any error (of `write` or
 * after) the temp file is removed and `path` is untouched.
 *
 * @throws whatever `write` throws; the underlying `fs` error (ENOSPC, EACCES, EROFS, ...).
 */
export function writeFileAtomicWith(
  path: string,
  write: (fd: number) => void,
  options: WriteFileAtomicOptions = {},
): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    write(fd);
    if (options.durable ?? true) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Options of {@link writeDirAtomic}. */
export interface WriteDirAtomicOptions {
  /**
   * Replace an existing non-empty target folder (only when `isReplaceable` accepts it). Default `false`:
   * a non-empty target throws `OutputExistsError`. An existing empty folder is always replaced.
   */
  overwrite?: boolean;
  /**
   * Decides whether the existing, non-empty folder `targetDir` may be replaced under `overwrite`:
   * `true` to replace it, else `false` or a short description of what was found (used in the error,
   * e.g. `'no pack.json'`). Called before `build` and again just before the swap. Default: refuse
   * every non-empty folder, so `overwrite` alone never deletes data of unknown kind.
   */
  isReplaceable?: (targetDir: string) => boolean | string;
  /** What a replaceable folder is, for error messages (e.g. `'an mmtape pack (pack.json)'`). */
  replaceableDescription?: string;
  /**
   * fsync every file and folder of the temp folder before the rename, and the parent after it.
   * Default `true` (a power cut never leaves a complete-looking folder with missing bytes); `false`
   * keeps the swap atomic for other processes, not durable.
   */
  durable?: boolean;
}

/**
 * Builds a folder atomically: creates `.<name>.tmp-<pid>-<random>` beside `targetDir`, calls
 * `build(tmpDir)` to fill it, fsyncs it, and renames it onto `targetDir`. On any error (in `build` or
 * after) the temp folder is removed and `targetDir` is as it was. The existing target is checked before
 * `build` runs (fail fast) and again before the swap. Returns what `build` returned.
 *
 * The check-then-rename is not atomic against another process creating `targetDir` at the same moment:
 * two concurrent writers of one target are not supported (the last swap wins, neither is partial).
 *
 * @throws OutputExistsError (`field: 'overwrite'`) when `targetDir` is a file or a symlink, is a
 *   non-empty folder and `overwrite` is false, or `isReplaceable` refuses it; any error of `build`;
 *   the underlying `fs` error of the swap (the previous copy is then renamed back).
 */
export async function writeDirAtomic<T>(
  targetDir: string,
  build: (tmpDir: string) => Promise<T>,
  options: WriteDirAtomicOptions = {},
): Promise<T> {
  const target = resolve(targetDir);
  const parent = dirname(target);
  const name = basename(target);
  removeStaleSiblings(parent, name, target);
  checkTarget(target, options);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${name}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const result = await build(tmp);
    const durable = options.durable ?? true;
    if (durable) fsyncTree(tmp);
    checkTarget(target, options);
    moveIntoPlace(tmp, target);
    if (durable) fsyncPath(parent);
    return result;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Throws unless `target` is absent, an empty folder, or a replaceable folder under `overwrite`. */
function checkTarget(target: string, options: WriteDirAtomicOptions): void {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(target);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return;
    throw e;
  }
  const refuse = (found: string, hint: string): never => {
    throw new OutputExistsError(`${target} ${found}; ${hint}`, {
      path: target,
      field: 'overwrite',
      expected: options.replaceableDescription ?? 'an empty or absent folder',
      actual: found,
    });
  };
  if (info.isSymbolicLink()) refuse('is a symbolic link', 'give the real folder, or remove the link');
  if (!info.isDirectory()) refuse('exists and is not a folder', 'refusing to replace it');
  const entries = readdirSync(target);
  if (entries.length === 0) return;
  if (!options.overwrite) refuse('exists and is not empty', 'pass overwrite to replace it');
  const verdict = options.isReplaceable?.(target) ?? false;
  if (verdict === true) return;
  const shown =
    entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  const what = options.replaceableDescription ?? 'a folder this command wrote';
  refuse(
    `is not ${what}: ${typeof verdict === 'string' ? `${verdict}, ` : ''}found ${shown}`,
    'refusing to replace it (remove it yourself or choose another output)',
  );
}

/** Renames `tmp` onto `target`; an existing target is moved aside first and removed only after success. */
function moveIntoPlace(tmp: string, target: string): void {
  let exists = true;
  try {
    lstatSync(target);
  } catch {
    exists = false;
  }
  if (!exists) {
    renameSync(tmp, target);
    return;
  }
  const old = join(
    dirname(target),
    `.${basename(target)}.old-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  renameSync(target, old);
  try {
    renameSync(tmp, target);
  } catch (e) {
    renameSync(old, target);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Cleans `.<name>.tmp-<pid>-*` and `.<name>.old-<pid>-*` siblings left by dead processes: temp folders
 * are removed; an aside copy is renamed back onto `target` when `target` is missing, else removed.
 * Folders of live processes (including this one) are left alone.
 */
function removeStaleSiblings(parent: string, name: string, target: string): void {
  const prefix = `.${name}.`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of names) {
    if (!entry.startsWith(prefix)) continue;
    const m = /^(tmp|old)-(\d+)-[0-9a-f]+$/.exec(entry.slice(prefix.length));
    if (m === null || isProcessAlive(Number(m[2]))) continue;
    const path = join(parent, entry);
    if (m[1] === 'old') {
      try {
        lstatSync(target);
      } catch {
        renameSync(path, target); // killed between "old aside" and "new in": restore the previous copy
        continue;
      }
    }
    rmSync(path, { recursive: true, force: true });
  }
}

/** True when a process `pid` exists (signal 0 probes without sending anything; EPERM: exists). */
function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}

/** fsyncs every file and folder under `dir` (depth first), then `dir`. */
function fsyncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else if (entry.isFile()) fsyncPath(path);
  }
  fsyncPath(dir);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
