/**
 * Errors of `@mmtape/errors` itself: the wrappers for failures that do not come from an mmtape package
 * (system calls, unexpected exceptions) and the errors of {@link readJsonFile}.
 *
 * @module
 */

import { MmtapeError } from './mmtape-error.js';
import { type SystemErrorLike, systemErrorKind } from './system-error-kind.js';

/**
 * A system call failed (`cause` is the Node error). `errno` is its symbolic name (`ENOSPC`), `syscall`
 * the call (`open`), `path` the file. `kind` comes from {@link systemErrorKind}: `usage` for a path that
 * does not exist (`ENOENT`, `ENOTDIR`, `EISDIR`...), `io` for everything else.
 */
export class SystemCallError extends MmtapeError {
  readonly code = 'MMTAPE_SYSTEM_CALL_FAILED' as const;
  readonly kind: 'usage' | 'io';
  readonly errno: string;
  readonly syscall: string | undefined;
  readonly path: string | undefined;

  /**
   * @param cause the Node system error.
   * @param options.what what was being accessed (e.g. `dataset manifest`): the message becomes
   *   `cannot <syscall> <what> <path>: <cause message>`; without it, the message is the cause's own (Node's
   *   messages already name the errno, the call and the path).
   */
  constructor(cause: SystemErrorLike, options: { path?: string; what?: string } = {}) {
    const path = options.path ?? cause.path;
    super(
      options.what === undefined
        ? cause.message
        : `cannot ${cause.syscall ?? 'access'} ${options.what}${path === undefined ? '' : ` ${path}`}: ${cause.message}`,
      { cause },
    );
    this.kind = systemErrorKind(cause) ?? 'io';
    this.errno = cause.code;
    this.syscall = cause.syscall;
    this.path = path;
  }
}

/**
 * Something that is neither an mmtape error nor a system error was thrown: a bug in mmtape or in a
 * library it calls. `errorName` is the thrown error's `name` (`TypeError`, ...), `cause` the error.
 */
export class UnexpectedError extends MmtapeError {
  readonly code = 'MMTAPE_INTERNAL_UNEXPECTED' as const;
  readonly kind = 'internal' as const;
  readonly errorName: string;

  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.errorName = cause instanceof Error ? cause.name : typeof cause;
  }
}

/**
 * A file that must be a regular file is something else (a directory, a character device such as
 * `/dev/zero`, a FIFO, a socket): reading it could hang or never end. `actual` names what it is.
 */
export class NotRegularFileError extends MmtapeError {
  readonly code = 'MMTAPE_FILE_NOT_REGULAR' as const;
  readonly kind = 'data' as const;
  readonly path: string;
  readonly expected = 'a regular file';
  readonly actual: string;

  constructor(what: string, path: string, actual: string) {
    super(`${what} ${path} is ${actual}, expected a regular file`);
    this.path = path;
    this.actual = actual;
  }
}

/** A file is larger than the limit for what it holds. `expected` is the limit, `actual` the size, bytes. */
export class FileTooLargeError extends MmtapeError {
  readonly code = 'MMTAPE_FILE_TOO_LARGE' as const;
  readonly kind = 'data' as const;
  readonly path: string;
  /** Largest accepted size, bytes. */
  readonly expected: number;
  /** Size of the file (or bytes read before giving up), bytes. */
  readonly actual: number;

  constructor(what: string, path: string, expected: number, actual: number) {
    super(`${what} ${path} has ${actual} bytes but at most ${expected} bytes are accepted`);
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A JSON file cannot be parsed: invalid syntax, invalid UTF-8, or nesting deeper than the limit (which
 * would overflow the stack of any recursive reader). `detail` is the parser's reason.
 */
export class InvalidJsonError extends MmtapeError {
  readonly code = 'MMTAPE_FILE_INVALID_JSON' as const;
  readonly kind = 'data' as const;
  readonly path: string;
  readonly detail: string;

  constructor(what: string, path: string, detail: string, cause?: unknown) {
    super(`${what} ${path} is not valid JSON: ${detail}`, { cause });
    this.path = path;
    this.detail = detail;
  }
}

/** Context of {@link OutputExistsError}. */
export interface OutputExistsContext {
  /** The output path that exists. */
  path: string;
  /** Option that would allow replacing it (`overwrite`). */
  field?: string;
  /** What may be replaced (`an empty or absent folder`, `an mmtape pack (pack.json)`). */
  expected?: string;
  /** What was found. */
  actual?: string;
  cause?: unknown;
}

/**
 * An output path exists and may not be replaced: without `overwrite`, or it is not of the kind the writer
 * may replace (a file where a folder goes, a symbolic link, a folder another program wrote). Nothing was
 * written. `path` is the output, `expected`/`actual` what may be replaced and what was found.
 */
export class OutputExistsError extends MmtapeError {
  readonly code = 'MMTAPE_OUTPUT_EXISTS' as const;
  readonly kind = 'usage' as const;
  readonly path: string;
  readonly field: string | undefined;
  readonly expected: string | undefined;
  readonly actual: string | undefined;

  constructor(message: string, context: OutputExistsContext) {
    super(message, { cause: context.cause });
    this.path = context.path;
    this.field = context.field;
    this.expected = context.expected;
    this.actual = context.actual;
  }
}
