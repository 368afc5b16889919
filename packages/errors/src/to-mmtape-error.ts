/**
 * Turns anything thrown into an mmtape error, so that callers (the CLI) map every failure to an exit code
 * and a JSON object the same way.
 *
 * @module
 */

import { SystemCallError, UnexpectedError } from './errors.js';
import {
  ERROR_KINDS,
  type ErrorJson,
  type ErrorKind,
  isMmtapeError,
  type MmtapeError,
} from './mmtape-error.js';
import { isSystemError } from './system-error-kind.js';

/**
 * `error` itself when it is an mmtape error ({@link isMmtapeError}), a {@link SystemCallError} for a Node
 * system error (kind from `systemErrorKind`), else an {@link UnexpectedError} (kind `internal`).
 */
export function toMmtapeError(error: unknown): MmtapeError {
  if (isMmtapeError(error)) return error;
  if (isSystemError(error)) return new SystemCallError(error);
  return new UnexpectedError(error);
}

/**
 * The {@link ErrorKind} of anything thrown: an mmtape error's own `kind` (`internal` when a foreign copy
 * carries none), `usage`/`io` for Node system errors, `internal` for everything else.
 */
export function errorKindOf(error: unknown): ErrorKind {
  const kind = (toMmtapeError(error) as { kind?: unknown }).kind;
  return ERROR_KINDS.includes(kind as ErrorKind) ? (kind as ErrorKind) : 'internal';
}

/** `{ code, kind, message, context }` of anything thrown (see {@link toMmtapeError}). */
export function errorJsonOf(error: unknown): ErrorJson {
  const e = toMmtapeError(error);
  if (typeof (e as { toJSON?: unknown }).toJSON === 'function') {
    const json = e.toJSON();
    return { ...json, kind: errorKindOf(e) };
  }
  return { code: e.code, kind: errorKindOf(e), message: e.message, context: {} };
}
