/*
 * Native (N-API) decode kernels: the `bar` stage (a C port of the AssemblyScript kernel
 * `assembly/bar-decode.ts`; byte format in `FORMAT.md`, TypeScript reference `src/bar/bar-decode.ts`,
 * driven by `src/bar/kernels/native.ts`) and the fused column-chain tail (`assembly/tail-decode.ts`).
 * Optional: built by `scripts/build-native.mjs` with node-gyp when a C compiler and the Node headers are
 * present; `src/native/native-kernels.ts` loads it and falls back to the WebAssembly kernel otherwise.
 *
 * barDecode(payload, exceptionBytes, tableBytes, codedBytes, rows, columns, probBits, pp, pv, signed,
 *           layout, out0, out1, out2, out3[, out4]) -> 0, or a negative code for corrupt data (layout
 *           must be 3, the params' layout byte: the only bar layout);
 * tailDecode(src, n, deltas, out, bits): the fused column-chain tail (see tail_decode below).
 * The caller has validated the params (`readBarParams`) and the outputs (C Float64Arrays of at
 * least `rows` values); exception rows are patched by the caller. The payload is copied into a scratch
 * followed by 64 zero bytes, so that reads past a stream's checked end stay inside it (as the wasm
 * kernel); every stream position is checked once per row, so corrupt input returns an error code and
 * never reads outside the scratch. The values are written straight into the caller's arrays.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RANS_L (1u << 14)
#define CONTEXT_VALUES 64
#define BAR_SYMBOLS 456
#define HYBRID_TOKENS 114
#define HYBRID_DIRECT 16
#define ERR_TABLES (-1)
#define ERR_STREAM (-2)
#define ERR_END (-3)
#define ERR_MEMORY (-4)
#define PAD_BYTES 64

/* Symbol table: base before the raw bits, raw-bit mask, 10^tz, raw-bit count, context magnitude. */
typedef struct {
  uint64_t base;
  uint64_t mask;
  int64_t mul;
  uint32_t nb;
  uint32_t mag;
} Sym;

/*
 * Per-environment state (napi_set_instance_data), so that worker threads, each with its own Node
 * environment, never share it: the symbol table and the scratch reused across calls (payload copy +
 * padding, slot tables, symbols: 8 u16 per row), grown to the largest frame and freed with the
 * environment.
 */
typedef struct {
  Sym syms[BAR_SYMBOLS];
  uint8_t* scratch;
  size_t scratchBytes;
} Inst;

/* As `symbolInfo` in the AssemblyScript kernel (mirrors hybrid-token.ts). */
static void build_symbols(Sym* SYMS) {
  for (int s = 0; s < BAR_SYMBOLS; s++) {
    int tz = s / HYBRID_TOKENS;
    int t = s - tz * HYBRID_TOKENS;
    uint32_t nb = 0;
    uint32_t low = (uint32_t)t;
    if (t >= HYBRID_DIRECT) {
      nb = (uint32_t)(3 + ((t - HYBRID_DIRECT) >> 1));
      low = 2 + (uint32_t)((t - HYBRID_DIRECT) & 1);
    }
    uint64_t base = ((uint64_t)low) << nb;
    static const uint32_t TZ_MAG[4] = {0, 3, 7, 10};
    static const int64_t MUL[4] = {1, 10, 100, 1000};
    uint32_t mag = 0;
    if (base != 0) {
      mag = (uint32_t)(64 - __builtin_clzll(base)) + TZ_MAG[tz];
      if (mag > 63) mag = 63;
    }
    SYMS[s].base = base;
    SYMS[s].mask = (((uint64_t)1) << nb) - 1;
    SYMS[s].mul = MUL[tz];
    SYMS[s].nb = nb;
    SYMS[s].mag = mag;
  }
}

/* Table-section reader (rans-tables.ts format). */
typedef struct {
  const uint8_t* at;
  const uint8_t* end;
  int error;
} Reader;

static inline uint32_t read_byte(Reader* r) {
  if (r->at >= r->end) {
    r->error = 1;
    return 0;
  }
  return *r->at++;
}

