import { basename } from 'node:path';
import { type InvalidJsonError, isMmtapeError, readBoundedFile, readJsonFile } from '@mmtape/errors';
import { walkForwardConfigSchema } from '@mmtape/walk-forward';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CliUsageError } from './cli-error.js';
import { findConfigFile } from './config-path.js';
import { type GlobalOptions, type Settings, settingsFrom } from './context.js';

/**
 * Largest accepted config file, bytes: 1 MiB (a config is a few hundred bytes). The file must also be a
 * regular file (`readBoundedFile`/`readJsonFile` of `@mmtape/errors`), so `--config /dev/zero` fails at once.
 */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;

export { CONFIG_FILE_NAMES } from './cli-constants.js';

/** The walkForward section: walk-forward's own schema (partial WalkForwardConfig, unknown fields rejected). */
const walkForwardSchema = walkForwardConfigSchema;

/** zod schema of mmtape.config.{json,yaml,yml}; unknown keys are rejected with the file and field named. */
export const mmtapeConfigSchema = z.strictObject({
  /** JSON-schema hint for editors; ignored. */
  $schema: z.string().optional(),
  /** Map column files with mmap (default true). `false` reads them into memory (mmap-core's fallback). */
  useMemoryMapped: z.boolean().optional(),
  /**
   * Verified reads (default true): column-file header and block checksums are checked as replay,
   * walk-forward, export and pack read the data; a mismatch is a data error (exit 2). `false` = `--no-verify`.
   */
  verify: z.boolean().optional(),
  /** Compress result-cache entries (default true). */
  useCompression: z.boolean().optional(),
  /** zstd level of compressed cache entries, 1..22 (default 3). */
  compressionLevel: z.number().int().min(1).max(22).optional(),
  /** Compression algorithm of cache entries: zstd (`.zst` entries, default) or blosc (`.blosc`). */
  compressionAlgorithm: z.enum(['zstd', 'blosc']).optional(),
  /** Size cap of the result cache, bytes; least recently used entries are evicted beyond it (default: none). */
  cacheMaxBytes: z.number().int().min(1).optional(),
  /** Result-cache folder (default: `<report>/.cache` for walk-forward, `.mmtape-cache` for `mmtape cache`). */
  cacheDir: z.string().min(1).optional(),
  /** Defaults of `mmtape ingest`. */
  ingest: z
    .strictObject({
      /** IANA time zone of naive wall-clock times (default UTC). */
      timeZone: z.string().min(1).optional(),
      delimiter: z.string().min(1).optional(),
      timestampUnit: z.enum(['s', 'ms', 'us', 'ns']).optional(),
      symbolPattern: z.string().min(1).optional(),
    })
    .optional(),
  /** Walk-forward settings (partial `WalkForwardConfig`). */
  walkForward: walkForwardSchema.optional(),
  /** Report settings. */
  report: z
    .strictObject({
      /** Pairs whose spread is charted in report.html (default 6). */
      spreadPairs: z.number().int().min(0).max(50).optional(),
    })
    .optional(),
});

/** A validated config file. */
export type MmtapeConfig = z.infer<typeof mmtapeConfigSchema>;

/** A loaded config and where it came from (`undefined` when no file was found). */
export interface LoadedConfig {
  path: string | undefined;
  config: MmtapeConfig;
}

const TOP_LEVEL_KEYS = new Set(Object.keys(mmtapeConfigSchema.shape));
const WALK_FORWARD_KEYS = new Set(Object.keys(walkForwardSchema.shape));

/**
 * Finds and validates the config file: `explicitPath` when given (must exist), else the first of
 * {@link CONFIG_FILE_NAMES} in `cwd`. A file holding only walk-forward settings at the top level (the
 * older `walk-forward --config settings.json` form) is read as `{ walkForward: ... }`.
 *
 * @throws CliUsageError with one line naming the file and the offending field (also for a file that is not
 *   a regular file, is over {@link CONFIG_FILE_MAX_BYTES}, or is not valid JSON/YAML).
 * @throws SystemCallError (`io`, exit 4) when the operating system refuses to read the file.
 */
export function loadConfig(explicitPath: string | undefined, cwd = process.cwd()): LoadedConfig {
  const path = findConfigFile(explicitPath, cwd);
  if (path === undefined) return { path: undefined, config: {} };
  const shown = explicitPath ?? basename(path);
  const yaml = /\.ya?ml$/i.test(path);
  let raw: unknown;
  try {
    const bounds = { maxBytes: CONFIG_FILE_MAX_BYTES, what: 'config file' };
    raw = yaml ? parseYaml(readBoundedFile(path, bounds).toString('utf8')) : readJsonFile(path, bounds);
  } catch (error) {
    if (isMmtapeError(error) && error.kind === 'io') throw error;
    let reason: string;
    if (isMmtapeError(error, 'MMTAPE_FILE_INVALID_JSON'))
      reason = `not valid JSON: ${(error as InvalidJsonError).detail}`;
    else if (isMmtapeError(error)) reason = error.message;
    else
      reason = `not valid YAML: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    throw new CliUsageError(`${shown}: ${reason}`, { cause: error });
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (
      keys.length > 0 &&
      keys.every((k) => !TOP_LEVEL_KEYS.has(k)) &&
      keys.some((k) => WALK_FORWARD_KEYS.has(k))
    ) {
      raw = { walkForward: raw };
    }
  }
  const parsed = mmtapeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      path.push(issue.keys[0] ?? '');
      message = 'unknown setting';
    }
    const field = path.length > 0 ? path.join('.') : '(top level)';
    throw new CliUsageError(
      `${shown}: ${field}: ${message}; fix the file or pass another with --config <file>`,
    );
  }
  return { path, config: parsed.data };
}

/**
 * Merges the config file (found as {@link loadConfig} finds it) with global flags; flags win.
 * @throws CliUsageError when the config file is missing or invalid.
 */
export function resolveSettings(options: GlobalOptions, cwd = process.cwd()): Settings {
  return settingsFrom(options, loadConfig(options.config, cwd));
}
