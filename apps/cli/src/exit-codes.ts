import type { ErrorKind } from '@mmtape/errors';

/**
 * Process exit codes of the `mmtape` CLI.
 * - 0: success.
 * - 1: usage error (bad option or value, missing file, unknown symbol, output already exists).
 * - 2: data error (unparseable, corrupt or inconsistent input data).
 * - 3: internal error (a bug: please report it with `--debug` output).
 * - 4: I/O error: the operating system refused (disk full `ENOSPC`, read-only file system `EROFS`,
 *   permission `EACCES`/`EPERM`, too many open files `EMFILE`). Its own code, not 1, because the remedy
 *   differs: fix the environment and rerun the same command.
 */
export const ExitCode = { ok: 0, user: 1, data: 2, internal: 3, io: 4 } as const;

/** One of the documented exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one mapping from an error's `kind` (see `@mmtape/errors`) to the exit code: usage 1, data 2,
 * internal 3, io 4.
 */
export const EXIT_CODE_OF_KIND: Readonly<Record<ErrorKind, ExitCodeValue>> = {
  usage: ExitCode.user,
  data: ExitCode.data,
  internal: ExitCode.internal,
  io: ExitCode.io,
};
