/**
 * Encoder of the `bar` stage: C float64 columns (raw bytes laid end to end) → residual symbols with
 * their contexts (one pass), then per-field frequency tables with a context map, interleaved rANS
 * (one state per field, run backwards) and the raw bit stream. Byte format: `FORMAT.md`, "bar stage".
 *
 * @module
 */

import { analyzeBars } from './bar-analysis.js';
import { MAX_RAW_BITS_TOTAL, RANS_L, writeBarParams } from './bar-params.js';
import { BitWriter } from './bit-writer.js';
import {
  BAR_SYMBOLS,
  decimalTz,
  HYBRID_TOKENS,
  hybridToken,
  SYMBOL_BASE,
  SYMBOL_MAG,
  SYMBOL_RAW_BITS,
} from './hybrid-token.js';
import { ByteSink, CONTEXT_VALUES, clusterContexts, normalizeCounts, writeTable } from './rans-tables.js';

const TWO_24 = 16777216;
const POW10 = [1, 10, 100, 1000];

const zigzag = (d: number): number => (d >= 0 ? 2 * d : -2 * d - 1);

/** Symbol counts per field × context value × symbol, reused by every encode (zero between calls). */
const histScratch = new Float64Array(5 * CONTEXT_VALUES * BAR_SYMBOLS);

/** Zeroes the entries of {@link histScratch} that an encode touched (cheaper than 1.2 MB of fill). */
function clearHist(syms: Uint16Array, ctxs: Uint8Array, columns: number): void {
  for (let j = 0; j < syms.length; j++) {
    const f = j % columns;
    histScratch[(f * CONTEXT_VALUES + (ctxs[j] as number)) * BAR_SYMBOLS + (syms[j] as number)] = 0;
  }
}

/**
 * Probability bits P for a frame of `symbols` coded values: 11 from 8,192 symbols (12 was 0.04%
 * smaller on 65,536-row frames, but its decode tables, 32 KB each, cost 3.5% of the decode time to
 * build and look up); 9 below (the fewest that give each of the 456 symbols a slot): on per-symbol
 * daily frames (~6,300 symbols) 10 bits spent more time filling decode tables than decoding, and were
 * 0.02% larger.
 */
function probBitsFor(symbols: number): number {
  return symbols >= 1 << 13 ? 11 : 9;
}

/** Output of {@link barEncode}: the stage payload and its params. */
export interface BarEncoded {
  bytes: Uint8Array;
  params: Uint8Array;
}

/**
 * Encodes C float64 columns (`input`: raw bytes, column-major: open, high, low, close[, volume]), or
 * returns `undefined` when the codec declines: C not 4 or 5, a length that is not whole rows, more
 * than 1/16 of the rows exceptions (see `analyzeBars`), or a raw bit stream above 2^31 bits.
 */
