/**
 * Tagged errors of `@mmtape/walk-forward`.
 *
 * Every error carries a literal `code`, typed context fields and a `Symbol.for('mmtape.error')` marker, so
 * {@link isWalkForwardError} / {@link isMmtapeError} recognise errors from a duplicated copy of this package
 * where `instanceof` would not.
 *
 * @module
 */

const MMTAPE_ERROR = Symbol.for('mmtape.error');

/** Codes of every error this package throws. */
export type WalkForwardErrorCode =
  | 'WF_INVALID_CONFIG'
  | 'WF_INVALID_INPUT'
  | 'WF_INSUFFICIENT_DATA'
  | 'WF_PANEL_BUILD_FAILED';

abstract class WalkForwardErrorBase extends Error {
  abstract readonly code: WalkForwardErrorCode;
  readonly [MMTAPE_ERROR] = true;
}

/**
 * A {@link WalkForwardConfig} field is out of range or of the wrong type.
 * `field` names the offending option, `expected` describes the accepted domain, `actual` is what was given.
 */
export class InvalidConfigError extends WalkForwardErrorBase {
  readonly code = 'WF_INVALID_CONFIG' as const;
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
  readonly code = 'WF_INVALID_INPUT' as const;
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
  readonly code = 'WF_INSUFFICIENT_DATA' as const;
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

/** Building a {@link PricePanel} from a dataset failed; `cause` holds the lower-layer error. */
export class PanelBuildError extends WalkForwardErrorBase {
  readonly code = 'WF_PANEL_BUILD_FAILED' as const;
  override readonly name = 'PanelBuildError';
  readonly path: string;
  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

/** Union of every error class this package throws. */
export type WalkForwardError =
  | InvalidConfigError
  | InvalidInputError
  | InsufficientDataError
  | PanelBuildError;

/** True for any mmtape error (any package), recognised by the `Symbol.for('mmtape.error')` marker. */
export function isMmtapeError(e: unknown): e is Error & { code: string } {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[MMTAPE_ERROR] === true;
}

/** True for errors thrown by this package (code prefix `WF_`). */
export function isWalkForwardError(e: unknown): e is WalkForwardError {
  return isMmtapeError(e) && typeof e.code === 'string' && e.code.startsWith('WF_');
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
