/**
 * Tagged errors of `@mmtape/prefetch`: a literal `code`, typed context, and the cross-package
 * `Symbol.for('mmtape.error')` marker recognised by {@link isPrefetchError} (not `instanceof`, since two
 * copies of the package can coexist).
 *
 * @module
 */

const MMTAPE_ERROR_MARKER = Symbol.for('mmtape.error');

/** Literal codes of the errors thrown by this package. */
export type PrefetchErrorCode = 'MMTAPE_PREFETCH_INVALID_ARGUMENT';

/**
 * An option, stream description or call argument is out of range. `argument` names it, `expected`
 * describes the valid values and `actual` is the value received.
 */
export class PrefetchArgumentError extends Error {
  readonly code = 'MMTAPE_PREFETCH_INVALID_ARGUMENT' as const;
  readonly argument: string;
  readonly expected: string;
  readonly actual: unknown;

  constructor(argument: string, expected: string, actual: unknown) {
    super(`${argument} must be ${expected}, got ${String(actual)}`);
    this.name = 'PrefetchArgumentError';
    this.argument = argument;
    this.expected = expected;
    this.actual = actual;
    Object.defineProperty(this, MMTAPE_ERROR_MARKER, { value: true, enumerable: false });
  }
}

/** True for an error of this package, optionally with a given `code` (marker + code, no `instanceof`). */
export function isPrefetchError(value: unknown, code?: PrefetchErrorCode): value is PrefetchArgumentError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[MMTAPE_ERROR_MARKER] !== true) return false;
  const actual = (value as { code?: unknown }).code;
  return code === undefined ? actual === 'MMTAPE_PREFETCH_INVALID_ARGUMENT' : actual === code;
}
