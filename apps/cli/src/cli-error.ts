import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** An error raised by the CLI itself for bad usage; printed as one line, exit code 1. */
export class CliUsageError extends Error {
  readonly code = 'MMTAPE_CLI_USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

const DATA_ERROR_CODE = /CSV|PARSE|TIMESTAMP|COLUMN|CORRUPT|CHECKSUM|MAGIC|VERSION|TRUNCATED|FORMAT|MANIFEST|UNSORTED|ALIGN|HEADER|FIELD|NUMERIC|DESCRIPTOR/i;
const USER_ERROR_CODE = /EXISTS|NOT_FOUND|ENOENT|USAGE|CONFIG|OPTION|SYMBOL|NO_INPUT|EMPTY/i;

/**
 * Maps any thrown value to an exit code: mmtape typed errors carry a string `code`; data errors
 * (corrupt or unparseable input) → 2, usage errors → 1, anything else → 3.
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliUsageError) return ExitCode.user;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (USER_ERROR_CODE.test(code)) return ExitCode.user;
    if (DATA_ERROR_CODE.test(code)) return ExitCode.data;
    if (code.startsWith('MMTAPE') || code.startsWith('commander')) return ExitCode.user;
  }
  return ExitCode.internal;
}

/** One line for humans: the error's message, plus its code when it has one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !(error instanceof CliUsageError)
      ? `${error.message} [${code}]`
      : error.message;
  }
  return String(error);
}
