import type { Writable } from 'node:stream';
import { Dataset } from '@mmtape/columnar-format';
import { createEventArrowEncoder } from '@mmtape/columnar-format/arrow';
import {
  createEventCsvEncoder,
  createEventNdjsonEncoder,
  type EventColumn,
  type EventStreamEncoder,
  formatTimestampNs,
  writeEventStream,
} from '@mmtape/columnar-format/export';
import { replayChunks, replayChunksAsync } from '@mmtape/merge-replay';
import { CliUsageError } from '../cli-error.js';
import { type CommandContext, requireDatasetDir, settingsOf, timeNsOf, verifyOf } from '../context.js';
import { formatBytes } from '../format-bytes.js';
import { prefetchModeOf, type ReplayCommandOptions } from './replay.js';

/** Formats of `mmtape replay --output`. */
export const REPLAY_OUTPUT_FORMATS = ['arrow', 'csv', 'ndjson'] as const;
/** One of {@link REPLAY_OUTPUT_FORMATS}. */
export type ReplayOutputFormat = (typeof REPLAY_OUTPUT_FORMATS)[number];

/** Options of `mmtape replay --output`: those of `mmtape replay` plus the output's. */
export interface ReplayOutputOptions extends ReplayCommandOptions {
  /** Stream the events to stdout in this format. */
  output: ReplayOutputFormat;
  /** Comma-separated value columns after `symbol,timestamp` (default: every f64 and i64 column). */
  columns?: string;
  /**
   * Pacing: replay `speed` times faster than real time (1 = real time), each batch written no earlier
   * than its timestamp's offset from the first batch divided by `speed`. Default: as fast as the reader
   * takes the data.
   */
  speed?: number;
}

/** What `mmtape replay --output` did (printed on stderr; stdout carries the events). */
export interface ReplayOutputResult {
  dataset: string;
  format: ReplayOutputFormat;
  columns: string[];
  symbols: number;
  /** Events written (all replayed ones unless the reader went away). */
  events: number;
  /** Bytes written to stdout (characters for csv/ndjson, which are ASCII except for symbols). */
  bytes: number;
  /** True when the reader closed the pipe first (`| head`): not an error, exit code 0. */
  closedEarly: boolean;
  /** Batches (distinct timestamps), wall time and throughput of the whole run, ms and events/s; `null` when closed early. */
  batches: number | null;
  elapsedMs: number | null;
  eventsPerSecond: number | null;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  peakRssBytes: number | null;
}

/** Creates the encoder of `format`. */
function encoderFor(
  format: ReplayOutputFormat,
  symbols: readonly string[],
  columns: readonly EventColumn[],
): EventStreamEncoder {
  const schema = { symbols, columns };
  if (format === 'arrow') return createEventArrowEncoder(schema);
  if (format === 'csv') return createEventCsvEncoder(schema);
  return createEventNdjsonEncoder(schema);
}

/**
 * Runs `mmtape replay <dataset> --output arrow|csv|ndjson`: streams every replayed event (symbol,
 * timestamp, columns) in global (timestamp, symbol id) order to `out` (stdout), chunk by chunk with
 * backpressure, so memory stays bounded whatever the dataset's size; the statistics go to stderr. A reader
 * that closes the pipe early (`| head`) ends the replay cleanly.
 *
 * @throws {CliUsageError} for an unknown column or symbol, a column that is neither f64 nor i64, or
 * `--json` (stdout carries the events).
 */
