/**
 * Process exit codes of the `mmtape` CLI.
 * - 0: success.
 * - 1: user error (bad option, missing file, dataset already exists).
 * - 2: data error (unparseable or corrupt input data).
 * - 3: internal error (a bug: please report it with `--debug` output).
 */
export const ExitCode = { ok: 0, user: 1, data: 2, internal: 3 } as const;

/** One of the documented exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
