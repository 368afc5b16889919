/**
 * AssemblyScript decoder of the `bar` stage (static interleaved rANS; byte format in `FORMAT.md`,
 * "bar stage"; `src/bar/bar-decode.ts` is the TypeScript reference). Compiled by
 * the repository's `scripts/build-wasm.mjs` (asc -O3, stub runtime: no GC, nothing allocated; entry `index.ts`) into
 * `src/wasm/wasm-bytes.generated.ts`; driven by `src/bar/kernels/wasm.ts`, which lays out the linear
 * memory, copies the payload in and the columns out, patches exception rows and hands back to the
 * TypeScript decoder on any non-zero result.
 *
 * Two passes per frame:
 * 1. `ransPass` (one copy per probability precision P and per column count, so that both are
 *    constants): context selection and the rANS states, writing each field's symbol (as its byte
 *    offset in the symbol table) to a 16-byte-per-row scratch. One state per field and contexts from
 *    two rows back let a row's lookups overlap (with the context map at a static address and one
 *    accumulator, ~0.48 ns per output byte);
 * 2. `valuesPass` (one copy per column count and signed-wicks flag): raw bits, residual arithmetic
 *    in int64 and the exact division by 10^k.
 * Splitting keeps each loop's live values in registers (the fused loop spilled): ~5% faster, and the
 * specialised copies ~3% more. (f64x2 division was tried: no gain; replacing the divisions by
 * multiplications, for timing only, changed nothing either: the values pass is bound by its ~20
 * instructions per field.)
 *
 * Memory: static data {@link CTX_MAP} (context map: 5 fields × 64 u32 slot-table addresses, then 64
 * bytes of group starts of the field being read) and {@link SYMBOLS} (symbol table: 456 × 32 bytes,
 * u64 base, u64 raw-bit mask, i64 10^tz, u32 raw bits, u32 magnitude); then byte addresses chosen by
 * the caller (`scratch` 64-byte aligned; its first 16,640 bytes are unused, kept for the caller's layout):
 * ```
 * scratch + 16640  slot tables: maxTables × 2^P × 8 bytes (u32 freq | bias << 16, u32 symbol offset | magnitude << 16)
 * out              columns × rows float64 (open, high, low, close[, volume]), then rows × 16 bytes of symbols
 * payload          the stage payload, followed by >= 64 zero bytes
 * ```
 * Every read is bounded: the table section against its length, rANS words and raw bits once per row
 * against their streams (one row reads at most 5 words / 5 × 51 bits further, inside the 64 zero
 * bytes), so corrupt input returns an error code rather than reading outside the payload.
 *
 * @module
 */

/** rANS lower state bound L = 2^14 (as the TypeScript decoder). */
const RANS_L: u32 = 1 << 14;
/** Context values per field. */
const CONTEXT_VALUES: i32 = 64;
/** Symbols: 4 trailing-zero classes × 114 hybrid tokens. */
const BAR_SYMBOLS: i32 = 456;
const HYBRID_TOKENS: i32 = 114;
const HYBRID_DIRECT: i32 = 16;

/** Result codes (0 = ok). The JS side re-runs the TypeScript decoder to report the exact error. */
const ERR_TABLES: i32 = -1;
const ERR_STREAM: i32 = -2;
const ERR_END: i32 = -3;

/** Context map (5 fields × 64 u32 slot-table addresses, then 64 bytes of group starts), static. */
const CTX_MAP: usize = memory.data(1344, 64);
/** Symbol table (456 × 32 bytes, see {@link buildSymbols}), static. */
const SYMBOLS: usize = memory.data(456 * 32, 64);

/** Bytes before the slot tables: context map + group starts (2048) and symbol table (456 × 32). */
const SLOTS_OFFSET: usize = 16640;


/** Read cursor of the table section (module state: the decoder is single-threaded and synchronous). */
let tablePos: usize = 0;
let tableEnd: usize = 0;
let tableError: bool = false;

function readByte(): u32 {
  if (tablePos >= tableEnd) {
    tableError = true;
    return 0;
  }
  const b = <u32>load<u8>(tablePos);
  tablePos++;
  return b;
}

