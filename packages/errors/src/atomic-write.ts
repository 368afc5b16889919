/**
 * Atomic output, the one implementation every mmtape writer uses: a file or a whole folder becomes
 * visible at its final path only when complete, and a failure leaves the previous content (or nothing).
 *
 * - {@link writeFileAtomic}: bytes, a string, or a callback writing to the open descriptor of a temp file
 *   `<path>.tmp-<pid>-<12 hex>` in the same folder; fsync; `rename()` onto `path`. Synchronous.
 * - {@link writeFileAtomicAsync}: the same for writers that stream to a path (Arrow, Parquet, cache
 *   entries): the callback fills the temp file by its path.
 * - {@link writeDirAtomic}: a temp folder `.<name>.tmp-<pid>-<12 hex>` beside the target (same parent,
 *   so the final `rename()` never crosses a file system), filled by a callback, fsynced, then renamed
 *   into place. An existing target is replaced only with `overwrite` and only when `isReplaceable`
 *   accepts it; it is renamed aside (`.<name>.old-<pid>-<12 hex>`), the new folder renamed in, and the
 *   old one deleted last, so a crash at any moment leaves either the previous copy or the new one.
 *
 * Temp and aside folders of dead processes (a SIGKILL, a power cut) are cleaned up by the next
 * `writeDirAtomic` on the same target: temp folders are removed; an aside folder is renamed back when
 * the target is missing (the kill fell between the two renames) and removed otherwise.
 *
 * Failures of the helpers' own system calls (ENOSPC, EACCES, EROFS...) are thrown as
 * {@link SystemCallError} naming the final path (`kind` `io`, or `usage` for a path that cannot exist);
 * errors thrown by a callback pass through unchanged.
 *
 * @example
 * ```ts
 * import { existsSync } from 'node:fs';
 * import { writeDirAtomic, writeFileAtomic } from '@mmtape/errors';
 *
 * await writeDirAtomic('out/report', async (tmp) => {
 *   writeFileAtomic(`${tmp}/summary.json`, '{}\n', { durable: false }); // the folder is fsynced as a whole
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
import { OutputExistsError, SystemCallError } from './errors.js';
import { isSystemError } from './system-error-kind.js';

/** Options of {@link writeFileAtomic} and {@link writeFileAtomicAsync}. */
export interface WriteFileAtomicOptions {
  /**
   * fsync the file before the rename. Default `true`: after a power cut the name then points at complete
   * bytes; `false` keeps the rename atomic for other processes but not durable (cache entries, files
   * inside a folder that {@link writeDirAtomic} fsyncs as a whole).
   */
  durable?: boolean;
  /**
   * The temp file, in the same folder as `path` (a rename must not cross file systems). Default
   * `<path>.tmp-<pid>-<12 hex>`. For temp names that another component recognises, e.g. the dataset
   * pointer's `CURRENT.tmp-<owner token>` that the generation collector removes when its owner is dead.
   */
  tempPath?: string;
  /** What the file is, for messages of {@link SystemCallError}: `column file`, `report`. Default `file`. */
  what?: string;
}

/** What {@link writeFileAtomic} writes: bytes, UTF-8 text, or a callback writing to the open temp file. */
export type AtomicFileContent = Uint8Array | string | ((fd: number) => void);

/**
 * Writes `content` to `path` atomically: a unique temp file beside it (created with `wx`, never following
 * an existing name), filled, fsynced (unless `durable: false`), closed and renamed onto `path`. Parent
 * folders are created. On any error the temp file is removed and `path` is untouched.
 *
 * @param content bytes, a string (written as UTF-8), or `(fd) => void` writing to the open temp file
 *   (for large files written piece by piece, e.g. a column file's header then its columns).
 * @throws SystemCallError for a failed system call (ENOSPC, EACCES, EROFS, ...); any error thrown by a
 *   `content` callback, unchanged.
 */
