/**
 * All events that share one timestamp, as produced by `KWayMerge`.
 *
 * **The object is reused**: every call to `next()` (and every step of the iterators) overwrites it and
 * may swap `symbolIds`/`rows`/`columns[name]` for other arrays: larger ones, or (batches of 32 events or
 * more) views of exactly `length` elements over the merge's chunk or block arrays, valid until the next
 * call. Copy what you need to keep, e.g. `rows.slice(0, length)`.
 */
export interface ReplayBatch {
  /** Timestamp shared by every event of the batch, ns since the Unix epoch (UTC). */
  timestampNs: bigint;
  /** Number of events; only indices `0 … length-1` of `symbolIds`/`rows`/`columns` are meaningful. */
  length: number;
  /** Stream index (= symbol id) of each event, ascending; equal ids are ordered by ascending row. */
  symbolIds: Int32Array;
  /** Row of each event within its stream, parallel to `symbolIds`. */
  rows: Uint32Array;
  /**
   * Values gathered for each event, parallel to `symbolIds`: `columns[name][i]` is column `name` at
   * (`symbolIds[i]`, `rows[i]`). Only the columns asked for (`KWayMerge`'s `columns` option, or
   * `replayDataset`'s `columns`) are present; `{}` otherwise. Reused like the rest of the batch.
   */
  columns: Record<string, Float64Array | BigInt64Array>;
}
