import type { MergeState } from '../merge-state.js';
import { HI, LO } from '../merge-tuning.js';
import { TimestampBuckets } from '../timestamp-buckets.js';

/**
 * The `'buckets'` strategy of `KWayMerge`: a calendar of distinct head timestamps
 * ({@link TimestampBuckets}), one heap operation per batch and O(1) per event. Best when many streams
 * share each timestamp (bars) and blocks do not apply. Fills the state's batch arrays and `batchKey`.
 * Internal.
 */
export class BucketsStrategy {
  readonly buckets: TimestampBuckets;
  /** Streams of the bucket being emitted, ascending. */
  private readonly order: Int32Array;

  constructor(private readonly state: MergeState) {
    this.buckets = new TimestampBuckets(state.streamCount);
    this.order = new Int32Array(Math.max(1, state.streamCount));
  }

  /** Empties the calendar (when the merge switches to another strategy). */
  clear(): void {
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
   * Calendar step: pops the bucket of the smallest timestamp (its streams in ascending id), emits each
   * stream's rows at that timestamp, and files each stream under its next timestamp. Returns the length.
   */
  next(): number {
    const buckets = this.buckets;
    const order = this.order;
    const count = buckets.popMin(order);
    if (count === 0) return 0;
    const hi = buckets.poppedHi;
    const lo = buckets.poppedLo;
    const batch = this.state.batch;
    const cursors = this.state.cursors;
    const endRows = this.state.endRows;
    const stageHi = this.state.stageHi;
    const stageLo = this.state.stageLo;
    const stageDelta = this.state.stageDelta;
    const stageEnd = this.state.stageEnd;
    const gathering = this.state.gathering;
    this.state.batchKey[HI] = hi;
    this.state.batchKey[LO] = lo;
    let symbolIds = batch.symbolIds;
    let rows = batch.rows;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const s = order[i]!;
      const end = endRows[s]!;
      let row = cursors[s]!;
      // Emit every row of stream s at this timestamp (usually one).
      for (;;) {
        if (n === rows.length) {
          this.state.growBatch(n);
          symbolIds = batch.symbolIds;
          rows = batch.rows;
        }
        symbolIds[n] = s;
        rows[n] = row;
        if (gathering) this.state.gather(n, (row + stageDelta[s]!) | 0);
        n++;
        row++;
        if (row >= end) break;
        if (row >= stageEnd[s]!) this.state.stage(s, row);
        const idx = (row + stageDelta[s]!) | 0;
        const nextHi = stageHi[2 * idx + HI]!;
        const nextLo = stageLo[2 * idx + LO]!;
        if (nextHi === hi && nextLo === lo) continue;
        if (nextHi < hi || (nextHi === hi && nextLo < lo)) {
          cursors[s] = row;
          this.state.throwUnsorted(s, row);
        }
        buckets.insert(s, nextHi, nextLo);
        break;
      }
      cursors[s] = row;
    }
    return n;
  }
}
