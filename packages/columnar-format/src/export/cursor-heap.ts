/**
 * Min-heap of per-symbol row cursors ordered by (current timestamp, cursor index): the k-way merge behind
 * the time-ordered Parquet layouts of {@link exportParquet}.
 */

import type { ColumnData } from '../dtype.js';

/** Rows `row..end-1` of one (symbol, partition slice). */
export interface RowCursor {
  symbol: string;
  /** The slice's `ts` column (ns since the epoch, UTC). */
  ts: BigInt64Array;
  /** The value columns being exported, in output order. */
  values: readonly ColumnData[];
  /** Next row to emit. */
  row: number;
  /** One past the last row of the slice. */
  end: number;
}

/** A cursor in the heap; `index` (its position in the (symbol, time) cursor list) breaks ties. */
export interface HeapCursor extends RowCursor {
  index: number;
}

/**
 * Min-heap of cursors by (`ts[row]`, `index`). Cursors are given in (symbol, time) order, so ties on a
 * timestamp go to the lower symbol, then to the earlier slice of one symbol.
 */
export class CursorHeap {
  readonly #items: HeapCursor[] = [];

  constructor(cursors: readonly RowCursor[]) {
    cursors.forEach((c, index) => {
      if (c.row < c.end) this.push(Object.assign(c, { index }));
    });
  }

  /** The smallest cursor, left in the heap. */
  peek(): HeapCursor | undefined {
    return this.#items[0];
  }

  /** Adds (or puts back) a cursor with rows left. */
  push(c: HeapCursor): void {
    const a = this.#items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  /** Removes and returns the smallest cursor. */
  pop(): HeapCursor | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(x: HeapCursor, y: HeapCursor): boolean {
  const a = x.ts[x.row]!;
  const b = y.ts[y.row]!;
  return a < b || (a === b && x.index < y.index);
}
