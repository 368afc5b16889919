/**
 * Tagged errors of `@mmtape/cache-manager`.
 *
 * Every error carries a literal `code`, typed context fields and an optional `cause`, and is marked
 * with `Symbol.for('mmtape.error')` so that {@link isMmtapeError} recognises it even when two copies of
 * this package coexist in one process (where `instanceof` would fail).
 *
 * Corrupt or truncated entries are never surfaced as errors: they count as misses (see `CacheManager`).
 *
 * @module
 */

/** Process-wide marker shared by every mmtape package (`Symbol.for`, so duplicates agree). */
const MMTAPE_ERROR_MARKER = Symbol.for('mmtape.error');

/** Literal codes of the errors thrown by this package. */
export type CacheErrorCode =
  | 'MMTAPE_INVALID_CACHE_OPTIONS'
  | 'MMTAPE_INVALID_CACHE_KEY'
  | 'MMTAPE_UNSUPPORTED_KEY_VALUE'
  | 'MMTAPE_INVALID_CACHE_VALUE'
  | 'MMTAPE_CACHE_ENTRY_KIND_MISMATCH'
  | 'MMTAPE_CACHE_IO_FAILED';

/** Base class: sets `name`, `cause` and the cross-package marker. Not exported; use the guards. */
abstract class CacheError extends Error {
  abstract readonly code: CacheErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    Object.defineProperty(this, MMTAPE_ERROR_MARKER, { value: true, enumerable: false });
  }
}

/** A constructor option is invalid. `option` names it; `expected` describes valid values. */
export class CacheOptionsError extends CacheError {
  readonly code = 'MMTAPE_INVALID_CACHE_OPTIONS' as const;
  readonly option: string;
  readonly expected: string;
  readonly actual: unknown;

  constructor(option: string, expected: string, actual: unknown) {
    super(`invalid cache option ${option}: expected ${expected}, got ${String(actual)}`);
    this.option = option;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A key is not usable as a file name: keys must be 2..128 characters of `[A-Za-z0-9_-]` (the hex keys
 * from `CacheManager.key()` always are).
 */
export class InvalidCacheKeyError extends CacheError {
  readonly code = 'MMTAPE_INVALID_CACHE_KEY' as const;
  readonly expected = '2..128 characters of [A-Za-z0-9_-]';
  readonly actual: string;

  constructor(actual: string) {
    super(`invalid cache key ${JSON.stringify(actual)}: expected 2..128 characters of [A-Za-z0-9_-]`);
    this.actual = actual;
  }
}

/**
 * `CacheManager.key()` met a value it cannot canonicalise (function, symbol, Map, Set, cycle...).
 * `path` locates it as a JSONPath-like string such as `$.config.windows[2]`.
 */
export class UnsupportedKeyValueError extends CacheError {
  readonly code = 'MMTAPE_UNSUPPORTED_KEY_VALUE' as const;
  readonly path: string;
  readonly actual: string;

  constructor(path: string, actual: string) {
    super(`cannot build a cache key: unsupported value (${actual}) at ${path}`);
    this.path = path;
    this.actual = actual;
  }
}

/**
 * A value passed to `putJson`/`putArrays` cannot be stored: not JSON-serialisable (undefined, bigint,
 * cycle), or an array that is not a Float64Array, BigInt64Array or Int32Array. The array name is given
 * when relevant (`arrayName`).
 */
export class InvalidCacheValueError extends CacheError {
  readonly code = 'MMTAPE_INVALID_CACHE_VALUE' as const;
  readonly arrayName: string | undefined;
  readonly expected: string;
  readonly actual: string;

  constructor(
    detail: string,
    expected: string,
    actual: string,
    options?: { arrayName?: string; cause?: unknown },
  ) {
    super(`cannot cache value: ${detail}: expected ${expected}, got ${actual}`, { cause: options?.cause });
    this.arrayName = options?.arrayName;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * `getJson` found an array entry under the key, or `getArrays` a JSON entry: the same key was used for
 * two kinds of value, which is a bug in the caller's key derivation.
 */
export class CacheEntryKindError extends CacheError {
  readonly code = 'MMTAPE_CACHE_ENTRY_KIND_MISMATCH' as const;
  readonly path: string;
  readonly expected: 'json' | 'arrays';
  readonly actual: 'json' | 'arrays';

  constructor(path: string, expected: 'json' | 'arrays', actual: 'json' | 'arrays') {
    super(`cache entry "${path}" holds ${actual} but ${expected} was requested`);
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A file-system operation failed for another reason than a missing file (`cause` is the fs error). */
export class CacheIoError extends CacheError {
  readonly code = 'MMTAPE_CACHE_IO_FAILED' as const;
  readonly path: string;
  readonly operation: string;

  constructor(operation: string, path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`cache ${operation} failed for "${path}": ${detail}`, { cause });
    this.path = path;
    this.operation = operation;
  }
}

/** Union of every error class of this package. */
export type CacheErrorType =
  | CacheOptionsError
  | InvalidCacheKeyError
  | UnsupportedKeyValueError
  | InvalidCacheValueError
  | CacheEntryKindError
  | CacheIoError;

/** True for an error thrown by any mmtape package (marker check, works across duplicated packages). */
export function isMmtapeError(value: unknown): value is Error & { code: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[MMTAPE_ERROR_MARKER] === true
  );
}

const KNOWN_CODES: ReadonlySet<string> = new Set<CacheErrorCode>([
  'MMTAPE_INVALID_CACHE_OPTIONS',
  'MMTAPE_INVALID_CACHE_KEY',
  'MMTAPE_UNSUPPORTED_KEY_VALUE',
  'MMTAPE_INVALID_CACHE_VALUE',
  'MMTAPE_CACHE_ENTRY_KIND_MISMATCH',
  'MMTAPE_CACHE_IO_FAILED',
]);

/**
 * True for an error of this package, optionally with a given `code`. Uses the marker and `code`,
 * never `instanceof`.
 */
export function isCacheError<C extends CacheErrorCode>(
  value: unknown,
  code?: C,
): value is Extract<CacheErrorType, { code: C }> {
  if (!isMmtapeError(value)) return false;
  const actual = (value as { code: unknown }).code;
  return code === undefined ? typeof actual === 'string' && KNOWN_CODES.has(actual) : actual === code;
}