static inline uint32_t read_varint(Reader* r) {
  uint32_t v = 0;
  for (uint32_t shift = 0; shift < 28; shift += 7) {
    uint32_t b = read_byte(r);
    v |= (b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
  r->error = 1;
  return 0;
}

/*
 * Slot entries, 8 bytes: u32 freq | (slot - cum) << 16, u32 symbol | magnitude << 16. ctx[f * 64 + cv]:
 * index of the first slot of field f's table for context value cv. Same checks as the wasm kernel.
 */
static int read_tables(const Sym* SYMS, const uint8_t* p, uint32_t len, int columns, uint32_t P,
                       uint64_t* slots, uint32_t* ctx, int maxTables) {
  Reader r = {p, p + len, 0};
  const uint32_t target = 1u << P;
  int tables = 0;
  uint8_t starts[CONTEXT_VALUES];
  for (int f = 0; f < columns; f++) {
    int groups = (int)read_varint(&r);
    if (r.error || groups < 1 || groups > CONTEXT_VALUES) return ERR_TABLES;
    if (tables + groups > maxTables) return ERR_TABLES;
    starts[0] = 0;
    uint32_t prev = 0;
    for (int g = 1; g < groups; g++) {
      uint32_t s = read_byte(&r);
      if (r.error || s <= prev || s >= (uint32_t)CONTEXT_VALUES) return ERR_TABLES;
      starts[g] = (uint8_t)s;
      prev = s;
    }
    for (int g = 0; g < groups; g++) {
      uint32_t tableBase = (uint32_t)(tables + g) << P;
      int k = (int)read_varint(&r);
      if (r.error || k < 1 || k > BAR_SYMBOLS) return ERR_TABLES;
      int s = -1;
      uint32_t cum = 0;
      for (int j = 0; j < k; j++) {
        uint32_t gap = read_varint(&r);
        uint32_t fm1 = read_varint(&r);
        if (r.error) return ERR_TABLES;
        if (gap >= (uint32_t)BAR_SYMBOLS) return ERR_TABLES;
        s += 1 + (int)gap;
        if (s >= BAR_SYMBOLS) return ERR_TABLES;
        if (fm1 >= target) return ERR_TABLES;
        uint32_t freq = fm1 + 1;
        if (cum + freq > target) return ERR_TABLES;
        uint64_t e = (((uint64_t)((uint32_t)s | (SYMS[s].mag << 16))) << 32) | freq;
        uint64_t* at = slots + tableBase + cum;
        for (uint32_t x = 0; x < freq; x++) at[x] = e | ((uint64_t)x << 16);
        cum += freq;
      }
      if (cum != target) return ERR_TABLES;
      int to = g + 1 < groups ? starts[g + 1] : CONTEXT_VALUES;
      for (int cv = starts[g]; cv < to; cv++) ctx[f * CONTEXT_VALUES + cv] = tableBase;
    }
    tables += groups;
  }
  if (r.at != r.end) return ERR_TABLES;
  return 0;
}

/* Little-endian loads (the module is built for little-endian targets only: x64, arm64). */
static inline uint32_t rd16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))

static inline uint32_t rans_step(uint64_t e, uint32_t x, uint32_t P) {
  uint32_t lo = (uint32_t)e;
  return (lo & 0xffff) * (x >> P) + (lo >> 16);
}

/*
 * One renormalisation: x < L takes the next 16-bit word. Branch-free by arithmetic (a conditional
 * compiles to a branch that mispredicts on about a quarter of the symbols).
 */
#define RENORM(x)                                            \
  do {                                                       \
    uint32_t take_ = (x) < RANS_L;                           \
    uint32_t m_ = 0u - take_;                                \
    (x) = ((x) << (take_ << 4)) | (rd16(wp) & m_);           \
    wp += take_ << 1;                                        \
  } while (0)

