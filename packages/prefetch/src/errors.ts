/**
 * Tagged errors of `@mmtape/prefetch`: a literal `code`, typed context, and the `MmtapeError` base of
 * `@mmtape/errors` (a `kind`, the cross-package `Symbol.for('mmtape.error')` marker recognised by
 * {@link isPrefetchError}, not `instanceof`, since two copies of the package can coexist).
 *
 * @module
 */

import { isMmtapeError, MmtapeError } from '@mmtape/errors';

/** Literal codes of the errors thrown by this package. */
export type PrefetchErrorCode = 'MMTAPE_PREFETCH_INVALID_ARGUMENT';

/**
 * An option, stream description or call argument is out of range. `argument` names it, `expected`
 * describes the valid values and `actual` is the value received. Kind `usage`.
 */
export class PrefetchArgumentError extends MmtapeError {
  readonly code = 'MMTAPE_PREFETCH_INVALID_ARGUMENT' as const;
  readonly kind = 'usage' as const;
  readonly argument: string;
  readonly expected: string;
  readonly actual: unknown;

  constructor(argument: string, expected: string, actual: unknown) {
    super(`${argument} must be ${expected}, got ${String(actual)}`);
    this.argument = argument;
    this.expected = expected;
    this.actual = actual;
  }
}

/** True for an error of this package, optionally with a given `code` (marker + code, no `instanceof`). */
export function isPrefetchError(value: unknown, code?: PrefetchErrorCode): value is PrefetchArgumentError {
  if (!isMmtapeError(value)) return false;
  return code === undefined ? value.code === 'MMTAPE_PREFETCH_INVALID_ARGUMENT' : value.code === code;
}
