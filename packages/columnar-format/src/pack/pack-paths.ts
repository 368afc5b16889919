/**
 * Containment of every path a pack names: pack.json is input (a pack may come from anywhere), so each
 * `path`/`packedPath` is checked before anything is read or written, and `packDataset` refuses source
 * trees it could not restore safely (symbolic links, special files, names `hydrate` would refuse).
 *
 * @module
 */

import { lstatSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LEASES_DIR_NAME, REMOVING_MARKER_NAME } from '../generations/dataset-layout.js';
import { PackError } from './pack-errors.js';
import type { PackIndex } from './pack-format.js';

/**
 * Why `path` is not a safe relative path, or `undefined` when it is. Safe: a non-empty string of
 * `/`-separated components, none empty, `.` or `..`, no backslash, no NUL, no drive letter, not
 * absolute, and resolving inside any root it is joined to.
 */
export function unsafePathReason(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'not a non-empty string';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/') || isAbsolute(path) || /^[A-Za-z]:/.test(path)) return 'is absolute';
  for (const part of path.split('/')) {
    if (part === '') return 'has an empty component (// or a trailing /)';
    if (part === '.' || part === '..') return `has a "${part}" component`;
  }
  const root = resolve('/mmtape-root');
  if (!resolve(root, path).startsWith(root + sep)) return 'leaves the folder';
  return undefined;
}

/**
 * Throws `MMTAPE_PACK_UNSAFE_PATH` unless `path` (from `field` of pack.json or the source listing) is a
 * safe relative path inside `root` (see {@link unsafePathReason}).
 */
export function assertContainedPath(root: string, path: unknown, field: string, file: string): string {
  const reason = unsafePathReason(path);
  const inside = reason === undefined ? relative(root, resolve(root, path as string)) : '';
  if (reason !== undefined || inside.startsWith('..') || isAbsolute(inside)) {
    throw new PackError(
      'MMTAPE_PACK_UNSAFE_PATH',
      `${file}: ${field} ${JSON.stringify(path)} ${reason ?? 'leaves the folder'}; refusing to read or write it`,
      { path: file, expected: 'a relative path inside the folder', actual: String(path) },
    );
  }
  return path as string;
}

/**
 * Checks every path of a pack index before any file is read or written: `files[].path` (unless the
 * entry is a segment member, whose path is a label), `files[].packedPath`, `files[].segment.path`,
 * `others[].path`, `others[].packedPath`, `segments[].path`. Output paths must also be unique and no
 * output path may be a folder of another (`a` and `a/b`).
 *
 * @throws PackError `MMTAPE_PACK_UNSAFE_PATH` naming the field and the path; `MMTAPE_PACK_CORRUPT`
 *   for a field of the wrong shape.
 */
export function assertPackIndexPaths(index: PackIndex, indexPath: string): void {
  const probe = resolve('/mmtape-root');
  const shape = (ok: boolean, field: string): void => {
    if (!ok) {
      throw new PackError('MMTAPE_PACK_CORRUPT', `${indexPath}: ${field} is missing or not the right shape`, {
        path: indexPath,
      });
    }
  };
  shape(Array.isArray(index.files), 'files');
  shape(Array.isArray(index.others), 'others');
  shape(index.segments === undefined || Array.isArray(index.segments), 'segments');
  const outputs: string[] = [];
  const segmentPaths = new Set<string>();
  for (const [i, s] of (index.segments ?? []).entries()) {
    shape(typeof s === 'object' && s !== null, `segments[${i}]`);
    outputs.push(assertContainedPath(probe, s.path, `segments[${i}].path`, indexPath));
    segmentPaths.add(s.path);
  }
  for (const [i, f] of index.files.entries()) {
    shape(typeof f === 'object' && f !== null, `files[${i}]`);
    assertContainedPath(probe, f.packedPath, `files[${i}].packedPath`, indexPath);
    if (f.segment !== undefined) {
      shape(typeof f.segment === 'object' && f.segment !== null, `files[${i}].segment`);
      assertContainedPath(probe, f.segment.path, `files[${i}].segment.path`, indexPath);
      if (!segmentPaths.has(f.segment.path)) {
        throw new PackError(
          'MMTAPE_PACK_CORRUPT',
          `${indexPath}: files[${i}].segment.path ${JSON.stringify(f.segment.path)} is not in segments[]`,
          { path: indexPath, actual: f.segment.path },
        );
      }
    } else {
      outputs.push(assertContainedPath(probe, f.path, `files[${i}].path`, indexPath));
    }
  }
  for (const [i, o] of index.others.entries()) {
    shape(typeof o === 'object' && o !== null, `others[${i}]`);
    assertContainedPath(probe, o.packedPath, `others[${i}].packedPath`, indexPath);
    outputs.push(assertContainedPath(probe, o.path, `others[${i}].path`, indexPath));
  }
  const seen = new Set<string>();
  for (const p of outputs) {
    if (seen.has(p)) {
      throw new PackError('MMTAPE_PACK_UNSAFE_PATH', `${indexPath}: ${JSON.stringify(p)} is listed twice`, {
        path: indexPath,
        actual: p,
      });
    }
    seen.add(p);
  }
  for (const p of outputs) {
    const parts = p.split('/');
    for (let k = 1; k < parts.length; k++) {
      const folder = parts.slice(0, k).join('/');
      if (seen.has(folder)) {
        throw new PackError(
          'MMTAPE_PACK_UNSAFE_PATH',
          `${indexPath}: ${JSON.stringify(folder)} is both a file and the folder of ${JSON.stringify(p)}`,
          { path: indexPath, actual: p },
        );
      }
    }
  }
}

/**
 * Regular files under `dir`, relative, POSIX separators, sorted. Never follows a link.
 *
 * @throws PackError `MMTAPE_PACK_UNSAFE_PATH` for a symbolic link, a special file (FIFO, socket,
 *   device) or a name `hydrate` would refuse (backslash...), naming it.
 */
export function listRegularFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      // A generation's lease folder and gc marker are not data (FORMAT.md, "Leases and garbage collection").
      if (d === dir && (name === LEASES_DIR_NAME || name === REMOVING_MARKER_NAME)) continue;
      const p = join(d, name);
      const info = lstatSync(p);
      const rel = relative(dir, p).split(sep).join('/');
      if (info.isDirectory()) walk(p);
      else if (info.isFile()) out.push(assertContainedPath(dir, rel, 'source file', dir));
      else {
        const kind = info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
        throw new PackError(
          'MMTAPE_PACK_UNSAFE_PATH',
          `${p} is ${kind}; pack copies regular files only (replace the link by the file it points to)`,
          { path: p, expected: 'a regular file or folder', actual: kind },
        );
      }
    }
  };
  walk(dir);
  return out;
}
