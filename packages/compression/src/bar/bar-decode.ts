/**
 * The TypeScript reference decoder of the `bar` stage (byte format: `FORMAT.md`, "bar stage"), plus
 * the two steps every decoder shares: checking the caller's output columns and patching the exception
 * rows. The native and WebAssembly kernels (`kernels/`) must produce exactly its bytes and errors.
 *
 * @module
 */

import { RANS_L, readBarParams } from './bar-params.js';
import { SYMBOL_BASE, SYMBOL_BASE_I32, SYMBOL_MUL } from './hybrid-token.js';
import { CONTEXT_VALUES, readTableInto, TableReader } from './rans-tables.js';

const TWO_24 = 16777216;

// Decoder scratch, reused across frames (decoding is synchronous, so one set suffices).
let slotPacked = new Int32Array(0);
let slotSymbols = new Int32Array(0);
let wordScratch = new Uint16Array(0);
let bitScratch = new Int32Array(0);
const ctxScratch = new Int32Array(5 * CONTEXT_VALUES);

function ensureSlots(entries: number): void {
  if (slotPacked.length >= entries) return;
  const size = Math.max(entries, slotPacked.length * 2);
  const p = new Int32Array(size);
  p.set(slotPacked);
  const s = new Int32Array(size);
  s.set(slotSymbols);
  slotPacked = p;
  slotSymbols = s;
}

/** Copies `src` into the 16-bit word scratch (little-endian platform order) with 4 zero words after. */
function loadWords(src: Uint8Array): Uint16Array {
  const words = src.length >>> 1;
  if (wordScratch.length < words + 4)
    wordScratch = new Uint16Array(Math.max(words + 4, wordScratch.length * 2));
  new Uint8Array(wordScratch.buffer, 0, src.length).set(src);
  wordScratch.fill(0, words, words + 4);
  return wordScratch;
}

/** Copies `src` into the 32-bit raw-bit scratch with at least 2 zero words after. */
function loadBits(src: Uint8Array): Int32Array {
  const words = (src.length + 3) >>> 2;
  if (bitScratch.length < words + 2) bitScratch = new Int32Array(Math.max(words + 2, bitScratch.length * 2));
  bitScratch.fill(0, Math.max(0, words - 1), words + 2);
  new Uint8Array(bitScratch.buffer, 0, src.length).set(src);
  return bitScratch;
}

/** Raw bits wider than 24: low 24 bits at `bp`, the rest (≤ 27 bits) at `bp + 24`. */
function wideBits(bw: Int32Array, bp: number, nb: number): number {
  let wi = bp >>> 5;
  let sh = bp & 31;
  const lo = ((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh));
  const p2 = bp + 24;
  wi = p2 >>> 5;
  sh = p2 & 31;
  const hi = ((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh));
  return (lo & 0xffffff) + (hi & ((1 << (nb - 24)) - 1)) * TWO_24;
}

/** Inverse zigzag of a value ≥ 2^31 (double arithmetic). */
function unzigzagWide(q: number): number {
  const half = Math.floor(q / 2);
  return q === 2 * half ? half : -half - 1;
}

/**
 * Decodes a bar payload into `outs[0..C)` (each ≥ n values) in TypeScript: the reference decoder, the
 * last of the fallbacks of `bar-decode-backend.ts`, and the one that reports the exact error of a
 * corrupt frame. Allocation-free once the scratch tables have grown to the frame's size. Returns n.
 *
 * @throws RangeError malformed params, tables or data (the caller wraps it in a typed error).
 */
