import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** An error raised by the CLI itself for bad usage; printed as one line, exit code 1. */
export class CliUsageError extends Error {
  readonly code = 'MMTAPE_CLI_USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** Error codes of the packages that mean the input data is bad (corrupt file, unparseable CSV). */
const DATA_ERROR_CODES = new Set([
  'BAD_HEADER',
  'BAD_MAGIC',
  'COLUMN_DTYPE_MISMATCH',
  'COLUMN_LENGTH_MISMATCH',
  'COLUMN_NAME_COLLISION',
  'COLUMN_OUT_OF_BOUNDS',
  'CSV_READ_FAILED',
  'DATASET_GENERATION',
  'DATASET_MISMATCH',
  'FIELD_COUNT_MISMATCH',
  'INVALID_MANIFEST',
  'INVALID_NUMBER',
  'INVALID_TIMESTAMP',
  'MISALIGNED_COLUMN',
  'MISSING_COLUMN',
  'NO_DATA',
  'TRUNCATED_FILE',
  'UNSORTED_STREAM',
  'UNSUPPORTED_VERSION',
  'BLOCK_CHECKSUM_MISMATCH',
  'HEADER_CHECKSUM_MISMATCH',
  'PARTITION_CHECKSUM_MISMATCH',
  'MMTAPE_VERIFY_FAILED',
  'MMTAPE_CHECKSUM_MISMATCH',
  'MMTAPE_FRAME_BAD_MAGIC',
  'MMTAPE_FRAME_LENGTH_MISMATCH',
  'MMTAPE_FRAME_TRUNCATED',
  'MMTAPE_FRAME_UNSUPPORTED_VERSION',
  'MMTAPE_UNKNOWN_CODEC',
  'MMTAPE_ZSTD_FAILED',
  'MMTAPE_PACK_UNSAFE_PATH',
  'WF_INSUFFICIENT_DATA',
  'WF_INVALID_INPUT',
  'WF_PANEL_BUILD_FAILED',
]);

/** Error codes that mean the user asked for something impossible (bad option, missing path). */
const USER_ERROR_CODES = new Set([
  'COLUMN_NOT_FOUND',
  'FILE_OPEN_FAILED',
  'INVALID_INGEST_OPTIONS',
  'INVALID_OPTION',
  'INVALID_SYMBOL',
  'OUTPUT_EXISTS',
  'SYMBOL_NOT_FOUND',
  'UNKNOWN_SYMBOL',
  'UNSUPPORTED_COLUMN_DTYPE',
  'WF_INVALID_CONFIG',
  'MMTAPE_INVALID_CACHE_OPTIONS',
  'MMTAPE_INVALID_COMPRESSION_LEVEL',
  'MMTAPE_MAPPED_FILE_OPEN_FAILED',
  'MMTAPE_MAPPING_TOO_LARGE',
  'MMTAPE_PACK_OUTPUT_EXISTS',
  'MMTAPE_PACK_INVALID_OPTIONS',
  'ENOENT',
  'EACCES',
  'ENOTDIR',
  'EISDIR',
]);

/**
 * Maps any thrown value to an exit code from the `code` that mmtape's typed errors (and Node's system
 * errors) carry: data errors → 2, usage errors → 1, anything else → 3 (a bug).
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliUsageError) return ExitCode.user;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (DATA_ERROR_CODES.has(code)) return ExitCode.data;
    if (USER_ERROR_CODES.has(code)) return ExitCode.user;
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
