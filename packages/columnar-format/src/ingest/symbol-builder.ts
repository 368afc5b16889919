/**
 * Growable per-symbol row store for ingest, and its finishing step: stable sort by time (only when
 * needed) and removal of exact duplicate rows.
 */

/**
 * Rows of one symbol, in input order, with named f64 value columns. Values of a column absent from a
 * file are NaN for that file's rows.
 */
export class SymbolBuilder {
  readonly symbol: string;
  length = 0;
  /** Value column names (stored names), parallel to {@link values}. */
  columns: string[];
  /** False once a row went back in time (relative to the previous row of this symbol). */
  sorted = true;
  ms: Float64Array<ArrayBuffer> = new Float64Array(1024);
  subMsNs: Int32Array<ArrayBuffer> = new Int32Array(1024);
  fileIndex = new Int32Array(1024);
  values: Float64Array<ArrayBuffer>[];
  #lastMs = Number.NEGATIVE_INFINITY;
  #lastSub = 0;
  #lastFile = -1;

  /** @param columns value column names of the rows {@link push} will get. */
  constructor(symbol: string, columns: readonly string[] = []) {
    this.symbol = symbol;
    this.columns = [...columns];
    this.values = this.columns.map(() => new Float64Array(1024));
  }

  /** Removes value column `k` (a column found not to be numeric after some rows). */
  dropColumn(k: number): void {
    this.columns.splice(k, 1);
    this.values.splice(k, 1);
  }

  /**
   * The rows of this builder as a transferable chunk (the arrays are handed over, not copied; capacity
   * may exceed `length`). `fileIndex` is left out: a chunk comes from one file.
   */
  toChunk(): SymbolChunk {
    return {
      symbol: this.symbol,
      length: this.length,
      sorted: this.sorted,
      ms: this.ms,
      subMsNs: this.subMsNs,
      columns: this.columns,
      values: this.values,
    };
  }

  /**
   * Appends the rows of one file's chunk. Chunks must be appended in file order so the result equals
   * pushing the rows one by one. An empty builder adopts the chunk's arrays without copying. Columns
   * are matched by name: a column new to this builder is NaN for the rows before, a column the chunk
   * lacks is NaN for the chunk's rows.
   */
  append(chunk: SymbolChunk, file: number): void {
    const n = chunk.length;
    if (n === 0) return;
    const firstMs = chunk.ms[0]!;
    const firstSub = chunk.subMsNs[0]!;
    if (!chunk.sorted) this.sorted = false;
    else if (firstMs < this.#lastMs || (firstMs === this.#lastMs && firstSub < this.#lastSub)) {
      this.sorted = false;
    }
    if (this.length === 0 && this.columns.length === 0) {
      this.ms = chunk.ms;
      this.subMsNs = chunk.subMsNs;
      this.columns = [...chunk.columns];
      this.values = [...chunk.values];
      this.fileIndex = new Int32Array(chunk.ms.length).fill(file, 0, n);
      this.length = n;
    } else {
      while (this.ms.length < this.length + n) this.#grow();
      const at = this.length;
      this.ms.set(chunk.ms.subarray(0, n), at);
      this.subMsNs.set(chunk.subMsNs.subarray(0, n), at);
      this.fileIndex.fill(file, at, at + n);
      for (const name of chunk.columns) {
        if (this.columns.includes(name)) continue;
        this.columns.push(name);
        this.values.push(new Float64Array(this.ms.length).fill(Number.NaN, 0, at));
      }
      this.columns.forEach((name, c) => {
        const k = chunk.columns.indexOf(name);
        const to = this.values[c]!;
        if (k >= 0) to.set(chunk.values[k]!.subarray(0, n), at);
        else to.fill(Number.NaN, at, at + n);
      });
      this.length += n;
    }
    this.#lastMs = chunk.ms[n - 1]!;
    this.#lastSub = chunk.subMsNs[n - 1]!;
    this.#lastFile = file;
  }

  /**
   * Appends a row; `row` holds one value per column of {@link columns}. Returns false when this row goes back in time relative to
   * the previous row of the symbol from the same file.
   */
  push(ms: number, subMsNs: number, file: number, row: Float64Array): boolean {
    if (this.length === this.ms.length) this.#grow();
    const i = this.length++;
    this.ms[i] = ms;
    this.subMsNs[i] = subMsNs;
    this.fileIndex[i] = file;
    const values = this.values;
    for (let c = 0; c < values.length; c++) values[c]![i] = row[c]!;
    let inOrder = true;
    if (ms < this.#lastMs || (ms === this.#lastMs && subMsNs < this.#lastSub)) {
      this.sorted = false;
      inOrder = this.#lastFile !== file;
    }
    this.#lastMs = ms;
    this.#lastSub = subMsNs;
    this.#lastFile = file;
    return inOrder;
  }

