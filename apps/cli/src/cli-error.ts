import { type ErrorJson, errorJsonOf, errorKindOf, isMmtapeError, MmtapeError } from '@mmtape/errors';
import { EXIT_CODE_OF_KIND, type ExitCodeValue } from './exit-codes.js';

/** An error raised by the CLI itself for bad usage (kind `usage`); printed as one line, exit code 1. */
export class CliUsageError extends MmtapeError {
  readonly code = 'MMTAPE_CLI_USAGE' as const;
  readonly kind = 'usage' as const;
}

/**
 * The exit code of anything thrown, from its `kind` (`errorKindOf` of `@mmtape/errors`: an mmtape error's
 * own kind, `usage`/`io` for Node system errors, `internal` for anything else): usage 1, data 2,
 * internal 3, io 4. No list of codes: a new error class gets the right exit code from its kind.
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  return EXIT_CODE_OF_KIND[errorKindOf(error)];
}

/** One line for humans: the error's message, plus its code when it is an mmtape or system error. */
export function describeError(error: unknown): string {
  if (error instanceof CliUsageError) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && (isMmtapeError(error) || /^E[A-Z0-9]+$/.test(code))
      ? `${error.message} [${code}]`
      : error.message;
  }
  return String(error);
}

/** The `--json` form of an error: `{ "error": { code, kind, message, context } }`. */
export function errorDocument(error: unknown): { error: ErrorJson } {
  return { error: errorJsonOf(error) };
}
