/**
 * Static frequency tables of the bar codec: normalisation of symbol counts to a power of
 * two, their compact serialisation, the clustering of context values into tables (a per-field
 * *context map*, as Brotli (RFC 7932 §7.3) and JPEG XL do) and the decoder's slot tables.
 *
 * The coder itself is rANS (range variant of asymmetric numeral systems: J. Duda, "Asymmetric numeral
 * systems: entropy coding combining speed of Huffman coding with compression rate of arithmetic
 * coding", arXiv:1311.2540, 2013; byte-/word-wise renormalisation and interleaving after F. Giesen,
 * "Interleaved entropy coders", arXiv:1402.3392, 2014, and his `ryg_rans` notes). It lives inline in
 * `bar-encode.ts` and `bar-decode.ts`, whose hot loop reads the tables built here.
 *
 * Byte layout of the table section: `FORMAT.md`, "bar stage", "Tables".
 *
 * @module
 */

import { BAR_SYMBOLS, SYMBOL_MAG, SYMBOL_RAW_BITS } from './hybrid-token.js';

/** Context values per field (0..63); groups of consecutive values share one table. */
export const CONTEXT_VALUES = 64;
/** Smallest probability precision P (frequencies out of 2^P = 256). */
export const MIN_PROB_BITS = 8;
/** Largest probability precision P: 2^12 = 4096 slots per table (16 KiB + 16 KiB of int32 decoder slots). */
export const MAX_PROB_BITS = 12;

/**
 * Normalises `counts[from..from + BAR_SYMBOLS)` (total > 0) to frequencies summing to 2^`bits`, every
 * present symbol ≥ 1, into `out[from..)`. Rounding is fixed by taking from (or giving to) the
 * largest frequencies, which costs the least.
 */
export function normalizeCounts(counts: Float64Array, from: number, bits: number, out: Int32Array): void {
  const target = 1 << bits;
  let total = 0;
  for (let s = 0; s < BAR_SYMBOLS; s++) total += counts[from + s] as number;
  let sum = 0;
  let maxS = -1;
  for (let s = 0; s < BAR_SYMBOLS; s++) {
    const c = counts[from + s] as number;
    if (c === 0) {
      out[from + s] = 0;
      continue;
    }
    const f = Math.max(1, Math.round((c * target) / total));
    out[from + s] = f;
    sum += f;
    if (maxS < 0 || f > (out[from + maxS] as number)) maxS = s;
  }
  if (maxS < 0) {
    out[from] = target; // empty: a single certain symbol 0
    return;
  }
  // Every present symbol needs a slot; the encoder uses P >= 10 (1,024 slots > 456 symbols).
  if (target < BAR_SYMBOLS) throw new RangeError(`bar tables: 2^${bits} slots < ${BAR_SYMBOLS} symbols`);
  while (sum !== target) {
    if (sum < target) {
      out[from + maxS] = (out[from + maxS] as number) + (target - sum);
      sum = target;
    } else {
      // Take one from the largest frequency (> 1) repeatedly.
      let best = -1;
      for (let s = 0; s < BAR_SYMBOLS; s++) {
        const f = out[from + s] as number;
        if (f > 1 && (best < 0 || f > (out[from + best] as number))) best = s;
      }
      const cut = Math.min(sum - target, (out[from + best] as number) - 1, Math.max(1, (sum - target) >> 2));
      out[from + best] = (out[from + best] as number) - cut;
      sum -= cut;
    }
  }
}

/**
 * Bits of an ideal static code for `counts` (over the symbols listed in `present`), plus an estimate
 * of their table's serialised size. `xlogx[c]` = c · log2(c) for the integer counts c (a table, so
 * that the clustering below costs no logarithms).
 */
function groupCost(counts: Float64Array, present: Int32Array, bits: number, xlogx: Float64Array): number {
  let total = 0;
  for (let k = 0; k < present.length; k++) total += counts[present[k] as number] as number;
  if (total === 0) return 0;
  let cost = 8 + (xlogx[total] as number);
  const big = 128 * (total / (1 << bits)); // counts whose frequency needs a 2-byte varint
  for (let k = 0; k < present.length; k++) {
    const c = counts[present[k] as number] as number;
    if (c === 0) continue;
    cost += (c >= big ? 24 : 16) - (xlogx[c] as number); // gap byte + 1 or 2 frequency bytes
  }
  return cost;
}

/**
 * Groups the context values 0..63 of one field into runs of consecutive values that share a table:
 * the partition into runs with the smallest estimated size (entropy of each run's counts + its table
 * bytes), found exactly by dynamic programming over the 64 × 65 / 2 runs. `hist` holds
 * CONTEXT_VALUES × BAR_SYMBOLS counts. Returns the first context value of each run (starts[0] = 0).
 */
