import { LoserTree } from '../loser-tree.js';
import type { MergeState } from '../merge-state.js';
import { HI, LO } from '../merge-tuning.js';

/**
 * The `'tree'` strategy of `KWayMerge`: a loser tree over the stream heads, one `log2 N` replay per
 * event. Best when few streams share a timestamp (irregular ticks with few streams). Reads the staged
 * heads of the {@link MergeState}; fills the state's batch arrays and `batchKey`. Internal.
 */
export class TreeStrategy {
  readonly tree: LoserTree;

  constructor(private readonly state: MergeState) {
    this.tree = new LoserTree(state.streamCount);
  }

  /** Keys every leaf of the loser tree from the cursors and plays all matches. */
  build(): void {
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

  /** Loser-tree step: fills the batch, returns its length (0 at the end). */
  next(): number {
    const tree = this.tree;
    const keyHi = tree.keyHi;
    const keyLo = tree.keyLo;
    const exhausted = tree.exhausted;
    let leaf = tree.winner;
    if (leaf < 0 || exhausted[leaf] === 1) return 0;
    const batch = this.state.batch;
    const cursors = this.state.cursors;
    const endRows = this.state.endRows;
    const stageHi = this.state.stageHi;
    const stageLo = this.state.stageLo;
    const stageDelta = this.state.stageDelta;
    const stageEnd = this.state.stageEnd;
    const gathering = this.state.gathering;
    const hi = keyHi[leaf]!;
    const lo = keyLo[leaf]!;
    this.state.batchKey[HI] = hi;
    this.state.batchKey[LO] = lo;
    let symbolIds = batch.symbolIds;
    let rows = batch.rows;
    let n = 0;
    do {
      if (n === rows.length) {
        this.state.growBatch(n);
        symbolIds = batch.symbolIds;
        rows = batch.rows;
      }
      const row = cursors[leaf]!;
      symbolIds[n] = leaf;
      rows[n] = row;
      if (gathering) this.state.gather(n, (row + stageDelta[leaf]!) | 0);
      n++;
      // Advance the winning stream and check it stays sorted: one (hi, lo) comparison per row.
      const nextRow = row + 1;
      cursors[leaf] = nextRow;
      if (nextRow >= endRows[leaf]!) {
        tree.setExhausted(leaf);
      } else {
        if (nextRow >= stageEnd[leaf]!) this.state.stage(leaf, nextRow);
        const idx = (nextRow + stageDelta[leaf]!) | 0;
        const nextHi = stageHi[2 * idx + HI]!;
        const nextLo = stageLo[2 * idx + LO]!;
        if (nextHi < hi || (nextHi === hi && nextLo < lo)) this.state.throwUnsorted(leaf, nextRow);
        keyHi[leaf] = nextHi;
        keyLo[leaf] = nextLo;
      }
      tree.replay(leaf);
      leaf = tree.winner;
    } while (exhausted[leaf] === 0 && keyHi[leaf] === hi && keyLo[leaf] === lo);
    return n;
  }
}