export function barEncode(input: Uint8Array, columns: number): BarEncoded | undefined {
  if (columns !== 4 && columns !== 5) return undefined;
  if (input.length % (8 * columns) !== 0) return undefined;
  const n = input.length / (8 * columns);
  if (n > 0xffffffff) return undefined;
  const values =
    input.byteOffset % 8 === 0
      ? new Float64Array(input.buffer, input.byteOffset, input.length / 8)
      : new Float64Array(input.slice().buffer);
  const a = analyzeBars(values, n, columns);
  if (a === undefined) return undefined;
  const total = n * columns;
  const syms = new Uint16Array(total);
  const ctxs = new Uint8Array(total);
  const raws = new Float64Array(total);
  const hist = histScratch; // all zero between calls (cleared below)
  const pp = 10 ** a.priceScale;
  const pv = 10 ** a.volumeScale;
  const signed = a.signedWicks;
  let rawBits = 0;
  let j = 0;
  const put = (q: number, tz: number, ctx: number, f: number): number => {
    const t = hybridToken(q);
    const s = tz * HYBRID_TOKENS + t;
    syms[j] = s;
    ctxs[j] = ctx;
    raws[j] = q - (SYMBOL_BASE[t] as number);
    rawBits += SYMBOL_RAW_BITS[s] as number;
    const h = (f * CONTEXT_VALUES + ctx) * BAR_SYMBOLS + s;
    hist[h] = (hist[h] as number) + 1;
    j++;
    return SYMBOL_MAG[s] as number;
  };
  const signedSym = (d: number, ctx: number, f: number): number => {
    const tz = decimalTz(d < 0 ? -d : d);
    return put(zigzag(d / (POW10[tz] as number)), tz, ctx, f);
  };
  const unsignedSym = (d: number, ctx: number, f: number): number => {
    const tz = decimalTz(d);
    return put(d / (POW10[tz] as number), tz, ctx, f);
  };
  let prevC = 0;
  let prevV = 0;
  let acc = 0; // price accumulator: A ← A − ⌊A / 16⌋ + the four fields' magnitudes
  let spLag = 0; // the price context of the next row (A after the row before this one)
  let e4 = 0; // volume accumulator
  let e4Lag = 0;
  const ex = a.exception;
  for (let i = 0; i < n; i++) {
    const isEx = ex[i] === 1; // coded as a repeat of the previous close / volume
    const o = isEx ? prevC : Math.round((values[i] as number) * pp);
    const h = isEx ? prevC : Math.round((values[n + i] as number) * pp);
    const l = isEx ? prevC : Math.round((values[2 * n + i] as number) * pp);
    const c = isEx ? prevC : Math.round((values[3 * n + i] as number) * pp);
    const hiBody = o > c ? o : c;
    const loBody = o < c ? o : c;
    // Price context of this row: the accumulator as it was two rows back (shared by the 4 fields).
    const sp = spLag > 63 ? 63 : spLag;
    spLag = acc >> 5;
    const m0 = signedSym(o - prevC, sp, 0);
    const m1 = signedSym(c - o, sp, 1);
    const m2 = signed ? signedSym(h - hiBody, sp, 2) : unsignedSym(h - hiBody, sp, 2);
    const m3 = signed ? signedSym(loBody - l, sp, 3) : unsignedSym(loBody - l, sp, 3);
    acc = acc - (acc >> 4) + m0 + m1 + m2 + m3;
    prevC = c;
    if (columns === 5) {
      const v = isEx ? prevV : Math.round((values[4 * n + i] as number) * pv);
      prevV = v;
      const cx = e4Lag >> 1;
      e4Lag = e4;
      const m4 = unsignedSym(v, cx > 63 ? 63 : cx, 4);
      e4 = e4 - (e4 >> 2) + m4;
    }
  }
  if (rawBits > MAX_RAW_BITS_TOTAL) {
    clearHist(syms, ctxs, columns);
    return undefined;
  }
  // Tables: context map + normalised frequencies per field.
  const bits = probBitsFor(total);
  const M = 1 << bits;
  const ctxTable = new Int32Array(columns * CONTEXT_VALUES); // context value -> table id
  const sink = new ByteSink();
  const freqs: Int32Array[] = [];
  for (let f = 0; f < columns; f++) {
    const fh = hist.subarray(f * CONTEXT_VALUES * BAR_SYMBOLS, (f + 1) * CONTEXT_VALUES * BAR_SYMBOLS);
    const starts = clusterContexts(fh, bits);
    sink.varint(starts.length);
    for (let g = 1; g < starts.length; g++) sink.byte(starts[g] as number);
    for (let g = 0; g < starts.length; g++) {
      const from = starts[g] as number;
      const to = g + 1 < starts.length ? (starts[g + 1] as number) : CONTEXT_VALUES;
      const counts = new Float64Array(BAR_SYMBOLS);
      for (let cv = from; cv < to; cv++) {
        for (let s = 0; s < BAR_SYMBOLS; s++)
          counts[s] = (counts[s] as number) + (fh[cv * BAR_SYMBOLS + s] as number);
        ctxTable[f * CONTEXT_VALUES + cv] = freqs.length;
      }
      const fr = new Int32Array(BAR_SYMBOLS);
      normalizeCounts(counts, 0, bits, fr);
      writeTable(sink, fr, 0);
      freqs.push(fr);
    }
  }
  clearHist(syms, ctxs, columns);
  const tables = sink.view();
  const cums = freqs.map((fr) => {
    const cum = new Int32Array(BAR_SYMBOLS);
    let sum = 0;
    for (let s = 0; s < BAR_SYMBOLS; s++) {
      cum[s] = sum;
      sum += fr[s] as number;
    }
    return cum;
  });
  // rANS, backwards; words collected in reverse then flipped.
  let words = new Uint16Array(Math.max(64, total + 8));
  let w = 0;
  const push = (v: number): void => {
    if (w === words.length) {
      const grown = new Uint16Array(words.length * 2);
      grown.set(words);
      words = grown;
    }
    words[w++] = v;
  };
  const xmaxScale = 2 ** (30 - bits);
  const states = new Array<number>(columns).fill(RANS_L); // one state per field
  for (let k = total - 1; k >= 0; k--) {
    const f = k % columns;
    const t = ctxTable[f * CONTEXT_VALUES + (ctxs[k] as number)] as number;
    const s = syms[k] as number;
    const fr = (freqs[t] as Int32Array)[s] as number;
    const cu = (cums[t] as Int32Array)[s] as number;
    let x = states[f] as number;
    if (x >= fr * xmaxScale) {
      push(x & 0xffff);
      x >>>= 16;
    }
    states[f] = Math.floor(x / fr) * M + (x % fr) + cu;
  }
  // Final states, first state first once the words are reversed (each high word first).
  for (let st = states.length - 1; st >= 0; st--) {
    push((states[st] as number) & 0xffff);
    push((states[st] as number) >>> 16);
  }
  const coded = words.subarray(0, w).reverse();
  // Raw bits, forwards.
  const bw = new BitWriter(Math.max(16, rawBits >>> 3) + 16);
  for (let k = 0; k < total; k++) {
    const nb = SYMBOL_RAW_BITS[syms[k] as number] as number;
    if (nb === 0) continue;
    const r = raws[k] as number;
    if (nb <= 24) bw.write(r, nb);
    else {
      bw.write(r % TWO_24, 24);
      bw.write(Math.floor(r / TWO_24), nb - 24);
    }
  }
  const raw = bw.finish();
  const exceptionBytes = a.exceptions * (4 + 8 * columns);
  const codedBytes = coded.length * 2;
  const bytes = new Uint8Array(exceptionBytes + tables.length + codedBytes + raw.length);
  const bv = new DataView(bytes.buffer);
  let at = 0;
  for (let i = 0; i < n && at < exceptionBytes; i++) {
    if (ex[i] === 0) continue;
    bv.setUint32(at, i, true);
    for (let k = 0; k < columns; k++) bv.setFloat64(at + 4 + 8 * k, values[k * n + i] as number, true);
    at += 4 + 8 * columns;
  }
  bytes.set(tables, at);
  at += tables.length;
  for (let k = 0; k < coded.length; k++) bv.setUint16(at + 2 * k, coded[k] as number, true);
  at += codedBytes;
  bytes.set(raw, at);
  const params = writeBarParams({
    columns,
    priceScale: a.priceScale,
    volumeScale: a.volumeScale,
    signedWicks: signed,
    probBits: bits,
    rows: n,
    exceptionRows: a.exceptions,
    tableBytes: tables.length,
    codedBytes,
  });
  return { bytes, params };
}