export function writeFileAtomic(
  path: string,
  content: AtomicFileContent,
  options: WriteFileAtomicOptions = {},
): void {
  const tmp = options.tempPath ?? tempFileName(path);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(tmp, 'wx');
    if (typeof content === 'function') content(fd);
    else writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    if (options.durable ?? true) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw asSystemCallError(e, path, options.what ?? 'file');
  }
}

/**
 * Like {@link writeFileAtomic} for writers that stream to a path: creates the empty temp file (`wx`),
 * awaits `fill(tempPath)` (which opens it for writing, e.g. `createWriteStream(tempPath)`, and resolves
 * once everything is written and closed), fsyncs it (unless `durable: false`) and renames it onto `path`.
 * On any error the temp file is removed and `path` is untouched. Returns what `fill` returned.
 *
 * @throws SystemCallError for a failed system call of the helper; any error of `fill`, unchanged.
 */
export async function writeFileAtomicAsync<T>(
  path: string,
  fill: (tempPath: string) => Promise<T>,
  options: WriteFileAtomicOptions = {},
): Promise<T> {
  const tmp = options.tempPath ?? tempFileName(path);
  const what = options.what ?? 'file';
  let filling = false;
  try {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(tmp, 'wx'));
    filling = true;
    const result = await fill(tmp);
    filling = false;
    if (options.durable ?? true) fsyncPath(tmp);
    renameSync(tmp, path);
    return result;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw filling ? e : asSystemCallError(e, path, what);
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
 * Builds a folder atomically: creates `.<name>.tmp-<pid>-<12 hex>` beside `targetDir`, calls
 * `build(tmpDir)` to fill it, fsyncs it, and renames it onto `targetDir`. On any error (in `build` or
 * after) the temp folder is removed and `targetDir` is as it was. The existing target is checked before
 * `build` runs (fail fast) and again before the swap. Returns what `build` returned.
 *
 * The check-then-rename is not atomic against another process creating `targetDir` at the same moment:
 * two concurrent writers of one target are not supported (the last swap wins, neither is partial).
 *
 * @throws OutputExistsError (`field: 'overwrite'`) when `targetDir` is a file or a symlink, is a
 *   non-empty folder and `overwrite` is false, or `isReplaceable` refuses it; any error of `build`,
 *   unchanged; SystemCallError for a failed system call of the helper (the previous copy is then renamed
 *   back).
 */
export async function writeDirAtomic<T>(
  targetDir: string,
  build: (tmpDir: string) => Promise<T>,
  options: WriteDirAtomicOptions = {},
): Promise<T> {
  const target = resolve(targetDir);
  const parent = dirname(target);
  const name = basename(target);
  const what = 'output folder';
  let tmp: string;
  try {
    removeStaleSiblings(parent, name, target);
    checkTarget(target, options);
    mkdirSync(parent, { recursive: true });
    tmp = join(parent, `.${name}.tmp-${process.pid}-${randomHex()}`);
    mkdirSync(tmp);
  } catch (e) {
    throw asSystemCallError(e, target, what);
  }
  let building = true;
  try {
    const result = await build(tmp);
    building = false;
    const durable = options.durable ?? true;
    if (durable) fsyncTree(tmp);
    checkTarget(target, options);
    moveIntoPlace(tmp, target);
    if (durable) fsyncPath(parent);
    return result;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw building ? e : asSystemCallError(e, target, what);
  }
}

/** `e` as a {@link SystemCallError} naming `path` when it is a Node system error, else `e` itself. */
function asSystemCallError(e: unknown, path: string, what: string): unknown {
  return isSystemError(e) ? new SystemCallError(e, { path, what }) : e;
}

/** 6 random bytes as 12 hex digits: makes temp names of one process unique. */
function randomHex(): string {
  return randomBytes(6).toString('hex');
}

function tempFileName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomHex()}`;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
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
  const kind = options.replaceableDescription ?? 'a folder this command wrote';
  refuse(
    `is not ${kind}: ${typeof verdict === 'string' ? `${verdict}, ` : ''}found ${shown}`,
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
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}-${randomHex()}`);
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
