/**
 * `bar` codec (frame stage id 22): cross-column lossless coding of OHLC(V) bars.
 *
 * Three layouts share the stage id, told apart by params byte 0: **layout 3** (static interleaved rANS
 * with one state per field, written by default) and **layout 2** (two shared states; still decoded and
 * written on request), both in `bar-codec-v2.ts`, and **layout 1** (adaptive binary range coding, described
 * below; still decoded, and written on request with `{ codec: 'bar', layout: 1 }`). Both use the
 * scales and exception rows of {@link analyzeBars}.
 *
 * Input: the raw bytes of C float64 columns laid end to end (column-major), C = 4 (open, high, low,
 * close) or 5 (… then volume), n rows each. The four prices are scaled to integers with one shared
 * decimal scale kp, the volumes with their own scale kv: the k in 0..12 at which the fewest values fail
 * to satisfy `Math.round(x · 10^k) / 10^k` bit-identical to x with |x · 10^k| ≤ 2^50 (smallest k among
 * ties), as the `decimal` filter chooses. A row with a failing value (NaN of any payload, ±Infinity,
 * -0, more decimals, too large) or a negative volume is an *exception row*: its C raw float64 values
 * are stored before the coded data, and the stream codes it as O = H = L = C = previous close,
 * V = previous volume (cheap repeats). With more than ⌊n / 16⌋ exception rows the codec declines
 * (`undefined`; callers fall back to per-column chains).
 *
 * ## Transform
 *
 * Per row i, with integers O, H, L, C, V (C_{-1} = 0, V_{-1} = 0; exception rows as above):
 *
 * | field | value u                                 | base B (known to the decoder) |
 * | ----- | --------------------------------------- | ----------------------------- |
 * | 0     | zigzag(O_i − C_{i−1})                   | C_{i−1}                       |
 * | 1     | zigzag(C_i − O_i)                       | O_i                           |
 * | 2     | H_i − max(O_i, C_i)   (zigzag if flag)  | max(O_i, C_i)                 |
 * | 3     | min(O_i, C_i) − L_i   (zigzag if flag)  | min(O_i, C_i)                 |
 * | 4     | V_i                                     | —                             |
 *
 * zigzag(d) = 2d for d ≥ 0, −2d − 1 for d < 0. The flag ("signed wicks", params byte 4 bit 0) is set
 * when some row has H < max(O, C) or L > min(O, C); consistent bars code the wicks unsigned.
 * tz(x) = number of trailing decimal zeros of the integer x, capped at 3 (tz(0) = 3 for bases).
 * bitlen(x) = 0 for x = 0, else ⌊log2 x⌋ + 1.
 *
 * ## Coding (all decisions with the adaptive binary range coder of `range-coder.ts`)
 *
 * A *tree of k bits* codes a k-bit symbol MSB first, node index starting at 1 and becoming
 * 2·node + bit (LZMA's bit tree). `pb_f` and `ptz_f` are the bitlen of u and the tz of field f in the
 * previous row (0 and 0 at row 0; pb_f = 0 and ptz_f unchanged after a zero u).
 *
 * Price field f (0..3), with `ob` = bitlen of u of the *context field* (field 1 of the previous row
 * for f = 0, field f − 1 of this row otherwise) and `bt` = tz(B):
 * 1. zero flag (1 = u is 0), probability index ((f·2 + [pb_f = 0])·2 + [ob = 0])·4 + bt. Stop if 0.
 * 2. t = tz(u), 2-bit tree at ((f·4 + ptz_f)·4 + bt)·4.
 * 3. m = u / 10^t is coded as a *number* (below) with context ((f·16 + min(pb_f, 15))·16 + min(ob,
 *    15))·4 + t, short length tree: 4-bit tree (16 nodes per context) for bitlen 0..14, symbol 15
 *    escaping to a 6-bit tree at f·64 (no context).
 *
 * Volume (C = 5): t = tz(V) (tz(0) = 0), 2-bit tree at t_{i−1}·4; then m = V / 10^t as a number with
 * a 6-bit length tree at context ((h·4 + a)·4 + t), where h = half-octave of ⌊A⌋ (bitlen ℓ < 2: ℓ,
 * else 2ℓ − 1 + the bit under the leading 1, capped at 63), A = moving average of the volume integers
 * (A_0 = 0, A += (V − A)·0.25 after each row, IEEE-754 double arithmetic), a = bucket of the bar's
 * activity s = bitlen of u of fields 1, 2 and 3 of this row, summed (s < 8: 0, < 14: 1, < 20: 2, else 3).
 *
 * A *number* m with bitlen b: the length tree codes b (0..53; larger values reject the data), then for
 * b ≥ 2 the top min(b − 1, 6) bits under the leading 1 through a 6-bit-capable tree of 64 nodes at
 * (g·54 + b)·64, g = f for prices and 4 + t for volumes, then the remaining bits verbatim into the raw
 * bit stream (`bit-stream.ts`: LSB first, pieces of at most 24 bits, low piece first).
 *
 * This is the Elias-gamma-style binarisation with context-adaptive binary arithmetic coding of CABAC
 * (Marpe, Schwarz, Wiegand, "Context-based adaptive binary arithmetic coding in the H.264/AVC video
 * compression standard", IEEE TCSVT 13(7), 2003), on LZMA's binary range coder. All probabilities start
 * at one half for each frame, so frames decode independently.
 *
 * ## Params (20 bytes, little-endian)
 * ```
 * offset size field
 *      0    1 layout version, 1
 *      1    1 column count C (4 or 5)
 *      2    1 price scale kp (0..22)
 *      3    1 volume scale kv (0..22; 0 when C = 4)
 *      4    1 flags: bit 0 signed wicks; other bits 0
 *      5    3 reserved, 0
 *      8    4 rows n (u32)
 *     12    4 range-coded length R (u32)
 *     16    4 exception rows E (u32)
 * ```
 * Payload: E × (u32 row index, strictly increasing; C × 8 raw float64 bytes in column order), then R
 * bytes of range coder output (rows in order; per row fields 0, 1, 2, 3, then the volume), then the
 * raw bit stream (same order). Decoding writes `integer / 10^k` (one correctly rounded division, as
 * the decimal filter) per value, then the exception rows' raw values.
 *
 * Measured (bench/results/compression.md): 1-minute US equity bars, 65,536-row frames: OHLCV 8.6x
 * over raw float64 vs 5.6-6.1x (prices) and 4.1x (volume) for the per-column chains; layout 1 decodes
 * ~12-25 MB/s of float64 output on a shared 2-core VM (one adaptive binary decision per modelled bit),
 * layouts 2 and 3 about 15-25x faster at about the same size.
 *
 * @module
 */

