import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CURRENT_FILE_NAME, MANIFEST_FILE_NAME } from '@mmtape/columnar-format';
import { parseTimestampNs } from '@mmtape/columnar-format/time';
import { CliUsageError } from './cli-error.js';
import type { LoadedConfig, MmtapeConfig } from './config-file.js';
import { findConfigFile } from './config-path.js';
import { createProgress, type Progress } from './progress.js';

/** Global options shared by every command. */
export interface GlobalOptions {
  /** Print one JSON document on stdout instead of human-readable text. */
  json?: boolean;
  /** No progress output and no human summary (errors still go to stderr). */
  quiet?: boolean;
  /** Print stack traces for errors. */
  debug?: boolean;
  /** Config file (default: mmtape.config.json/.yaml/.yml in the working directory). */
  config?: string;
  /** `--use-memory-mapped` / `--no-use-memory-mapped`. */
  useMemoryMapped?: boolean;
  /** `--use-compression` / `--no-use-compression`. */
  useCompression?: boolean;
  compressionLevel?: number;
  compressionAlgorithm?: 'zstd' | 'blosc';
}

/** Settings after merging defaults ← config file ← command-line flags. */
export interface Settings {
  /** The config file used, if any. */
  configPath: string | undefined;
  config: MmtapeConfig;
  /** Open datasets with `forceFallback` (from `useMemoryMapped: false`). */
  forceFallback: boolean;
  /** Verified reads (config `verify`, default true); a command's `--verify`/`--no-verify` overrides it. */
  verify: boolean;
  /** Options for `CacheManager` (besides `dir`). */
  cache: {
    useCompression: boolean;
    compressionLevel: number;
    compressionAlgorithm: 'zstd' | 'blosc';
    maxBytes?: number;
  };
}

/** Settings of a loaded config file (`path` undefined and `config` empty when there is none) and the flags; flags win. */
export function settingsFrom(options: GlobalOptions, { path, config }: LoadedConfig): Settings {
  return {
    configPath: path,
    config,
    forceFallback: !(options.useMemoryMapped ?? config.useMemoryMapped ?? true),
    verify: config.verify ?? true,
    cache: {
      useCompression: options.useCompression ?? config.useCompression ?? true,
      compressionLevel: options.compressionLevel ?? config.compressionLevel ?? 3,
      compressionAlgorithm: options.compressionAlgorithm ?? config.compressionAlgorithm ?? 'zstd',
      ...(config.cacheMaxBytes !== undefined ? { maxBytes: config.cacheMaxBytes } : {}),
    },
  };
}

/**
 * The settings of one command run: the config file merged with the flags (`resolveSettings` of
 * config-file.ts). Without a config file, config-file.ts and its dependencies (zod, yaml,
 * `@mmtape/walk-forward`: ~0.4 s of a one-shot `mmtape replay`) are not loaded.
 * @throws CliUsageError when the config file is missing or invalid.
 */
export async function settingsFor(options: GlobalOptions, cwd = process.cwd()): Promise<Settings> {
  if (findConfigFile(options.config, cwd) === undefined) {
    return settingsFrom(options, { path: undefined, config: {} });
  }
  const { resolveSettings } = await import('./config-file.js');
  return resolveSettings(options, cwd);
}

/**
 * One diagnostic of a command: something the user should know about the data or the run that is not
 * the result itself (a column left out, a time range past the data's end, a cache that could not be
 * written). Printed on stderr as `mmtape: warning: <message>`; under `--json` also listed in the
 * document's `warnings` array.
 */
export interface CommandWarning {
  /** Stable identifier in SCREAMING_SNAKE_CASE, e.g. `COLUMNS_SKIPPED`, `RANGE_PAST_END`. */
  code: string;
  message: string;
  /** Files, rows or columns concerned, when the warning counts something. */
  count?: number;
}

/** What a command needs from the CLI shell: output, diagnostics and progress. */
export interface CommandContext {
  readonly options: GlobalOptions;
  readonly progress: Progress;
  /** Merged config file + global flags. Optional so that hand-made contexts (tests) may omit it. */
  readonly settings?: Settings;
  /** Prints one line of the human-readable result on stdout, unless `--json` or `--quiet`. */
  say(line: string): void;
  /** Prints one line of status (not the result: steps, where files went) on stderr, unless `--json` or `--quiet`. */
  note(line: string): void;
  /**
   * Reports a diagnostic: on stderr whatever the flags (it is about the data), and collected for the
   * `warnings` array of the `--json` document.
   */
  warn(code: string, message: string, count?: number): void;
  /** Every warning reported so far, in order. */
  readonly warnings: readonly CommandWarning[];
}

/** Builds the context for one command invocation, with its settings ({@link settingsFor}). */
export function createContext(options: GlobalOptions, settings: Settings): CommandContext {
  const silent = Boolean(options.json || options.quiet);
  const warnings: CommandWarning[] = [];
  return {
    options,
    settings,
    progress: createProgress({ quiet: silent, tty: Boolean(process.stderr.isTTY) }),
    say(line) {
      if (!silent) process.stdout.write(`${line}\n`);
    },
    note(line) {
      if (!silent) process.stderr.write(`${line}\n`);
    },
    warn(code, message, count) {
      warnings.push(count === undefined ? { code, message } : { code, message, count });
      process.stderr.write(`mmtape: warning: ${message}\n`);
    },
    warnings,
  };
}

/** Formats rows as a fixed-width text table with a header row. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * A time given on the command line (`--start`, `--end`) as int64 ns UTC, parsed by `parseTimestampNs`
 * of `@mmtape/columnar-format`: ISO 8601 (UTC when it has no offset; a date alone is 00:00 UTC) or an
 * integer count of ns since the epoch.
 * @param option the flag the text came from (`--start`), named in the error.
 * @throws CliUsageError (exit 1) naming the flag and the text when it is neither form.
 */
export function timeNsOf(text: string, option: string): bigint {
  const ns = parseTimestampNs(text);
  if (ns === undefined) {
    throw new CliUsageError(
      `${option}: expected an ISO 8601 time (e.g. 2018-01-02 or 2018-01-02T14:30:00Z) or integer ns since the epoch (12 or more digits), found "${text}"`,
    );
  }
  return ns;
}

/**
 * Checks that `dir` is a dataset folder (has the generation pointer `CURRENT`) or one generation folder
 * of it (`<dataset>/gen-<id>` with `manifest.json`) before any package opens it, so that a typo gives a
 * usage error (exit 1) rather than a data error.
 * @throws CliUsageError naming the folder.
 */
export function requireDatasetDir(dir: string): string {
  const generationFolder = /^gen-/.test(basename(resolve(dir))) && existsSync(join(dir, MANIFEST_FILE_NAME));
  if (!existsSync(join(dir, CURRENT_FILE_NAME)) && !generationFolder) {
    throw new CliUsageError(
      `${dir} is not a dataset folder (no ${CURRENT_FILE_NAME}); create one with "mmtape ingest <csv...> --out ${dir}"`,
    );
  }
  return dir;
}

/** Verified reads for a command: its `--verify`/`--no-verify` flag, else the config file, else true. */
export function verifyOf(ctx: CommandContext, flag: boolean | undefined): boolean {
  return flag ?? settingsOf(ctx).verify;
}

/** The context's settings, or the defaults (no config file, mmap on, compressed cache) when absent. */
export function settingsOf(ctx: CommandContext): Settings {
  return (
    ctx.settings ?? {
      configPath: undefined,
      config: {},
      forceFallback: false,
      verify: true,
      cache: { useCompression: true, compressionLevel: 3, compressionAlgorithm: 'zstd' },
    }
  );
}
