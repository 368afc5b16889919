/**
 * Tagged errors thrown by `@mmtape/merge-replay`.
 *
 * Every error carries a literal `code`, a `kind` and typed context fields, and extends `MmtapeError` of
 * `@mmtape/errors` (the `Symbol.for('mmtape.error')` marker). Identify them with
 * {@link isMergeReplayError} / {@link isMmtapeError} rather than `instanceof`: two copies of this package
 * can coexist in one process.
 *
 * @module
 */

import { isMmtapeError, MMTAPE_ERROR_MARKER, MmtapeError } from '@mmtape/errors';

export { isMmtapeError, MMTAPE_ERROR_MARKER };

/** Every `code` that this package can throw. */
export type MergeReplayErrorCode =
  | 'MMTAPE_REPLAY_UNSORTED_STREAM'
  | 'MMTAPE_REPLAY_INVALID_OPTION'
  | 'MMTAPE_REPLAY_UNKNOWN_SYMBOL'
  | 'MMTAPE_REPLAY_MISSING_COLUMN'
  | 'MMTAPE_REPLAY_UNSUPPORTED_DTYPE'
  | 'MMTAPE_REPLAY_STREAM_CHANGED';

/** Base class of all errors of this package (extends `MmtapeError`). Prefer {@link isMergeReplayError}. */
export abstract class MergeReplayError extends MmtapeError {
  /** Literal tag identifying the failure. */
  abstract override readonly code: MergeReplayErrorCode;
  /** Package that raised the error. */
  readonly package = '@mmtape/merge-replay' as const;
}

/**
 * A timestamp stream decreases: row `row` of stream `streamIndex` is earlier than row `row - 1`.
 * Detected lazily while the merge advances, so only the replayed range is validated.
 */
export class UnsortedStreamError extends MergeReplayError {
  readonly code = 'MMTAPE_REPLAY_UNSORTED_STREAM' as const;
  readonly kind = 'data' as const;
  /** Index of the offending stream (= symbol id). */
  readonly streamIndex: number;
  /** Row whose timestamp is smaller than the previous row's. */
  readonly row: number;
  /** Timestamp of `row - 1` (ns since epoch): `row` must be at least this. */
  readonly expected: bigint;
  /** Timestamp of `row` (ns since epoch). */
  readonly actual: bigint;

  constructor(fields: { streamIndex: number; row: number; expected: bigint; actual: bigint }) {
    super(
      `stream ${fields.streamIndex} is not sorted by timestamp: row ${fields.row} has ${fields.actual} ns ` +
        `but row ${fields.row - 1} has ${fields.expected} ns (expected non-decreasing timestamps)`,
    );
    this.streamIndex = fields.streamIndex;
    this.row = fields.row;
    this.expected = fields.expected;
    this.actual = fields.actual;
  }
}

/** An option has the wrong type or an out-of-range value. */
export class InvalidReplayOptionError extends MergeReplayError {
  readonly code = 'MMTAPE_REPLAY_INVALID_OPTION' as const;
  readonly kind = 'usage' as const;
  /** Option name, e.g. `speed` or `streams[3]`. */
  readonly option: string;
  /** Human-readable description of what is accepted. */
  readonly expected: string;
  /** The rejected value, stringified. */
  readonly actual: string;

  constructor(fields: { option: string; expected: string; actual: unknown }) {
    const actual = describe(fields.actual);
    super(`invalid option ${fields.option}: expected ${fields.expected} but got ${actual}`);
    this.option = fields.option;
    this.expected = fields.expected;
    this.actual = actual;
  }
}

/** `replayDataset` was asked for a symbol the dataset does not contain. */
export class UnknownSymbolError extends MergeReplayError {
  readonly code = 'MMTAPE_REPLAY_UNKNOWN_SYMBOL' as const;
  readonly kind = 'usage' as const;
  /** The requested symbol. */
  readonly symbol: string;
  /** Dataset directory, when known. */
  readonly path: string | undefined;

  constructor(fields: { symbol: string; path?: string | undefined; available: readonly string[] }) {
    const shown = fields.available.slice(0, 10).join(', ');
    const more = fields.available.length > 10 ? `, … (${fields.available.length} total)` : '';
    super(
      `symbol "${fields.symbol}" is not in the dataset${fields.path ? ` at ${fields.path}` : ''}; ` +
        `available: ${shown}${more}`,
    );
    this.symbol = fields.symbol;
    this.path = fields.path;
  }
}