/* rANS pass: one state per field, one price accumulator, contexts from two rows back. */
ALWAYS_INLINE int rans_pass(uint32_t P, size_t n, int vol, const uint64_t* slots, const uint32_t* ctx,
                             const uint8_t* wStart, const uint8_t* wEnd, uint16_t* sym) {
  const uint32_t mask = (1u << P) - 1;
  uint32_t x0 = (rd16(wStart) << 16) | rd16(wStart + 2);
  uint32_t x1 = (rd16(wStart + 4) << 16) | rd16(wStart + 6);
  uint32_t x2 = (rd16(wStart + 8) << 16) | rd16(wStart + 10);
  uint32_t x3 = (rd16(wStart + 12) << 16) | rd16(wStart + 14);
  uint32_t x4 = vol ? (rd16(wStart + 16) << 16) | rd16(wStart + 18) : RANS_L;
  const uint32_t span = (1u << 30) - RANS_L;
  if (x0 - RANS_L >= span || x1 - RANS_L >= span || x2 - RANS_L >= span || x3 - RANS_L >= span ||
      x4 - RANS_L >= span)
    return ERR_STREAM;
  const uint8_t* wp = wStart + (vol ? 20 : 16);
  uint32_t acc = 0, spLag = 0, e4 = 0, e4Lag = 0;
  for (size_t i = 0; i < n; i++, sym += 8) {
    if (wp > wEnd) return ERR_STREAM;
    uint32_t sp = spLag > 63 ? 63 : spLag;
    spLag = acc >> 5;
    const uint32_t* c = ctx + sp;
    uint64_t e0 = slots[c[0] + (x0 & mask)];
    uint64_t e1 = slots[c[64] + (x1 & mask)];
    uint64_t e2 = slots[c[128] + (x2 & mask)];
    uint64_t e3 = slots[c[192] + (x3 & mask)];
    x0 = rans_step(e0, x0, P);
    x1 = rans_step(e1, x1, P);
    x2 = rans_step(e2, x2, P);
    x3 = rans_step(e3, x3, P);
    RENORM(x0);
    RENORM(x1);
    RENORM(x2);
    RENORM(x3);
    uint32_t h0 = (uint32_t)(e0 >> 32), h1 = (uint32_t)(e1 >> 32);
    uint32_t h2 = (uint32_t)(e2 >> 32), h3 = (uint32_t)(e3 >> 32);
    sym[0] = (uint16_t)h0;
    sym[1] = (uint16_t)h1;
    sym[2] = (uint16_t)h2;
    sym[3] = (uint16_t)h3;
    acc = acc - (acc >> 4) + (h0 >> 16) + (h1 >> 16) + (h2 >> 16) + (h3 >> 16);
    if (vol) {
      uint32_t cv = e4Lag >> 1;
      e4Lag = e4;
      if (cv > 63) cv = 63;
      uint64_t e = slots[ctx[256 + cv] + (x4 & mask)];
      x4 = rans_step(e, x4, P);
      RENORM(x4);
      uint32_t h4 = (uint32_t)(e >> 32);
      sym[4] = (uint16_t)h4;
      e4 = e4 - (e4 >> 2) + (h4 >> 16);
    }
  }
  if (((x0 ^ RANS_L) | (x1 ^ RANS_L) | (x2 ^ RANS_L) | (x3 ^ RANS_L) | (x4 ^ RANS_L)) || wp != wEnd)
    return ERR_END;
  return 0;
}

static inline uint64_t rd64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static inline uint64_t field(const Sym* s, const uint8_t* bits, uint32_t bp) {
  return s->base | ((rd64(bits + (bp >> 3)) >> (bp & 7)) & s->mask);
}

static inline uint64_t unzigzag(uint64_t q) { return (q >> 1) ^ (0 - (q & 1)); }

