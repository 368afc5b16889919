/**
 * Layouts 2 and 3 of the `bar` stage (frame stage id 22, params byte 0 = 2 or 3): the cross-column residuals of
 * layout 1 (`bar-codec.ts`), entropy coded with **static interleaved rANS** over hybrid-integer
 * symbols instead of adaptive binary range coding, so that decoding costs one table lookup, one
 * multiply-add and at most one 16-bit read per value, plus one 32-bit-window read of raw bits.
 *
 * ## Transform (integers O, H, L, C at the price scale, V at the volume scale; exception rows as
 * layout 1: stored raw and coded as O = H = L = C = previous close, V = previous volume)
 *
 * | field | residual d                       | coded as                                          |
 * | ----- | -------------------------------- | ------------------------------------------------- |
 * | 0     | O_i − C_{i−1}  (C_{−1} = 0)      | tz = decimal trailing zeros of |d| (≤ 3); zigzag(d / 10^tz) |
 * | 1     | C_i − O_i                        | as field 0                                        |
 * | 2     | H_i − max(O_i, C_i)              | tz of d; d / 10^tz (signed wicks flag: as field 0) |
 * | 3     | min(O_i, C_i) − L_i              | as field 2                                        |
 * | 4     | V_i                              | tz of V; V / 10^tz                                |
 *
 * zigzag(d) = 2d for d ≥ 0, −2d − 1 for d < 0. Unlike layout 1 the trailing zeros are taken from |d|
 * before the zigzag, so negative moves of whole cents also lose their zeros. Each coded value q with
 * its tz becomes one symbol of 456 (`hybrid-token.ts`: tz · 114 + JPEG XL-style hybrid token, split
 * exponent 4, one msb in the token) plus 0..51 raw low bits.
 *
 * ## Contexts (one static table per field and context group)
 * `mag(s)` = `SYMBOL_MAG[s]` ≈ log2 of the symbol's value. Context values (0..63, capped): prices
 * (fields 0..3, one value per row shared by the four): ⌊(a_0 + a_1 + a_2 + a_3) / 32⌋, where after
 * each row a_f ← a_f − ⌊a_f / 16⌋ + mag(field f) (integer moving averages, 16 × the field's magnitude
 * in steady state, 0 at row 0): a volatility measure, so frames that span quiet and busy periods or
 * several symbols get one table per regime; volume: ⌊A / 2⌋ with A ← A − ⌊A / 4⌋ + mag(V_i) (2 × the
 * volume's bit length in steady state; A = 0 at row 0). The encoder
 * groups consecutive context values of a field into runs sharing one table (the per-frame context
 * map, `rans-tables.ts`), trading table bytes against entropy: a 1,000-row frame gets 1–3 tables per
 * field, a 65,536-row frame a dozen.
 *
 * ## rANS (Duda 2013; Giesen, "Interleaved entropy coders", 2014)
 * Frequencies out of M = 2^P (P = params byte 5, 8..12). Two states x_A, x_B in [L, 2^16·L) with
 * L = 2^14, so every state fits a V8 small integer (< 2^30): fields 0, 2, 4 use x_A, fields 1, 3 use
 * x_B. Decoding a symbol: slot = x mod M; s, f, c from the table; x ← f·⌊x / M⌋ + slot − c; if
 * x < L then x ← 2^16·x + next 16-bit word (one word at most). The encoder runs backwards over the
 * symbols and emits the final states first (x_A then x_B, high word first), so the decoder reads
 * forward; decoding must end with both states equal to L and every word consumed.
 *
 * ## Layout 3 (params byte 0 = 3; written by default from compression 0.2; layout 2 still decodes)
 * Everything above holds, with three changes that take the decoder's serial dependencies out of each
 * row (measured: the WebAssembly rANS pass ~0.62 → ~0.48 ns per output byte on 1-minute bars, for
 * 0.15% larger frames):
 * - **one rANS state per field**: x_0..x_{C−1}, field f uses x_f. The coded section starts with the C
 *   final states (x_0 first, each high word first); within a row the fields renormalise in field order
 *   0..C−1 from the one shared word stream; decoding must end with every state equal to L.
 * - **one price accumulator**: A ← A − ⌊A / 16⌋ + mag(f0) + mag(f1) + mag(f2) + mag(f3) (A = 0 at
 *   row 0), instead of four a_f (same scale: 16 × the summed magnitudes in steady state).
 * - **contexts from two rows back**: row i's price context is ⌊A / 32⌋ (capped at 63) with A as it was
 *   after row i − 2, and its volume context ⌊V / 2⌋ with the volume average V after row i − 2 (both 0
 *   for rows 0 and 1). The lookups of row i then do not wait for row i − 1's symbols.
 *
 * ## Params (24 bytes, little-endian)
 * ```
 * offset size field
 *      0    1 layout version, 2 or 3
 *      1    1 column count C (4 or 5)
 *      2    1 price scale kp (0..22)
 *      3    1 volume scale kv (0..22; 0 when C = 4)
 *      4    1 flags: bit 0 signed wicks; other bits 0
 *      5    1 probability bits P (8..12)
 *      6    2 reserved, 0
 *      8    4 rows n
 *     12    4 exception rows E
 *     16    4 table bytes T
 *     20    4 rANS bytes R (even; ≥ 8 in layout 2, ≥ 4C in layout 3)
 * ```
 * Payload: E × (u32 row, C × 8 raw float64 bytes), T bytes of tables (`rans-tables.ts`), R bytes of
 * 16-bit little-endian rANS words, then the raw bit stream (LSB first, fields of more than 24 bits as
 * their low 24 bits then the rest; read as 32-bit little-endian words).
 *
 * @module
 */