import type { DecodeBackend } from '../wasm/decode-backend.js';
import {
  BAR_RANS_LAYOUT,
  BAR_RANS_LAYOUT_WIDE,
  type BarAnalysis,
  barDecodeIntoV2,
  barEncodeV2,
  checkBarOutputs,
  readBarRansParams,
} from './bar-codec-v2.js';
import { barDecodeIntoV2Native } from './bar-decode-native.js';
import { barDecodeIntoV2Wasm } from './bar-decode-v2-wasm.js';
import { BitReader, BitWriter } from './bit-stream.js';
import { decimalTz } from './hybrid-token.js';
import { newProbs, RangeDecoder, RangeEncoder } from './range-coder.js';

/** Bytes of the stage params. */
export const BAR_PARAMS_BYTES = 20;
/** Layout version of the adaptive range-coded layout (params byte 0). */
export const BAR_LAYOUT_VERSION = 1;
/** Layout written by default: 3, static rANS with one state per field (`bar-codec-v2.ts`). */
export const BAR_DEFAULT_LAYOUT = 3;
/** Largest decimal scale tried for prices and volumes (as the decimal filter). */
export const BAR_MAX_SCALE = 12;
/**
 * Largest share of rows stored as exceptions (raw, 4 + 8·C bytes each): 1/16, as the decimal filter;
 * beyond it the codec declines and the per-column chains take the data.
 */
