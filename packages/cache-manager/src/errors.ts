/**
 * Tagged errors of `@mmtape/cache-manager`.
 *
 * Every error carries a literal `code`, typed context fields and an optional `cause`, and extends
 * `MmtapeError` of `@mmtape/errors`: a `kind` that decides the CLI exit code and the
 * `Symbol.for('mmtape.error')` marker recognised by `isMmtapeError` even when two copies of this package
 * coexist in one process (where `instanceof` would fail).
 *
 * Corrupt or truncated entries are never surfaced as errors: they count as misses (see `CacheManager`).
 *
 * @module
 */

import { isMmtapeError, MmtapeError, systemErrorKind } from '@mmtape/errors';

/** Literal codes of the errors thrown by this package. */
export type CacheErrorCode =
  | 'MMTAPE_CACHE_INVALID_OPTIONS'
  | 'MMTAPE_CACHE_INVALID_KEY'
  | 'MMTAPE_CACHE_UNSUPPORTED_KEY_VALUE'
  | 'MMTAPE_CACHE_INVALID_VALUE'
  | 'MMTAPE_CACHE_ENTRY_KIND_MISMATCH'
  | 'MMTAPE_CACHE_IO_FAILED';

/** Base class of this package's errors (see `@mmtape/errors`). Not exported; use the guards. */
abstract class CacheError extends MmtapeError {
  abstract override readonly code: CacheErrorCode;
}

/** A constructor option is invalid. `option` names it; `expected` describes valid values. */
export class CacheOptionsError extends CacheError {
  readonly code = 'MMTAPE_CACHE_INVALID_OPTIONS' as const;
  readonly kind = 'usage' as const;
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
  readonly code = 'MMTAPE_CACHE_INVALID_KEY' as const;
  readonly kind = 'usage' as const;
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
  readonly code = 'MMTAPE_CACHE_UNSUPPORTED_KEY_VALUE' as const;
  readonly kind = 'usage' as const;
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
  readonly code = 'MMTAPE_CACHE_INVALID_VALUE' as const;
  readonly kind = 'usage' as const;
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
  /** A bug in the caller's key derivation. */
  readonly kind = 'internal' as const;
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

/**
 * A file-system operation failed for another reason than a missing file (`cause` is the fs error).
 * `kind` from `systemErrorKind` of `@mmtape/errors` (`io` for `ENOSPC`, `EACCES`, ...), `io` otherwise.
 */
export class CacheIoError extends CacheError {
  readonly code = 'MMTAPE_CACHE_IO_FAILED' as const;
  readonly kind: 'usage' | 'io';
  readonly path: string;
  readonly operation: string;

  constructor(operation: string, path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`cache ${operation} failed for "${path}": ${detail}`, { cause });
    this.kind = systemErrorKind(cause) ?? 'io';
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

const KNOWN_CODES: ReadonlySet<string> = new Set<CacheErrorCode>([
  'MMTAPE_CACHE_INVALID_OPTIONS',
  'MMTAPE_CACHE_INVALID_KEY',
  'MMTAPE_CACHE_UNSUPPORTED_KEY_VALUE',
  'MMTAPE_CACHE_INVALID_VALUE',
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

export { isMmtapeError };