  /**
   * Sorts (stable) when needed, drops exact duplicates (same timestamp and all values equal, NaN
   * equal to NaN) and returns the kept rows.
   * @param onDuplicate called with the file index of each dropped row.
   */
  finish(onDuplicate: (fileIndex: number) => void): FinishedSymbol {
    const n = this.length;
    const { ms, subMsNs } = this;
    // Sorted input (the common case) needs no permutation: row j is row j.
    let order: Uint32Array | undefined;
    if (!this.sorted) {
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => ms[a]! - ms[b]! || subMsNs[a]! - subMsNs[b]! || a - b);
      order = Uint32Array.from(idx);
    }
    const kept = new Uint32Array(n);
    let k = 0;
    let runStart = 0;
    let duplicates = 0;
    let sameTimestampRows = 0;
    for (let j = 0; j < n; j++) {
      const i = order === undefined ? j : order[j]!;
      if (k > 0) {
        const p = kept[k - 1]!;
        if (ms[p] === ms[i] && subMsNs[p] === subMsNs[i]) {
          let dup = false;
          for (let r = runStart; r < k && !dup; r++) dup = this.#sameValues(kept[r]!, i);
          if (dup) {
            duplicates++;
            onDuplicate(this.fileIndex[i]!);
            continue;
          }
          sameTimestampRows++;
        } else {
          runStart = k;
        }
      }
      kept[k++] = i;
    }
    const tsNs = new BigInt64Array(k);
    writeTimestampsNs(tsNs, ms, subMsNs, kept);
    const values = this.values.map(() => new Float64Array(k));
    for (let c = 0; c < values.length; c++) {
      const from = this.values[c]!;
      const to = values[c]!;
      if (k === n && order === undefined) to.set(from.subarray(0, n));
      else for (let j = 0; j < k; j++) to[j] = from[kept[j]!]!;
    }
    return { symbol: this.symbol, tsNs, columns: [...this.columns], values, duplicates, sameTimestampRows };
  }

  #sameValues(a: number, b: number): boolean {
    for (let c = 0; c < this.values.length; c++) {
      const x = this.values[c]![a]!;
      const y = this.values[c]![b]!;
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
    }
    return true;
  }

  #grow(): void {
    const cap = this.ms.length * 2;
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.ms = grow(this.ms, (c) => new Float64Array(c));
    this.subMsNs = grow(this.subMsNs, (c) => new Int32Array(c));
    this.fileIndex = grow(this.fileIndex, (c) => new Int32Array(c));
    this.values = this.values.map((v) => grow(v, (c) => new Float64Array(c)));
  }
}

/** True on little-endian hosts (x64, arm64): the int64 halves are written low word first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_POW_16 = 65_536;
const TWO_POW_32 = 4_294_967_296;

/**
 * `out[j] = ms[rows[j]] * 1e6 + subMsNs[rows[j]]` (int64 ns) for j < out.length, exactly, without a BigInt
 * per row: the product is assembled from 32-bit words with double arithmetic that stays below 2^53.
 * `ms` must be an integer with |ms| < 2^47 (about +-4,400 years; ingest allows 1678..2261), `subMsNs` in
 * [0, 1e6).
 */
export function writeTimestampsNs(
  out: BigInt64Array,
  ms: Float64Array,
  subMsNs: Int32Array,
  rows: Uint32Array,
): void {
  const n = out.length;
  if (!LITTLE_ENDIAN) {
    for (let j = 0; j < n; j++) {
      const i = rows[j]!;
      out[j] = BigInt(ms[i]!) * 1_000_000n + BigInt(subMsNs[i]!);
    }
    return;
  }
  const words = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let j = 0; j < n; j++) {
    const i = rows[j]!;
    const m = ms[i]!;
    // m = mHi * 2^16 + mLo, 0 <= mLo < 2^16; |mHi| < 2^31.
    const mHi = Math.floor(m / TWO_POW_16);
    const mLo = m - mHi * TWO_POW_16;
    // ns = a * 2^16 + b with a = mHi * 1e6 (|a| < 2^51) and 0 <= b = mLo * 1e6 + sub < 2^37.
    const a = mHi * 1_000_000;
    const b = mLo * 1_000_000 + subMsNs[i]!;
    // a * 2^16 = aHi * 2^32 + aLo * 2^16 with 0 <= aLo < 2^16.
    const aHi = Math.floor(a / TWO_POW_16);
    const aLo = a - aHi * TWO_POW_16;
    const bHi = Math.floor(b / TWO_POW_32);
    const low = aLo * TWO_POW_16 + (b - bHi * TWO_POW_32); // < 2^33
    const carry = low >= TWO_POW_32 ? 1 : 0;
    words[2 * j] = (low - carry * TWO_POW_32) | 0; // low word, as int32 bits
    words[2 * j + 1] = (aHi + bHi + carry) | 0; // high word, two's complement
  }
}

/**
 * One symbol's rows from one input file, as growable typed arrays (capacity >= `length`): what a
 * worker hands back to the main thread, with the array buffers transferred.
 */
export interface SymbolChunk {
  symbol: string;
  length: number;
  /** False when the rows go back in time inside the file. */
  sorted: boolean;
  /** Integer ms since the epoch, UTC. */
  ms: Float64Array<ArrayBuffer>;
  /** 0..999,999 ns past `ms`. */
  subMsNs: Int32Array<ArrayBuffer>;
  /** Value column names, parallel to {@link values}. */
  columns: string[];
  /** Value columns (NaN = missing). */
  values: Float64Array<ArrayBuffer>[];
}

/** Output of {@link SymbolBuilder.finish}: columns in time order, duplicates removed. */
export interface FinishedSymbol {
  symbol: string;
  tsNs: BigInt64Array;
  /** Value column names, parallel to {@link values}. */
  columns: string[];
  values: Float64Array[];
  duplicates: number;
  sameTimestampRows: number;
}
