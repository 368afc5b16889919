/**
 * Errors of `@mmtape/columnar-format/pack`. They extend `MmtapeError` of `@mmtape/errors` (use
 * `isPackError(e, code?)` or `isMmtapeError(e)`, never `instanceof`).
 *
 * @module
 */

import { type ErrorKind, isMmtapeError, MmtapeError, systemErrorKind } from '@mmtape/errors';

/** Literal codes of pack errors. */
export type PackErrorCode =
  | 'MMTAPE_PACK_OUTPUT_EXISTS'
  | 'MMTAPE_PACK_CORRUPT'
  /** pack.json of another pack format version (`formatVersion` other than `PACK_FORMAT_VERSION`). */
  | 'MMTAPE_PACK_UNSUPPORTED_VERSION'
  | 'MMTAPE_PACK_VERIFY_FAILED'
  | 'MMTAPE_PACK_NOT_FOUND'
  | 'MMTAPE_PACK_INVALID_OPTIONS'
  /** A path in pack.json (or in the source folder) that would leave the folder, or a symlink/special file. */
  | 'MMTAPE_PACK_UNSAFE_PATH';

/**
 * Kind of each pack error code: a packed folder that is corrupt or does not hydrate to its recorded
 * SHA-256 is `data`; an existing output, a missing packed folder or a bad option is `usage`.
 */
const KIND_OF_CODE: Record<PackErrorCode, ErrorKind> = {
  MMTAPE_PACK_OUTPUT_EXISTS: 'usage',
  MMTAPE_PACK_CORRUPT: 'data',
  MMTAPE_PACK_UNSUPPORTED_VERSION: 'data',
  MMTAPE_PACK_VERIFY_FAILED: 'data',
  MMTAPE_PACK_NOT_FOUND: 'usage',
  MMTAPE_PACK_INVALID_OPTIONS: 'usage',
  MMTAPE_PACK_UNSAFE_PATH: 'data',
};

/**
 * A pack/hydrate failure. `path` names the file, `offsetBytes` a position in it when known,
 * `expected`/`actual` the disagreeing values (e.g. SHA-256 of a hydrated file), `cause` the lower error.
 * `kind` follows the code (see `KIND_OF_CODE`), except that a `cause` in which the operating system
 * refused (`ENOSPC`, `EACCES`...) makes it `io`.
 */
export class PackError extends MmtapeError {
  readonly code: PackErrorCode;
  readonly kind: ErrorKind;
  readonly path: string | undefined;
  readonly offsetBytes: number | undefined;
  readonly expected: string | number | undefined;
  readonly actual: string | number | undefined;

  constructor(
    code: PackErrorCode,
    message: string,
    context: {
      path?: string;
      offsetBytes?: number;
      expected?: string | number;
      actual?: string | number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: context.cause });
    this.code = code;
    const cause = context.cause;
    const causeIsIo = systemErrorKind(cause) === 'io' || (isMmtapeError(cause) && cause.kind === 'io');
    this.kind = causeIsIo ? 'io' : KIND_OF_CODE[code];
    this.path = context.path;
    this.offsetBytes = context.offsetBytes;
    this.expected = context.expected;
    this.actual = context.actual;
  }
}

/** True for a {@link PackError} (optionally with `code`), by marker and code. */
export function isPackError(value: unknown, code?: PackErrorCode): value is PackError {
  if (!isMmtapeError(value)) return false;
  return value.code.startsWith('MMTAPE_PACK_') && (code === undefined || value.code === code);
}