/* Values: raw bits, int64 residuals, prices, exact division by 10^k, straight into the outputs. */
ALWAYS_INLINE int values_pass(const Sym* SYMS, size_t n, int vol, int sgn, const uint16_t* sym, const uint8_t* bits,
                              uint32_t bitCount, double* o0, double* o1, double* o2, double* o3, double* o4,
                              double pp, double pv) {
  uint32_t bp = 0;
  int64_t prevC = 0;
  for (size_t i = 0; i < n; i++, sym += 8) {
    if (bp > bitCount) return ERR_STREAM;
    const Sym* s = &SYMS[sym[0]];
    uint64_t q = field(s, bits, bp);
    bp += s->nb;
    int64_t o = prevC + (int64_t)unzigzag(q) * s->mul;
    s = &SYMS[sym[1]];
    q = field(s, bits, bp);
    bp += s->nb;
    int64_t cl = o + (int64_t)unzigzag(q) * s->mul;
    s = &SYMS[sym[2]];
    q = field(s, bits, bp);
    bp += s->nb;
    int64_t w2 = (sgn ? (int64_t)unzigzag(q) : (int64_t)q) * s->mul;
    s = &SYMS[sym[3]];
    q = field(s, bits, bp);
    bp += s->nb;
    int64_t w3 = (sgn ? (int64_t)unzigzag(q) : (int64_t)q) * s->mul;
    int64_t hiBody = o > cl ? o : cl;
    int64_t loBody = o < cl ? o : cl;
    o0[i] = (double)o / pp;
    o1[i] = (double)(hiBody + w2) / pp;
    o2[i] = (double)(loBody - w3) / pp;
    o3[i] = (double)cl / pp;
    prevC = cl;
    if (vol) {
      s = &SYMS[sym[4]];
      q = field(s, bits, bp);
      bp += s->nb;
      o4[i] = (double)((int64_t)q * s->mul) / pv;
    }
  }
  if (((bp + 7) >> 3) != (bitCount >> 3)) return ERR_END;
  return 0;
}

/*
 * On x86-64 Linux, `decode` (with every pass inlined into it) is compiled twice and chosen at load time
 * (GCC/Clang ifunc): once for x86-64-v3 (AVX2, BMI2) and once for the baseline. Measured on a Xeon
 * (2.5 GHz): the baseline SSE build decodes at ~720 MB/s and the AVX build at ~1,200 MB/s, most of the
 * gap being the values pass, where legacy-SSE conversions and divisions pay for the dirty upper AVX
 * state that Node leaves behind.
 */
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define TARGET_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TARGET_CLONES
#endif

