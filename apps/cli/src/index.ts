/**
 * @mmtape/cli: the `mmtape` command line. Programmatic entry points for embedding and tests.
 *
 * @example
 * ```ts
 * import { main } from '@mmtape/cli';
 * process.exitCode = await main(['node', 'mmtape', 'demo']);
 * ```
 */
export { CliUsageError, createProgram, main } from './main.js';
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export { demoDataDir, runDemo, type DemoResult } from './commands/demo.js';
export { runIngest, type IngestCommandOptions } from './commands/ingest.js';
export { runInfo, type InfoResult } from './commands/info.js';
export { runReplay, type ReplayCommandOptions, type ReplayResult } from './commands/replay.js';
export {
  runWalkForwardCommand,
  type WalkForwardCommandOptions,
  type WalkForwardResult,
} from './commands/walk-forward.js';
