import { Dataset } from '@mmtape/columnar-format';
import { formatTimestampNs } from '@mmtape/columnar-format/time';
import { replayChunks } from '@mmtape/merge-replay';
import { readProcessMemory } from '@mmtape/prefetch';
import { CliUsageError } from '../cli-error.js';
import { type CommandContext, requireDatasetDir, settingsOf, timeNsOf, verifyOf } from '../context.js';
import { formatBytes } from '../format-bytes.js';

/** Options of `mmtape replay`. */
export interface ReplayCommandOptions {
  /** Comma-separated symbols to replay (default: all). */
  symbols?: string;
  /** First time to replay, inclusive (ISO 8601 or ns). */
  start?: string;
  /** Time to stop at, exclusive (ISO 8601 or ns). */
  end?: string;
  /** Column read for every event besides `ts` (default `close`). */
  column?: string;
  /**
   * Advise the kernel ahead of/behind the replay cursor: `'auto'` (default: when the replayed columns
   * exceed `AUTO_PREFETCH_MIN_BYTES` of `@mmtape/merge-replay`), `'on'`, `'off'`; `false` (`--no-prefetch`) = off.
   */
  prefetch?: 'auto' | 'on' | 'off' | boolean;
  /** Verified reads (`--verify`/`--no-verify`; default: config `verify`, else true). */
  verify?: boolean;
}

/** What `mmtape replay` measures. */
export interface ReplayResult {
  dataset: string;
  symbols: number;
  events: number;
  batches: number;
  /** Wall time of the whole replay (opening the files, the merge, this command's consumer), ms. */
  elapsedMs: number;
  /** `events / elapsedMs`, per second. */
  eventsPerSecond: number;
  /** Part of `elapsedMs` before the first batch: opening and mapping the files, views, merge set-up, ms. */
  openMs: number;
  /** `events / (elapsedMs − openMs)`, per second: the merge and consumer alone. */
  mergeEventsPerSecond: number;
  /** First and last replayed timestamp: ISO 8601 UTC (`formatTimestampNs`) and ns as a decimal string; null without events. */
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  firstTimestampNs: string | null;
  lastTimestampNs: string | null;
  /** True when every event's timestamp was at least the previous event's (checked for every event). */
  ordered: boolean;
  /** Sum of the replayed column over all events (a checksum that proves every value was read). */
  columnSum: number;
  peakRssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
  /** Largest RssAnon / RssFile seen while replaying (sampled every 250 ms), bytes. */
  peakRssAnonBytes: number;
  peakRssFileBytes: number;
  /** Fraction of the replayed files resident in the page cache (mincore) at the end, and its peak. */
  residentFraction: number;
  peakResidentFraction: number;
  /** Merge algorithm at the end (`tree`, `buckets` or `block`) and files replayed (partitions count). */
  strategy: string;
  streams: number;
  /**
   * madvise calls of the prefetcher (`null` when it did not run: `--prefetch off`, or `auto` with the
   * replayed ts + column at most 256 MiB).
   */
  prefetch: {
    willneedCalls: number;
    willneedBytes: number;
    dontneedCalls: number;
    dontneedBytes: number;
    /** Whether a helper process issued the forward WILLNEED windows (not when the data was cached). */
    worker: boolean;
    /** Peak RSS of that helper process, bytes (-1 without one): the replay's footprint besides `peakRssBytes`. */
    workerPeakRssBytes: number;
    /** Memory only that helper holds, bytes (-1 without one): `peakRssBytes` + this is the footprint of both. */
    workerPrivateBytes: number;
  } | null;
  /**
   * Bytes the replay needed (the replayed rows of `ts` and the column, 8 bytes each), bytes it read from
   * the block device (`read_bytes` of `/proc/self/io` over the replay, -1 where unavailable) and their
   * ratio (-1 when unknown): about 1 on a cold page cache with prefetch, 0 on a warm one.
   */
  neededBytes: number;
  deviceReadBytes: number;
  readAmplification: number;
  /**
   * How the merge read the rows (`ReplayStats.reads`): `windows` (copied out with pread while the helper
   * read ahead; no page of the data mapped) or `mapping`.
   */
  reads: 'windows' | 'mapping';
  /** RSS and residency over time: one entry per sample. */
  memorySamples: {
    elapsedMs: number;
    residentFraction: number;
    rssAnonBytes: number;
    rssFileBytes: number;
  }[];
}

/**
 * Runs `mmtape replay <dataset>`: replays every selected row in global timestamp order through the k-way
 * merge, reading the timestamp and one column of each event, and reports throughput and memory.
 */