TARGET_CLONES static int decode(Inst* inst, const uint8_t* payload, uint32_t payloadBytes, uint32_t exceptionBytes, uint32_t tableBytes,
                  uint32_t codedBytes, size_t n, int columns, uint32_t P, double pp, double pv, int sgn,
                  double** outs) {
  const Sym* SYMS = inst->syms;
  int maxTables = columns * 64;
  if ((uint32_t)maxTables > tableBytes / 3) maxTables = (int)(tableBytes / 3);
  size_t slotBytes = ((size_t)maxTables << P) * 8;
  size_t payloadAt = 0;
  size_t slotsAt = (payloadBytes + PAD_BYTES + 63) & ~(size_t)63;
  size_t symAt = slotsAt + slotBytes;
  size_t need = symAt + n * 16 + 64;
  if (need > inst->scratchBytes) {
    uint8_t* grown = (uint8_t*)realloc(inst->scratch, need);
    if (grown == NULL) return ERR_MEMORY;
    inst->scratch = grown;
    inst->scratchBytes = need;
  }
  uint8_t* scratch = inst->scratch;
  memcpy(scratch + payloadAt, payload, payloadBytes);
  memset(scratch + payloadBytes, 0, PAD_BYTES);
  uint32_t ctx[5 * CONTEXT_VALUES];
  uint64_t* slots = (uint64_t*)(scratch + slotsAt);
  int rc = read_tables(SYMS, scratch + exceptionBytes, tableBytes, columns, P, slots, ctx, maxTables);
  if (rc != 0) return rc;
  const uint8_t* wStart = scratch + exceptionBytes + tableBytes;
  const uint8_t* wEnd = wStart + codedBytes;
  uint16_t* sym = (uint16_t*)(scratch + symAt);
  int vol = columns == 5;
  switch (P) {
    case 12: rc = vol ? rans_pass(12, n, 1, slots, ctx, wStart, wEnd, sym) : rans_pass(12, n, 0, slots, ctx, wStart, wEnd, sym); break;
    case 11: rc = vol ? rans_pass(11, n, 1, slots, ctx, wStart, wEnd, sym) : rans_pass(11, n, 0, slots, ctx, wStart, wEnd, sym); break;
    case 10: rc = vol ? rans_pass(10, n, 1, slots, ctx, wStart, wEnd, sym) : rans_pass(10, n, 0, slots, ctx, wStart, wEnd, sym); break;
    case 9: rc = vol ? rans_pass(9, n, 1, slots, ctx, wStart, wEnd, sym) : rans_pass(9, n, 0, slots, ctx, wStart, wEnd, sym); break;
    default: rc = vol ? rans_pass(8, n, 1, slots, ctx, wStart, wEnd, sym) : rans_pass(8, n, 0, slots, ctx, wStart, wEnd, sym); break;
  }
  if (rc != 0) return rc;
  const uint8_t* bits = wEnd;
  uint32_t bitCount = (uint32_t)((payloadBytes - exceptionBytes - tableBytes - codedBytes) << 3);
  double* o4 = vol ? outs[4] : outs[3];
  if (vol) {
    return sgn ? values_pass(SYMS, n, 1, 1, sym, bits, bitCount, outs[0], outs[1], outs[2], outs[3], o4, pp, pv)
               : values_pass(SYMS, n, 1, 0, sym, bits, bitCount, outs[0], outs[1], outs[2], outs[3], o4, pp, pv);
  }
  return sgn ? values_pass(SYMS, n, 0, 1, sym, bits, bitCount, outs[0], outs[1], outs[2], outs[3], o4, pp, pv)
             : values_pass(SYMS, n, 0, 0, sym, bits, bitCount, outs[0], outs[1], outs[2], outs[3], o4, pp, pv);
}

/*
 * Fused column-chain tails (C ports of `assembly/tail-decode.ts`; `src/filters/fused-decode.ts` is the
 * TypeScript reference): the inverse of `delta{1,2} > zigzag > shuffle(8)` (tail_decode) or
 * `delta{1,2} > zigzag > bitshuffle(8)` (bit_tail_decode) over n int64 values, from the shuffled bytes
 * `src` (n × 8) to little-endian int64 at `out` (n × 8, not overlapping). Arithmetic wraps at 64 bits.
 */
static const uint64_t M32 = 0x00000000ffffffffull;
static const uint64_t M16 = 0x0000ffff0000ffffull;
static const uint64_t M8 = 0x00ff00ff00ff00ffull;

#define SWAP_BLOCK(a, b, sh, m)        \
  do {                                 \
    uint64_t t_ = (((a) >> (sh)) ^ (b)) & (m); \
    (a) ^= t_ << (sh);                 \
    (b) ^= t_;                         \
  } while (0)