export const BAR_MAX_EXCEPTION_RATIO = 1 / 16;
/** Largest magnitude of a scaled integer: 2^50, so that differences and zigzags stay exact below 2^53. */
export const BAR_MAX_INT = 2 ** 50;

const TWO_24 = 16777216;
/** 2^0 .. 2^64 (table lookups instead of `**`, which is a call in V8). */
const POW2 = Float64Array.from({ length: 65 }, (_, i) => 2 ** i);
const TWO_32 = 4294967296;
/** 6-bit tree for bit lengths 0..53 (values 54..63 never occur: a decoder seeing them rejects the data). */
const LEN_TREE = 64;
const MAX_LEN = 53;
/** Prices: 4-bit tree for bit lengths 0..14; 15 escapes to a 6-bit tree (per field, no context). */
const SHORT_TREE = 16;
const SHORT_ESCAPE = 15;
/** Bits under the leading 1 coded adaptively. */
const MANT_BITS = 6;
const MANT_TREE = 1 << MANT_BITS;
const PRICE_CTX = 1024;
const VOL_CTX = 1024;
const FLAG_SIGNED_WICKS = 1;

/** Probability tables of one frame (fresh for each encode/decode). */
class BarModel {
  readonly len = newProbs(4 * PRICE_CTX * SHORT_TREE);
  readonly lenEscape = newProbs(4 * LEN_TREE);
  readonly tz = newProbs(4 * 16 * 4);
  readonly zero = newProbs(4 * 16);
  readonly len4 = newProbs(VOL_CTX * LEN_TREE);
  readonly zeros = newProbs(4 * 4);
  readonly mant = newProbs(8 * (MAX_LEN + 1) * MANT_TREE);
}

function bitLength(u: number): number {
  if (u < TWO_32) return 32 - Math.clz32(u);
  return 64 - Math.clz32(Math.floor(u / TWO_32));
}

const zigzag = (d: number): number => (d >= 0 ? 2 * d : -2 * d - 1);
const unzigzag = (u: number): number => {
  const half = Math.floor(u / 2);
  return u === 2 * half ? half : -half - 1;
};

function fits(x: number, p: number): boolean {
  const s = x * p;
  if (!(s >= -BAR_MAX_INT && s <= BAR_MAX_INT)) return false; // NaN, ±Infinity, too large
  return Object.is((Math.round(s) + 0) / p, x); // `+ 0`: -0 is not representable
}

/**
 * Scale k (0..{@link BAR_MAX_SCALE}) at which the fewest values of `values[from..to)` fail to be exact
 * (smallest k among ties, as the decimal filter), and that number of failures.
 */
function detectScale(values: Float64Array, from: number, to: number): { scale: number; failures: number } {
  let best = 0;
  let bestFailures = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= BAR_MAX_SCALE; k++) {
    const p = 10 ** k;
    let failures = 0;
    for (let i = from; i < to && failures < bestFailures; i++) {
      if (!fits(values[i] as number, p)) failures++;
    }
    if (failures < bestFailures) {
      bestFailures = failures;
      best = k;
      if (failures === 0) break;
    }
  }
  return { scale: best, failures: bestFailures };
}

function encodeUint(
  enc: RangeEncoder,
  bits: BitWriter,
  lenProbs: Uint32Array,
  lenBase: number,
  esc: Uint32Array | undefined,
  mant: Uint32Array,
  field: number,
  u: number,
): number {
  const b = bitLength(u);
  if (esc === undefined) enc.encodeTree(lenProbs, lenBase, 6, b);
  else if (b < SHORT_ESCAPE) enc.encodeTree(lenProbs, lenBase, 4, b);
  else {
    enc.encodeTree(lenProbs, lenBase, 4, SHORT_ESCAPE);
    enc.encodeTree(esc, field * LEN_TREE, 6, b);
  }
  if (b >= 2) {
    const below = b - 1;
    const m = below < MANT_BITS ? below : MANT_BITS;
    const r = below - m;
    let rest = u - (POW2[below] as number);
    const scale = POW2[r] as number;
    const top = Math.floor(rest / scale);
    enc.encodeTree(mant, (field * (MAX_LEN + 1) + b) * MANT_TREE, m, top);
    rest -= top * scale;
    let left = r;
    while (left > 24) {
      bits.write(rest % TWO_24, 24);
      rest = Math.floor(rest / TWO_24);
      left -= 24;
    }
    bits.write(rest, left);
  }
  return b;
}