export function barDecodeIntoJs(
  payload: Uint8Array,
  params: Uint8Array,
  outs: readonly Float64Array[],
): number {
  const p = readBarParams(params, payload.length);
  const { rows: n, columns } = p;
  checkBarOutputs(outs, columns, n);
  const P = p.probBits;
  // Tables and context maps.
  const tablesEnd = p.exceptionBytes + p.tableBytes;
  const reader = new TableReader(payload, p.exceptionBytes, tablesEnd);
  const ctx = ctxScratch;
  let tablesSoFar = 0;
  for (let f = 0; f < columns; f++) {
    const groups = reader.varint();
    if (groups < 1 || groups > CONTEXT_VALUES) throw new RangeError(`bar tables: ${groups} context groups`);
    let prevStart = 0;
    const starts = [0];
    for (let g = 1; g < groups; g++) {
      const s = reader.byte();
      if (s <= prevStart || s >= CONTEXT_VALUES) throw new RangeError(`bar tables: context group start ${s}`);
      starts.push(s);
      prevStart = s;
    }
    ensureSlots((tablesSoFar + groups) << P);
    for (let g = 0; g < groups; g++) {
      const base = (tablesSoFar + g) << P;
      readTableInto(reader, P, slotPacked, slotSymbols, base);
      const to = g + 1 < groups ? (starts[g + 1] as number) : CONTEXT_VALUES;
      for (let cv = starts[g] as number; cv < to; cv++) ctx[f * CONTEXT_VALUES + cv] = base;
    }
    tablesSoFar += groups;
  }
  if (reader.at !== tablesEnd)
    throw new RangeError(`bar tables: ${tablesEnd - reader.at} unread table bytes`);
  const codedEnd = tablesEnd + p.codedBytes;
  const w = loadWords(payload.subarray(tablesEnd, codedEnd));
  const rawLength = payload.length - codedEnd;
  const bw = loadBits(payload.subarray(codedEnd));
  decodeRows(
    n,
    columns,
    P,
    p.priceScale,
    p.volumeScale,
    p.signedWicks,
    slotPacked,
    slotSymbols,
    ctxScratch,
    w,
    p.codedBytes,
    bw,
    rawLength,
    outs,
  );
  patchExceptions(payload, p.exceptionBytes, p.exceptionRows, n, columns, outs);
  return n;
}

/**
 * The hot loop: n rows from the rANS words `w` and raw bits `bw` with the slot tables `pk`/`sy` and
 * context map `ctx`; then checks that both streams end exactly where the encoder stopped.
 */