export function runReplay(dir: string, options: ReplayCommandOptions, ctx: CommandContext): ReplayResult {
  // 'random': opening a cold dataset reads one page per file header, not the kernel's read-around; the
  // replay then sets each file's pattern itself (prefetch windows, or MADV_NORMAL without prefetch).
  const dataset = Dataset.open(requireDatasetDir(dir), {
    forceFallback: settingsOf(ctx).forceFallback,
    accessPattern: 'random',
    verify: verifyOf(ctx, options.verify),
  });
  try {
    const column = options.column ?? 'close';
    if (!dataset.manifest.schema.some((c) => c.name === column)) {
      throw new CliUsageError(
        `column "${column}" not in dataset ${dir}; expected one of ${dataset.manifest.schema.map((c) => c.name).join(', ')}`,
      );
    }
    const symbols = options.symbols
      ? options.symbols
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    if (symbols) {
      const known = new Set(dataset.symbols);
      const unknown = symbols.filter((s) => !known.has(s));
      if (unknown.length > 0) throw new CliUsageError(`unknown symbol(s) in ${dir}: ${unknown.join(', ')}`);
    }
    const startNs = options.start ? timeNsOf(options.start, '--start') : undefined;
    const endNs = options.end ? timeNsOf(options.end, '--end') : undefined;
    warnIfOutsideData(dataset, symbols, startNs, endNs, ctx);
    const totalRows = symbols
      ? dataset.manifest.symbols.filter((s) => symbols.includes(s.symbol)).reduce((a, s) => a + s.rows, 0)
      : dataset.manifest.totalRows;
    ctx.progress.start('replay (events)', totalRows);
    let events = 0;
    let batches = 0;
    let previous: bigint | null = null;
    let first: bigint | null = null;
    let ordered = true;
    let columnSum = 0;
    // Chunks (not batches with a zero-copy context): with the prefetch helper running, the merge then
    // reads windows of its own and maps no page of the data (ReplayStats.reads).
    const replay = replayChunks(dataset, {
      ...(symbols ? { symbols } : {}),
      ...(startNs !== undefined ? { startNs } : {}),
      ...(endNs !== undefined ? { endNs } : {}),
      columns: [column],
      prefetch: prefetchModeOf(options.prefetch),
    });
    for (const chunk of replay) {
      // Every event's timestamp checked against the one before it (non-decreasing across chunks too).
      const timestamps = chunk.timestampNs;
      if (first === null) first = timestamps[0]!;
      if (previous !== null && timestamps[0]! < previous) ordered = false;
      for (let i = 1; i < chunk.length; i++) if (timestamps[i]! < timestamps[i - 1]!) ordered = false;
      previous = timestamps[chunk.length - 1]!;
      // The running sum stays in a local inside the loop: a `let` of the closure updated per event would
      // box a heap number on every addition (V8).
      const values = chunk.columns[column]!;
      let sum = 0;
      if (values instanceof Float64Array) {
        for (let i = 0; i < chunk.length; i++) {
          const v = values[i]!;
          if (!Number.isNaN(v)) sum += v;
        }
      } else {
        for (let i = 0; i < chunk.length; i++) sum += Number(values[i]!);
      }
      columnSum += sum;
      events += chunk.length;
      batches += chunk.batchCount - (chunk.continuesBatch ? 1 : 0);
      ctx.progress.update(events);
    }
    const stats = replay.stats();
    ctx.progress.update(events);
    ctx.progress.stop();
    const memory = readProcessMemory();
    const result: ReplayResult = {
      dataset: dir,
      symbols: symbols?.length ?? dataset.symbols.length,
      events,
      batches,
      elapsedMs: stats.elapsedMs,
      eventsPerSecond: stats.elapsedMs > 0 ? (events / stats.elapsedMs) * 1000 : 0,
      openMs: stats.openMs,
      mergeEventsPerSecond:
        stats.elapsedMs - stats.openMs > 0 ? (events / (stats.elapsedMs - stats.openMs)) * 1000 : 0,
      firstTimestamp: first === null ? null : formatTimestampNs(first),
      lastTimestamp: previous === null ? null : formatTimestampNs(previous),
      firstTimestampNs: first === null ? null : String(first),
      lastTimestampNs: previous === null ? null : String(previous),
      ordered,
      columnSum,
      peakRssBytes: memory.peakRssBytes,
      rssAnonBytes: memory.rssAnonBytes,
      rssFileBytes: memory.rssFileBytes,
      peakRssAnonBytes: stats.peakRssAnonBytes,
      peakRssFileBytes: stats.peakRssFileBytes,
      residentFraction: stats.residentFraction,
      peakResidentFraction: stats.peakResidentFraction,
      strategy: stats.strategy,
      streams: stats.streams,
      prefetch:
        stats.prefetch === null
          ? null
          : {
              willneedCalls: stats.prefetch.willneedCalls,
              willneedBytes: stats.prefetch.willneedBytes,
              dontneedCalls: stats.prefetch.dontneedCalls,
              dontneedBytes: stats.prefetch.dontneedBytes,
              worker: stats.prefetchWorker,
              workerPeakRssBytes: stats.prefetchWorkerPeakRssBytes,
              workerPrivateBytes: stats.prefetchWorkerPrivateBytes,
            },
      neededBytes: stats.neededBytes,
      deviceReadBytes: stats.deviceReadBytes,
      readAmplification: stats.readAmplification,
      reads: stats.reads,
      memorySamples: stats.memorySamples.map((m) => ({
        elapsedMs: Math.round(m.elapsedMs),
        residentFraction: m.residentFraction,
        rssAnonBytes: m.rssAnonBytes,
        rssFileBytes: m.rssFileBytes,
      })),
    };
    ctx.say(
      `replayed ${events.toLocaleString('en-US')} events in ${batches.toLocaleString('en-US')} batches from ${result.symbols} symbols`,
    );
    ctx.say(
      `  ${result.firstTimestamp ?? '-'} .. ${result.lastTimestamp ?? '-'}, order ${ordered ? 'non-decreasing (checked)' : 'VIOLATED'}`,
    );
    ctx.say(
      `  ${result.elapsedMs.toFixed(1)} ms, ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s (${result.strategy} merge over ${result.streams} files); opening ${result.openMs.toFixed(1)} ms, then ${Math.round(result.mergeEventsPerSecond).toLocaleString('en-US')} events/s`,
    );
    ctx.say(
      `  peak RSS ${formatBytes(result.peakRssBytes)} (peak anon ${formatBytes(result.peakRssAnonBytes)}, peak file-backed ${formatBytes(result.peakRssFileBytes)})`,
    );
    // Residency is measured within 1 % of the replay's time (mincore costs ~19 ms per GiB mapped), so the
    // last figure may be older than the end of the replay: say how old.
    const residencyAgeMs = stats.memorySamples.at(-1)?.residencyAgeMs ?? 0;
    ctx.say(
      `  dataset resident in page cache: ${(result.residentFraction * 100).toFixed(1)} % ${residencyAgeMs > 0 ? `${(residencyAgeMs / 1000).toFixed(1)} s before the end` : 'at end'}, peak ${(result.peakResidentFraction * 100).toFixed(1)} % (mincore)`,
    );
    ctx.say(
      result.deviceReadBytes < 0
        ? `  I/O: needed ${formatBytes(result.neededBytes)} (ts + ${column}); device reads unknown (no /proc/self/io)`
        : `  I/O: needed ${formatBytes(result.neededBytes)} (ts + ${column}), read from device ${formatBytes(result.deviceReadBytes)}${result.readAmplification < 0 ? '' : ` (${result.readAmplification.toFixed(2)}× needed)`}`,
    );
    const pf = result.prefetch;
    ctx.say(
      pf === null
        ? '  prefetch: off'
        : `  prefetch: ${pf.willneedCalls.toLocaleString('en-US')} WILLNEED (${formatBytes(pf.willneedBytes)}${pf.worker ? ', from a helper process' : ''}), ${pf.dontneedCalls.toLocaleString('en-US')} DONTNEED (${formatBytes(pf.dontneedBytes)}); rows read ${result.reads === 'windows' ? 'into windows with pread (no page of the data mapped)' : 'through the mapping'}`,
    );
    return result;
  } finally {
    dataset.close();
  }
}

