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
  | 'MMTAPE_WF_PANEL_BUILD_FAILED'
  | 'MMTAPE_WF_QUEUE_UNAVAILABLE'
  | 'MMTAPE_WF_TASK_FAILED'
  | 'MMTAPE_WF_DATASET_MISMATCH'
  | 'MMTAPE_WF_CODE_VERSION_MISMATCH';

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

/**
 * The Redis server behind a cluster queue (`@mmtape/walk-forward/cluster`) cannot be reached: refused or
 * timed out at start, or lost for longer than the allowed outage during a run. Kind `io` (CLI exit code 4):
 * start or fix Redis and run the same command again; finished tasks are kept in Redis and not recomputed.
 * `url` is the queue URL with its password replaced by `***`.
 */
export class QueueUnavailableError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_QUEUE_UNAVAILABLE' as const;
  readonly kind = 'io' as const;
  override readonly name = 'QueueUnavailableError';
  readonly url: string;
  /** How long the server was tried or missed, ms. */
  readonly waitedMs: number;
  constructor(url: string, detail: string, waitedMs: number, options?: { cause?: unknown }) {
    super(`queue ${url} unavailable: ${detail} (waited ${waitedMs} ms)`, options);
    this.url = url;
    this.waitedMs = waitedMs;
  }
}

/**
 * A task of a cluster walk-forward failed for good: deterministically (bad data, wrong dataset, other code
 * version) or after its last attempt. `kind` is the task error's kind (`io` when BullMQ itself failed the job,
 * e.g. it stalled more often than allowed because workers kept dying on it), so the CLI exits
 * as it would have on one machine. `taskCode` is the task error's code, `reason` its message.
 */
export class TaskFailedError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_TASK_FAILED' as const;
  readonly kind: ErrorKind;
  override readonly name = 'TaskFailedError';
  readonly taskId: string;
  readonly window: number;
  readonly shard: number;
  readonly taskCode: string | undefined;
  readonly reason: string;
  constructor(
    taskId: string,
    window: number,
    shard: number,
    reason: string,
    taskCode: string | undefined,
    kind: ErrorKind,
  ) {
    super(
      `task ${taskId.slice(0, 12)} (window ${window}, shard ${shard}) failed: ${reason}${taskCode ? ` [${taskCode}]` : ''}`,
    );
    this.kind = kind;
    this.taskId = taskId;
    this.window = window;
    this.shard = shard;
    this.taskCode = taskCode;
    this.reason = reason;
  }
}

/**
 * A worker's dataset is not the one the walk-forward was planned on: the digest of the panel it built
 * (`panelDigest`) differs from the task's. Never a silent mix of datasets. `dataset` is the path or pack
 * URL the worker opened.
 */
export class DatasetMismatchError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_DATASET_MISMATCH' as const;
  readonly kind = 'data' as const;
  override readonly name = 'DatasetMismatchError';
  readonly dataset: string;
  readonly expected: string;
  readonly actual: string;
  constructor(dataset: string, expected: string, actual: string) {
    super(
      `dataset ${dataset} on this worker has panel digest ${actual.slice(0, 16)}… but the walk-forward was planned on ${expected.slice(0, 16)}…: the worker must open the same dataset (same generation) as the producer`,
    );
    this.dataset = dataset;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A worker runs another version of the walk-forward code than the producer that planned the task. */
export class CodeVersionMismatchError extends WalkForwardErrorBase {
  readonly code = 'MMTAPE_WF_CODE_VERSION_MISMATCH' as const;
  readonly kind = 'usage' as const;
  override readonly name = 'CodeVersionMismatchError';
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(
      `task planned by @mmtape/walk-forward ${expected} but this worker runs ${actual}: run the same version on the producer and every worker`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** Union of every error class this package throws. */
export type WalkForwardError =
  | InvalidConfigError
  | InvalidInputError
  | InsufficientDataError
  | PanelBuildError
  | QueueUnavailableError
  | TaskFailedError
  | DatasetMismatchError
  | CodeVersionMismatchError;

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
