/**
 * Up to `capacity` merged events in global (timestampNs, symbolId, row) order, as parallel typed arrays:
 * what `KWayMerge.nextChunk()` and `replayChunks()` produce.
 *
 * **Exact-length views, reused**: every array (`symbolId`, `row`, `timestampNs`, each of `columns`) has
 * exactly `length` elements and `batchEnds` exactly `batchCount`. They are views over buffers of the
 * merge (its chunk buffers, or for the `'block'` strategy its sorted block arrays, without a copy), valid
 * until the next chunk is requested: the next call overwrites them and may point the fields at other
 * arrays. Copy what you keep (`chunk.row.slice()`).
 *
 * A chunk holds whole runs of equal timestamps (batches) except at its edges: a run longer than the room
 * left is split, and the next chunk then starts with `continuesBatch === true`. Chunks can be shorter than
 * the capacity (the end of a block of the `'block'` strategy, a strategy switch, the end of the replay);
 * never empty.
 */
export interface ReplayChunk {
  /** Events in this chunk, ≥ 1 and at most the merge's `chunkEvents`. */
  length: number;
  /** Symbol id of each event (index into the replayed symbols); ascending within each run. */
  symbolId: Int32Array;
  /**
   * Row of each event within its stream, parallel to `symbolId`. For a dataset whose symbol is stored in
   * several partition (or segment) files, the row within the file being replayed.
   */
  row: Uint32Array;
  /** Timestamp of each event, ns since the Unix epoch (UTC), non-decreasing. */
  timestampNs: BigInt64Array;
  /**
   * Each requested column, parallel to `symbolId`: `columns[name][i]` is column `name` at
   * (`symbolId[i]`, `row[i]`). Float64Array for f64 columns, BigInt64Array for i64 columns.
   */
  columns: Record<string, Float64Array | BigInt64Array>;
  /**
   * Exclusive ends of the runs of equal timestamps within this chunk, ascending; the last entry is
   * `length`. Run `b` is `[b === 0 ? 0 : batchEnds[b - 1], batchEnds[b])`.
   */
  batchEnds: Int32Array;
  /** Entries of `batchEnds` (= `batchEnds.length`), ≥ 1. */
  batchCount: number;
  /**
   * True when the first run continues the previous chunk's last run (same timestamp: a run that did not
   * fit in the room left in the previous chunk).
   */
  continuesBatch: boolean;
}