function decodeUint(
  dec: RangeDecoder,
  bits: BitReader,
  lenProbs: Uint32Array,
  lenBase: number,
  esc: Uint32Array | undefined,
  mant: Uint32Array,
  field: number,
): number {
  let b: number;
  if (esc === undefined) b = dec.decodeTree(lenProbs, lenBase, 6);
  else {
    b = dec.decodeTree(lenProbs, lenBase, 4);
    if (b === SHORT_ESCAPE) b = dec.decodeTree(esc, field * LEN_TREE, 6);
  }
  if (b < 2) return b;
  if (b > MAX_LEN) throw new RangeError(`bar: bit length ${b} > ${MAX_LEN}`);
  const below = b - 1;
  const m = below < MANT_BITS ? below : MANT_BITS;
  const r = below - m;
  const top = dec.decodeTree(mant, (field * (MAX_LEN + 1) + b) * MANT_TREE, m);
  let low: number;
  if (r <= 24) low = bits.read(r);
  else {
    low = 0;
    let scale = 1;
    let left = r;
    while (left > 24) {
      low += bits.read(24) * scale;
      scale *= TWO_24;
      left -= 24;
    }
    low += bits.read(left) * scale;
  }
  return (POW2[below] as number) + top * (POW2[r] as number) + low;
}

/**
 * Codes price field `f` (0..3): tz = decimal trailing zeros (0..3, 3 for u = 0) with context
 * (f, tz of this field in the previous row, tz of the context field `otherTz`), then u / 10^tz with
 * context (bit length of this field's u in the previous row, bit length `otherLen` of the context
 * field's u, tz). `state[2f]`, `state[2f + 1]` = bit length and tz of field f, updated.
 */
function encodePrice(
  enc: RangeEncoder,
  bits: BitWriter,
  model: BarModel,
  state: Int32Array,
  f: number,
  u: number,
  otherLen: number,
  baseTz: number,
): void {
  const pb = state[2 * f] as number;
  const zctx = ((f * 2 + (pb === 0 ? 1 : 0)) * 2 + (otherLen === 0 ? 1 : 0)) * 4 + baseTz;
  enc.encodeBit(model.zero, zctx, u === 0 ? 1 : 0);
  if (u === 0) {
    state[2 * f] = 0;
    return;
  }
  const tz = trailingZeros(u);
  const ptz = state[2 * f + 1] as number;
  enc.encodeTree(model.tz, ((f * 4 + ptz) * 4 + baseTz) * 4, 2, tz);
  const ctx = ((f * 16 + min15(pb)) * 16 + min15(otherLen)) * 4 + tz;
  encodeUint(
    enc,
    bits,
    model.len,
    ctx * SHORT_TREE,
    model.lenEscape,
    model.mant,
    f,
    u / (POW10[tz] as number),
  );
  state[2 * f] = bitLength(u);
  state[2 * f + 1] = tz;
}

