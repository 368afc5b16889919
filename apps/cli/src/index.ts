/**
 * @mmtape/cli: the `mmtape` command line. Programmatic entry points for embedding and tests.
 *
 * @example
 * ```ts
 * import { main } from '@mmtape/cli';
 * process.exitCode = await main(['node', 'mmtape', 'demo']);
 * ```
 */

export { type DemoResult, demoDataDir, runDemo } from './commands/demo.js';
export { type InfoResult, runInfo } from './commands/info.js';
export { type IngestCommandOptions, runIngest } from './commands/ingest.js';
export { type ReplayCommandOptions, type ReplayResult, runReplay } from './commands/replay.js';
export {
  runWalkForwardCommand,
  type WalkForwardCommandOptions,
  type WalkForwardResult,
} from './commands/walk-forward.js';
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export { CliUsageError, createProgram, main } from './main.js';
