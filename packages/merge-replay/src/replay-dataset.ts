import type { ReplayBatch } from './replay-batch.js';
import type { ReplayContext, ReplayDatasetSource, ReplayOptions, ReplayStats } from './replay-options.js';
import { ReplaySession } from './replay-session.js';

/**
 * Replays a dataset (or a subset of its symbols) in global timestamp order, calling `onBatch` once per
 * distinct timestamp with the events of that timestamp and a {@link ReplayContext} for zero-copy reads.
 *
 * ```ts
 * import { Dataset } from '@mmtape/columnar-format';
 * import { replayDataset } from '@mmtape/merge-replay';
 *
 * const dataset = Dataset.open('data/bars');
 * const stats = replayDataset(dataset, { columns: ['close'] }, (batch, ctx) => {
 *   for (let i = 0; i < batch.length; i++) {
 *     const id = batch.symbolIds[i]!;
 *     const close = ctx.columns.close![id]![batch.rows[i]!];
 *   }
 * });
 * console.log(`${stats.eventsPerSecond.toFixed(0)} events/s`);
 * dataset.close();
 * ```
 *
 * `batch` is reused between calls: copy what you keep. Files are opened through `dataset.open` (cached
 * by the dataset) and are not closed here; the dataset's owner closes them.
 *
 * @throws {UnknownSymbolError} when `options.symbols` names a symbol the dataset lacks.
 * @throws {MissingColumnError} when a symbol's file lacks `ts` or a requested column.
 * @throws {UnsupportedColumnDtypeError} when a requested column is neither f64 nor i64.
 * @throws {UnsortedStreamError} when a symbol's `ts` column decreases inside the replayed range.
 * @throws {InvalidReplayOptionError} for malformed options. Whatever `onBatch` throws propagates (the
 * prefetcher is finished first).
 */
export function replayDataset(
  dataset: ReplayDatasetSource,
  options: ReplayOptions,
  onBatch: (batch: ReplayBatch, ctx: ReplayContext) => void,
): ReplayStats {
  const session = new ReplaySession(dataset, options, { gather: options.gather !== false, pollChunks: true });
  const { merge, chained, symbolOfStream, columnNames, streamColumns, streamTimestamps } = session;
  // The consumer's view is per symbol; for chained symbols it points at the partition being replayed.
  const ctx = session.context();
  const currentStream = new Int32Array(session.symbols.length).fill(-1);
  // Polls every `pollEvents` events (see ReplaySession.pollEvents): the merge's chunks hold as many, so
  // a stream moves at most about twice that many rows between two polls.
  const pollEvents = session.pollEvents;
  let untilPoll = 0;
  let firstTimestampNs: bigint | null = null;
  let lastTimestampNs: bigint | null = null;
  try {
    for (let batch = merge.next(); batch !== null; batch = merge.next()) {
      if (untilPoll <= 0) {
        untilPoll = pollEvents;
        session.poll();
      }
      untilPoll -= batch.length;
      if (chained) {
        const ids = batch.symbolIds;
        for (let i = 0; i < batch.length; i++) {
          const stream = ids[i]!;
          const id = symbolOfStream[stream]!;
          ids[i] = id;
          if (currentStream[id] !== stream) {
            currentStream[id] = stream;
            for (const name of columnNames) ctx.columns[name]![id] = streamColumns[name]![stream]!;
            ctx.timestamps[id] = streamTimestamps[stream]!;
          }
        }
      }
      if (firstTimestampNs === null) firstTimestampNs = batch.timestampNs;
      lastTimestampNs = batch.timestampNs;
      onBatch(batch, ctx);
    }
  } finally {
    session.finish();
  }
  return session.stats(firstTimestampNs, lastTimestampNs);
}
