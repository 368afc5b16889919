/**
 * Hybrid-integer tokens of the bar codec (`bar-encode.ts`, `bar-decode.ts`), after the "hybrid integer"
 * coding of JPEG XL (ISO/IEC 18181-1, section C.3.3 `HybridUintConfig`: split exponent, msb_in_token,
 * lsb_in_token; also described in Alakuijala et al., "JPEG XL next-generation image compression
 * architecture and coding tools", SPIE 11137, 2019) with split exponent 4, one msb in the token and no
 * lsb, extended by a decimal trailing-zero class:
 *
 * - a non-negative integer q < 16 is token q, with no raw bits;
 * - a larger q with bit length b (5..53) is token 16 + 2·(b − 5) + (bit b − 2 of q), and its b − 2
 *   low bits go verbatim into the raw bit stream;
 * - the entropy-coded *symbol* is `tz · HYBRID_TOKENS + token`, where tz (0..3) is the number of
 *   decimal trailing zeros divided out of the residual before tokenising (prices quoted in cents at
 *   scale 10^4 end in 00, volumes in round lots).
 *
 * So a symbol determines the value's magnitude class and its decimal multiplier, and the value is
 * `(SYMBOL_BASE[s] + raw) · SYMBOL_MUL[s]` with `SYMBOL_RAW_BITS[s]` raw bits: one table lookup each.
 *
 * @module
 */

/** Values below 2^4 = 16 are their own token (JPEG XL split exponent 4). */
export const HYBRID_DIRECT = 16;
/** Tokens per trailing-zero class: 16 direct + 2 per bit length 5..53. */
export const HYBRID_TOKENS = HYBRID_DIRECT + 2 * (53 - 4);
/** Decimal trailing-zero classes: 10^0 .. 10^3. */
export const TZ_CLASSES = 4;
/** Size of the symbol alphabet: 4 × 114 = 456. */
export const BAR_SYMBOLS = TZ_CLASSES * HYBRID_TOKENS;
/** Largest raw-bit count of a symbol: bit length 53 − 2 = 51. */
export const MAX_RAW_BITS = 51;

const TWO_32 = 4294967296;
const POW10 = [1, 10, 100, 1000];
/** Rough log2(10^tz), to rank magnitudes of values with trailing zeros: 0, 3, 7, 10 bits. */
const TZ_MAG = [0, 3, 7, 10];

/** Bit length of a non-negative integer below 2^53 (0 for 0). */
export function bitLength(u: number): number {
  if (u < TWO_32) return 32 - Math.clz32(u);
  return 64 - Math.clz32(Math.floor(u / TWO_32));
}

/** Decimal trailing zeros of a non-negative integer, capped at 3 (0 for 0). */
export function decimalTz(v: number): number {
  if (v === 0) return 0;
  if (v <= 0x7fffffff) {
    const i = v | 0; // int32 modulo: `%` on doubles is a call in V8
    if (i % 10 !== 0) return 0;
    if (i % 100 !== 0) return 1;
    return i % 1000 !== 0 ? 2 : 3;
  }
  if (v % 10 !== 0) return 0;
  if (v % 100 !== 0) return 1;
  return v % 1000 !== 0 ? 2 : 3;
}

/** Token (0..113) of a non-negative integer q < 2^53. */
export function hybridToken(q: number): number {
  if (q < HYBRID_DIRECT) return q;
  const b = bitLength(q);
  const second = Math.floor(q / 2 ** (b - 2)) & 1;
  return HYBRID_DIRECT + 2 * (b - 5) + second;
}

/** Value of a symbol's fixed part (before adding the raw bits), per symbol. */
export const SYMBOL_BASE = new Float64Array(BAR_SYMBOLS);
/** {@link SYMBOL_BASE} as int32 where it is below 2^31 (raw-bit counts ≤ 24), else 0. */
export const SYMBOL_BASE_I32 = new Int32Array(BAR_SYMBOLS);
/** Raw bits following a symbol, per symbol (0..51). */
export const SYMBOL_RAW_BITS = new Int32Array(BAR_SYMBOLS);
/** Decimal multiplier 10^tz of a symbol. */
export const SYMBOL_MUL = new Float64Array(BAR_SYMBOLS);
/**
 * Magnitude of a symbol's value for context selection: bit length of its smallest value plus
 * ≈ log2(10^tz) (0 for the value 0), 0..63.
 */
export const SYMBOL_MAG = new Int32Array(BAR_SYMBOLS);

for (let tz = 0; tz < TZ_CLASSES; tz++) {
  for (let t = 0; t < HYBRID_TOKENS; t++) {
    const s = tz * HYBRID_TOKENS + t;
    let base: number;
    let bits: number;
    if (t < HYBRID_DIRECT) {
      base = t;
      bits = 0;
    } else {
      const b = 5 + ((t - HYBRID_DIRECT) >> 1);
      base = 2 ** (b - 1) + ((t - HYBRID_DIRECT) & 1) * 2 ** (b - 2);
      bits = b - 2;
    }
    SYMBOL_BASE[s] = base;
    SYMBOL_BASE_I32[s] = bits <= 24 ? base : 0;
    SYMBOL_RAW_BITS[s] = bits;
    SYMBOL_MUL[s] = POW10[tz] as number;
    SYMBOL_MAG[s] = base === 0 ? 0 : Math.min(63, bitLength(base) + (TZ_MAG[tz] as number));
  }
}
