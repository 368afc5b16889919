/**
 * `decpack`: one fused, lossless stage for float64 prices/volumes and int64 timestamps. It replaces
 * `decimal>delta>zigzag>shuffle` with integer prediction plus frame-of-reference bit-packing, and
 * decodes in one pass into a preallocated Float64Array (no per-stage buffers, no BigInt).
 *
 * Values as integers `m`:
 * - f64: `m = round(x * 10^k)` with the global decimal scale k of the `decimal` filter (same exactness
 *   test and exception list: NaN payloads, ±Infinity, -0, denormals, extra decimals keep their raw
 *   8 bytes; their slot repeats the previous `m`).
 * - i64: `m` = the first difference of the int64 values (two's-complement wrap), so `delta` mode is
 *   delta-of-delta. The first int64 value is kept raw in the params.
 *
 * Every `|m|` must stay below 2^51 so that all integer arithmetic is exact in float64 (deltas below
 * 2^52, offsets below 2^53); otherwise the stage declines (`undefined`) and the caller falls back.
 *
 * Per block of {@link DECPACK_BLOCK_VALUES} values, with `d_i = m_i - m_(i-1)` (delta mode, `m_(-1)
 * = 0`) or `d_i = m_i`: `g` = GCD of the block's `|d_i|` (1 when all are 0), which recovers a
 * per-block decimal scale (a block of 2-decimal prices under a global k = 4 has g = 100); `q_i = d_i / g`;
 * `base = min q_i`; `u_i = q_i - base` bit-packed at the block's width w = bits(max u_i).
 *
 * Params, little-endian:
 * ```
 * offset size field
 *      0    1 mode: 0 = f64, 1 = i64
 *      1    1 flags: bit 0 = delta
 *      2    2 reserved, 0
 *      4    4 value count N (u32)
 *      8    8 f64: scale k (u8) + 7 reserved bytes; i64: first value (int64)
 *     16    4 f64: exception count E (u32); i64: 0
 *     20 12*E exceptions: u32 index, then the 8 raw bytes of the float64
 * ```
 * Stream (the stage output), one record per block, then 8 zero bytes of padding:
 * ```
 *   1 byte   w (0..53)
 *   varint   g (unsigned LEB128, >= 1)
 *   varint   zigzag(base) (unsigned LEB128 of 2*base or -2*base-1)
 *   ceil(count * w / 8) bytes: u_i, LSB first; widths above 24 are written as a 24-bit low part then
 *            the high part, value by value
 * ```
 *
 * @module
 */

import { decimalEncode } from './decimal.js';

/** Values per bit-packing block: 128 (the block header costs ~3 bytes, 0.2 bit per value). */
export const DECPACK_BLOCK_VALUES = 128;

const TWO_24 = 16777216;
const TWO_32 = 4294967296;
const LIMIT = 2 ** 51;
const PARAMS_BYTES = 20;
const PAD_BYTES = 8;

/** Options of {@link decpackEncode}. */
export interface DecpackOptions {
  /** Predict each value by the previous one (prices, timestamps). Default `true`. */
  delta?: boolean;
  /** Largest decimal scale tried (f64). Default the `decimal` filter's. */
  maxScale?: number;
  /** Largest share of f64 exceptions. Default 1/16. */
  maxExceptionRatio?: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

function bitsOf(u: number): number {
  if (u === 0) return 0;
  if (u < TWO_32) return 32 - Math.clz32(u);
  return 32 + (32 - Math.clz32(Math.floor(u / TWO_32)));
}

class Writer {
  buf = new Uint8Array(1024);
  pos = 0;
  acc = 0;
  nbits = 0;
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  varint(v: number): void {
    this.ensure(10);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) + 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  /** Appends the low `n` (<= 24) bits of `v`. */
  bits(v: number, n: number): void {
    this.acc |= v << this.nbits;
    this.nbits += n;
    while (this.nbits >= 8) {
      this.buf[this.pos++] = this.acc & 255;
      this.acc >>>= 8;
      this.nbits -= 8;
    }
  }
  flush(): void {
    if (this.nbits > 0) this.buf[this.pos++] = this.acc & 255;
    this.acc = 0;
    this.nbits = 0;
  }
}

/** Encodes the integer sequence `m` (exact, |m| < 2^51) into the block stream. */
function packInts(m: Float64Array, delta: boolean): Uint8Array {
  const n = m.length;
  const w = new Writer();
  w.ensure(n + 64);
  const q = new Float64Array(DECPACK_BLOCK_VALUES);
  let prev = 0;
  for (let b0 = 0; b0 < n; b0 += DECPACK_BLOCK_VALUES) {
    const count = Math.min(DECPACK_BLOCK_VALUES, n - b0);
    let g = 0;
    for (let i = 0; i < count; i++) {
      const v = m[b0 + i] as number;
      const d = delta ? v - prev : v;
      prev = v;
      q[i] = d;
      if (d !== 0 && g !== 1) g = gcd(g, Math.abs(d));
    }
    if (g === 0) g = 1;
    let base = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const v = (q[i] as number) / g;
      q[i] = v;
      if (v < base) base = v;
      if (v > max) max = v;
    }
    const width = bitsOf(max - base);
    w.byte(width);
    w.varint(g);
    w.varint(base < 0 ? -2 * base - 1 : 2 * base);
    w.ensure(Math.ceil((count * width) / 8) + 8);
    if (width > 0) {
      if (width <= 24) {
        for (let i = 0; i < count; i++) w.bits((q[i] as number) - base, width);
      } else {
        for (let i = 0; i < count; i++) {
          const u = (q[i] as number) - base;
          const hi = Math.floor(u / TWO_24);
          w.bits(u - hi * TWO_24, 24);
          let h = hi;
          let rest = width - 24;
          while (rest > 0) {
            const take = rest > 24 ? 24 : rest;
            const hh = Math.floor(h / TWO_24);
            w.bits(h - hh * TWO_24, take);
            h = hh;
            rest -= take;
          }
        }
      }
      w.flush();
    }
  }
  w.ensure(PAD_BYTES);
  w.pos += PAD_BYTES;
  return w.buf.slice(0, w.pos);
}