TARGET_CLONES static void tail_decode(const uint8_t* src, size_t n, int deltas, uint8_t* out) {
  uint64_t p = 0, q = 0;
  const int twice = deltas == 2;
  size_t i = 0;
  const size_t groups = n & ~(size_t)7;
  while (i < groups) {
    uint64_t r0 = rd64(src + i), r1 = rd64(src + n + i), r2 = rd64(src + 2 * n + i), r3 = rd64(src + 3 * n + i);
    uint64_t r4 = rd64(src + 4 * n + i), r5 = rd64(src + 5 * n + i), r6 = rd64(src + 6 * n + i), r7 = rd64(src + 7 * n + i);
    uint8_t* o = out + (i << 3);
    if ((r0 | r1 | r2 | r3 | r4 | r5 | r6 | r7) == 0) {
      for (int k = 0; k < 8; k++) {
        q += p;
        uint64_t v = twice ? q : p;
        memcpy(o + 8 * k, &v, 8);
      }
      i += 8;
      continue;
    }
    SWAP_BLOCK(r0, r4, 32, M32);
    SWAP_BLOCK(r1, r5, 32, M32);
    SWAP_BLOCK(r2, r6, 32, M32);
    SWAP_BLOCK(r3, r7, 32, M32);
    SWAP_BLOCK(r0, r2, 16, M16);
    SWAP_BLOCK(r1, r3, 16, M16);
    SWAP_BLOCK(r4, r6, 16, M16);
    SWAP_BLOCK(r5, r7, 16, M16);
    SWAP_BLOCK(r0, r1, 8, M8);
    SWAP_BLOCK(r2, r3, 8, M8);
    SWAP_BLOCK(r4, r5, 8, M8);
    SWAP_BLOCK(r6, r7, 8, M8);
    uint64_t r[8] = {r0, r1, r2, r3, r4, r5, r6, r7};
    for (int k = 0; k < 8; k++) {
      p += unzigzag(r[k]);
      q += p;
      uint64_t v = twice ? q : p;
      memcpy(o + 8 * k, &v, 8);
    }
    i += 8;
  }
  for (; i < n; i++) {
    uint64_t z = 0;
    for (size_t j = 0; j < 8; j++) z |= ((uint64_t)src[j * n + i]) << (j << 3);
    p += unzigzag(z);
    q += p;
    uint64_t v = twice ? q : p;
    memcpy(out + (i << 3), &v, 8);
  }
}

TARGET_CLONES static void bit_tail_decode(const uint8_t* src, size_t n, int deltas, uint8_t* out) {
  const size_t groups = n >> 3;
  const size_t blocks = groups >> 3;
  for (size_t b = 0; b < blocks; b++) {
    uint64_t w[64];
    uint64_t any = 0;
    for (size_t p = 0; p < 64; p++) {
      w[p] = rd64(src + p * groups + (b << 3));
      any |= w[p];
    }
    if (any != 0) {
      size_t j = 32;
      uint64_t m = 0x00000000ffffffffull;
      while (j != 0) {
        for (size_t k = 0; k < 64; k = ((k | j) + 1) & ~j) {
          uint64_t t = ((w[k] >> j) ^ w[k | j]) & m;
          w[k] ^= t << j;
          w[k | j] ^= t;
        }
        j >>= 1;
        m ^= m << j;
      }
    }
    memcpy(out + (b << 9), w, 512);
  }
  for (size_t e = blocks << 6; e < groups << 3; e++) {
    uint64_t v = 0;
    size_t g = e >> 3;
    uint32_t r = (uint32_t)(e & 7);
    for (size_t p = 0; p < 64; p++) v |= ((uint64_t)((src[p * groups + g] >> r) & 1)) << p;
    memcpy(out + (e << 3), &v, 8);
  }
  memcpy(out + (groups << 6), src + (groups << 6), (n - (groups << 3)) << 3);
  uint64_t p = 0, q = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t z;
    memcpy(&z, out + (i << 3), 8);
    p += unzigzag(z);
    q += p;
    uint64_t v = deltas == 2 ? q : p;
    memcpy(out + (i << 3), &v, 8);
  }
}

/* N-API: tailDecode(src, n, deltas, out, bits) -> undefined; src and out Uint8Arrays of n × 8 bytes. */
static napi_value js_tail_decode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type ts, to;
  size_t ls, lo, off;
  void *ds, *dout;
  napi_value ab;
  uint32_t n, deltas, bits;
  if (argc < 5 || napi_get_typedarray_info(env, argv[0], &ts, &ls, &ds, &ab, &off) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &to, &lo, &dout, &ab, &off) != napi_ok || ts != napi_uint8_array ||
      to != napi_uint8_array || napi_get_value_uint32(env, argv[1], &n) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &deltas) != napi_ok || napi_get_value_uint32(env, argv[4], &bits) != napi_ok ||
      (uint64_t)n * 8 > ls || (uint64_t)n * 8 > lo || (deltas != 1 && deltas != 2)) {
    napi_throw_type_error(env, NULL, "tailDecode: (Uint8Array src, n, deltas 1|2, Uint8Array out, bits) with n x 8 bytes each");
    return NULL;
  }
  if (bits) bit_tail_decode((const uint8_t*)ds, n, (int)deltas, (uint8_t*)dout);
  else tail_decode((const uint8_t*)ds, n, (int)deltas, (uint8_t*)dout);
  return NULL;
}

