/**
 * Tagged errors of `@mmtape/mmap-core`.
 *
 * Every error carries a literal `code`, typed context fields and an optional `cause`, and
 * extends `MmtapeError` of `@mmtape/errors` (a `kind` that decides the CLI exit code, the
 * `Symbol.for('mmtape.error')` marker recognised by `isMmtapeError` even across two copies of a package).
 *
 * @module
 */

import { isMmtapeError, MmtapeError, systemErrorKind } from '@mmtape/errors';

/** Literal codes of the errors thrown by this package. */
export type MmapErrorCode =
  | 'MMTAPE_MMAP_FILE_CLOSED'
  | 'MMTAPE_MMAP_OPEN_FAILED'
  | 'MMTAPE_MMAP_TOO_LARGE'
  | 'MMTAPE_MMAP_SYSCALL_FAILED'
  | 'MMTAPE_MMAP_INVALID_RANGE'
  | 'MMTAPE_MMAP_FILE_CHANGED';

/** Base class of this package's errors (see `@mmtape/errors`). Not exported; use the guards. */
abstract class MmapCoreError extends MmtapeError {
  abstract override readonly code: MmapErrorCode;
}

/**
 * Thrown by {@link MappedFile.buffer}, `advise()` and `residency()` after `close()`.
 * Context: `path` of the file and the `operation` attempted.
 */
export class MappedFileClosedError extends MmapCoreError {
  readonly code = 'MMTAPE_MMAP_FILE_CLOSED' as const;
  /** Using a closed file is a bug of the caller. */
  readonly kind = 'internal' as const;
  readonly path: string;
  readonly operation: string;

  constructor(path: string, operation: string) {
    super(`cannot ${operation}: mapped file "${path}" is closed`);
    this.path = path;
    this.operation = operation;
  }
}

/**
 * Thrown by `MappedFile.open()` when the file cannot be opened or stat'ed (`cause` is the fs error).
 * `kind`: for a system error, `systemErrorKind` of `@mmtape/errors` (`usage` for a path that does not
 * exist, `io` otherwise); `data` when the path is not a regular file (a directory or a device).
 */
export class MappedFileOpenError extends MmapCoreError {
  readonly code = 'MMTAPE_MMAP_OPEN_FAILED' as const;
  readonly kind: 'usage' | 'io' | 'data';
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`cannot open "${path}" for mapping: ${detail}`, { cause });
    this.kind = systemErrorKind(cause) ?? 'data';
    this.path = path;
  }
}

/**
 * Thrown when a file is too large to be mapped by the native binding, which passes sizes and offsets
 * through a C `int`. `expected` is the exclusive upper bound in bytes (2,147,483,647 = 2^31 - 1),
 * `actual` the file size in bytes. Thrown for both backends: the fallback (`fs` read) has the same
 * 2 GiB ceiling in Node 20.
 */
export class MappingTooLargeError extends MmapCoreError {
  readonly code = 'MMTAPE_MMAP_TOO_LARGE' as const;
  readonly kind = 'usage' as const;
  readonly path: string;
  /** Exclusive upper bound, bytes. */
  readonly expected: number;
  /** File size, bytes. */
  readonly actual: number;

