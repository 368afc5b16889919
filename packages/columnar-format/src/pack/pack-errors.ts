/**
 * Errors of `@mmtape/columnar-format/pack`. Marked with `Symbol.for('mmtape.error')` (use
 * `isPackError(e, code?)` or `isMmtapeError(e)`, never `instanceof`).
 *
 * @module
 */

const MMTAPE_ERROR_MARKER = Symbol.for('mmtape.error');

/** Literal codes of pack errors. */
export type PackErrorCode =
  | 'MMTAPE_PACK_OUTPUT_EXISTS'
  | 'MMTAPE_PACK_CORRUPT'
  | 'MMTAPE_PACK_VERIFY_FAILED'
  | 'MMTAPE_PACK_NOT_FOUND'
  | 'MMTAPE_PACK_INVALID_OPTIONS'
  /** A path in pack.json (or in the source folder) that would leave the folder, or a symlink/special file. */
  | 'MMTAPE_PACK_UNSAFE_PATH';

/**
 * A pack/hydrate failure. `path` names the file, `offsetBytes` a position in it when known,
 * `expected`/`actual` the disagreeing values (e.g. SHA-256 of a hydrated file), `cause` the lower error.
 */
export class PackError extends Error {
  readonly code: PackErrorCode;
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
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'PackError';
    this.code = code;
    this.path = context.path;
    this.offsetBytes = context.offsetBytes;
    this.expected = context.expected;
    this.actual = context.actual;
    Object.defineProperty(this, MMTAPE_ERROR_MARKER, { value: true, enumerable: false });
  }
}

/** True for a {@link PackError} (optionally with `code`), by marker and code. */
export function isPackError(value: unknown, code?: PackErrorCode): value is PackError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[MMTAPE_ERROR_MARKER] !== true) return false;
  const actual = (value as { code?: unknown }).code;
  return (
    typeof actual === 'string' && actual.startsWith('MMTAPE_PACK_') && (code === undefined || actual === code)
  );
}