export function clusterContexts(hist: Float64Array, bits: number): number[] {
  const V = CONTEXT_VALUES;
  // Unused context values join a neighbouring run for free: only used values are split points.
  const used: number[] = [];
  for (let c = 0; c < V; c++) {
    let any = false;
    for (let s = 0; s < BAR_SYMBOLS && !any; s++) any = (hist[c * BAR_SYMBOLS + s] as number) > 0;
    if (any) used.push(c);
  }
  const m = used.length;
  if (m <= 1) return [0];
  const symbols: number[] = [];
  for (let s = 0; s < BAR_SYMBOLS; s++) {
    for (const c of used) {
      if ((hist[c * BAR_SYMBOLS + s] as number) > 0) {
        symbols.push(s);
        break;
      }
    }
  }
  const present = Int32Array.from(symbols);
  let total = 0;
  for (const c of used) for (const sym of symbols) total += hist[c * BAR_SYMBOLS + sym] as number;
  const xlogx = new Float64Array(total + 1);
  for (let c = 2; c <= total; c++) xlogx[c] = c * Math.log2(c);
  const best = new Float64Array(m + 1).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array(m + 1);
  best[0] = 0;
  const acc = new Float64Array(BAR_SYMBOLS);
  for (let i = 0; i < m; i++) {
    // Runs used[i..j], growing j.
    acc.fill(0);
    for (let j = i; j < m; j++) {
      const row = (used[j] as number) * BAR_SYMBOLS;
      for (let k = 0; k < present.length; k++) {
        const s = present[k] as number;
        acc[s] = (acc[s] as number) + (hist[row + s] as number);
      }
      const cost = (best[i] as number) + groupCost(acc, present, bits, xlogx);
      if (cost < (best[j + 1] as number)) {
        best[j + 1] = cost;
        from[j + 1] = i;
      }
    }
  }
  const starts: number[] = [];
  for (let j = m; j > 0; j = from[j] as number) starts.push(used[from[j] as number] as number);
  starts.reverse();
  starts[0] = 0;
  return starts;
}

/** Appends bytes to a growable buffer (varints, raw bytes). */
export class ByteSink {
  bytes = new Uint8Array(1024);
  length = 0;

  /** Appends one byte (0..255). */
  byte(b: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = b;
  }

  /** Appends `v` (0..2^32 − 1) as unsigned LEB128. */
  varint(v: number): void {
    let x = v >>> 0;
    while (x >= 0x80) {
      this.byte((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    this.byte(x);
  }

  /** The bytes written so far (a view of the internal buffer). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Writes the frequencies `freqs[from..from + BAR_SYMBOLS)` as one table (see module doc). */
export function writeTable(sink: ByteSink, freqs: Int32Array, from: number): void {
  let k = 0;
  for (let s = 0; s < BAR_SYMBOLS; s++) if ((freqs[from + s] as number) > 0) k++;
  sink.varint(k);
  let prev = -1;
  for (let s = 0; s < BAR_SYMBOLS; s++) {
    const f = freqs[from + s] as number;
    if (f === 0) continue;
    sink.varint(s - prev - 1);
    sink.varint(f - 1);
    prev = s;
  }
}

/** Bounded reader of the table section; every overrun or bad value throws RangeError. */
export class TableReader {
  at: number;

  constructor(
    private readonly src: Uint8Array,
    from: number,
    private readonly end: number,
  ) {
    this.at = from;
  }

  /** Reads one byte. @throws RangeError past the end of the table section. */
  byte(): number {
    if (this.at >= this.end) throw new RangeError(`bar tables: end of the table section at byte ${this.at}`);
    return this.src[this.at++] as number;
  }

  /** Reads an unsigned LEB128 of at most 4 bytes (< 2^28). @throws RangeError overrun or longer varint. */
  varint(): number {
    let v = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new RangeError(`bar tables: varint longer than 4 bytes at byte ${this.at}`);
  }
}

/**
 * Reads one table and writes its decoder slots at `slotBase`: `packed[slotBase + x] = freq << P |
 * (x − cum)` and `symbols[slotBase + x] = symbol | SYMBOL_MAG[symbol] << 9 | SYMBOL_RAW_BITS[symbol] << 15`
 * for every slot x in 0..2^P − 1.
 *
 * @throws RangeError symbol out of range, zero or too large frequency, or a sum other than 2^P.
 */
export function readTableInto(
  reader: TableReader,
  bits: number,
  packed: Int32Array,
  symbols: Int32Array,
  slotBase: number,
): void {
  const target = 1 << bits;
  const k = reader.varint();
  if (k < 1 || k > BAR_SYMBOLS)
    throw new RangeError(`bar tables: ${k} symbols in a table (1..${BAR_SYMBOLS})`);
  let s = -1;
  let cum = 0;
  for (let j = 0; j < k; j++) {
    s += 1 + reader.varint();
    const f = reader.varint() + 1;
    if (s >= BAR_SYMBOLS) throw new RangeError(`bar tables: symbol ${s} >= ${BAR_SYMBOLS}`);
    if (cum + f > target) throw new RangeError(`bar tables: frequencies exceed ${target}`);
    const e = f * target; // f << bits, f <= 2^12
    // symbol (bits 0-8) | magnitude (bits 9-14) | raw-bit count (bits 15-20)
    const tagged = s | ((SYMBOL_MAG[s] as number) << 9) | ((SYMBOL_RAW_BITS[s] as number) << 15);
    for (let x = cum; x < cum + f; x++) {
      packed[slotBase + x] = e + (x - cum);
      symbols[slotBase + x] = tagged;
    }
    cum += f;
  }
  if (cum !== target) throw new RangeError(`bar tables: frequencies sum to ${cum}, expected ${target}`);
}
