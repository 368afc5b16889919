/**
 * AssemblyScript decoder of the `bar` stage's layout 2 (static interleaved rANS; the format is
 * documented in `src/bar/bar-codec-v2.ts`, whose TypeScript decoder is the reference). Compiled by
 * `scripts/build-wasm.mjs` (asc -O3, stub runtime: no GC, nothing allocated; entry `index.ts`) into
 * `src/wasm/wasm-bytes.generated.ts`; driven by `src/bar/bar-decode-v2-wasm.ts`, which lays out the
 * linear memory, copies the payload in and the columns out, patches exception rows and falls back to
 * the TypeScript decoder on any non-zero result.
 *
 * Two passes per frame:
 * 1. `ransPass` (one copy per probability precision P, so that P is a constant): the serial part,
 *    context selection and the two interleaved rANS states, writing each field's symbol (as its byte
 *    offset in the symbol table) to a 16-byte-per-row scratch;
 * 2. `valuesPass` (one copy per column count and signed-wicks flag): raw bits, residual arithmetic
 *    in int64 and the exact division by 10^k.
 * Splitting keeps each loop's live values in registers (the fused loop spilled): ~5% faster, and the
 * specialised copies ~3% more. (f64x2 division was tried: no gain.)
 *
 * Memory (byte addresses chosen by the caller, `scratch` 64-byte aligned):
 * ```
 * scratch +     0  context map: 5 fields × 64 u32 slot-table addresses
 * scratch +  1280  64 bytes: group starts of the field being read
 * scratch +  2048  symbol table: 456 × 32 bytes (u64 base, u64 raw-bit mask, i64 10^tz, u32 raw bits, u32 magnitude)
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

/**
 * Pass 1: for each row, the price context, then fields 0..3 (and 4) from the two rANS states (A: 0,
 * 2, 4; B: 1, 3), each state renormalised from the shared 16-bit word stream; writes each field's
 * symbol-table offset (u16) to `symbuf` (16 bytes per row). Inlined with a constant P.
 */
@inline
function ransPass(
  P: u32,
  n: usize,
  vol: bool,
  ctxPtr: usize,
  wStart: usize,
  wEnd: usize,
  symbuf: usize,
): i32 {
  const mask: u32 = (1 << P) - 1;
  let xa: u32 = (<u32>load<u16>(wStart) << 16) | <u32>load<u16>(wStart, 2);
  let xb: u32 = (<u32>load<u16>(wStart, 4) << 16) | <u32>load<u16>(wStart, 6);
  if (xa < RANS_L || xa >= 1 << 30 || xb < RANS_L || xb >= 1 << 30) return ERR_STREAM;
  let wp: usize = wStart + 8;
  let a0: u32 = 0;
  let a1: u32 = 0;
  let a2: u32 = 0;
  let a3: u32 = 0;
  let e4: u32 = 0;
  let out = symbuf;
  const outEnd = symbuf + (n << 4);
  while (out < outEnd) {
    if (wp > wEnd) return ERR_STREAM;
    let sp = (a0 + a1 + a2 + a3) >> 5;
    sp = sp > 63 ? 63 : sp;
    const ctxRow = ctxPtr + <usize>(sp << 2);
    let e = load<u64>(<usize>load<u32>(ctxRow) + (<usize>(xa & mask) << 3));
    let lo = <u32>e;
    xa = (lo & 0xffff) * (xa >> P) + (lo >> 16);
    let r = xa < RANS_L;
    xa = select<u32>((xa << 16) | <u32>load<u16>(wp), xa, r);
    wp += <usize>r << 1;
    let hi = <u32>(e >> 32);
    store<u16>(out, hi);
    const m0 = hi >> 16;
    e = load<u64>(<usize>load<u32>(ctxRow, 256) + (<usize>(xb & mask) << 3));
    lo = <u32>e;
    xb = (lo & 0xffff) * (xb >> P) + (lo >> 16);
    r = xb < RANS_L;
    xb = select<u32>((xb << 16) | <u32>load<u16>(wp), xb, r);
    wp += <usize>r << 1;
    hi = <u32>(e >> 32);
    store<u16>(out, hi, 2);
    const m1 = hi >> 16;
    e = load<u64>(<usize>load<u32>(ctxRow, 512) + (<usize>(xa & mask) << 3));
    lo = <u32>e;
    xa = (lo & 0xffff) * (xa >> P) + (lo >> 16);
    r = xa < RANS_L;
    xa = select<u32>((xa << 16) | <u32>load<u16>(wp), xa, r);
    wp += <usize>r << 1;
    hi = <u32>(e >> 32);
    store<u16>(out, hi, 4);
    const m2 = hi >> 16;
    e = load<u64>(<usize>load<u32>(ctxRow, 768) + (<usize>(xb & mask) << 3));
    lo = <u32>e;
    xb = (lo & 0xffff) * (xb >> P) + (lo >> 16);
    r = xb < RANS_L;
    xb = select<u32>((xb << 16) | <u32>load<u16>(wp), xb, r);
    wp += <usize>r << 1;
    hi = <u32>(e >> 32);
    store<u16>(out, hi, 6);
    const m3 = hi >> 16;
    a0 = a0 - (a0 >> 4) + m0;
    a1 = a1 - (a1 >> 4) + m1;
    a2 = a2 - (a2 >> 4) + m2;
    a3 = a3 - (a3 >> 4) + m3;
    if (vol) {
      const cv = e4 >> 1;
      e = load<u64>(<usize>load<u32>(ctxPtr + (<usize>(cv > 63 ? 63 : cv) << 2), 1024) + (<usize>(xa & mask) << 3));
      lo = <u32>e;
      xa = (lo & 0xffff) * (xa >> P) + (lo >> 16);
      r = xa < RANS_L;
      xa = select<u32>((xa << 16) | <u32>load<u16>(wp), xa, r);
      wp += <usize>r << 1;
      hi = <u32>(e >> 32);
      store<u16>(out, hi, 8);
      e4 = e4 - (e4 >> 2) + (hi >> 16);
    }
    out += 16;
  }
  if (xa !== RANS_L || xb !== RANS_L || wp !== wEnd) return ERR_END;
  return 0;
}