  constructor(path: string, expected: number, actual: number) {
    super(`file "${path}" has ${actual} bytes but mappings must be < ${expected} bytes`);
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Name of the system call that failed inside the native binding. */
export type MmapSyscall = 'mmap' | 'madvise' | 'mincore';

/**
 * A system call inside the native binding failed. `errno` is the numeric errno reported by the binding
 * (`-1` if it could not be parsed), `errnoName` its symbolic name (e.g. `EINVAL`) when known.
 */
export class MmapSyscallError extends MmapCoreError {
  readonly code = 'MMTAPE_MMAP_SYSCALL_FAILED' as const;
  readonly kind = 'io' as const;
  readonly syscall: MmapSyscall;
  readonly errno: number;
  readonly errnoName: string | undefined;
  readonly offsetBytes: number | undefined;
  readonly lengthBytes: number | undefined;

  constructor(
    syscall: MmapSyscall,
    errno: number,
    errnoName: string | undefined,
    context: { offsetBytes?: number; lengthBytes?: number; cause?: unknown },
  ) {
    const range =
      context.offsetBytes === undefined
        ? ''
        : ` at offset ${context.offsetBytes} length ${context.lengthBytes}`;
    super(`${syscall}() failed with ${errnoName ?? 'errno'} (${errno})${range}`, { cause: context.cause });
    this.syscall = syscall;
    this.errno = errno;
    this.errnoName = errnoName;
    this.offsetBytes = context.offsetBytes;
    this.lengthBytes = context.lengthBytes;
  }
}

/** Thrown when an offset or length is negative, fractional or not a finite number, or a slice ends past the file. */
export class InvalidRangeError extends MmapCoreError {
  readonly code = 'MMTAPE_MMAP_INVALID_RANGE' as const;
  readonly kind = 'usage' as const;
  readonly path: string;
  readonly offsetBytes: number;
  readonly lengthBytes: number;

  /**
   * @param byteLength when given, the range must also end within these many bytes (slices), and the
   *   message says so.
   */
  constructor(path: string, offsetBytes: number, lengthBytes: number, byteLength?: number) {
    super(
      byteLength === undefined
        ? `invalid byte range for "${path}": expected non-negative integers, got offset ${offsetBytes} length ${lengthBytes}`
        : `invalid byte range for "${path}": expected non-negative integers ending within ${byteLength} bytes, got offset ${offsetBytes} length ${lengthBytes}`,
    );
    this.path = path;
    this.offsetBytes = offsetBytes;
    this.lengthBytes = lengthBytes;
  }
}

/**
 * Thrown by `MappedFileReader.read` when the file ends before the bytes asked for: it was truncated
 * after it was mapped. Context: `path`, and the file offset and length of the bytes missing.
 */
export class MappedFileChangedError extends MmapCoreError {
  readonly code = 'MMTAPE_MMAP_FILE_CHANGED' as const;
  readonly kind = 'data' as const;
  readonly path: string;
  readonly offsetBytes: number;
  readonly lengthBytes: number;

  constructor(path: string, offsetBytes: number, lengthBytes: number) {
    super(
      `"${path}" changed while it was read: expected ${lengthBytes} more bytes at file offset ${offsetBytes}, found the end of the file`,
    );
    this.path = path;
    this.offsetBytes = offsetBytes;
    this.lengthBytes = lengthBytes;
  }
}

/** Any error thrown by this package. */
export type MmapError =
  | MappedFileClosedError
  | MappedFileOpenError
  | MappingTooLargeError
  | MmapSyscallError
  | InvalidRangeError
  | MappedFileChangedError;

/**
 * True for an error of this package, optionally with a given `code`. Uses the marker and `code`,
 * never `instanceof`.
 */
export function isMmapError<C extends MmapErrorCode>(
  value: unknown,
  code?: C,
): value is Extract<MmapError, { code: C }> {
  if (!isMmtapeError(value)) return false;
  const actual = (value as { code: unknown }).code;
  return code === undefined ? KNOWN_CODES.has(actual as MmapErrorCode) : actual === code;
}

const KNOWN_CODES: ReadonlySet<MmapErrorCode> = new Set<MmapErrorCode>([
  'MMTAPE_MMAP_FILE_CLOSED',
  'MMTAPE_MMAP_OPEN_FAILED',
  'MMTAPE_MMAP_TOO_LARGE',
  'MMTAPE_MMAP_SYSCALL_FAILED',
  'MMTAPE_MMAP_INVALID_RANGE',
  'MMTAPE_MMAP_FILE_CHANGED',
]);

export { isMmtapeError };
