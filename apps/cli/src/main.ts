import { Command, CommanderError, Option } from 'commander';
import { integer, integerIn, number, parseColumnMap, workersArg } from './arguments.js';
import { CONFIG_FILE_NAMES, DEFAULT_CACHE_DIR, EXPORT_FORMATS } from './cli-constants.js';
import type { CommandContext, CommandWarning, GlobalOptions } from './context.js';
import { ExitCode } from './exit-codes.js';
import { cliVersion } from './version.js';

// Start-up: this module is the command table. It imports only commander and the small modules above;
// every command loads its implementation (and through it apache-arrow, the mmtape packages, zod, yaml)
// with import() inside its action, so `mmtape --help` and `mmtape --version` load none of them
// (`pnpm bench cli` measures it; test/start-up.test.ts checks it).

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 usage error (bad option or value, missing file, invalid config),
            2 data error (unparseable or corrupt input), 3 internal error (a bug; rerun with --debug),
            4 I/O error (disk full, read-only file system, permission). With --json, an error is also
            printed on stdout as {"error": {"code", "kind", "message", "context"}, "warnings": [...]}.
Output: the result on stdout (with --json one document, warnings in its "warnings" array);
        progress, status and warnings ("mmtape: warning: ...") on stderr.
Config: --config <file>, else ${CONFIG_FILE_NAMES.join(' / ')} in the working directory;
        command-line flags override it.`;

/** Adds `--use-memory-mapped` / `--no-use-memory-mapped` to a command that reads column files. */
function withMmapOptions(command: Command): Command {
  return command
    .option('--use-memory-mapped', 'memory-map column files (default: true; config useMemoryMapped)')
    .option(
      '--no-use-memory-mapped',
      'read column files into memory instead of mapping them (fallback backend)',
    );
}

/** Adds the result-cache options to a command that uses the cache (walk-forward, cache, demo). */
function withCacheOptions(command: Command): Command {
  return command
    .option('--use-compression', 'zstd-compress result-cache entries (default: true; config useCompression)')
    .option('--no-use-compression', 'store result-cache entries uncompressed')
    .option(
      '--compression-level <level>',
      'zstd level of cache entries, integer 1..22 (default 3; config compressionLevel)',
      integerIn(1, 22),
    )
    .addOption(
      new Option(
        '--compression-algorithm <name>',
        'compression of cache entries: zstd (.zst) or blosc (.blosc) (default zstd; config compressionAlgorithm)',
      ).choices(['zstd', 'blosc']),
    );
}

/** Receives each command's result and the warnings it reported (printed as one JSON document with `--json`). */
export type EmitResult = (result: unknown, warnings: readonly CommandWarning[]) => void;

/**
 * Builds the `mmtape` command tree. `emit` receives each command's result and the warnings it reported
 * (`main` prints them as one JSON document with `--json`); `onContext` receives each command's context
 * before it runs (`main` uses it to put the warnings so far into an error document). Exposed for tests;
 * `main` is the entry point.
 */
export function createProgram(emit: EmitResult, onContext?: (ctx: CommandContext) => void): Command {
  const program = new Command('mmtape')
    .description('Memory-mapped columnar market data: ingest, replay in timestamp order, pairs walk-forward.')
    .version(cliVersion(), '-V, --version', 'print the version of mmtape')
    .option('--json', 'print one machine-readable JSON document on stdout (warnings in its "warnings" array)')
    .option('-q, --quiet', 'no progress and no summary output (warnings and errors still go to stderr)')
    .option('--debug', 'print stack traces on errors')
    .option(
      '-c, --config <file>',
      `config file, JSON or YAML (default: ${CONFIG_FILE_NAMES.join(', ')} in the working directory)`,
    )
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  /** Builds the command's context (config file + flags), runs it, and emits its result and warnings. */
  const run = async <T>(cmd: Command, command: (ctx: CommandContext) => T | Promise<T>): Promise<T> => {
    const { createContext, settingsFor } = await import('./context.js');
    const options = cmd.optsWithGlobals<GlobalOptions>();
    const ctx = createContext(options, await settingsFor(options));
    onContext?.(ctx);
    const result = await command(ctx);
    emit(result, ctx.warnings);
    return result;
  };

  program
    .command('ingest')
    .description(
      'ingest CSV/Parquet files or folders (*.csv, *.csv.gz, *.parquet) into a memory-mappable dataset',
    )
    .argument('<inputs...>', 'CSV/Parquet files and/or folders')
    .requiredOption('-o, --out <dir>', 'output dataset folder (must not exist unless --overwrite)')
    .option('--tz <zone>', 'IANA time zone of naive wall-clock times, e.g. America/New_York (default: UTC)')
    .option(
      '--timestamp-column <name>',
      'single timestamp column (default: detected: datetime|timestamp|time|date)',
    )
    .option('--date-column <name>', 'date column when date and time are separate (default: detected)')
    .option(
      '--time-column <name>',
      'time-of-day column when date and time are separate (default: detected: ToD|time)',
    )
    .option(
      '--symbol-column <name>',
      'symbol column (default: detected: Name|Ticker|Symbol, else the file name)',
    )
    .option(
      '--symbol-pattern <regex>',
      'regex with one capture group taking the symbol from the file base name',
    )
    .option('--delimiter <char>', 'field delimiter (default: ",")')
    .option(
      '--column-map <target=source,...>',
      "store input column <source> as column <target>, e.g. close=adjusted_close (the input's own <target> column is then not stored; names in snake_case or as in the header; repeatable)",
      (value: string, previous?: Record<string, string>) => parseColumnMap(value, previous),
    )
    .addOption(
      new Option(
        '--timestamp-unit <unit>',
        'unit of numeric epoch timestamps (default: by magnitude)',
      ).choices(['s', 'ms', 'us', 'ns']),
    )
    .option('--overwrite', 'replace an existing dataset folder')
    .addOption(
      new Option(
        '--partition <scheme>',
        'one file per symbol (none) or per symbol and UTC day/month',
      ).choices(['none', 'day', 'month']),
    )
    .option('--no-fsync', 'do not fsync each written file (faster; not crash-durable)')
    .option(
      '--segment-mb <MiB>',
      'store the column files in segment files of at most this many MiB (1..1024), or 0 for one file per symbol; default: 1024 MiB segments from 500 files, one file per symbol below (segments open thousands of symbols several times faster for replay)',
      integerIn(0, 1024),
    )
    .option('--drop-duplicate-timestamps', 'keep only the last of rows sharing a timestamp')
    .option('--repair-ohlc', 'set high/low to the max/min of open, high, low, close')
    .addOption(
      new Option('--bad-prices <mode>', 'rows with NaN, zero or negative prices (default: keep)').choices([
        'keep',
        'drop',
        'flag',
      ]),
    )
    .option('--session <HH:MM-HH:MM>', 'keep only rows inside these local hours, e.g. 09:30-16:00')
    .option('--session-tz <zone>', 'IANA zone of --session (default: --tz, else UTC)')
    .option('--cumulative-volume', 'volume is cumulative: store deltas, negative deltas clipped to 0')
    .option(
      '--workers <n>',
      'worker threads parsing input files: a count or auto (default: auto = one per core; 1 = in-process)',
      workersArg,
    )
    .action(async (inputs: string[], opts, cmd: Command) => {
      const { runIngest } = await import('./commands/ingest.js');
      await run(cmd, (ctx) => runIngest(inputs, { ...opts, noFsync: opts.fsync === false }, ctx));
    });

  program
    .command('info')
    .description('show schema, symbols, rows, time range, on-disk and resident bytes, mmap backend')
    .argument('<dataset>', 'dataset folder')
    .option('--symbols', 'also list every symbol')
    .action(async (dir: string, opts, cmd: Command) => {
      const { runInfo } = await import('./commands/info.js');
      await run(cmd, (ctx) => runInfo(dir, opts, ctx));
    });

  program
    .command('gc')
    .description(
      'remove superseded dataset generations no running reader holds, and temp folders of killed writers',
    )
    .argument('<dataset>', 'dataset folder')
    .option('--dry-run', 'only list what would be removed')
    .action(async (dir: string, opts, cmd: Command) => {
      const { runGc } = await import('./commands/gc.js');
      await run(cmd, (ctx) => runGc(dir, opts, ctx));
    });

  program
    .command('replay')
    .description('replay all symbols in global timestamp order; prints events/s, batches and peak RSS')
    .argument('<dataset>', 'dataset folder')
    .option('--symbols <list>', 'comma-separated symbols (default: all)')
    .option('--start <time>', 'first time, inclusive: ISO 8601 (UTC if no offset) or integer ns')
    .option('--end <time>', 'stop time, exclusive: ISO 8601 or integer ns')
    .option('--column <name>', 'column read for every event besides ts (default: close)')
    .addOption(
      new Option(
        '--prefetch <mode>',
        'madvise ahead of/behind the cursor: auto (when ts + the column exceed 256 MiB), on, off',
      )
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .option('--no-prefetch', 'same as --prefetch off')
    .option('--verify', 'check header and block checksums as blocks are read (default; config verify)')
    .option('--no-verify', 'read without checking checksums (corrupt bytes are replayed as they are)')
    .addOption(
      new Option(
        '--output <format>',
        'stream the events (symbol, timestamp, columns) to stdout instead: arrow (IPC stream), csv, ndjson; statistics go to stderr',
      ).choices(['arrow', 'csv', 'ndjson']),
    )
    .option(
      '--columns <list>',
      'with --output: comma-separated value columns (default: every f64/i64 column)',
    )
    .option('--speed <k>', 'with --output: pace the events at k times real time (1 = real time)', number(0))
    .action(async (dir: string, opts, cmd: Command) => {
      if (!opts.output) {
        if (opts.columns !== undefined || opts.speed !== undefined) {
          const { CliUsageError } = await import('./cli-error.js');
          throw new CliUsageError('--columns and --speed apply to --output arrow|csv|ndjson');
        }
        const { runReplay } = await import('./commands/replay.js');
        await run(cmd, (ctx) => runReplay(dir, opts, ctx));
        return;
      }
      // --output: stdout carries the events (statistics and warnings go to stderr), so nothing is
      // emitted on stdout afterwards. Loaded on demand: it brings apache-arrow.
      const [{ createContext, settingsFor }, { runReplayOutput }] = await Promise.all([
        import('./context.js'),
        import('./commands/replay-output.js'),
      ]);
      const options = cmd.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(options, await settingsFor(options));
      onContext?.(ctx);
      await runReplayOutput(dir, opts, ctx);
    });

  program
    .command('walk-forward')
    .description(
      'pairs walk-forward backtest (Engle-Granger); writes <report>/report.json and a self-contained report.html',
    )
    .argument('<dataset>', 'dataset folder')
    .requiredOption('-r, --report <dir>', 'output folder for report.json and report.html (created)')
    .option('--symbols <list>', 'comma-separated universe (default: all symbols)')
    .option('--train-bars <bars>', 'training window length, bars (default 252)', integer(10))
    .option('--test-bars <bars>', 'test (trading) window length, bars (default 63)', integer(1))
    .option('--step-bars <bars>', 'step between windows, bars (default: test bars)', integer(1))
    .addOption(
      new Option('--mode <mode>', 'training window: rolling or expanding (default rolling)').choices([
        'rolling',
        'expanding',
      ]),
    )
    .option(
      '--min-correlation <r>',
      'pre-filter: minimum correlation of training log returns (default 0.5)',
      number(-1),
    )
    .option('--max-p-value <p>', 'Engle-Granger MacKinnon p-value threshold (default 0.05)', number(0))
    .option('--top-k <n>', 'pairs traded per window (default 5)', integer(1))
    .option('--entry-z <z>', 'enter when |z-score| exceeds this (default 2)', number(0))
    .option('--exit-z <z>', 'exit when |z-score| falls below this (default 0.5)', number(0))
    .option('--stop-z <z>', 'stop out when |z-score| exceeds this (default 4)', number(0))
    .option('--price-column <name>', 'f64 column traded, e.g. adjusted_close (default close)')
    .addOption(
      new Option(
        '--fill-price <price>',
        'fill at the close or the open of the fill bar (default close)',
      ).choices(['close', 'open']),
    )
    .option(
      '--execution-delay <bars>',
      'bars from the signal close to the fill (default 1; 0 = same-bar close fill, named as such in the report)',
      integer(0),
    )
    .option(
      '--commission-bps <bps>',
      'commission per leg per fill, bps of traded notional (default 1)',
      number(0),
    )
    .option(
      '--slippage-bps <bps>',
      'slippage per leg per fill, bps of traded notional (default 2)',
      number(0),
    )
    .option(
      '--borrow-bps <bps>',
      'short borrow fee, bps per year of the short notional (default 30)',
      number(0),
    )
    .option('--initial-capital <amount>', 'starting equity in price currency (default 1000000)', number(0))
    .addOption(
      new Option('--method <test>', 'cointegration test (default engle-granger)').choices([
        'engle-granger',
        'johansen',
      ]),
    )
    .option('--fdr-q <q>', 'Benjamini-Hochberg FDR level replacing --max-p-value (default off)', number(0))
    .option('--min-hedge-ratio <beta>', 'skip pairs with hedge ratio <= this (default 0)', number(0))
    .option(
      '--min-leg-weight <fraction>',
      "skip pairs whose smaller leg is below this share of the pair's notional (default 0.1)",
      number(0),
    )
    .option(
      '--min-training-coverage <fraction>',
      'share of training bars a symbol needs prices on to be eligible (default 0.95)',
      number(0),
    )
    .option(
      '--all-pairs',
      'test every pair: no correlation pre-filter (default: pre-filter on training log returns)',
    )
    .option(
      '--sectors <file>',
      'CSV with a header row naming a symbol and a sector (or *sector, e.g. gics_sector) column: only pairs within one sector (default: all pairs)',
    )
    .addOption(
      new Option(
        '--autolag <criterion>',
        'ADF lag selection on residuals as statsmodels coint: aic, bic or t-stat (default: fixed lag 1)',
      ).choices(['aic', 'bic', 't-stat']),
    )
    .option(
      '--workers <n>',
      'worker threads testing pairs, each mapping the dataset itself; "auto" = cores (default 1)',
      workersArg,
    )
    .option(
      '--queue <url>',
      'run the pair scans on a cluster: BullMQ queue on Redis, redis://[:password@]host:port[/db], rediss:// (TLS) or unix:///path.sock; served by `mmtape worker` (exit 4 if Redis is unreachable)',
    )
    .option('--queue-name <name>', 'BullMQ queue name (default mmtape-walk-forward)')
    .option(
      '--dataset-url <path|url>',
      'with --queue: what workers open, a dataset folder they can read or a pack URL (file://, http(s)://) (default: this dataset folder)',
    )
    .option('--pairs-per-task <n>', 'with --queue: pairs per task (default 50000)', integer(1))
    .option(
      '--redis-timeout-ms <ms>',
      'with --queue: how long Redis may be unreachable before the run fails (default 10000)',
      integer(1),
    )
    .option('--cache-dir <dir>', 'cache of per-window pair statistics (default <report>/.cache)')
    .option('--no-cache', 'do not use the result cache')
    .option(
      '--spread-pairs <n>',
      'pairs whose spread z-score is charted in report.html, most often traded first (default 6)',
      integer(0),
    )
    .option('--verify', 'check header and block checksums of the prices read (default; config verify)')
    .option('--no-verify', 'read the prices without checking checksums')
    .addHelpText(
      'after',
      '\nSettings come from the walkForward section of the config file; these flags override them.',
    )
    .action(async (dir: string, opts, cmd: Command) => {
      const { runWalkForwardCommand } = await import('./commands/walk-forward.js');
      await run(cmd, (ctx) => runWalkForwardCommand(dir, opts, ctx));
    });

  program
    .command('worker')
    .description(
      'serve the pair-scan tasks of `mmtape walk-forward --queue` runs until SIGINT/SIGTERM (exit 4 if Redis is lost)',
    )
    .requiredOption(
      '--queue <url>',
      'BullMQ queue on Redis: redis://[:password@]host:port[/db], rediss:// (TLS) or unix:///path.sock (password also from REDIS_PASSWORD)',
    )
    .option('--queue-name <name>', 'BullMQ queue name (default mmtape-walk-forward)')
    .option('--concurrency <n>', 'tasks at once, one worker thread each (default: the cores)', integer(1))
    .option(
      '--dataset <path|url>',
      "dataset folder or pack URL (file://, http(s)://) for every task, replacing the producer's (default: the producer's)",
    )
    .option('--dataset-cache-dir <dir>', 'cache of hydrated packs (default ~/.cache/mmtape/datasets)')
    .option('--lock-duration-ms <ms>', 'BullMQ job lock, renewed every half (default 30000)', integer(1000))
    .option(
      '--stalled-interval-ms <ms>',
      'check for jobs of dead workers this often (default 30000)',
      integer(100),
    )
    .option(
      '--redis-timeout-ms <ms>',
      'how long Redis may be unreachable before the worker exits with code 4 (default 10000)',
      integer(1),
    )
    .action(async (opts, cmd: Command) => {
      const { runWorkerCommand } = await import('./commands/worker.js');
      await run(cmd, (ctx) => runWorkerCommand(opts, ctx));
    });

  program
    .command('export')
    .description(
      'export a dataset to one Arrow IPC file (zero-copy from the mapped columns), CSV file, or Parquet file (every column at its stored type; ZSTD; readable by DuckDB, Polars)',
    )
    .argument('<dataset>', 'dataset folder')
    .requiredOption('-o, --out <file>', 'output file (.arrow/.ipc/.feather, .csv or .parquet)')
    .addOption(
      new Option('-f, --format <format>', 'output format (default: from the --out extension)').choices([
        ...EXPORT_FORMATS,
      ]),
    )
    .option('--symbols <list>', 'comma-separated symbols (default: all)')
    .option('--columns <list>', 'comma-separated value columns besides ts (default: all)')
    .addOption(
      new Option(
        '--parquet-layout <layout>',
        'parquet: full (every column at its stored type, lossless) or compact-close-f32 (timestamp, symbol, close rounded to float32: LOSSY)',
      ).choices(['full', 'compact-close-f32']),
    )
    .addOption(
      new Option(
        '--row-groups <order>',
        'parquet: row groups by symbol (rows by symbol, time; default) or by time (rows by time, symbol)',
      ).choices(['symbol', 'time']),
    )
    .option('--overwrite', 'replace an existing output file')
    .option('--verify', 'check header and block checksums of the columns exported (default; config verify)')
    .option('--no-verify', 'export without checking checksums')
    .action(async (dir: string, opts, cmd: Command) => {
      const { runExport } = await import('./commands/export.js');
      await run(cmd, (ctx) => runExport(dir, opts, ctx));
    });

  const cache = program
    .command('cache')
    .description('inspect or empty a result cache folder (compressed walk-forward pair statistics)');
  for (const [action, what] of [
    ['stats', 'print entries and bytes on disk'],
    ['clear', 'delete every cache entry (only files the cache created)'],
  ] as const) {
    cache
      .command(action)
      .description(what)
      .argument('[dir]', `cache folder (default: cacheDir of the config file, else ${DEFAULT_CACHE_DIR})`)
      .action(async (dir: string | undefined, _opts, cmd: Command) => {
        const { runCache } = await import('./commands/cache.js');
        await run(cmd, (ctx) => runCache(action, dir, ctx));
      });
  }
  cache
    .command('prune')
    .description('evict least recently used entries (by recorded last access, not atime) down to a size cap')
    .argument('[dir]', `cache folder (default: cacheDir of the config file, else ${DEFAULT_CACHE_DIR})`)
    .option(
      '--max-bytes <bytes>',
      'keep at most this many bytes (default: cacheMaxBytes of the config file)',
      integer(0),
    )
    .option('--older-than-days <days>', 'also remove entries not used for this many days', number(0))
    .action(
      async (dir: string | undefined, opts: { maxBytes?: number; olderThanDays?: number }, cmd: Command) => {
        const { runCache } = await import('./commands/cache.js');
        await run(cmd, (ctx) => runCache('prune', dir, ctx, opts));
      },
    );

  program
    .command('pack')
    .description(
      'write a compressed, chunked cold copy of a dataset (lossless; hydrate restores it byte for byte)',
    )
    .argument('<dataset>', 'dataset folder')
    .requiredOption('-o, --out <dir>', 'output folder of the packed copy')
    .option(
      '--chunk-rows <rows>',
      'rows per compressed chunk; a time range decodes only its chunks (default 65536)',
      integer(1),
    )
    .option('--level <level>', 'zstd level of the backend codec, 1..22 (default 9)', integerIn(1, 22))
    .option(
      '--no-bars',
      'code each column on its own instead of OHLCV jointly with the bar codec (larger, decodes ~10x faster)',
    )
    .option('--overwrite', 'replace an existing packed folder')
    .option(
      '--verify',
      "check the dataset's header and block checksums before packing (default; config verify)",
    )
    .option('--no-verify', 'pack the bytes without checking checksums')
    .action(async (dir: string, opts, cmd: Command) => {
      const { runPack } = await import('./commands/pack.js');
      await run(cmd, (ctx) => runPack(dir, opts, ctx));
    });

  program
    .command('verify')
    .description(
      'check every block checksum of every column file of a dataset (or every frame and file checksum of a pack); lists every problem, exit 2 if any',
    )
    .argument('<path>', 'dataset folder (CURRENT) or packed folder (pack.json)')
    .action(async (path: string, _opts, cmd: Command) => {
      const { runVerify, VerifyFailedError } = await import('./commands/verify.js');
      const result = await run(cmd, (ctx) => runVerify(path, ctx));
      if (!result.ok) throw new VerifyFailedError(path, result.problems.length);
    });

  program
    .command('hydrate')
    .description('restore the memory-mappable dataset from a packed copy (SHA-256 verified per file)')
    .argument('<packed>', 'packed folder written by mmtape pack')
    .requiredOption('-o, --out <dir>', 'output dataset folder')
    .option('--overwrite', 'replace an existing dataset folder')
    .action(async (dir: string, opts, cmd: Command) => {
      const { runHydrate } = await import('./commands/pack.js');
      await run(cmd, (ctx) => runHydrate(dir, opts, ctx));
    });

  program
    .command('demo')
    .description(
      'ingest → replay → walk-forward on the embedded 30-stock daily dataset; writes report.json and report.html',
    )
    .option('-o, --out <dir>', 'output folder (default: a new temp folder)')
    .action(async (opts, cmd: Command) => {
      const { runDemo } = await import('./commands/demo.js');
      await run(cmd, (ctx) => runDemo(opts, ctx));
    });

  // Options of the backends some commands use, listed only in those commands' --help.
  const named = (name: string): Command[] =>
    program.commands.filter((c) => c.name() === name).flatMap((c) => (name === 'cache' ? c.commands : [c]));
  for (const c of ['replay', 'walk-forward', 'export', 'verify', 'demo'].flatMap(named)) withMmapOptions(c);
  for (const c of ['walk-forward', 'cache', 'demo'].flatMap(named)) withCacheOptions(c);
  return program;
}

/**
 * Runs the CLI with `argv` (as in `process.argv`) and returns the exit code (see exit-codes.ts): the
 * error's `kind` decides it (usage 1, data 2, internal 3, io 4). stdout carries only the result: the
 * human-readable summary, or with `--json` one JSON document (the command's result plus `warnings`).
 * Errors print one line on stderr (`mmtape: <what>`); `--debug` adds the stack trace; with `--json` the
 * error is also printed on stdout as `{ "error": { "code", "kind", "message", "context" }, "warnings" }`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let json = false;
  let warnings: readonly CommandWarning[] = [];
  let emitted = false;
  const program = createProgram(
    (result, w) => {
      emitted = true;
      if (json) writeJson(withWarnings(result, w));
    },
    (ctx) => {
      warnings = ctx.warnings;
    },
  );
  program.hook('preAction', (_this, action) => {
    json = Boolean(action.optsWithGlobals<GlobalOptions>().json);
  });
  const debug = argv.includes('--debug');
  // Before the action runs (parse errors), --json is known only from argv.
  const jsonError = () => json || argv.includes('--json');
  try {
    await program.parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
    )
      return ExitCode.ok;
    const { CliUsageError, describeError, errorDocument, exitCodeFor } = await import('./cli-error.js');
    if (error instanceof CommanderError) {
      // commander already printed the message on stderr.
      if (jsonError())
        writeJson({
          ...errorDocument(new CliUsageError(error.message.replace(/^error: /, ''), { cause: error })),
          warnings,
        });
      return ExitCode.user;
    }
    const exit = exitCodeFor(error);
    // A command that already printed its --json result (e.g. `verify` listing the problems it found) keeps
    // stdout to that one document.
    if (jsonError() && !emitted) writeJson({ ...errorDocument(error), warnings });
    process.stderr.write(`mmtape: ${describeError(error)}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else if (exit === ExitCode.internal) process.stderr.write('(run with --debug for the stack trace)\n');
    return exit;
  }
}

/** The `--json` document of a result: its fields plus `warnings` (always present, possibly empty). */
function withWarnings(result: unknown, warnings: readonly CommandWarning[]): unknown {
  return typeof result === 'object' && result !== null && !Array.isArray(result)
    ? { ...result, warnings }
    : { result, warnings };
}

function writeJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}
