import type { MergeState } from '../merge-state.js';
import { HI, LO } from '../merge-tuning.js';
import { TimestampBuckets } from '../timestamp-buckets.js';

/**
 * The `'buckets'` strategy of `KWayMerge`: a calendar of distinct head timestamps
 * ({@link TimestampBuckets}), one heap operation per batch and O(1) per event. Best when many streams
 * share each timestamp (bars) and blocks do not apply. Writes runs of equal timestamps into the state's
 * chunk arrays. Internal.
 */
export class BucketsStrategy {
  readonly buckets: TimestampBuckets;
  /** Streams of the bucket being emitted, ascending. */
  private readonly order: Int32Array;
  /**
   * True when the last {@link fill} stopped at the end of the chunk inside the bucket; the bucket's streams
   * are `order[0, count)`, its timestamp (`hi`, `lo`), and `order[position]` is the next stream to emit.
   */
  open = false;
  /** After {@link fill}: the chunk's runs so far and the runs it completed. */
  runs = 0;
  closed = 0;
  private count = 0;
  private position = 0;
  private hi = 0;
  private lo = 0;

  constructor(private readonly state: MergeState) {
    this.buckets = new TimestampBuckets(state.streamCount);
    this.order = new Int32Array(Math.max(1, state.streamCount));
  }

  /** Empties the calendar (when the merge switches to another strategy). */
  clear(): void {
    this.open = false;
    this.buckets.clear();
  }

  /** Distinct head timestamps of the live streams (builds the calendar, then empties it). */
  distinctHeads(): number {
    this.build();
    const size = this.buckets.size;
    this.buckets.clear();
    return size;
  }

  /** Files every live stream under its head timestamp (ascending ids, so every bucket starts sorted). */
  build(): void {
    this.open = false;
    const buckets = this.buckets;
    buckets.clear();
    for (let s = 0; s < this.state.streamCount; s++) {
      const row = this.state.cursors[s]!;
      if (row < this.state.endRows[s]!) {
        const idx = (row + this.state.stageDelta[s]!) | 0;
        buckets.insert(s, this.state.stageHi[2 * idx + HI]!, this.state.stageLo[2 * idx + LO]!);
      }
    }
  }

  /**
   * Calendar fill: pops the bucket of the smallest timestamp (its streams in ascending id), writes each
   * stream's rows at that timestamp into the chunk's own arrays from index `at`, files each stream under
   * its next timestamp, and goes on with the next bucket, each bucket one run (its end, exclusive, into
   * `ends` from index `runs`). Stops when the chunk is full at `end` (exclusive, > `at`), when `maxRuns`
   * (≥ 1) runs were completed, or when every stream is exhausted. A bucket cut by the end of the chunk is
   * left {@link open} (the stream being emitted keeps its cursor at its next row of the timestamp) and the
   * next call goes on with it. Returns the index after the last event written (`at` at the end); sets
   * {@link runs}, {@link open} and {@link closed}. `forBatches`: each run's timestamp is written at its
   * first event only (all the batches of `KWayMerge.next()` read).
   */
  fill(
    at: number,
    end: number,
    ends: Int32Array,
    runs: number,
    maxRuns: number,
    forBatches: boolean,
  ): number {
    const buckets = this.buckets;
    const order = this.order;
    const state = this.state;
    const cursors = state.cursors;
    const endRows = state.endRows;
    const stageHi = state.stageHi;
    const stageLo = state.stageLo;
    const stageDelta = state.stageDelta;
    const stageEnd = state.stageEnd;
    const gathering = state.gathering;
    const symbolIds = state.chunkSym;
    const rows = state.chunkRow;
    const ts32 = state.chunkTs32;
    let n = at;
    let closed = 0;
    while (n < end && closed < maxRuns) {
      if (!this.open) {
        const count = buckets.popMin(order);
        if (count === 0) break;
        this.count = count;
        this.position = 0;
        this.hi = buckets.poppedHi;
        this.lo = buckets.poppedLo;
      }
      const hi = this.hi;
      const lo = this.lo;
      const count = this.count;
      let i = this.position;
      let cut = false;
      const runStart = n;
      for (; i < count; i++) {
        const s = order[i]!;
        const last = endRows[s]!;
        let row = cursors[s]!;
        // Emit every row of stream s at this timestamp (usually one).
        for (;;) {
          symbolIds[n] = s;
          rows[n] = row;
          if (gathering) state.gather(n, (row + stageDelta[s]!) | 0);
          n++;
          row++;
          if (row >= last) break;
          if (row >= stageEnd[s]!) state.stage(s, row);
          const idx = (row + stageDelta[s]!) | 0;
          const nextHi = stageHi[2 * idx + HI]!;
          const nextLo = stageLo[2 * idx + LO]!;
          if (nextHi === hi && nextLo === lo) {
            if (n < end) continue;
            cut = true; // full inside a stream's rows at this timestamp: resume at this row
            break;
          }
          if (nextHi < hi || (nextHi === hi && nextLo < lo)) {
            cursors[s] = row;
            state.throwUnsorted(s, row);
          }
          buckets.insert(s, nextHi, nextLo);
          break;
        }
        cursors[s] = row;
        if (cut) break;
        if (n === end && i + 1 < count) {
          cut = true; // full between two streams of the bucket: resume at the next
          i++;
          break;
        }
      }
      // The run's timestamp: at every event, or for batches at its first only (the only one they read).
      for (let k = runStart, stop = forBatches ? runStart + 1 : n; k < stop; k++) {
        ts32[2 * k + HI] = hi;
        ts32[2 * k + LO] = lo;
      }
      ends[runs++] = n;
      this.open = cut;
      this.position = i;
      if (!cut) closed++;
    }
    this.runs = runs;
    this.closed = closed;
    return n;
  }
}