function decodeRows(
  n: number,
  columns: number,
  P: number,
  priceScale: number,
  volumeScale: number,
  signed: boolean,
  pk: Int32Array,
  sy: Int32Array,
  ctx: Int32Array,
  w: Uint16Array,
  codedBytes: number,
  bw: Int32Array,
  rawLength: number,
  outs: readonly Float64Array[],
): void {
  const mask = (1 << P) - 1;
  const [outO, outH, outL, outC] = outs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const outV = (columns === 5 ? outs[4] : outO) as Float64Array;
  const vol = columns === 5;
  const pp = 10 ** priceScale;
  const pv = 10 ** volumeScale;
  // One rANS state per field, the final encoder states first in the word stream.
  const start = (f: number): number => ((w[2 * f] as number) << 16) | (w[2 * f + 1] as number);
  let x0 = start(0);
  let x1 = start(1);
  let x2 = start(2);
  let x3 = start(3);
  let x4 = vol ? start(4) : 0;
  for (let f = 0; f < columns; f++) {
    const x = start(f);
    if (x < RANS_L || x >= 1 << 30) throw new RangeError(`bar: bad rANS start state ${x} of field ${f}`);
  }
  let wp = 2 * columns;
  let acc = 0;
  let spLag = 0;
  let e4Lag = 0;
  let bp = 0;
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  let m3 = 0;
  let e4 = 0;
  let prevC = 0;
  let c = 0;
  let k = 0;
  let t = 0;
  let e = 0;
  let r = 0;
  let s = 0;
  let nb = 0;
  let wi = 0;
  let sh = 0;
  let qi = 0;
  let d0 = 0;
  let d1 = 0;
  let w2 = 0;
  let w3 = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    // Contexts from two rows back: the accumulator as it was after row i − 2.
    const cp = spLag > 63 ? 63 : spLag;
    spLag = acc >> 5;
    // field 0: open − previous close
    c = cp;
    k = (ctx[c > 63 ? 63 : c] as number) + (x0 & mask);
    t = sy[k] as number;
    e = pk[k] as number;
    x0 = Math.imul(e >> P, x0 >> P) + (e & mask);
    r = (x0 - RANS_L) >> 31; // -1 when x0 < L: shift in one 16-bit word, branch-free
    x0 = (x0 << (r & 16)) | ((w[wp] as number) & r);
    wp -= r;
    m0 = (t >>> 9) & 63;
    s = t & 511;
    nb = t >>> 15;
    if (nb <= 24) {
      wi = bp >>> 5;
      sh = bp & 31;
      qi =
        (SYMBOL_BASE_I32[s] as number) |
        ((((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh))) & ((1 << nb) - 1));
      d0 = ((qi >>> 1) ^ -(qi & 1)) * (SYMBOL_MUL[s] as number);
    } else {
      d0 = unzigzagWide((SYMBOL_BASE[s] as number) + wideBits(bw, bp, nb)) * (SYMBOL_MUL[s] as number);
    }
    bp += nb;
    const o = prevC + d0;
    // field 1: close − open
    c = cp;
    k = (ctx[CONTEXT_VALUES + (c > 63 ? 63 : c)] as number) + (x1 & mask);
    t = sy[k] as number;
    e = pk[k] as number;
    x1 = Math.imul(e >> P, x1 >> P) + (e & mask);
    r = (x1 - RANS_L) >> 31; // -1 when x1 < L: shift in one 16-bit word, branch-free
    x1 = (x1 << (r & 16)) | ((w[wp] as number) & r);
    wp -= r;
    m1 = (t >>> 9) & 63;
    s = t & 511;
    nb = t >>> 15;
    if (nb <= 24) {
      wi = bp >>> 5;
      sh = bp & 31;
      qi =
        (SYMBOL_BASE_I32[s] as number) |
        ((((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh))) & ((1 << nb) - 1));
      d1 = ((qi >>> 1) ^ -(qi & 1)) * (SYMBOL_MUL[s] as number);
    } else {
      d1 = unzigzagWide((SYMBOL_BASE[s] as number) + wideBits(bw, bp, nb)) * (SYMBOL_MUL[s] as number);
    }
    bp += nb;
    const cl = o + d1;
    // field 2: upper wick
    c = cp;
    k = (ctx[2 * CONTEXT_VALUES + (c > 63 ? 63 : c)] as number) + (x2 & mask);
    t = sy[k] as number;
    e = pk[k] as number;
    x2 = Math.imul(e >> P, x2 >> P) + (e & mask);
    r = (x2 - RANS_L) >> 31; // -1 when x2 < L: shift in one 16-bit word, branch-free
    x2 = (x2 << (r & 16)) | ((w[wp] as number) & r);
    wp -= r;
    m2 = (t >>> 9) & 63;
    s = t & 511;
    nb = t >>> 15;
    if (nb <= 24) {
      wi = bp >>> 5;
      sh = bp & 31;
      qi =
        (SYMBOL_BASE_I32[s] as number) |
        ((((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh))) & ((1 << nb) - 1));
      w2 = (signed ? (qi >>> 1) ^ -(qi & 1) : qi) * (SYMBOL_MUL[s] as number);
    } else {
      const q = (SYMBOL_BASE[s] as number) + wideBits(bw, bp, nb);
      w2 = (signed ? unzigzagWide(q) : q) * (SYMBOL_MUL[s] as number);
    }
    bp += nb;
    // field 3: lower wick
    c = cp;
    k = (ctx[3 * CONTEXT_VALUES + (c > 63 ? 63 : c)] as number) + (x3 & mask);
    t = sy[k] as number;
    e = pk[k] as number;
    x3 = Math.imul(e >> P, x3 >> P) + (e & mask);
    r = (x3 - RANS_L) >> 31; // -1 when x3 < L: shift in one 16-bit word, branch-free
    x3 = (x3 << (r & 16)) | ((w[wp] as number) & r);
    wp -= r;
    m3 = (t >>> 9) & 63;
    s = t & 511;
    nb = t >>> 15;
    if (nb <= 24) {
      wi = bp >>> 5;
      sh = bp & 31;
      qi =
        (SYMBOL_BASE_I32[s] as number) |
        ((((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh))) & ((1 << nb) - 1));
      w3 = (signed ? (qi >>> 1) ^ -(qi & 1) : qi) * (SYMBOL_MUL[s] as number);
    } else {
      const q = (SYMBOL_BASE[s] as number) + wideBits(bw, bp, nb);
      w3 = (signed ? unzigzagWide(q) : q) * (SYMBOL_MUL[s] as number);
    }
    bp += nb;
    const hiBody = o > cl ? o : cl;
    const loBody = o < cl ? o : cl;
    outO[i] = o / pp;
    outH[i] = (hiBody + w2) / pp;
    outL[i] = (loBody - w3) / pp;
    outC[i] = cl / pp;
    acc = acc - (acc >> 4) + m0 + m1 + m2 + m3;
    prevC = cl;
    if (vol) {
      // field 4: volume
      c = e4Lag >> 1;
      e4Lag = e4;
      k = (ctx[4 * CONTEXT_VALUES + (c > 63 ? 63 : c)] as number) + (x4 & mask);
      t = sy[k] as number;
      e = pk[k] as number;
      x4 = Math.imul(e >> P, x4 >> P) + (e & mask);
      r = (x4 - RANS_L) >> 31; // -1 when x4 < L: shift in one 16-bit word, branch-free
      x4 = (x4 << (r & 16)) | ((w[wp] as number) & r);
      wp -= r;
      e4 = e4 - (e4 >> 2) + ((t >>> 9) & 63);
      s = t & 511;
      nb = t >>> 15;
      if (nb <= 24) {
        wi = bp >>> 5;
        sh = bp & 31;
        qi =
          (SYMBOL_BASE_I32[s] as number) |
          ((((bw[wi] as number) >>> sh) | (((bw[wi + 1] as number) << 1) << (31 - sh))) & ((1 << nb) - 1));
        v = qi * (SYMBOL_MUL[s] as number);
      } else {
        v = ((SYMBOL_BASE[s] as number) + wideBits(bw, bp, nb)) * (SYMBOL_MUL[s] as number);
      }
      bp += nb;
      outV[i] = v / pv;
    }
  }
  const ended = x0 === RANS_L && x1 === RANS_L && x2 === RANS_L && x3 === RANS_L && (!vol || x4 === RANS_L);
  if (!ended || wp * 2 !== codedBytes) {
    throw new RangeError(`bar: rANS stream does not end cleanly (${wp * 2} of ${codedBytes} bytes read)`);
  }
  if (Math.ceil(bp / 8) !== rawLength) {
    throw new RangeError(`bar: raw bit stream holds ${rawLength} bytes, ${Math.ceil(bp / 8)} were read`);
  }
}

