import { LoserTree } from '../loser-tree.js';
import type { MergeState } from '../merge-state.js';
import { HI, LO } from '../merge-tuning.js';

/**
 * The `'tree'` strategy of `KWayMerge`: a loser tree over the stream heads, one `log2 N` replay per
 * event. Best when few streams share a timestamp (irregular ticks with few streams). Reads the staged
 * heads of the {@link MergeState}; writes runs of equal timestamps into the state's chunk arrays. Internal.
 */
export class TreeStrategy {
  readonly tree: LoserTree;
  /** After {@link fill}: the chunk's runs so far, whether the last goes on, and the runs it completed. */
  runs = 0;
  open = false;
  closed = 0;

  constructor(private readonly state: MergeState) {
    this.tree = new LoserTree(state.streamCount);
  }

  /** Keys every leaf of the loser tree from the cursors and plays all matches. */
  build(): void {
    this.open = false;
    const tree = this.tree;
    for (let s = 0; s < this.state.streamCount; s++) {
      const row = this.state.cursors[s]!;
      if (row < this.state.endRows[s]!) {
        tree.exhausted[s] = 0;
        const idx = (row + this.state.stageDelta[s]!) | 0;
        tree.keyHi[s] = this.state.stageHi[2 * idx + HI]!;
        tree.keyLo[s] = this.state.stageLo[2 * idx + LO]!;
      } else {
        tree.setExhausted(s);
      }
    }
    tree.build();
  }

  /**
   * Loser-tree fill: writes runs of equal timestamps (the events at the smallest head timestamp, one run
   * after another; first the rest of the run the last call left {@link open}) into the chunk's own arrays
   * from index `at` up to `end` (exclusive, > `at`), and each run's end (exclusive) into `ends` from
   * index `runs`. Stops when the chunk is full, when `maxRuns` (≥ 1) runs were completed, or when every
   * stream is exhausted. Returns the index after the last event written (`at` at the end); sets
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
    const tree = this.tree;
    const keyHi = tree.keyHi;
    const keyLo = tree.keyLo;
    const exhausted = tree.exhausted;
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
    let open = false;
    let leaf = tree.winner;
    while (n < end && closed < maxRuns && leaf >= 0 && exhausted[leaf] === 0) {
      const hi = keyHi[leaf]!;
      const lo = keyLo[leaf]!;
      const runStart = n;
      do {
        const row = cursors[leaf]!;
        symbolIds[n] = leaf;
        rows[n] = row;
        if (gathering) state.gather(n, (row + stageDelta[leaf]!) | 0);
        n++;
        // Advance the winning stream and check it stays sorted: one (hi, lo) comparison per row.
        const nextRow = row + 1;
        cursors[leaf] = nextRow;
        if (nextRow >= endRows[leaf]!) {
          tree.setExhausted(leaf);
        } else {
          if (nextRow >= stageEnd[leaf]!) state.stage(leaf, nextRow);
          const idx = (nextRow + stageDelta[leaf]!) | 0;
          const nextHi = stageHi[2 * idx + HI]!;
          const nextLo = stageLo[2 * idx + LO]!;
          if (nextHi < hi || (nextHi === hi && nextLo < lo)) state.throwUnsorted(leaf, nextRow);
          keyHi[leaf] = nextHi;
          keyLo[leaf] = nextLo;
        }
        tree.replay(leaf);
        leaf = tree.winner;
      } while (n < end && exhausted[leaf] === 0 && keyHi[leaf] === hi && keyLo[leaf] === lo);
      for (let k = runStart, stop = forBatches ? runStart + 1 : n; k < stop; k++) {
        ts32[2 * k + HI] = hi;
        ts32[2 * k + LO] = lo;
      }
      ends[runs++] = n;
      open = exhausted[leaf] === 0 && keyHi[leaf] === hi && keyLo[leaf] === lo;
      if (!open) closed++;
    }
    this.runs = runs;
    this.open = open;
    this.closed = closed;
    return n;
  }
}