import { BitWriter } from './bit-stream.js';
import {
  BAR_SYMBOLS,
  decimalTz,
  HYBRID_TOKENS,
  hybridToken,
  SYMBOL_BASE,
  SYMBOL_BASE_I32,
  SYMBOL_MAG,
  SYMBOL_MUL,
  SYMBOL_RAW_BITS,
} from './hybrid-token.js';
import {
  ByteSink,
  CONTEXT_VALUES,
  clusterContexts,
  MAX_PROB_BITS,
  MIN_PROB_BITS,
  normalizeCounts,
  readTableInto,
  TableReader,
  writeTable,
} from './rans-tables.js';

/** Bytes of the layout-2/3 params. */
export const BAR_RANS_PARAMS_BYTES = 24;
/** Layout version of the rANS layout with two shared states (params byte 0); still decoded. */
export const BAR_RANS_LAYOUT = 2;
/**
 * Layout version of the rANS layout with one state per field and contexts from two rows back (params
 * byte 0): what the encoder writes by default.
 */
export const BAR_RANS_LAYOUT_WIDE = 3;
/** rANS lower state bound L = 2^14: states live in [2^14, 2^30), V8 small integers. */
const RANS_L = 1 << 14;
const FLAG_SIGNED_WICKS = 1;
const TWO_24 = 16777216;
const POW10 = [1, 10, 100, 1000];
/** Largest raw bit stream (bits) a frame may hold, so that bit positions stay below 2^31. */
const MAX_RAW_BITS_TOTAL = 2 ** 31 - 256;

/** Scales, exception rows and wick signedness chosen by `analyzeBars` (`bar-codec.ts`). */
export interface BarAnalysis {
  priceScale: number;
  volumeScale: number;
  /** 1 for exception rows. */
  exception: Uint8Array;
  exceptions: number;
  signedWicks: boolean;
}

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

/** Probability bits for a frame of `symbols` coded values: small frames build smaller tables. */
function probBitsFor(symbols: number, layout: 2 | 3): number {
  if (layout === BAR_RANS_LAYOUT) {
    // Layout 2 as it always was.
    if (symbols >= 1 << 16) return MAX_PROB_BITS;
    return symbols >= 1 << 13 ? 11 : Math.max(MIN_PROB_BITS, 10);
  }
  // Layout 3: 11 bits from 8,192 symbols (2^12 was 0.04% smaller on 65,536-row frames, but its decode
  // tables, 32 KB each, cost 3.5% of the decode time to build and look up); 9 bits below (the fewest
  // that give each of the 456 symbols a slot): on per-symbol daily frames (~6,300 symbols) 10 bits
  // spent more time filling decode tables than decoding, and were 0.02% larger.
  return symbols >= 1 << 13 ? 11 : 9;
}