/**
 * Exception rows: raw values over the repeats the stream coded for them (the first `exceptionBytes`
 * of the payload: E × (u32 row, C × 8 raw bytes), rows strictly increasing and < n).
 *
 * @throws RangeError a row out of order or out of range.
 */
export function patchExceptions(
  payload: Uint8Array,
  exceptionBytes: number,
  exceptionRows: number,
  n: number,
  columns: number,
  outs: readonly Float64Array[],
): void {
  const ev = new DataView(payload.buffer, payload.byteOffset, exceptionBytes);
  let last = -1;
  for (let r = 0, at = 0; r < exceptionRows; r++, at += 4 + 8 * columns) {
    const row = ev.getUint32(at, true);
    if (row <= last || row >= n) throw new RangeError(`bar: exception row ${row} after ${last}, rows ${n}`);
    last = row;
    for (let k = 0; k < columns; k++) (outs[k] as Float64Array)[row] = ev.getFloat64(at + 4 + 8 * k, true);
  }
}

/**
 * Checks the caller's output columns of a bar decode: exactly `columns` arrays of at least `rows` values.
 * @throws RangeError otherwise.
 */
export function checkBarOutputs(outs: readonly Float64Array[], columns: number, rows: number): void {
  if (outs.length !== columns)
    throw new RangeError(`bar: ${outs.length} output columns, frame has ${columns}`);
  for (const o of outs)
    if (o.length < rows) throw new RangeError(`bar: output of ${o.length} values < ${rows} rows`);
}