/**
 * A column requested by `replayDataset` (or the `ts` column) is absent from a symbol's file. `kind`:
 * `data` for `ts` (every column file must have it), `usage` for a requested column.
 */
export class MissingColumnError extends MergeReplayError {
  readonly code = 'MMTAPE_REPLAY_MISSING_COLUMN' as const;
  readonly kind: 'data' | 'usage';
  /** Symbol whose file lacks the column. */
  readonly symbol: string;
  /** Requested column name. */
  readonly column: string;
  /** Path of the column file, when known. */
  readonly path: string | undefined;
  /** Column names the file does have. */
  readonly actual: readonly string[];

  constructor(fields: {
    symbol: string;
    column: string;
    path?: string | undefined;
    actual: readonly string[];
  }) {
    super(
      `column "${fields.column}" is missing for symbol "${fields.symbol}"` +
        `${fields.path ? ` (${fields.path})` : ''}; the file has: ${fields.actual.join(', ') || '(none)'}`,
    );
    this.kind = fields.column === 'ts' ? 'data' : 'usage';
    this.symbol = fields.symbol;
    this.column = fields.column;
    this.path = fields.path;
    this.actual = fields.actual;
  }
}

/** A requested column is neither `f64` nor `i64`, the two dtypes a `ReplayContext` exposes. */
export class UnsupportedColumnDtypeError extends MergeReplayError {
  readonly code = 'MMTAPE_REPLAY_UNSUPPORTED_DTYPE' as const;
  readonly kind = 'usage' as const;
  /** Symbol whose column has the unsupported dtype. */
  readonly symbol: string;
  /** Column name. */
  readonly column: string;
  /** Accepted dtypes. */
  readonly expected: readonly string[];
  /** The column's dtype. */
  readonly actual: string;

  constructor(fields: { symbol: string; column: string; actual: string }) {
    super(
      `column "${fields.column}" of symbol "${fields.symbol}" has dtype ${fields.actual}; ` +
        `replay exposes only f64 or i64 columns`,
    );
    this.symbol = fields.symbol;
    this.column = fields.column;
    this.expected = ['f64', 'i64'];
    this.actual = fields.actual;
  }
}

/**
 * A stream's timestamps or gathered column, given to `KWayMerge`, changed length while the merge read it
 * in place: detached (transferred to another thread or `structuredClone`d with `transfer`) or resized.
 * The merge's native kernels hold the arrays' memory, so this is checked before each of their calls
 * (before any of that memory is read); the merge must be discarded.
 */
export class StreamArrayChangedError extends MergeReplayError {
  readonly code = 'MMTAPE_REPLAY_STREAM_CHANGED' as const;
  readonly kind = 'usage' as const;
  /** Index of the stream (= symbol id). */
  readonly streamIndex: number;
  /** Which of its arrays: `'timestamps'` or `'column <name>'`. */
  readonly array: string;
  /** Elements the array had when the merge took it. */
  readonly expected: number;
  /** Elements it has now (0 once detached). */
  readonly actual: number;

  constructor(fields: { streamIndex: number; array: string; expected: number; actual: number }) {
    super(
      `stream ${fields.streamIndex}'s ${fields.array} changed length during the merge: expected ` +
        `${fields.expected} elements but found ${fields.actual} (detached or resized); the merge reads ` +
        `its arrays in place until it ends`,
    );
    this.streamIndex = fields.streamIndex;
    this.array = fields.array;
    this.expected = fields.expected;
    this.actual = fields.actual;
  }
}

/** True for errors raised by this package; narrows to the union of its error classes. */
export function isMergeReplayError(error: unknown): error is MergeReplayErrorUnion {
  return isMmtapeError(error) && (error as { package?: unknown }).package === '@mmtape/merge-replay';
}

/** Union of every concrete error class of this package, discriminated by `code`. */
export type MergeReplayErrorUnion =
  | UnsortedStreamError
  | InvalidReplayOptionError
  | UnknownSymbolError
  | MissingColumnError
  | UnsupportedColumnDtypeError
  | StreamArrayChangedError;

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}