/**
 * Encodes n rows of C float64 columns (`values`, column-major) in `layout` 3 (default) or 2. Returns
 * the payload and params, or `undefined` when the raw bit stream would exceed 2^31 bits (callers use
 * layout 1).
 */
export function barEncodeV2(
  values: Float64Array,
  n: number,
  columns: number,
  a: BarAnalysis,
  layout: 2 | 3 = BAR_RANS_LAYOUT_WIDE,
): { bytes: Uint8Array; params: Uint8Array } | undefined {
  const total = n * columns;
  const lagged = layout === BAR_RANS_LAYOUT_WIDE;
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
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  let m3 = 0;
  let e4 = 0;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let prevC = 0;
  let prevV = 0;
  let acc = 0; // layout 3: one accumulator for the four price fields
  let spLag = 0; // layout 3: the price context of the next row
  let e4Lag = 0;
  const ex = a.exception;
  for (let i = 0; i < n; i++) {
    const isEx = ex[i] === 1;
    const o = isEx ? prevC : Math.round((values[i] as number) * pp);
    const h = isEx ? prevC : Math.round((values[n + i] as number) * pp);
    const l = isEx ? prevC : Math.round((values[2 * n + i] as number) * pp);
    const c = isEx ? prevC : Math.round((values[3 * n + i] as number) * pp);
    const hiBody = o > c ? o : c;
    const loBody = o < c ? o : c;
    // Price context: the smoothed magnitude of all four price residuals (shared by the 4 fields).
    const spNow = lagged ? acc >> 5 : (a0 + a1 + a2 + a3) >> 5;
    const sp = lagged ? spLag : spNow;
    spLag = spNow;
    let cx = sp;
    m0 = signedSym(o - prevC, cx > 63 ? 63 : cx, 0);
    cx = sp;
    m1 = signedSym(c - o, cx > 63 ? 63 : cx, 1);
    cx = sp;
    m2 = signed ? signedSym(h - hiBody, cx > 63 ? 63 : cx, 2) : unsignedSym(h - hiBody, cx > 63 ? 63 : cx, 2);
    cx = sp;
    m3 = signed ? signedSym(loBody - l, cx > 63 ? 63 : cx, 3) : unsignedSym(loBody - l, cx > 63 ? 63 : cx, 3);
    if (lagged) acc = acc - (acc >> 4) + m0 + m1 + m2 + m3;
    else {
      a0 = a0 - (a0 >> 4) + m0;
      a1 = a1 - (a1 >> 4) + m1;
      a2 = a2 - (a2 >> 4) + m2;
      a3 = a3 - (a3 >> 4) + m3;
    }
    prevC = c;
    if (columns === 5) {
      const v = isEx ? prevV : Math.round((values[4 * n + i] as number) * pv);
      prevV = v;
      cx = (lagged ? e4Lag : e4) >> 1;
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
  const bits = probBitsFor(total, lagged ? BAR_RANS_LAYOUT_WIDE : BAR_RANS_LAYOUT);
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
    let acc = 0;
    for (let s = 0; s < BAR_SYMBOLS; s++) {
      cum[s] = acc;
      acc += fr[s] as number;
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
  // States: layout 2 shares x_A (fields 0, 2, 4) and x_B (1, 3); layout 3 has one per field.
  const states = new Array<number>(lagged ? columns : 2).fill(RANS_L);
  for (let k = total - 1; k >= 0; k--) {
    const f = k % columns;
    const t = ctxTable[f * CONTEXT_VALUES + (ctxs[k] as number)] as number;
    const s = syms[k] as number;
    const fr = (freqs[t] as Int32Array)[s] as number;
    const cu = (cums[t] as Int32Array)[s] as number;
    const st = lagged ? f : f & 1;
    let x = states[st] as number;
    if (x >= fr * xmaxScale) {
      push(x & 0xffff);
      x >>>= 16;
    }
    states[st] = Math.floor(x / fr) * M + (x % fr) + cu;
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
  const params = new Uint8Array(BAR_RANS_PARAMS_BYTES);
  const view = new DataView(params.buffer);
  params[0] = layout;
  params[1] = columns;
  params[2] = a.priceScale;
  params[3] = a.volumeScale;
  params[4] = signed ? FLAG_SIGNED_WICKS : 0;
  params[5] = bits;
  view.setUint32(8, n, true);
  view.setUint32(12, a.exceptions, true);
  view.setUint32(16, tables.length, true);
  view.setUint32(20, codedBytes, true);
  return { bytes, params };
}

/** Parsed and validated layout-2/3 params. */
export interface BarRansParams {
  /** 2 (two shared rANS states, contexts from the previous row) or 3 (one state per field, contexts from two rows back). */
  layout: 2 | 3;
  columns: number;
  priceScale: number;
  volumeScale: number;
  signedWicks: boolean;
  probBits: number;
  rows: number;
  exceptionRows: number;
  exceptionBytes: number;
  tableBytes: number;
  codedBytes: number;
}

/**
 * Validates layout-2/3 `params` against the payload length (and the raw length when known).
 *
 * @throws RangeError malformed params (the caller wraps it in a typed error).
 */
export function readBarRansParams(
  params: Uint8Array,
  payloadBytes: number,
  rawLengthBytes?: number,
): BarRansParams {
  if (params.length !== BAR_RANS_PARAMS_BYTES) {
    throw new RangeError(
      `bar layout 2/3 params are ${params.length} bytes, expected ${BAR_RANS_PARAMS_BYTES}`,
    );
  }
  const view = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const columns = params[1] as number;
  const priceScale = params[2] as number;
  const volumeScale = params[3] as number;
  const flags = params[4] as number;
  const probBits = params[5] as number;
  const rows = view.getUint32(8, true);
  const exceptionRows = view.getUint32(12, true);
  const tableBytes = view.getUint32(16, true);
  const codedBytes = view.getUint32(20, true);
  const layout = params[0] as number;
  if (layout !== BAR_RANS_LAYOUT && layout !== BAR_RANS_LAYOUT_WIDE)
    throw new RangeError(`bar layout version ${layout}, expected 2 or 3`);
  if (columns !== 4 && columns !== 5) throw new RangeError(`bar column count ${columns}, expected 4 or 5`);
  if (priceScale > 22 || volumeScale > 22)
    throw new RangeError(`bar scales ${priceScale}/${volumeScale} > 22`);
  if ((flags & ~FLAG_SIGNED_WICKS) !== 0) throw new RangeError(`bar flags 0x${flags.toString(16)}`);
  if (probBits < MIN_PROB_BITS || probBits > MAX_PROB_BITS) {
    throw new RangeError(`bar probability bits ${probBits}, expected ${MIN_PROB_BITS}..${MAX_PROB_BITS}`);
  }
  if (params[6] !== 0 || params[7] !== 0) throw new RangeError('bar params reserved bytes are not 0');
  const exceptionBytes = exceptionRows * (4 + 8 * columns);
  const stateBytes = layout === BAR_RANS_LAYOUT_WIDE ? 4 * columns : 8;
  if (codedBytes < stateBytes || codedBytes % 2 !== 0)
    throw new RangeError(`bar rANS length ${codedBytes} bytes, expected an even count >= ${stateBytes}`);
  if (exceptionRows > rows || exceptionBytes + tableBytes + codedBytes > payloadBytes) {
    throw new RangeError(
      `bar: ${exceptionRows} exception rows, ${tableBytes} table bytes and ${codedBytes} rANS bytes exceed the payload of ${payloadBytes} bytes`,
    );
  }
  const rawBytes = rows * columns * 8;
  if (rawLengthBytes !== undefined && rawBytes !== rawLengthBytes) {
    throw new RangeError(`bar: ${rows} rows x ${columns} columns != raw length ${rawLengthBytes} bytes`);
  }
  if (rawBytes > 2 ** 31) throw new RangeError(`bar: ${rawBytes} raw bytes above the 2 GiB limit`);
  if ((payloadBytes - exceptionBytes - tableBytes - codedBytes) * 8 > MAX_RAW_BITS_TOTAL + 8) {
    throw new RangeError('bar: raw bit stream above 2^31 bits');
  }
  return {
    layout: layout as 2 | 3,
    columns,
    priceScale,
    volumeScale,
    signedWicks: (flags & FLAG_SIGNED_WICKS) !== 0,
    probBits,
    rows,
    exceptionRows,
    exceptionBytes,
    tableBytes,
    codedBytes,
  };
}

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
 * Decodes a layout-2 or layout-3 payload into `outs[0..C)` (each ≥ n values) in TypeScript: the reference decoder,
 * and the fallback of the WebAssembly one (`bar-decode-v2-wasm.ts`; see `setDecodeBackend`).
 * Allocation-free once the scratch tables have grown to the frame's size. Returns n.
 *
 * @throws RangeError malformed params, tables or data (the caller wraps it in a typed error).
 */
export function barDecodeIntoV2(
  payload: Uint8Array,
  params: Uint8Array,
  outs: readonly Float64Array[],
): number {
  const p = readBarRansParams(params, payload.length);
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
    p.layout === BAR_RANS_LAYOUT_WIDE,
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
  wide: boolean,
): void {
  const mask = (1 << P) - 1;
  const [outO, outH, outL, outC] = outs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const outV = (columns === 5 ? outs[4] : outO) as Float64Array;
  const vol = columns === 5;
  const pp = 10 ** priceScale;
  const pv = 10 ** volumeScale;
  // One state per field (layout 3), or layout 2's x_A in x0/x2/x4 and x_B in x1/x3, handed on below.
  const states = wide ? columns : 2;
  const start = (f: number): number => ((w[2 * f] as number) << 16) | (w[2 * f + 1] as number);
  let x0 = start(0);
  let x1 = start(1);
  let x2 = wide ? start(2) : 0;
  let x3 = wide ? start(3) : 0;
  let x4 = wide && vol ? start(4) : 0;
  for (let f = 0; f < states; f++) {
    const x = start(f);
    if (x < RANS_L || x >= 1 << 30) throw new RangeError(`bar: bad rANS start state ${x} of field ${f}`);
  }
  let wp = 2 * states;
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
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let i = 0; i < n; i++) {
    const spNow = wide ? acc >> 5 : (a0 + a1 + a2 + a3) >> 5;
    const sp = wide ? spLag : spNow;
    spLag = spNow;
    const cp = sp > 63 ? 63 : sp;
    // field 0: open − previous close (state A)
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
    // field 1: close − open (state B)
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
    if (!wide) x2 = x0;
    // field 2: upper wick (state A)
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
    if (!wide) x3 = x1;
    // field 3: lower wick (state B)
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
    if (wide) acc = acc - (acc >> 4) + m0 + m1 + m2 + m3;
    else {
      a0 = a0 - (a0 >> 4) + m0;
      a1 = a1 - (a1 >> 4) + m1;
      a2 = a2 - (a2 >> 4) + m2;
      a3 = a3 - (a3 >> 4) + m3;
    }
    prevC = cl;
    if (vol) {
      if (!wide) x4 = x2;
      // field 4: volume (state A)
      c = (wide ? e4Lag : e4) >> 1;
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
    if (!wide) {
      x0 = vol ? x4 : x2;
      x1 = x3;
    }
  }
  const ended =
    x0 === RANS_L && x1 === RANS_L && (!wide || (x2 === RANS_L && x3 === RANS_L && (!vol || x4 === RANS_L)));
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

/** Validated params of a layout-2/3 payload with its decimal divisors, as the fast kernels take them. */
export interface BarKernelArgs extends BarRansParams {
  /** 10^priceScale: prices are integers / pp. */
  pp: number;
  /** 10^volumeScale: volumes are integers / pv. */
  pv: number;
}

/**
 * What the native and WebAssembly bar kernels need before they run: the params validated against the
 * payload (`readBarRansParams`), the caller's outputs checked (`checkBarOutputs`), and the divisors.
 *
 * @throws RangeError malformed params, or too few or too short outputs (the caller wraps it).
 */
export function barKernelArgs(
  payload: Uint8Array,
  params: Uint8Array,
  outs: readonly Float64Array[],
): BarKernelArgs {
  const p = readBarRansParams(params, payload.length);
  checkBarOutputs(outs, p.columns, p.rows);
  return { ...p, pp: 10 ** p.priceScale, pv: 10 ** p.volumeScale };
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