/** Unsigned LEB128 of at most 4 bytes (as `TableReader.varint`). */
function readVarint(): u32 {
  let v: u32 = 0;
  for (let shift: u32 = 0; shift < 28; shift += 7) {
    const b = readByte();
    v |= (b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
  tableError = true;
  return 0;
}

/**
 * Properties of symbol s (0..455) packed in a u32: raw-bit count nb (bits 0-5), context magnitude
 * (6-11), token base before the shift (12-15; base = low << nb) and the decimal multiplier 10^tz
 * (16-25). Mirrors `hybrid-token.ts` (SYMBOL_RAW_BITS, SYMBOL_MAG, SYMBOL_BASE, SYMBOL_MUL).
 */
function symbolInfo(s: i32): u32 {
  const tz = s / HYBRID_TOKENS;
  const t = s - tz * HYBRID_TOKENS;
  let nb: u32 = 0;
  let low: u32 = <u32>t;
  if (t >= HYBRID_DIRECT) {
    nb = <u32>(3 + ((t - HYBRID_DIRECT) >> 1)); // bit length b = 5 + (t-16)/2, raw bits b - 2
    low = 2 + <u32>((t - HYBRID_DIRECT) & 1);
  }
  const base: u64 = (<u64>low) << nb;
  // log2(10^tz) rounded as TZ_MAG = [0, 3, 7, 10]; multiplier 10^tz.
  const tzMag: u32 = tz === 0 ? 0 : tz === 1 ? 3 : tz === 2 ? 7 : 10;
  const mul: u32 = tz === 0 ? 1 : tz === 1 ? 10 : tz === 2 ? 100 : 1000;
  let mag: u32 = 0;
  if (base !== 0) {
    mag = <u32>(64 - clz<u64>(base)) + tzMag;
    if (mag > 63) mag = 63;
  }
  return nb | (mag << 6) | (low << 12) | (mul << 16);
}

/** Address of the symbol table built by {@link buildSymbols} (0: not built yet). */
let symbolsBuiltAt: usize = 0;

/**
 * Symbol table, 32 bytes per symbol s (0..455): u64 base (value before the raw bits), u64 mask of
 * the raw bits, i64 multiplier 10^tz, u32 raw-bit count, u32 magnitude. Built once per address (the
 * caller never writes there).
 */
function buildSymbols(symPtr: usize): void {
  if (symbolsBuiltAt === symPtr) return;
  for (let s = 0; s < BAR_SYMBOLS; s++) {
    const info = symbolInfo(s);
    const nb = info & 63;
    const at = symPtr + (<usize>s << 5);
    store<u64>(at, (<u64>((info >> 12) & 15)) << nb);
    store<u64>(at, ((<u64>1) << nb) - 1, 8);
    store<i64>(at, <i64>(info >> 16), 16);
    store<u32>(at, nb, 24);
    store<u32>(at, (info >> 6) & 63, 28);
  }
  symbolsBuiltAt = symPtr;
}

/**
 * Parses the table section (`rans-tables.ts` format) at [tablesPtr, tablesPtr + tableBytes) for
 * `columns` fields with the checks of `readTableInto` and fills the slot entries (8 bytes each: u32
 * freq | (slot − cum) << 16, u32 symbol-table offset s · 32 | magnitude << 16) at `slotsPtr` and the
 * context map (64 u32 slot-table addresses per field) at `ctxPtr`. At most `maxTables` tables.
 * Returns 0 or {@link ERR_TABLES}.
 */
function readTables(
  tablesPtr: usize,
  tableBytes: u32,
  columns: i32,
  P: u32,
  slotsPtr: usize,
  ctxPtr: usize,
  maxTables: i32,
): i32 {
  tablePos = tablesPtr;
  tableEnd = tablesPtr + tableBytes;
  tableError = false;
  const target: u32 = 1 << P;
  let tables: i32 = 0;
  // Group starts of the current field, 64 bytes of scratch right after the context map.
  const starts = ctxPtr + <usize>(5 * CONTEXT_VALUES * 4);
  for (let f = 0; f < columns; f++) {
    const groups = <i32>readVarint();
    if (tableError || groups < 1 || groups > CONTEXT_VALUES) return ERR_TABLES;
    if (tables + groups > maxTables) return ERR_TABLES;
    store<u8>(starts, 0);
    let prev: u32 = 0;
    for (let g = 1; g < groups; g++) {
      const s = readByte();
      if (tableError || s <= prev || s >= <u32>CONTEXT_VALUES) return ERR_TABLES;
      store<u8>(starts + g, <u8>s);
      prev = s;
    }
    for (let g = 0; g < groups; g++) {
      const tableBase = slotsPtr + ((<usize>(tables + g)) << (P + 3));
      const k = <i32>readVarint();
      if (tableError || k < 1 || k > BAR_SYMBOLS) return ERR_TABLES;
      let s: i32 = -1;
      let cum: u32 = 0;
      for (let j = 0; j < k; j++) {
        const gap = readVarint();
        const fm1 = readVarint();
        if (tableError) return ERR_TABLES;
        if (gap >= <u32>BAR_SYMBOLS) return ERR_TABLES;
        s += 1 + <i32>gap;
        if (s >= BAR_SYMBOLS) return ERR_TABLES;
        if (fm1 >= target) return ERR_TABLES;
        const freq = fm1 + 1;
        if (cum + freq > target) return ERR_TABLES;
        const hi: u64 = (<u64>((<u32>s << 5) | (((symbolInfo(s) >> 6) & 63) << 16))) << 32;
        const e: u64 = hi | <u64>freq;
        let at = tableBase + (<usize>cum << 3);
        for (let x: u32 = 0; x < freq; x++) {
          store<u64>(at, e | (<u64>x << 16));
          at += 8;
        }
        cum += freq;
      }
      if (cum !== target) return ERR_TABLES;
      const to: i32 = g + 1 < groups ? <i32>load<u8>(starts + g + 1) : CONTEXT_VALUES;
      for (let cv = <i32>load<u8>(starts + g); cv < to; cv++) {
        store<u32>(ctxPtr + (<usize>(f * CONTEXT_VALUES + cv) << 2), <u32>tableBase);
      }
    }
    tables += groups;
  }
  if (tablePos !== tableEnd) return ERR_TABLES;
  return 0;
}

/** One rANS decode step of state `x` (slot entry `e`): the state before renormalisation. */
@inline
function ransStep(e: u64, x: u32, P: u32): u32 {
  const lo = <u32>e;
  return (lo & 0xffff) * (x >> P) + (lo >> 16);
}

/**
 * Pass 1: for each row, the price context (the accumulator two rows back), then fields 0..C−1, each
 * from its own rANS state renormalised (in field order) from the shared 16-bit word stream; writes
 * each field's symbol-table offset (u16) to `symbuf` (16 bytes per row). The states' lookups and the
 * context update of a row do not wait on each other. The context map is read at its static address
 * {@link CTX_MAP}; inlined with constant P and `vol`.
 */
@inline
function ransPass(P: u32, n: usize, vol: bool, wStart: usize, wEnd: usize, symbuf: usize): i32 {
  const mask: u32 = (1 << P) - 1;
  let x0: u32 = (<u32>load<u16>(wStart) << 16) | <u32>load<u16>(wStart, 2);
  let x1: u32 = (<u32>load<u16>(wStart, 4) << 16) | <u32>load<u16>(wStart, 6);
  let x2: u32 = (<u32>load<u16>(wStart, 8) << 16) | <u32>load<u16>(wStart, 10);
  let x3: u32 = (<u32>load<u16>(wStart, 12) << 16) | <u32>load<u16>(wStart, 14);
  let x4: u32 = vol ? (<u32>load<u16>(wStart, 16) << 16) | <u32>load<u16>(wStart, 18) : RANS_L;
  // Every start state in [L, 2^30): x − L < 2^30 − L as unsigned.
  const span: u32 = (1 << 30) - RANS_L;
  if (x0 - RANS_L >= span || x1 - RANS_L >= span || x2 - RANS_L >= span) return ERR_STREAM;
  if (x3 - RANS_L >= span || x4 - RANS_L >= span) return ERR_STREAM;
  let wp: usize = wStart + (vol ? 20 : 16);
  let acc: u32 = 0;
  let spLag: u32 = 0;
  let e4: u32 = 0;
  let e4Lag: u32 = 0;
  let out = symbuf;
  const outEnd = symbuf + (n << 4);
  while (out < outEnd) {
    if (wp > wEnd) return ERR_STREAM;
    const sp = spLag > 63 ? 63 : spLag;
    spLag = acc >> 5;
    const ctxRow = CTX_MAP + <usize>(sp << 2);
    // The four lookups first (independent), then the steps and renormalisations (faster than field by
    // field, or than reading the slot entry as four u16, both of which V8 compiles with more spills).
    const e0 = load<u64>(<usize>load<u32>(ctxRow) + (<usize>(x0 & mask) << 3));
    const e1 = load<u64>(<usize>load<u32>(ctxRow, 256) + (<usize>(x1 & mask) << 3));
    const e2 = load<u64>(<usize>load<u32>(ctxRow, 512) + (<usize>(x2 & mask) << 3));
    const e3 = load<u64>(<usize>load<u32>(ctxRow, 768) + (<usize>(x3 & mask) << 3));
    x0 = ransStep(e0, x0, P);
    x1 = ransStep(e1, x1, P);
    x2 = ransStep(e2, x2, P);
    x3 = ransStep(e3, x3, P);
    let r = x0 < RANS_L;
    x0 = select<u32>((x0 << 16) | <u32>load<u16>(wp), x0, r);
    wp += <usize>r << 1;
    r = x1 < RANS_L;
    x1 = select<u32>((x1 << 16) | <u32>load<u16>(wp), x1, r);
    wp += <usize>r << 1;
    r = x2 < RANS_L;
    x2 = select<u32>((x2 << 16) | <u32>load<u16>(wp), x2, r);
    wp += <usize>r << 1;
    r = x3 < RANS_L;
    x3 = select<u32>((x3 << 16) | <u32>load<u16>(wp), x3, r);
    wp += <usize>r << 1;
    const h0 = <u32>(e0 >> 32);
    const h1 = <u32>(e1 >> 32);
    const h2 = <u32>(e2 >> 32);
    const h3 = <u32>(e3 >> 32);
    store<u16>(out, h0);
    store<u16>(out, h1, 2);
    store<u16>(out, h2, 4);
    store<u16>(out, h3, 6);
    acc = acc - (acc >> 4) + (h0 >> 16) + (h1 >> 16) + (h2 >> 16) + (h3 >> 16);
    if (vol) {
      const cv = e4Lag >> 1;
      e4Lag = e4;
      const e = load<u64>(<usize>load<u32>(CTX_MAP + (<usize>(cv > 63 ? 63 : cv) << 2), 1024) + (<usize>(x4 & mask) << 3));
      x4 = ransStep(e, x4, P);
      r = x4 < RANS_L;
      x4 = select<u32>((x4 << 16) | <u32>load<u16>(wp), x4, r);
      wp += <usize>r << 1;
      const h4 = <u32>(e >> 32);
      store<u16>(out, h4, 8);
      e4 = e4 - (e4 >> 2) + (h4 >> 16);
    }
    out += 16;
  }
  if ((x0 ^ RANS_L) | (x1 ^ RANS_L) | (x2 ^ RANS_L) | (x3 ^ RANS_L) | (x4 ^ RANS_L) || wp !== wEnd) return ERR_END;
  return 0;
}

/** The rANS pass for probability bits P (8..12), with or without volumes (constants in each copy). */
function ransPassFor(P: u32, n: usize, vol: bool, wStart: usize, wEnd: usize, symbuf: usize): i32 {
  if (vol) {
    if (P === 12) return ransPass(12, n, true, wStart, wEnd, symbuf);
    if (P === 11) return ransPass(11, n, true, wStart, wEnd, symbuf);
    if (P === 10) return ransPass(10, n, true, wStart, wEnd, symbuf);
    if (P === 9) return ransPass(9, n, true, wStart, wEnd, symbuf);
    return ransPass(8, n, true, wStart, wEnd, symbuf);
  }
  if (P === 12) return ransPass(12, n, false, wStart, wEnd, symbuf);
  if (P === 11) return ransPass(11, n, false, wStart, wEnd, symbuf);
  if (P === 10) return ransPass(10, n, false, wStart, wEnd, symbuf);
  if (P === 9) return ransPass(9, n, false, wStart, wEnd, symbuf);
  return ransPass(8, n, false, wStart, wEnd, symbuf);
}

/** Value of one field before its sign and multiplier: base | the next raw bits at bit address `bp`. */
@inline
function field(sym: usize, bits: usize, bp: u32): u64 {
  return load<u64>(sym) | ((load<u64>(bits + <usize>(bp >> 3)) >> <u64>(bp & 7)) & load<u64>(sym, 8));
}

/**
 * Pass 2: for each row, the fields' raw bits (LSB first, read as unaligned 64-bit words at bit address
 * `bp`), residuals in int64, the prices (open = previous close + d0, close = open + d1, high/low from
 * the body and the wicks) and the volume, each divided by its power of ten into the output columns.
 */
@inline
function valuesPass(
  n: usize,
  vol: bool,
  signed: bool,
  symPtr: usize,
  symbuf: usize,
  bits: usize,
  bitCount: u32,
  outPtr: usize,
  stride: usize,
  pp: f64,
  pv: f64,
): i32 {
  let bp: u32 = 0;
  let prevC: i64 = 0;
  let src = symbuf;
  let out = outPtr;
  const outEnd = outPtr + stride;
  while (out < outEnd) {
    if (bp > bitCount) return ERR_STREAM;
    let sym = symPtr + <usize>load<u16>(src);
    let q = field(sym, bits, bp);
    bp += load<u32>(sym, 24);
    const o = prevC + (<i64>((q >> 1) ^ (0 - (q & 1)))) * load<i64>(sym, 16);
    sym = symPtr + <usize>load<u16>(src, 2);
    q = field(sym, bits, bp);
    bp += load<u32>(sym, 24);
    const cl = o + (<i64>((q >> 1) ^ (0 - (q & 1)))) * load<i64>(sym, 16);
    sym = symPtr + <usize>load<u16>(src, 4);
    q = field(sym, bits, bp);
    bp += load<u32>(sym, 24);
    const w2 = (signed ? <i64>((q >> 1) ^ (0 - (q & 1))) : <i64>q) * load<i64>(sym, 16);
    sym = symPtr + <usize>load<u16>(src, 6);
    q = field(sym, bits, bp);
    bp += load<u32>(sym, 24);
    const w3 = (signed ? <i64>((q >> 1) ^ (0 - (q & 1))) : <i64>q) * load<i64>(sym, 16);
    const hiBody = o > cl ? o : cl;
    const loBody = o < cl ? o : cl;
    store<f64>(out, <f64>o / pp);
    store<f64>(out + stride, <f64>(hiBody + w2) / pp);
    store<f64>(out + stride * 2, <f64>(loBody - w3) / pp);
    store<f64>(out + stride * 3, <f64>cl / pp);
    prevC = cl;
    if (vol) {
      sym = symPtr + <usize>load<u16>(src, 8);
      q = field(sym, bits, bp);
      bp += load<u32>(sym, 24);
      store<f64>(out + stride * 4, <f64>(<i64>q * load<i64>(sym, 16)) / pv);
    }
    src += 16;
    out += 8;
  }
  if ((bp + 7) >> 3 !== bitCount >> 3) return ERR_END;
  return 0;
}

/**
 * Decodes one bar payload was copied to `payloadPtr` (followed by >= 64 zero
 * bytes): exception rows are skipped (the caller patches them), tables read into the scratch at
 * `scratch` (see the module doc), then `rows` rows written as `columns` float64 columns at `outPtr`
 * (column-major: open, high, low, close[, volume]), followed by rows × 16 bytes of symbol scratch.
 * `pp`/`pv` are 10^priceScale / 10^volumeScale, `signed` the signed-wicks flag; the params must have
 * been validated (`readBarParams`). Returns 0, or a negative code for corrupt data (outputs then
 * unspecified).
 */
export function decode(
  payloadPtr: usize,
  payloadBytes: u32,
  exceptionBytes: u32,
  tableBytes: u32,
  codedBytes: u32,
  rows: i32,
  columns: i32,
  P: u32,
  pp: f64,
  pv: f64,
  signed: bool,
  scratch: usize,
  maxTables: i32,
  outPtr: usize,
): i32 {
  const ctxPtr = CTX_MAP;
  const symPtr = SYMBOLS;
  const tablesPtr = payloadPtr + exceptionBytes;
  buildSymbols(symPtr);
  const rc = readTables(tablesPtr, tableBytes, columns, P, scratch + SLOTS_OFFSET, ctxPtr, maxTables);
  if (rc !== 0) return rc;
  const wStart = tablesPtr + tableBytes;
  const wEnd = wStart + codedBytes;
  // Raw bits: positions from the stream's start (< 2^31, checked by the params reader).
  const bits = wEnd;
  const bitCount = (payloadPtr + payloadBytes - wEnd) << 3;
  const n = <usize>rows;
  const stride = n << 3;
  const vol = columns === 5;
  const symbuf = outPtr + stride * <usize>columns;
  const r = ransPassFor(P, n, vol, wStart, wEnd, symbuf);
  if (r !== 0) return r;
  if (vol) {
    if (signed) return valuesPass(n, true, true, symPtr, symbuf, bits, bitCount, outPtr, stride, pp, pv);
    return valuesPass(n, true, false, symPtr, symbuf, bits, bitCount, outPtr, stride, pp, pv);
  }
  if (signed) return valuesPass(n, false, true, symPtr, symbuf, bits, bitCount, outPtr, stride, pp, pv);
  return valuesPass(n, false, false, symPtr, symbuf, bits, bitCount, outPtr, stride, pp, pv);
}