/** Inverse of {@link encodePrice}: returns u. */
function decodePrice(
  dec: RangeDecoder,
  bits: BitReader,
  model: BarModel,
  state: Int32Array,
  f: number,
  otherLen: number,
  baseTz: number,
): number {
  const pb = state[2 * f] as number;
  const zctx = ((f * 2 + (pb === 0 ? 1 : 0)) * 2 + (otherLen === 0 ? 1 : 0)) * 4 + baseTz;
  if (dec.decodeBit(model.zero, zctx) === 1) {
    state[2 * f] = 0;
    return 0;
  }
  const ptz = state[2 * f + 1] as number;
  const tz = dec.decodeTree(model.tz, ((f * 4 + ptz) * 4 + baseTz) * 4, 2);
  const ctx = ((f * 16 + min15(pb)) * 16 + min15(otherLen)) * 4 + tz;
  const u =
    decodeUint(dec, bits, model.len, ctx * SHORT_TREE, model.lenEscape, model.mant, f) *
    (POW10[tz] as number);
  state[2 * f] = bitLength(u);
  state[2 * f + 1] = tz;
  return u;
}

/** Decimal trailing zeros of a price integer (either sign), capped at 3 (3 for 0). */
function priceTz(v: number): number {
  return v === 0 ? 3 : decimalTz(v < 0 ? -v : v);
}

/**
 * Context of the volume bit length: half-octave magnitude of the volume moving average (0..63) ×
 * activity of the bar (sum of the bit lengths of the body and wicks, 4 buckets) × t (0..3).
 */
function volumeContext(avgV: number, state: Int32Array, t: number): number {
  const lv = bitLength(avgV);
  const half = lv < 2 ? lv : 2 * lv - 1 + (Math.floor(avgV / (POW2[lv - 2] as number)) & 1);
  const act = (state[2] as number) + (state[4] as number) + (state[6] as number);
  const a = act < 8 ? 0 : act < 14 ? 1 : act < 20 ? 2 : 3;
  return ((half < 63 ? half : 63) * 4 + a) * 4 + t;
}

/** Decimal trailing zeros of a non-negative integer, capped at 3 (0 for 0). */
function trailingZeros(v: number): number {
  return v === 0 ? 0 : priceTz(v);
}
const POW10 = [1, 10, 100, 1000];

const min15 = (x: number): number => (x < 15 ? x : 15);

/** Result of {@link barEncode}. */
export interface BarEncoded {
  bytes: Uint8Array;
  params: Uint8Array;
}

/**
 * Scales, exception rows and wick signedness of n rows of C float64 columns (`values`, column-major),
 * or `undefined` when more than ⌊n / 16⌋ rows would be exceptions (see module doc). Shared by both
 * layouts.
 */
export function analyzeBars(values: Float64Array, n: number, columns: number): BarAnalysis | undefined {
  const limit = Math.floor(n * BAR_MAX_EXCEPTION_RATIO);
  const price = detectScale(values, 0, 4 * n);
  if (price.failures > limit) return undefined;
  const volume = columns === 5 ? detectScale(values, 4 * n, 5 * n) : { scale: 0, failures: 0 };
  if (volume.failures > limit) return undefined;
  const pp = 10 ** price.scale;
  const pv = 10 ** volume.scale;
  // Exception rows: a value without an exact form at the chosen scale (NaN, ±Infinity, -0, more
  // decimals, too large) or a negative volume. They are stored raw and coded as a repeat.
  const exception = new Uint8Array(n);
  let exceptions = 0;
  let signed = false;
  for (let i = 0; i < n; i++) {
    const o = values[i] as number;
    const h = values[n + i] as number;
    const l = values[2 * n + i] as number;
    const c = values[3 * n + i] as number;
    let bad = !fits(o, pp) || !fits(h, pp) || !fits(l, pp) || !fits(c, pp);
    if (columns === 5) {
      const v = values[4 * n + i] as number;
      if (!(v >= 0) || !fits(v, pv)) bad = true;
    }
    if (bad) {
      exception[i] = 1;
      exceptions++;
    } else if (h < (o > c ? o : c) || l > (o < c ? o : c)) signed = true;
  }
  if (exceptions > limit) return undefined;
  return { priceScale: price.scale, volumeScale: volume.scale, exception, exceptions, signedWicks: signed };
}

