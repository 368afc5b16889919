/**
 * The one place that decides what a Node system error (`ENOSPC`, `EACCES`, `ENOENT`, ...) means for the
 * user.
 *
 * @module
 */

import type { ErrorKind } from './mmtape-error.js';

/**
 * Errnos that mean "the path names nothing, or the wrong kind of thing": in mmtape such a path is one the
 * user gave (a dataset folder, an input file, `--config`), so these are `usage` errors. Paths that mmtape
 * derives itself (a column file named by the manifest) are checked before they are opened, and a missing
 * one is reported as a typed `data` error by the reader.
 */
const USAGE_ERRNOS: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'ELOOP']);

/** A Node system error: `code` is an errno name such as `ENOSPC` and the error names its `syscall`. */
export interface SystemErrorLike {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  message: string;
}

/**
 * True for a Node system error (from `fs`, `net`, `child_process`...): an object whose `code` is an
 * errno name (`E` + capitals/digits, e.g. `ENOSPC`, never Node's own `ERR_*` codes) and that carries a
 * numeric `errno` or a `syscall`.
 */
export function isSystemError(value: unknown): value is SystemErrorLike {
  if (typeof value !== 'object' || value === null) return false;
  const { code, errno, syscall } = value as { code?: unknown; errno?: unknown; syscall?: unknown };
  return (
    typeof code === 'string' &&
    /^E[A-Z0-9]+$/.test(code) &&
    (typeof errno === 'number' || typeof syscall === 'string')
  );
}

/**
 * The {@link ErrorKind} of a Node system error, `undefined` for anything else:
 * - `usage` for `ENOENT`, `ENOTDIR`, `EISDIR`, `ENAMETOOLONG`, `ELOOP` (a user-given path that does not
 *   exist or is not a file/folder as needed);
 * - `io` for every other errno: `ENOSPC`/`EDQUOT` (disk full), `EROFS` (read-only), `EACCES`/`EPERM`
 *   (permission), `EMFILE`/`ENFILE` (too many open files), `EIO`, `EBUSY`, `ENOMEM`...
 */
export function systemErrorKind(value: unknown): 'usage' | 'io' | undefined {
  if (!isSystemError(value)) return undefined;
  return USAGE_ERRNOS.has(value.code) ? 'usage' : 'io';
}
