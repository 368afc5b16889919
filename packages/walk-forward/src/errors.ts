/**
 * Tagged errors of `@mmtape/walk-forward`.
 *
 * Every error carries a literal `code`, a `kind` and typed context fields, and extends `MmtapeError` of
 * `@mmtape/errors` (a `Symbol.for('mmtape.error')` marker), so {@link isWalkForwardError} /
 * {@link isMmtapeError} recognise errors from a duplicated copy of this package where `instanceof` would not.
 *
 * @module
 */

import { type ErrorKind, isMmtapeError, MmtapeError, systemErrorKind } from '@mmtape/errors';

export { isMmtapeError };

/** Codes of every error this package throws. */
export type WalkForwardErrorCode =
  | 'MMTAPE_WF_INVALID_CONFIG'
  | 'MMTAPE_WF_INVALID_INPUT'
  | 'MMTAPE_WF_INSUFFICIENT_DATA'
  | 'MMTAPE_WF_PANEL_BUILD_FAILED';

abstract class WalkForwardErrorBase extends MmtapeError {
  abstract override readonly code: WalkForwardErrorCode;
}

/**
 * A {@link WalkForwardConfig} field is out of range or of the wrong type.
 * `field` names the offending option, `expected` describes the accepted domain, `actual` is what was given.
 */
export class InvalidConfigError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_INVALID_CONFIG' as const;
  readonly kind = 'usage' as const;
  override readonly name = 'InvalidConfigError';
  readonly field: string;
  readonly expected: string;
  readonly actual: unknown;
  constructor(field: string, expected: string, actual: unknown) {
    super(`config.${field} must be ${expected} but is ${formatValue(actual)}`);
    this.field = field;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * An input array or panel is malformed (length mismatch, non-finite values where finite ones are needed,
 * unknown symbol). `what` names the input.
 */
export class InvalidInputError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_INVALID_INPUT' as const;
  readonly kind = 'data' as const;
  override readonly name = 'InvalidInputError';
  readonly what: string;
  readonly expected: string;
  readonly actual: unknown;
  constructor(what: string, expected: string, actual: unknown) {
    super(`${what}: expected ${expected} but got ${formatValue(actual)}`);
    this.what = what;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A statistic needs more observations than were given (e.g. ADF with `lags` too large for the series).
 * `expected` is the minimum length, `actual` the given length.
 */
export class InsufficientDataError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_INSUFFICIENT_DATA' as const;
  readonly kind = 'data' as const;
  override readonly name = 'InsufficientDataError';
  readonly what: string;
  readonly expected: number;
  readonly actual: number;
  constructor(what: string, expected: number, actual: number, detail = '') {
    super(`${what} needs at least ${expected} observations but got ${actual}${detail ? ` (${detail})` : ''}`);
    this.what = what;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Building a {@link PricePanel} from a dataset failed; `cause` holds the lower-layer error. `kind` is the
 * cause's (an mmtape error's kind, or `systemErrorKind` of a Node system error), else `data`.
 */
export class PanelBuildError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_PANEL_BUILD_FAILED' as const;
  readonly kind: ErrorKind;
  override readonly name = 'PanelBuildError';
  readonly path: string;
  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    const cause = options?.cause;
    this.kind = isMmtapeError(cause) ? cause.kind : (systemErrorKind(cause) ?? 'data');
    this.path = path;
  }
}

/** Union of every error class this package throws. */
export type WalkForwardError =
  | InvalidConfigError
  | InvalidInputError
  | InsufficientDataError
  | PanelBuildError;

/** True for errors thrown by this package (code prefix `MMTAPE_WF_`). */
export function isWalkForwardError(e: unknown): e is WalkForwardError {
  return isMmtapeError(e) && e.code.startsWith('MMTAPE_WF_');
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