export async function runReplayOutput(
  dir: string,
  options: ReplayOutputOptions,
  ctx: CommandContext,
  out: Writable = process.stdout,
): Promise<ReplayOutputResult> {
  if (!(REPLAY_OUTPUT_FORMATS as readonly string[]).includes(options.output)) {
    throw new CliUsageError(
      `--output ${options.output}: expected one of ${REPLAY_OUTPUT_FORMATS.join(', ')}`,
    );
  }
  if (ctx.options.json) {
    throw new CliUsageError('--json does not combine with --output: stdout carries the events');
  }
  if (options.speed !== undefined && !(Number.isFinite(options.speed) && options.speed > 0)) {
    throw new CliUsageError(`--speed ${options.speed}: expected a number > 0`);
  }
  const dataset = Dataset.open(requireDatasetDir(dir), {
    forceFallback: settingsOf(ctx).forceFallback,
    verify: verifyOf(ctx, options.verify),
  });
  try {
    const schema = dataset.manifest.schema.filter((c) => c.name !== 'ts');
    // `--column` (the statistics mode's one column) counts as `--columns` when that is absent.
    const requested = (options.columns ?? options.column)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const columns: EventColumn[] = (
      requested ?? schema.filter((c) => c.dtype === 'f64' || c.dtype === 'i64').map((c) => c.name)
    ).map((name) => {
      const column = schema.find((c) => c.name === name);
      if (column === undefined) {
        throw new CliUsageError(
          `column "${name}" not in dataset ${dir}; expected one of ${schema.map((c) => c.name).join(', ')}`,
        );
      }
      if (column.dtype !== 'f64' && column.dtype !== 'i64') {
        throw new CliUsageError(
          `column "${name}" is ${column.dtype}; replay output writes f64 and i64 columns`,
        );
      }
      return { name, dtype: column.dtype };
    });
    const symbols = options.symbols
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (symbols) {
      const known = new Set(dataset.symbols);
      const unknown = symbols.filter((s) => !known.has(s));
      if (unknown.length > 0) throw new CliUsageError(`unknown symbol(s) in ${dir}: ${unknown.join(', ')}`);
    }
    const replayedSymbols = symbols
      ? dataset.symbols.filter((s) => symbols.includes(s))
      : [...dataset.symbols];
    const replayOptions = {
      ...(symbols ? { symbols } : {}),
      ...(options.start ? { startNs: timeNsOf(options.start, '--start') } : {}),
      ...(options.end ? { endNs: timeNsOf(options.end, '--end') } : {}),
      columns: columns.map((c) => c.name),
      verify: options.verify,
      prefetch: prefetchModeOf(options.prefetch),
    } as const;
    // --speed k: replayChunksAsync paces the runs of equal timestamps at k × real time.
    const source =
      options.speed === undefined
        ? replayChunks(dataset, replayOptions)
        : replayChunksAsync(dataset, { ...replayOptions, speed: options.speed });
    const encoder = encoderFor(options.output, replayedSymbols, columns);
    const totalRows = symbols
      ? dataset.manifest.symbols.filter((s) => symbols.includes(s.symbol)).reduce((a, s) => a + s.rows, 0)
      : dataset.manifest.totalRows;
    ctx.progress.start(`replay → ${options.output} (events)`, totalRows);
    const written = await writeEventStream(out, encoder, source, {
      onProgress: (events) => ctx.progress.update(events),
    });
    ctx.progress.stop();
    const stats = written.closedEarly ? null : source.stats();
    const result: ReplayOutputResult = {
      dataset: dir,
      format: options.output,
      columns: columns.map((c) => c.name),
      symbols: replayedSymbols.length,
      events: written.events,
      bytes: written.bytes,
      closedEarly: written.closedEarly,
      batches: stats?.batches ?? null,
      elapsedMs: stats?.elapsedMs ?? null,
      eventsPerSecond: stats?.eventsPerSecond ?? null,
      firstTimestamp: stats?.firstTimestampNs == null ? null : formatTimestampNs(stats.firstTimestampNs),
      lastTimestamp: stats?.lastTimestampNs == null ? null : formatTimestampNs(stats.lastTimestampNs),
      peakRssBytes: stats?.peakRssBytes ?? null,
    };
    // Statistics on stderr: stdout carries the events.
    if (!ctx.options.quiet && !written.closedEarly) {
      ctx.note(
        `replayed ${result.events.toLocaleString('en-US')} events in ${result.batches?.toLocaleString('en-US')} batches from ${result.symbols} symbols to stdout as ${result.format} (${result.columns.join(', ') || 'no columns'}; ${formatBytes(result.bytes)})\n` +
          `  ${result.firstTimestamp ?? '-'} .. ${result.lastTimestamp ?? '-'}; ${result.elapsedMs?.toFixed(1)} ms, ${Math.round(result.eventsPerSecond ?? 0).toLocaleString('en-US')} events/s; peak RSS ${formatBytes(result.peakRssBytes ?? 0)}`,
      );
    }
    return result;
  } finally {
    dataset.close();
  }
}
