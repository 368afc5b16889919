import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CURRENT_FILE_NAME, MANIFEST_FILE_NAME } from '@mmtape/columnar-format';
import { CliUsageError } from './cli-error.js';
import { loadConfig, type MmtapeConfig } from './config-file.js';
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

/**
 * Merges the config file (see config-file.ts) with global flags; flags win.
 * @throws CliUsageError when the config file is missing or invalid.
 */
export function resolveSettings(options: GlobalOptions, cwd = process.cwd()): Settings {
  const { path, config } = loadConfig(options.config, cwd);
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

/** What a command needs from the CLI shell: output and progress. */
export interface CommandContext {
  readonly options: GlobalOptions;
  readonly progress: Progress;
  /** Merged config file + global flags. Optional so that hand-made contexts (tests) may omit it. */
  readonly settings?: Settings;
  /** Prints a human-readable line on stdout unless `--json` or `--quiet`. */
  say(line: string): void;
}

/** Builds the context for one command invocation. */
export function createContext(options: GlobalOptions): CommandContext {
  const silent = Boolean(options.json || options.quiet);
  return {
    options,
    settings: resolveSettings(options),
    progress: createProgress({ quiet: silent, tty: Boolean(process.stderr.isTTY) }),
    say(line) {
      if (!silent) process.stdout.write(`${line}\n`);
    },
  };
}

/** Formats rows as a fixed-width text table with a header row. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Formats an int64 ns timestamp (bigint or decimal string) as ISO 8601 UTC. */
export function isoFromNs(timestampNs: bigint | string): string {
  const ns = typeof timestampNs === 'bigint' ? timestampNs : BigInt(timestampNs);
  const ms = Number(ns / 1_000_000n);
  return new Date(ms).toISOString();
}

/**
 * Parses a user-supplied time (`2016-01-04`, `2016-01-04T14:30:00Z`, or integer ns since the epoch)
 * into int64 ns UTC. Date-only values mean 00:00 UTC.
 * @param option the flag the text came from (`--start`), named in the error.
 * @throws CliUsageError (exit 1) with the flag and the offending text when it cannot be parsed.
 */
export function parseTimeNs(text: string, option = 'time'): bigint {
  if (/^-?\d{12,}$/.test(text)) return BigInt(text);
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms))
    throw new CliUsageError(`${option}: expected an ISO 8601 time or integer ns, found "${text}"`);
  return BigInt(ms) * 1_000_000n;
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
