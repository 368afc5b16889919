/**
 * Loser tree (tournament tree of losers) over `size` leaves keyed by signed 64-bit integers split into
 * a signed high half and an unsigned low half, so comparisons never allocate a BigInt.
 *
 * Layout (Knuth, TAOCP vol. 3, §5.4.1 "replacement selection"): leaf `i` is implicit node `size + i`;
 * internal nodes `1 … size-1` store the loser of the match played there; `nodes[0]` stores the overall
 * winner. The parent of node `n` is `n >> 1`, which forms a complete binary tree for any `size`. After
 * the winner's key changes, {@link LoserTree.replay} re-plays only the matches on its leaf-to-root path:
 * `ceil(log2(size))` comparisons, against one per level for a binary heap's two.
 *
 * Order: `(hi, lo)` ascending, then live before exhausted, then leaf index ascending — so equal keys
 * come out by leaf index (the symbol id) and the order is fully deterministic.
 *
 * @internal Not exported from the package entry point.
 */
export class LoserTree {
  /** Number of leaves (streams). */
  readonly size: number;
  /** High 32 bits (signed) of each leaf's current key. */
  readonly keyHi: Int32Array;
  /** Low 32 bits (unsigned) of each leaf's current key. */
  readonly keyLo: Uint32Array;
  /** 1 when a leaf has no more keys; exhausted leaves lose against every live leaf. */
  readonly exhausted: Uint8Array;
  /** `nodes[0]` = winner leaf; `nodes[1 … size-1]` = loser leaf of each internal match. */
  private readonly nodes: Int32Array;

  constructor(size: number) {
    this.size = size;
    this.keyHi = new Int32Array(size);
    this.keyLo = new Uint32Array(size);
    this.exhausted = new Uint8Array(size);
    this.nodes = new Int32Array(Math.max(1, size));
    this.nodes[0] = -1;
  }

  /** Marks a leaf exhausted and parks its key at int64 max, so comparisons mostly settle on `hi`. */
  setExhausted(leaf: number): void {
    this.exhausted[leaf] = 1;
    this.keyHi[leaf] = 0x7fffffff; // int64 max, high half
    this.keyLo[leaf] = 0xffffffff; // int64 max, low half
  }

  /** Current winner leaf, or -1 when the tree has no leaves. Check `exhausted[winner]` for the end. */
  get winner(): number {
    return this.nodes[0]!;
  }

  /** True when leaf `a` must come before leaf `b`. */
  less(a: number, b: number): boolean {
    const hiA = this.keyHi[a]!;
    const hiB = this.keyHi[b]!;
    if (hiA !== hiB) return hiA < hiB;
    const loA = this.keyLo[a]!;
    const loB = this.keyLo[b]!;
    if (loA !== loB) return loA < loB;
    const doneA = this.exhausted[a]!;
    const doneB = this.exhausted[b]!;
    if (doneA !== doneB) return doneA < doneB;
    return a < b;
  }

  /** Plays every match bottom-up from the current keys. O(size). Call once after setting all keys. */
  build(): void {
    const size = this.size;
    if (size === 0) return;
    if (size === 1) {
      this.nodes[0] = 0;
      return;
    }
    // winners[n] = winner of the subtree rooted at node n; leaves are nodes size … 2*size-1.
    const winners = new Int32Array(2 * size);
    for (let i = 0; i < size; i++) winners[size + i] = i;
    for (let n = size - 1; n >= 1; n--) {
      const a = winners[2 * n]!;
      const b = winners[2 * n + 1]!;
      if (this.less(a, b)) {
        winners[n] = a;
        this.nodes[n] = b;
      } else {
        winners[n] = b;
        this.nodes[n] = a;
      }
    }
    this.nodes[0] = winners[1]!;
  }

  /**
   * Re-plays the path from `leaf` to the root after `leaf`'s key changed. `leaf` must be the current
   * winner (the only leaf whose key may change between replays).
   */
  replay(leaf: number): void {
    const nodes = this.nodes;
    const keyHi = this.keyHi;
    const keyLo = this.keyLo;
    let winner = leaf;
    let winnerHi = keyHi[leaf]!;
    let winnerLo = keyLo[leaf]!;
    // Same order as `less`, inlined with the winner's key kept in locals: one key read per level.
    for (let n = (leaf + this.size) >> 1; n > 0; n >>= 1) {
      const challenger = nodes[n]!;
      const challengerHi = keyHi[challenger]!;
      if (challengerHi > winnerHi) continue;
      const challengerLo = keyLo[challenger]!;
      if (challengerHi === winnerHi) {
        if (challengerLo > winnerLo) continue;
        if (challengerLo === winnerLo && !this.less(challenger, winner)) continue;
      }
      nodes[n] = winner;
      winner = challenger;
      winnerHi = challengerHi;
      winnerLo = challengerLo;
    }
    nodes[0] = winner;
  }
}