/**
 * Encodes C float64 columns (raw bytes, column-major, see module doc) in layout `layout` (default
 * {@link BAR_DEFAULT_LAYOUT}: 3, static rANS with one state per field, or 2, `bar-codec-v2.ts`; 1: adaptive
 * range coding, this file),
 * or `undefined` when the data is not a set of exact decimal bars.
 */
export function barEncode(
  input: Uint8Array,
  columns: number,
  layout: number = BAR_DEFAULT_LAYOUT,
): BarEncoded | undefined {
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
  if (layout === BAR_RANS_LAYOUT || layout === BAR_RANS_LAYOUT_WIDE) {
    const v2 = barEncodeV2(values, n, columns, a, layout);
    if (v2 !== undefined) return v2;
  }
  const kp = a.priceScale;
  const kv = a.volumeScale;
  const pp = 10 ** kp;
  const pv = 10 ** kv;
  const { exception, exceptions } = a;
  const signed = a.signedWicks;
  const model = new BarModel();
  const enc = new RangeEncoder(input.length >>> 3);
  const bits = new BitWriter(input.length >>> 4);
  const { len4, zeros, mant } = model;
  const state = new Int32Array(8); // previous full bit length and tz per price field
  let prevC = 0;
  let emaV = 0; // exponential moving average of the volume integers, weight 1/4
  let pt = 0;
  let prevV = 0;
  for (let i = 0; i < n; i++) {
    const ex = exception[i] === 1; // coded as o = h = l = c = previous close, v = previous volume
    const o = ex ? prevC : Math.round((values[i] as number) * pp);
    const h = ex ? prevC : Math.round((values[n + i] as number) * pp);
    const l = ex ? prevC : Math.round((values[2 * n + i] as number) * pp);
    const c = ex ? prevC : Math.round((values[3 * n + i] as number) * pp);
    const hiBody = o > c ? o : c;
    const loBody = o < c ? o : c;
    const w2 = signed ? zigzag(h - hiBody) : h - hiBody;
    const w3 = signed ? zigzag(loBody - l) : loBody - l;
    encodePrice(enc, bits, model, state, 0, zigzag(o - prevC), state[1 * 2] as number, priceTz(prevC));
    encodePrice(enc, bits, model, state, 1, zigzag(c - o), state[0] as number, priceTz(o));
    encodePrice(enc, bits, model, state, 2, w2, state[2] as number, priceTz(hiBody));
    encodePrice(enc, bits, model, state, 3, w3, state[4] as number, priceTz(loBody));
    prevC = c;
    if (columns === 5) {
      const v = ex ? prevV : Math.round((values[4 * n + i] as number) * pv);
      prevV = v;
      const t = trailingZeros(v);
      enc.encodeTree(zeros, pt * 4, 2, t);
      encodeUint(
        enc,
        bits,
        len4,
        volumeContext(Math.floor(emaV), state, t) * LEN_TREE,
        undefined,
        mant,
        4 + t,
        v / (POW10[t] as number),
      );
      pt = t;
      emaV += (v - emaV) * 0.25;
    }
  }
  const coded = enc.finish();
  const raw = bits.finish();
  const exceptionBytes = exceptions * (4 + 8 * columns);
  const bytes = new Uint8Array(exceptionBytes + coded.length + raw.length);
  const bv = new DataView(bytes.buffer);
  let at = 0;
  for (let i = 0; i < n && at < exceptionBytes; i++) {
    if (exception[i] === 0) continue;
    bv.setUint32(at, i, true);
    for (let k = 0; k < columns; k++) bv.setFloat64(at + 4 + 8 * k, values[k * n + i] as number, true);
    at += 4 + 8 * columns;
  }
  bytes.set(coded, exceptionBytes);
  bytes.set(raw, exceptionBytes + coded.length);
  const params = new Uint8Array(BAR_PARAMS_BYTES);
  const view = new DataView(params.buffer);
  params[0] = BAR_LAYOUT_VERSION;
  params[1] = columns;
  params[2] = kp;
  params[3] = kv;
  params[4] = signed ? FLAG_SIGNED_WICKS : 0;
  view.setUint32(8, n, true);
  view.setUint32(12, coded.length, true);
  view.setUint32(16, exceptions, true);
  return { bytes, params };
}