/* N-API entry: arguments as documented at the top; throws a TypeError for arguments of the wrong type. */
static napi_value js_decode(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 15) {
    napi_throw_type_error(env, NULL, "barDecode: expected 15 or 16 arguments");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "barDecode: payload must be a Uint8Array");
    return NULL;
  }
  const uint8_t* payload = (const uint8_t*)data;
  size_t payloadBytes = length;
  uint32_t u[6];
  for (int k = 0; k < 6; k++) {
    if (napi_get_value_uint32(env, argv[1 + k], &u[k]) != napi_ok) {
      napi_throw_type_error(env, NULL, "barDecode: integer arguments expected");
      return NULL;
    }
  }
  double pp, pv;
  uint32_t sgn, layout;
  if (napi_get_value_double(env, argv[7], &pp) != napi_ok || napi_get_value_double(env, argv[8], &pv) != napi_ok ||
      napi_get_value_uint32(env, argv[9], &sgn) != napi_ok || napi_get_value_uint32(env, argv[10], &layout) != napi_ok) {
    napi_throw_type_error(env, NULL, "barDecode: number arguments expected");
    return NULL;
  }
  uint32_t exceptionBytes = u[0], tableBytes = u[1], codedBytes = u[2], rows = u[3], columns = u[4], P = u[5];
  int rc = 0;
  double* outs[5] = {NULL, NULL, NULL, NULL, NULL};
  if (columns != 4 && columns != 5) rc = ERR_TABLES;
  if (P < 8 || P > 12 || layout != 3) rc = ERR_TABLES;
  if ((uint64_t)exceptionBytes + tableBytes + codedBytes > payloadBytes || payloadBytes > 0x7fffffffu) rc = ERR_TABLES;
  if (rc == 0 && argc < 11 + columns) rc = ERR_TABLES;
  for (uint32_t k = 0; rc == 0 && k < columns; k++) {
    if (napi_get_typedarray_info(env, argv[11 + k], &type, &length, &data, &ab, &offset) != napi_ok ||
        type != napi_float64_array || length < rows) {
      napi_throw_type_error(env, NULL, "barDecode: outputs must be Float64Arrays of at least rows values");
      return NULL;
    }
    outs[k] = (double*)data;
  }
  Inst* inst = NULL;
  if (rc == 0 && (napi_get_instance_data(env, (void**)&inst) != napi_ok || inst == NULL)) rc = ERR_MEMORY;
  if (rc == 0) {
    rc = decode(inst, payload, (uint32_t)payloadBytes, exceptionBytes, tableBytes, codedBytes, rows, (int)columns, P, pp,
                pv, (int)sgn, outs);
  }
  napi_value result;
  napi_create_int32(env, rc, &result);
  return result;
}

static void free_inst(napi_env env, void* data, void* hint) {
  Inst* inst = (Inst*)data;
  free(inst->scratch);
  free(inst);
}

static napi_value init(napi_env env, napi_value exports) {
  Inst* inst = (Inst*)calloc(1, sizeof(Inst));
  if (inst == NULL || napi_set_instance_data(env, inst, free_inst, NULL) != napi_ok) {
    free(inst);
    napi_throw_error(env, NULL, "mmtape_bar: cannot allocate its state");
    return NULL;
  }
  build_symbols(inst->syms);
  napi_value fn;
  napi_create_function(env, "barDecode", NAPI_AUTO_LENGTH, js_decode, NULL, &fn);
  napi_set_named_property(env, exports, "barDecode", fn);
  napi_create_function(env, "tailDecode", NAPI_AUTO_LENGTH, js_tail_decode, NULL, &fn);
  napi_set_named_property(env, exports, "tailDecode", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