/**
 * Decodes the block stream into `out[0..n)` as exact integers. Returns the stream bytes consumed.
 *
 * @throws RangeError truncated or malformed stream.
 */
function unpackInts(s: Uint8Array, out: Float64Array, n: number, delta: boolean): void {
  let pos = 0;
  let prev = 0;
  const end = s.length - PAD_BYTES;
  const readVarint = (): number => {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 8; k++) {
      if (pos >= end) throw new RangeError('decpack stream truncated in a block header');
      const b = s[pos++] as number;
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
    throw new RangeError('decpack varint longer than 8 bytes');
  };
  for (let b0 = 0; b0 < n; b0 += DECPACK_BLOCK_VALUES) {
    const count = Math.min(DECPACK_BLOCK_VALUES, n - b0);
    if (pos >= end) throw new RangeError(`decpack stream truncated at value ${b0} of ${n}`);
    const width = s[pos++] as number;
    if (width > 53) throw new RangeError(`decpack block width ${width} > 53`);
    const g = readVarint();
    const zb = readVarint();
    const base = zb % 2 === 0 ? zb / 2 : -(zb + 1) / 2;
    const bytes = Math.ceil((count * width) / 8);
    if (pos + bytes > end) throw new RangeError(`decpack block at value ${b0} overruns the stream`);
    if (width === 0) {
      const d = g * base;
      if (delta) {
        for (let i = 0; i < count; i++) {
          prev += d;
          out[b0 + i] = prev;
        }
      } else {
        out.fill(d, b0, b0 + count);
      }
    } else if (width <= 24) {
      const mask = (1 << width) - 1;
      let bit = pos * 8;
      for (let i = 0; i < count; i++) {
        const at = bit >>> 3;
        const word =
          (s[at] as number) |
          ((s[at + 1] as number) << 8) |
          ((s[at + 2] as number) << 16) |
          ((s[at + 3] as number) << 24);
        const u = (word >>> (bit & 7)) & mask;
        bit += width;
        const d = g * (base + u);
        if (delta) {
          prev += d;
          out[b0 + i] = prev;
        } else out[b0 + i] = d;
      }
    } else {
      let bit = pos * 8;
      const take = (nb: number): number => {
        const at = bit >>> 3;
        const word =
          (s[at] as number) |
          ((s[at + 1] as number) << 8) |
          ((s[at + 2] as number) << 16) |
          ((s[at + 3] as number) << 24);
        const v = (word >>> (bit & 7)) & ((1 << nb) - 1);
        bit += nb;
        return v;
      };
      for (let i = 0; i < count; i++) {
        let u = take(24);
        let mul = TWO_24;
        let rest = width - 24;
        while (rest > 0) {
          const t = rest > 24 ? 24 : rest;
          u += take(t) * mul;
          mul *= TWO_24;
          rest -= t;
        }
        const d = g * (base + u);
        if (delta) {
          prev += d;
          out[b0 + i] = prev;
        } else out[b0 + i] = d;
      }
    }
    pos += bytes;
  }
}

/** Result of {@link decpackEncode}. */
export interface DecpackEncoded {
  bytes: Uint8Array;
  params: Uint8Array;
}

function i32View(bytes: Uint8Array): Int32Array {
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return new Int32Array(bytes.slice().buffer);
}

/**
 * Encodes the raw bytes of a float64 (`dtype` `'f64'`) or int64 (`'i64'`) column, or `undefined`
 * when the data does not fit (see module doc).
 */
