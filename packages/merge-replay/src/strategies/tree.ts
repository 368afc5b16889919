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
  /** True when the last {@link run} stopped at its `room` inside a run (more events at its timestamp). */
  open = false;

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
   * Loser-tree step: writes the events at the smallest head timestamp (one run of equal timestamps, or
   * the rest of the run the last call left open) into the chunk's own arrays from index `at`, at most
   * `room` of them (≥ 1). Returns how many it wrote (0 at the end); {@link open} then tells whether the
   * run goes on (more events at that timestamp than `room`).
   */
  run(at: number, room: number): number {
    const tree = this.tree;
    const keyHi = tree.keyHi;
    const keyLo = tree.keyLo;
    const exhausted = tree.exhausted;
    let leaf = tree.winner;
    if (leaf < 0 || exhausted[leaf] === 1) {
      this.open = false;
      return 0;
    }
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
    const hi = keyHi[leaf]!;
    const lo = keyLo[leaf]!;
    const end = at + room;
    let n = at;
    do {
      const row = cursors[leaf]!;
      symbolIds[n] = leaf;
      rows[n] = row;
      ts32[2 * n + HI] = hi;
      ts32[2 * n + LO] = lo;
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
    this.open = n === end && exhausted[leaf] === 0 && keyHi[leaf] === hi && keyLo[leaf] === lo;
    return n - at;
  }
}
