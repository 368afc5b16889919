import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliUsageError, describeError, errorDocument, exitCodeFor } from './cli-error.js';
import { runBench } from './commands/bench.js';
import { DEFAULT_CACHE_DIR, runCache } from './commands/cache.js';
import { runDemo } from './commands/demo.js';
import { EXPORT_FORMATS, runExport } from './commands/export.js';
import { runGc } from './commands/gc.js';
import { runInfo } from './commands/info.js';
import { parseColumnMap, runIngest } from './commands/ingest.js';
import { runHydrate, runPack } from './commands/pack.js';
import { runReplay } from './commands/replay.js';
import { runVerify, VerifyFailedError } from './commands/verify.js';
import { runWalkForwardCommand } from './commands/walk-forward.js';
import { CONFIG_FILE_NAMES } from './config-file.js';
import { createContext, type GlobalOptions } from './context.js';
import { ExitCode } from './exit-codes.js';

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 usage error (bad option or value, missing file, invalid config),
            2 data error (unparseable or corrupt input), 3 internal error (a bug; rerun with --debug),
            4 I/O error (disk full, read-only file system, permission). With --json, an error is also
            printed on stdout as {"error": {"code", "kind", "message", "context"}}.
Config: --config <file>, else ${CONFIG_FILE_NAMES.join(' / ')} in the working directory;
        command-line flags override it.`;

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, found "${value}"`);
    return n;
  };
}

function integerIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}, found "${value}"`);
    return n;
  };
}

function number(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`expected a number >= ${min}, found "${value}"`);
    return n;
  };
}

/** Parses `--workers`: a positive integer or `auto` (one per core). */
function workersArg(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected "auto" or an integer >= 1, found "${value}"`);
  return n;
}

/**
 * Builds the `mmtape` command tree. `emit` receives each command's result (printed as JSON with `--json`).
 * Exposed for tests; `main` is the entry point.
 */