/**
 * Warns (`RANGE_PAST_END` / `RANGE_BEFORE_START`) when `[startNs, endNs)` holds none of the replayed
 * symbols' data: a range starting after the data's last timestamp, or ending at or before its first,
 * replays 0 events, which is a result, but almost always a typo (a wrong year, ms given as ns).
 */
function warnIfOutsideData(
  dataset: Dataset,
  symbols: readonly string[] | undefined,
  startNs: bigint | undefined,
  endNs: bigint | undefined,
  ctx: CommandContext,
): void {
  const entries = dataset.manifest.symbols.filter(
    (s) => s.rows > 0 && (symbols === undefined || symbols.includes(s.symbol)),
  );
  if (entries.length === 0) return;
  const firstNs = entries.reduce(
    (m, s) => (BigInt(s.firstTimestampNs) < m ? BigInt(s.firstTimestampNs) : m),
    BigInt(entries[0]!.firstTimestampNs),
  );
  const lastNs = entries.reduce(
    (m, s) => (BigInt(s.lastTimestampNs) > m ? BigInt(s.lastTimestampNs) : m),
    BigInt(entries[0]!.lastTimestampNs),
  );
  const span = `the data spans ${formatTimestampNs(firstNs)} .. ${formatTimestampNs(lastNs)}`;
  if (startNs !== undefined && startNs > lastNs) {
    ctx.warn(
      'RANGE_PAST_END',
      `--start ${formatTimestampNs(startNs)} is past the end of the data (${span}): nothing to replay`,
    );
  } else if (endNs !== undefined && endNs <= firstNs) {
    ctx.warn(
      'RANGE_BEFORE_START',
      `--end ${formatTimestampNs(endNs)} is at or before the start of the data (${span}): nothing to replay`,
    );
  }
}

/** `--prefetch auto|on|off` / `--no-prefetch` → the `prefetch` option of `@mmtape/merge-replay`. */
export function prefetchModeOf(flag: ReplayCommandOptions['prefetch']): 'auto' | boolean {
  if (flag === false || flag === 'off') return false;
  return flag === 'on' || flag === true ? true : 'auto';
}