/** Value of one field before its sign and multiplier: base | the next raw bits at bit address `bp`. */
@inline
function field(sym: usize, bp: u64): u64 {
  return load<u64>(sym) | ((load<u64>(<usize>(bp >> 3)) >> (bp & 7)) & load<u64>(sym, 8));
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
  bitsStart: u64,
  bitsEnd: u64,
  outPtr: usize,
  stride: usize,
  pp: f64,
  pv: f64,
): i32 {
  let bp = bitsStart;
  let prevC: i64 = 0;
  let src = symbuf;
  let out = outPtr;
  const outEnd = outPtr + stride;
  while (out < outEnd) {
    if (bp > bitsEnd) return ERR_STREAM;
    let sym = symPtr + <usize>load<u16>(src);
    let q = field(sym, bp);
    bp += <u64>load<u32>(sym, 24);
    const o = prevC + (<i64>((q >> 1) ^ (0 - (q & 1)))) * load<i64>(sym, 16);
    sym = symPtr + <usize>load<u16>(src, 2);
    q = field(sym, bp);
    bp += <u64>load<u32>(sym, 24);
    const cl = o + (<i64>((q >> 1) ^ (0 - (q & 1)))) * load<i64>(sym, 16);
    sym = symPtr + <usize>load<u16>(src, 4);
    q = field(sym, bp);
    bp += <u64>load<u32>(sym, 24);
    const w2 = (signed ? <i64>((q >> 1) ^ (0 - (q & 1))) : <i64>q) * load<i64>(sym, 16);
    sym = symPtr + <usize>load<u16>(src, 6);
    q = field(sym, bp);
    bp += <u64>load<u32>(sym, 24);
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
      q = field(sym, bp);
      bp += <u64>load<u32>(sym, 24);
      store<f64>(out + stride * 4, <f64>(<i64>q * load<i64>(sym, 16)) / pv);
    }
    src += 16;
    out += 8;
  }
  if (((bp - bitsStart + 7) >> 3) !== ((bitsEnd - bitsStart) >> 3)) return ERR_END;
  return 0;
}

/**
 * Decodes one layout-2 frame whose payload was copied to `payloadPtr` (followed by >= 64 zero
 * bytes): exception rows are skipped (the caller patches them), tables read into the scratch at
 * `scratch` (see the module doc), then `rows` rows written as `columns` float64 columns at `outPtr`
 * (column-major: open, high, low, close[, volume]), followed by rows × 16 bytes of symbol scratch.
 * `pp`/`pv` are 10^priceScale / 10^volumeScale, `signed` the signed-wicks flag; the params must have
 * been validated (`readBarRansParams`). Returns 0, or a negative code for corrupt data (outputs then
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
  const ctxPtr = scratch;
  const symPtr = scratch + 2048;
  const tablesPtr = payloadPtr + exceptionBytes;
  buildSymbols(symPtr);
  const rc = readTables(tablesPtr, tableBytes, columns, P, scratch + SLOTS_OFFSET, ctxPtr, maxTables);
  if (rc !== 0) return rc;
  const wStart = tablesPtr + tableBytes;
  const wEnd = wStart + codedBytes;
  const bitsStart = (<u64>wEnd) << 3;
  const bitsEnd = (<u64>(payloadPtr + payloadBytes)) << 3;
  const n = <usize>rows;
  const stride = n << 3;
  const vol = columns === 5;
  const symbuf = outPtr + stride * <usize>columns;
  let r: i32;
  if (P === 12) r = ransPass(12, n, vol, ctxPtr, wStart, wEnd, symbuf);
  else if (P === 11) r = ransPass(11, n, vol, ctxPtr, wStart, wEnd, symbuf);
  else if (P === 10) r = ransPass(10, n, vol, ctxPtr, wStart, wEnd, symbuf);
  else if (P === 9) r = ransPass(9, n, vol, ctxPtr, wStart, wEnd, symbuf);
  else r = ransPass(8, n, vol, ctxPtr, wStart, wEnd, symbuf);
  if (r !== 0) return r;
  if (vol) {
    if (signed) return valuesPass(n, true, true, symPtr, symbuf, bitsStart, bitsEnd, outPtr, stride, pp, pv);
    return valuesPass(n, true, false, symPtr, symbuf, bitsStart, bitsEnd, outPtr, stride, pp, pv);
  }
  if (signed) return valuesPass(n, false, true, symPtr, symbuf, bitsStart, bitsEnd, outPtr, stride, pp, pv);
  return valuesPass(n, false, false, symPtr, symbuf, bitsStart, bitsEnd, outPtr, stride, pp, pv);
}