export function decpackEncode(
  bytes: Uint8Array,
  dtype: 'f64' | 'i64',
  options: DecpackOptions = {},
): DecpackEncoded | undefined {
  if (bytes.length % 8 !== 0) return undefined;
  const n = bytes.length / 8;
  const delta = options.delta ?? true;
  const m = new Float64Array(n);
  let params: Uint8Array;
  if (dtype === 'f64') {
    const dec = decimalEncode(bytes, {
      maxScale: options.maxScale,
      maxExceptionRatio: options.maxExceptionRatio,
    });
    if (dec === undefined) return undefined;
    const words = new Int32Array(dec.ints.buffer, dec.ints.byteOffset, n * 2);
    for (let i = 0; i < n; i++) {
      const v = (words[2 * i + 1] as number) * TWO_32 + ((words[2 * i] as number) >>> 0);
      if (!(v > -LIMIT && v < LIMIT)) return undefined;
      m[i] = v;
    }
    // dec.params: u8 scale, 3 reserved, u32 E, 12*E exceptions
    params = new Uint8Array(PARAMS_BYTES + dec.params.length - 8);
    params[8] = dec.params[0] as number;
    params.set(dec.params.subarray(4), 16);
  } else {
    const words = i32View(bytes);
    params = new Uint8Array(PARAMS_BYTES);
    if (n > 0) params.set(bytes.subarray(0, 8), 8);
    for (let i = 1; i < n; i++) {
      const alo = (words[2 * i] as number) >>> 0;
      const blo = (words[2 * i - 2] as number) >>> 0;
      const borrow = alo < blo ? 1 : 0;
      const lo = (alo - blo) >>> 0;
      const hi = ((words[2 * i + 1] as number) - (words[2 * i - 1] as number) - borrow) | 0;
      const v = hi * TWO_32 + lo;
      if (!(v > -LIMIT && v < LIMIT)) return undefined;
      m[i] = v;
    }
  }
  const pv = new DataView(params.buffer);
  params[0] = dtype === 'f64' ? 0 : 1;
  params[1] = delta ? 1 : 0;
  pv.setUint32(4, n, true);
  return { bytes: packInts(m, delta), params };
}

/** Reusable scratch for {@link decpackDecodeInto} (grown on demand). */
let scratch = new Float64Array(0);

/**
 * Decodes into `out` (the raw column bytes, `out.length` = N * 8), without allocating when `out` is
 * given. Returns `out`.
 *
 * @throws RangeError malformed params or stream (the caller wraps it in a typed error).
 */
export function decpackDecodeInto(stream: Uint8Array, params: Uint8Array, out?: Uint8Array): Uint8Array {
  if (params.length < PARAMS_BYTES) throw new RangeError(`decpack params of ${params.length} bytes < 20`);
  const pv = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const mode = params[0] as number;
  const delta = ((params[1] as number) & 1) === 1;
  const n = pv.getUint32(4, true);
  if (mode > 1) throw new RangeError(`decpack mode ${mode} is neither 0 (f64) nor 1 (i64)`);
  const target = out ?? new Uint8Array(n * 8);
  if (target.length !== n * 8)
    throw new RangeError(`decpack output of ${target.length} bytes, ${n * 8} expected`);
  if (mode === 0) {
    const scale = params[8] as number;
    const count = pv.getUint32(16, true);
    if (scale > 22 || params.length !== PARAMS_BYTES + 12 * count) {
      throw new RangeError(`decpack params: scale ${scale}, ${count} exceptions in ${params.length} bytes`);
    }
    const values =
      target.byteOffset % 8 === 0 ? new Float64Array(target.buffer, target.byteOffset, n) : undefined;
    const dst = values ?? new Float64Array(n);
    unpackInts(stream, dst, n, delta);
    const p = 10 ** scale;
    for (let i = 0; i < n; i++) dst[i] = (dst[i] as number) / p;
    if (values === undefined) target.set(new Uint8Array(dst.buffer));
    for (let e = 0; e < count; e++) {
      const at = PARAMS_BYTES + 12 * e;
      const index = pv.getUint32(at, true);
      if (index >= n) throw new RangeError(`decpack exception index ${index} >= ${n} values`);
      target.set(params.subarray(at + 4, at + 12), index * 8);
    }
    return target;
  }
  if (params.length !== PARAMS_BYTES) throw new RangeError(`decpack i64 params of ${params.length} bytes`);
  if (scratch.length < n) scratch = new Float64Array(n);
  unpackInts(stream, scratch, n, delta);
  const aligned = target.byteOffset % 4 === 0;
  const words = aligned ? new Int32Array(target.buffer, target.byteOffset, n * 2) : new Int32Array(n * 2);
  if (n > 0) {
    let lo = pv.getUint32(8, true);
    let hi = pv.getInt32(12, true);
    words[0] = lo;
    words[1] = hi;
    for (let i = 1; i < n; i++) {
      const d = scratch[i] as number;
      const dhi = Math.floor(d / TWO_32);
      const s = lo + (d - dhi * TWO_32);
      const carry = s >= TWO_32 ? 1 : 0;
      lo = (s - carry * TWO_32) >>> 0;
      hi = (hi + dhi + carry) | 0;
      words[2 * i] = lo;
      words[2 * i + 1] = hi;
    }
  }
  if (!aligned) target.set(new Uint8Array(words.buffer));
  return target;
}
