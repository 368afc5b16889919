/**
 * @mmtape/cli: the `mmtape` command line. Programmatic entry points for embedding and tests.
 *
 * @example
 * ```ts
 * import { main } from '@mmtape/cli';
 * process.exitCode = await main(['node', 'mmtape', 'demo']);
 * ```
 */

export { DEFAULT_CACHE_DIR, EXPORT_FORMATS, type ExportFormat } from './cli-constants.js';
export { CliUsageError } from './cli-error.js';
export { type CacheCommandResult, runCache } from './commands/cache.js';
export { type DemoResult, demoDataDir, runDemo } from './commands/demo.js';
export { type ExportCommandOptions, type ExportResult, runExport } from './commands/export.js';
export { type GcResult, runGc } from './commands/gc.js';
export { type InfoResult, runInfo } from './commands/info.js';
export { type IngestCommandOptions, runIngest } from './commands/ingest.js';
export {
  type HydrateCommandResult,
  type PackCommandOptions,
  type PackCommandResult,
  runHydrate,
  runPack,
} from './commands/pack.js';
export { type ReplayCommandOptions, type ReplayResult, runReplay } from './commands/replay.js';
export {
  runWalkForwardCommand,
  type WalkForwardCommandOptions,
  type WalkForwardResult,
} from './commands/walk-forward.js';
export {
  CONFIG_FILE_NAMES,
  type LoadedConfig,
  loadConfig,
  type MmtapeConfig,
  mmtapeConfigSchema,
  resolveSettings,
} from './config-file.js';
export type { CommandWarning, Settings } from './context.js';
export { EXIT_CODE_OF_KIND, ExitCode, type ExitCodeValue } from './exit-codes.js';
export { createProgram, type EmitResult, main } from './main.js';
export { cliVersion } from './version.js';