/** Parsed and validated params. */
export interface BarParams {
  columns: number;
  priceScale: number;
  volumeScale: number;
  signedWicks: boolean;
  rows: number;
  codedBytes: number;
  exceptionRows: number;
  exceptionBytes: number;
}

/**
 * Validates `params` against the payload length (and the expected raw length when known).
 *
 * @throws RangeError malformed params (the caller wraps it in a typed error).
 */
export function readBarParams(params: Uint8Array, payloadBytes: number, rawLengthBytes?: number): BarParams {
  if (params.length !== BAR_PARAMS_BYTES) {
    throw new RangeError(`bar params are ${params.length} bytes, expected ${BAR_PARAMS_BYTES}`);
  }
  const view = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const version = params[0] as number;
  const columns = params[1] as number;
  const priceScale = params[2] as number;
  const volumeScale = params[3] as number;
  const flags = params[4] as number;
  const rows = view.getUint32(8, true);
  const codedBytes = view.getUint32(12, true);
  const exceptionRows = view.getUint32(16, true);
  if (version !== BAR_LAYOUT_VERSION) throw new RangeError(`bar layout version ${version}, expected 1`);
  if (columns !== 4 && columns !== 5) throw new RangeError(`bar column count ${columns}, expected 4 or 5`);
  if (priceScale > 22 || volumeScale > 22)
    throw new RangeError(`bar scales ${priceScale}/${volumeScale} > 22`);
  if ((flags & ~FLAG_SIGNED_WICKS) !== 0) throw new RangeError(`bar flags 0x${flags.toString(16)}`);
  const exceptionBytes = exceptionRows * (4 + 8 * columns);
  if (exceptionRows > rows || exceptionBytes + codedBytes > payloadBytes) {
    throw new RangeError(
      `bar: ${exceptionRows} exception rows and ${codedBytes} range-coded bytes exceed the payload of ${payloadBytes} bytes`,
    );
  }
  const rawBytes = rows * columns * 8;
  if (rawLengthBytes !== undefined && rawBytes !== rawLengthBytes) {
    throw new RangeError(`bar: ${rows} rows x ${columns} columns != raw length ${rawLengthBytes} bytes`);
  }
  if (rawBytes > 2 ** 31) throw new RangeError(`bar: ${rawBytes} raw bytes above the 2 GiB limit`);
  return {
    columns,
    priceScale,
    volumeScale,
    signedWicks: (flags & FLAG_SIGNED_WICKS) !== 0,
    rows,
    codedBytes,
    exceptionRows,
    exceptionBytes,
  };
}

/** See {@link lastBarDecoder}. */
let lastDecoder: DecodeBackend | undefined;

/**
 * Which decoder produced the last layout-2/3 result of {@link barDecodeInto} (`undefined` before any):
 * internal, for tests, which check that the native and WebAssembly kernels decode valid frames
 * themselves rather than falling back to the TypeScript decoder (the fallback would hide a kernel bug
 * behind correct output).
 */
export function lastBarDecoder(): DecodeBackend | undefined {
  return lastDecoder;
}

/**
 * Decodes a `bar` payload straight into the caller's columns: `outs[0..C)` (open, high, low, close,
 * then volume when C = 5), each holding at least n values (values from n on are left untouched).
 * Nothing is allocated but the probability tables. Returns n.
 *
 * @throws RangeError malformed params or data, or outputs too short (the caller wraps it in a typed error).
 */
