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
   * True when the last {@link run} stopped at its `room` inside the bucket; the bucket's streams are
   * `order[0, count)`, its timestamp (`hi`, `lo`), and `order[position]` is the next stream to emit.
   */
  open = false;
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
   * Calendar step: pops the bucket of the smallest timestamp (its streams in ascending id), writes each
   * stream's rows at that timestamp into the chunk's own arrays from index `at`, and files each stream
   * under its next timestamp. Writes at most `room` (≥ 1) events: when the bucket holds more, it stops
   * there ({@link open}; the stream being emitted keeps its cursor at its next row of the timestamp) and
   * the next call goes on with the same bucket. Returns how many events it wrote (0 at the end).
   */
  run(at: number, room: number): number {
    const buckets = this.buckets;
    const order = this.order;
    if (!this.open) {
      const count = buckets.popMin(order);
      if (count === 0) return 0;
      this.count = count;
      this.position = 0;
      this.hi = buckets.poppedHi;
      this.lo = buckets.poppedLo;
    }
    const hi = this.hi;
    const lo = this.lo;
    const count = this.count;
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
    const end = at + room;
    let n = at;
    for (let i = this.position; i < count; i++) {
      const s = order[i]!;
      const last = endRows[s]!;
      let row = cursors[s]!;
      // Emit every row of stream s at this timestamp (usually one).
      for (;;) {
        symbolIds[n] = s;
        rows[n] = row;
        ts32[2 * n + HI] = hi;
        ts32[2 * n + LO] = lo;
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
          // Full inside a stream's rows at this timestamp: the next call resumes at this row.
          cursors[s] = row;
          this.position = i;
          this.open = true;
          return n - at;
        }
        if (nextHi < hi || (nextHi === hi && nextLo < lo)) {
          cursors[s] = row;
          state.throwUnsorted(s, row);
        }
        buckets.insert(s, nextHi, nextLo);
        break;
      }
      cursors[s] = row;
      if (n === end && i + 1 < count) {
        this.position = i + 1;
        this.open = true;
        return n - at;
      }
    }
    this.open = false;
    return n - at;
  }
}
