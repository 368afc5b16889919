/**
 * Adaptive binary range coder, the one of LZMA (Igor Pavlov, LZMA SDK `LzmaEnc.c` / `LzmaDec.c`,
 * public domain; described in the xz/LZMA specification, "The range coder" section): 32-bit range,
 * here with 15-bit probabilities (`p` = P(bit = 0) × 32768) adapted after every bit by
 * `p += (32768 − p) >> s` (bit 0) or `p −= p >> s` (bit 1), where the shift s grows with the number
 * of bits the context has seen (1, 2, … up to 6; count-based adaptation as in the "adaptive
 * probability" bit counters of Mahoney, *Data Compression Explained*, 2013, instead of LZMA's fixed 5).
 * Probabilities are clamped to [32, 32736]. After each bit the range is renormalised (× 256, one input
 * byte) while it is below 2^24. The encoder keeps a 33-bit `low` plus a cached byte and a count of
 * pending 0xFF bytes to propagate carries (LZMA's `ShiftLow`); it writes 5 bytes at flush. The first output byte is always 0
 * (the decoder reads and ignores it, as LZMA does).
 *
 * Both sides are pure integer arithmetic on numbers below 2^33, so the output is deterministic. The
 * decoder never reads outside its input: bytes past the end read as 0 (a corrupt or truncated stream
 * decodes to wrong values, which the frame's CRC-32 rejects, never to a crash or an endless loop).
 *
 * @module
 */

/** Bits of a probability: P(bit = 0) is stored as an integer out of 2^15 = 32768. */
export const PROB_BITS = 15;
const PROB_ONE = 1 << PROB_BITS;
/** Initial probability: one half, with an observation count of 0. */
export const PROB_INIT = PROB_ONE >>> 1;
/** Probabilities stay in [PROB_MIN, PROB_ONE − PROB_MIN] = [32, 32736]: at most ~10 bits per decision. */
const PROB_MIN = 32;
/**
 * Adaptation shift by observation count n (0..63): min(6, round(log2(n + 2))), so a fresh context
 * learns like a frequency count (step ≈ 1/(n + 2)) and then settles to a 1/64 step (measured on
 * us-1min bars: cap 6 is 0.3% smaller than LZMA's 5, 1.2% smaller than 4; 7 is worse).
 */
const SHIFT_BY_COUNT = Uint8Array.from({ length: 64 }, (_, n) => Math.min(6, Math.round(Math.log2(n + 2))));
const COUNT_MAX = 63;
/** Renormalise when the range falls below 2^24 (one byte of precision left). */
const TOP = 1 << 24;
const TWO_32 = 4294967296;

/**
 * A table of `count` adaptive probabilities, all starting at one half. Each u32 cell holds the
 * probability of a 0 bit (low 16 bits, out of 2^15) and the number of bits seen (bits 16..21, capped
 * at 63).
 */
export function newProbs(count: number): Uint32Array {
  return new Uint32Array(count).fill(PROB_INIT);
}

/** Next cell value after coding `bit` with cell `cell` (see {@link newProbs}). */
function adapt(cell: number, bit: number): number {
  const p = cell & 0xffff;
  const n = cell >>> 16;
  const shift = SHIFT_BY_COUNT[n] as number;
  let q = bit === 0 ? p + ((PROB_ONE - p) >> shift) : p - (p >> shift);
  if (q < PROB_MIN) q = PROB_MIN;
  else if (q > PROB_ONE - PROB_MIN) q = PROB_ONE - PROB_MIN;
  return q | ((n < COUNT_MAX ? n + 1 : n) << 16);
}

/** Range encoder writing into a growable byte buffer. */
export class RangeEncoder {
  private low = 0; // < 2^33
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private out: Uint8Array;
  private at = 0;

  constructor(initialBytes = 1 << 16) {
    this.out = new Uint8Array(Math.max(16, initialBytes));
  }

  private byte(b: number): void {
    if (this.at === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.at++] = b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let temp = this.cache;
      do {
        this.byte((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (low >>> 24) & 0xff; // ToUint32 keeps bits 0..31; bits 24..31 are the next byte
    }
    this.cacheSize++;
    this.low = (low & 0x00ffffff) * 256;
  }

  /** Encodes `bit` with the adaptive probability `probs[index]` and updates it. */
  encodeBit(probs: Uint32Array, index: number, bit: number): void {
    const cell = probs[index] as number;
    const bound = (this.range >>> PROB_BITS) * (cell & 0xffff);
    if (bit === 0) {
      this.range = bound;
    } else {
      this.low += bound;
      this.range -= bound;
    }
    probs[index] = adapt(cell, bit);
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** Encodes the `bits` low bits of `value` (MSB first) through a bit tree rooted at `probs[base + 1]`. */
  encodeTree(probs: Uint32Array, base: number, bits: number, value: number): void {
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (value >>> i) & 1;
      this.encodeBit(probs, base + m, bit);
      m = (m << 1) | bit;
    }
  }

  /** Writes the remaining state (5 bytes) and returns the encoded bytes (a view of the internal buffer). */
  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.out.subarray(0, this.at);
  }
}

/** Range decoder over `bytes` (see module doc for the out-of-bounds rule). */
export class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  private at = 0;
  private readonly src: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.src = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Byte 0 is always 0 (the encoder's initial cache); the next 4 bytes fill `code`.
    this.at = 1;
    for (let i = 0; i < 4; i++) this.code = ((this.code * 256) >>> 0) + this.next();
  }

  private next(): number {
    const at = this.at++;
    return at < this.src.length ? (this.src[at] as number) : 0;
  }

  /** Bytes consumed so far (may exceed the input length on corrupt data). */
  get consumedBytes(): number {
    return this.at;
  }

  /** Decodes one bit with `probs[index]` and updates it. */
  decodeBit(probs: Uint32Array, index: number): number {
    const cell = probs[index] as number;
    const bound = (this.range >>> PROB_BITS) * (cell & 0xffff);
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    probs[index] = adapt(cell, bit);
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = ((this.code * 256) >>> 0) + this.next();
    }
    return bit;
  }

  /**
   * Inverse of {@link RangeEncoder.encodeTree}. The bit decoding of {@link decodeBit} is repeated
   * here with the coder state in locals: this loop is the decoder's hot path.
   */
  decodeTree(probs: Uint32Array, base: number, bits: number): number {
    let range = this.range;
    let code = this.code;
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const cell = probs[base + m] as number;
      const p = cell & 0xffff;
      const n = cell >>> 16;
      const shift = SHIFT_BY_COUNT[n] as number;
      const bound = (range >>> PROB_BITS) * p;
      let q: number;
      if (code < bound) {
        range = bound;
        q = p + ((PROB_ONE - p) >> shift);
        if (q > PROB_ONE - PROB_MIN) q = PROB_ONE - PROB_MIN;
        m = m << 1;
      } else {
        code -= bound;
        range -= bound;
        q = p - (p >> shift);
        if (q < PROB_MIN) q = PROB_MIN;
        m = (m << 1) | 1;
      }
      probs[base + (m >>> 1)] = q | ((n < COUNT_MAX ? n + 1 : n) << 16);
      while (range < TOP) {
        range = (range * 256) >>> 0;
        code = ((code * 256) >>> 0) + this.next();
      }
    }
    this.range = range;
    this.code = code;
    return m - (1 << bits);
  }
}