export function barDecodeInto(
  payload: Uint8Array,
  params: Uint8Array,
  outs: readonly Float64Array[],
): number {
  if (params[0] === BAR_RANS_LAYOUT || params[0] === BAR_RANS_LAYOUT_WIDE) {
    // Native when chosen and built, else WebAssembly when available; the TypeScript decoder otherwise,
    // and for corrupt data (it throws the error).
    let n = barDecodeIntoV2Native(payload, params, outs);
    lastDecoder = 'native';
    if (n === undefined) {
      n = barDecodeIntoV2Wasm(payload, params, outs);
      lastDecoder = 'wasm';
    }
    if (n === undefined) {
      lastDecoder = 'js';
      n = barDecodeIntoV2(payload, params, outs);
    }
    return n;
  }
  const p = readBarParams(params, payload.length);
  const { rows: n, columns } = p;
  checkBarOutputs(outs, columns, n);
  const [outO, outH, outL, outC] = outs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const outV = (columns === 5 ? outs[4] : outO) as Float64Array;
  const codedEnd = p.exceptionBytes + p.codedBytes;
  const dec = new RangeDecoder(payload.subarray(p.exceptionBytes, codedEnd));
  const bits = new BitReader(payload.subarray(codedEnd));
  const model = new BarModel();
  const { len4, zeros, mant } = model;
  const state = new Int32Array(8);
  const pp = 10 ** p.priceScale;
  const pv = 10 ** p.volumeScale;
  const signed = p.signedWicks;
  let prevC = 0;
  let emaV = 0;
  let pt = 0;
  for (let i = 0; i < n; i++) {
    const o = prevC + unzigzag(decodePrice(dec, bits, model, state, 0, state[2] as number, priceTz(prevC)));
    const c = o + unzigzag(decodePrice(dec, bits, model, state, 1, state[0] as number, priceTz(o)));
    const hiBody = o > c ? o : c;
    const loBody = o < c ? o : c;
    const w2 = decodePrice(dec, bits, model, state, 2, state[2] as number, priceTz(hiBody));
    const w3 = decodePrice(dec, bits, model, state, 3, state[4] as number, priceTz(loBody));
    outO[i] = o / pp;
    outH[i] = (hiBody + (signed ? unzigzag(w2) : w2)) / pp;
    outL[i] = (loBody - (signed ? unzigzag(w3) : w3)) / pp;
    outC[i] = c / pp;
    prevC = c;
    if (columns === 5) {
      const t = dec.decodeTree(zeros, pt * 4, 2);
      const m = decodeUint(
        dec,
        bits,
        len4,
        volumeContext(Math.floor(emaV), state, t) * LEN_TREE,
        undefined,
        mant,
        4 + t,
      );
      const v = m * (POW10[t] as number);
      outV[i] = v / pv;
      pt = t;
      emaV += (v - emaV) * 0.25;
    }
  }
  if (dec.consumedBytes > p.codedBytes || bits.consumedBytes > payload.length - codedEnd) {
    throw new RangeError('bar: data ends before the last row');
  }
  // Exception rows: raw values over the repeats the stream coded for them.
  const ev = new DataView(payload.buffer, payload.byteOffset, p.exceptionBytes);
  let last = -1;
  for (let e = 0, at = 0; e < p.exceptionRows; e++, at += 4 + 8 * columns) {
    const row = ev.getUint32(at, true);
    if (row <= last || row >= n) throw new RangeError(`bar: exception row ${row} after ${last}, rows ${n}`);
    last = row;
    for (let k = 0; k < columns; k++) (outs[k] as Float64Array)[row] = ev.getFloat64(at + 4 + 8 * k, true);
  }
  return n;
}

/** {@link barDecodeInto} into a new buffer (C × n float64, column-major); returns its bytes. */
export function barDecode(payload: Uint8Array, params: Uint8Array, rawLengthBytes?: number): Uint8Array {
  const p =
    params[0] === BAR_RANS_LAYOUT || params[0] === BAR_RANS_LAYOUT_WIDE
      ? readBarRansParams(params, payload.length, rawLengthBytes)
      : readBarParams(params, payload.length, rawLengthBytes);
  const out = new Float64Array(p.rows * p.columns);
  const outs: Float64Array[] = [];
  for (let k = 0; k < p.columns; k++) outs.push(out.subarray(k * p.rows, (k + 1) * p.rows));
  barDecodeInto(payload, params, outs);
  return new Uint8Array(out.buffer);
}