export function createProgram(emit: (result: unknown) => void): Command {
  const program = new Command('mmtape')
    .description('Memory-mapped columnar market data: ingest, replay in timestamp order, pairs walk-forward.')
    .option('--json', 'print one machine-readable JSON document on stdout')
    .option('-q, --quiet', 'no progress and no summary output')
    .option('--debug', 'print stack traces on errors')
    .option(
      '-c, --config <file>',
      `config file, JSON or YAML (default: ${CONFIG_FILE_NAMES.join(', ')} in the working directory)`,
    )
    .option('--use-memory-mapped', 'memory-map column files (default: true; config useMemoryMapped)')
    .option(
      '--no-use-memory-mapped',
      'read column files into memory instead of mapping them (fallback backend)',
    )
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
    )
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const ctxOf = (cmd: Command) => createContext(cmd.optsWithGlobals<GlobalOptions>());

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
    .action(async (inputs: string[], opts, cmd: Command) =>
      emit(await runIngest(inputs, { ...opts, noFsync: opts.fsync === false }, ctxOf(cmd))),
    );

  program
    .command('info')
    .description('show schema, symbols, rows, time range, on-disk and resident bytes, mmap backend')
    .argument('<dataset>', 'dataset folder')
    .option('--symbols', 'also list every symbol')
    .action((dir: string, opts, cmd: Command) => emit(runInfo(dir, opts, ctxOf(cmd))));

  program
    .command('gc')
    .description(
      'remove superseded dataset generations no running reader holds, and temp folders of killed writers',
    )
    .argument('<dataset>', 'dataset folder')
    .option('--dry-run', 'only list what would be removed')
    .action((dir: string, opts, cmd: Command) => emit(runGc(dir, opts, ctxOf(cmd))));

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
    .action((dir: string, opts, cmd: Command) => emit(runReplay(dir, opts, ctxOf(cmd))));

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
    .action(async (dir: string, opts, cmd: Command) =>
      emit(await runWalkForwardCommand(dir, opts, ctxOf(cmd))),
    );

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
      emit(await runWorkerCommand(opts, ctxOf(cmd)));
    });

  program
    .command('export')
    .description(
      'export a dataset to one Arrow IPC file (zero-copy from the mapped columns), CSV file, or Parquet file (timestamp, symbol, close; ZSTD; readable by DuckDB)',
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
    .option('--overwrite', 'replace an existing output file')
    .option('--verify', 'check header and block checksums of the columns exported (default; config verify)')
    .option('--no-verify', 'export without checking checksums')
    .action(async (dir: string, opts, cmd: Command) => emit(await runExport(dir, opts, ctxOf(cmd))));

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
      .action(async (dir: string | undefined, _opts, cmd: Command) =>
        emit(await runCache(action, dir, ctxOf(cmd))),
      );
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
      async (dir: string | undefined, opts: { maxBytes?: number; olderThanDays?: number }, cmd: Command) =>
        emit(await runCache('prune', dir, ctxOf(cmd), opts)),
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
    .action(async (dir: string, opts, cmd: Command) => emit(await runPack(dir, opts, ctxOf(cmd))));

  program
    .command('verify')
    .description(
      'check every block checksum of every column file of a dataset (or every frame and file checksum of a pack); lists every problem, exit 2 if any',
    )
    .argument('<path>', 'dataset folder (CURRENT) or packed folder (pack.json)')
    .action(async (path: string, _opts, cmd: Command) => {
      const result = await runVerify(path, ctxOf(cmd));
      emit(result);
      if (!result.ok) throw new VerifyFailedError(path, result.problems.length);
    });

  program
    .command('hydrate')
    .description('restore the memory-mappable dataset from a packed copy (SHA-256 verified per file)')
    .argument('<packed>', 'packed folder written by mmtape pack')
    .requiredOption('-o, --out <dir>', 'output dataset folder')
    .option('--overwrite', 'replace an existing dataset folder')
    .action(async (dir: string, opts, cmd: Command) => emit(await runHydrate(dir, opts, ctxOf(cmd))));

  program
    .command('bench')
    .description(
      'run the benchmark suites (bench/suites/*.mjs) of the mmtape repository; results in bench/results',
    )
    .argument('[suites...]', 'suite names (default: all)')
    .action((suites: string[], _opts, cmd: Command) => emit(runBench(suites, ctxOf(cmd))));

  program
    .command('demo')
    .description(
      'ingest → replay → walk-forward on the embedded 30-stock daily dataset; writes report.json and report.html',
    )
    .option('-o, --out <dir>', 'output folder (default: a new temp folder)')
    .action(async (opts, cmd: Command) => emit(await runDemo(opts, ctxOf(cmd))));

  return program;
}

/**
 * Runs the CLI with `argv` (as in `process.argv`) and returns the exit code (see exit-codes.ts): the
 * error's `kind` decides it (usage 1, data 2, internal 3, io 4). Errors print one line on stderr
 * (`mmtape: <what>`); `--debug` adds the stack trace; with `--json` the error is also printed on stdout
 * as one JSON object `{ "error": { "code", "kind", "message", "context" } }`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let json = false;
  const program = createProgram((result) => {
    if (json) writeJson(result);
  });
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
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      )
        return ExitCode.ok;
      // commander already printed the message on stderr.
      if (jsonError())
        writeJson(errorDocument(new CliUsageError(error.message.replace(/^error: /, ''), { cause: error })));
      return ExitCode.user;
    }
    const exit = exitCodeFor(error);
    // A command that already printed its --json result (e.g. `verify` listing the problems it found) keeps
    // stdout to that one document.
    if (jsonError() && !(error instanceof VerifyFailedError)) writeJson(errorDocument(error));
    process.stderr.write(`mmtape: ${describeError(error)}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else if (exit === ExitCode.internal) process.stderr.write('(run with --debug for the stack trace)\n');
    return exit;
  }
}

function writeJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}

export { CliUsageError };
