/**
 * LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md), written from the
 * spec: sequences of token (literal length high nibble, match length - 4 low nibble), 255-extended
 * lengths, literals, a 2-byte little-endian offset. The encoder is a greedy single-probe hash matcher
 * (like LZ4_compress_fast at acceleration 1, not byte-identical to it); the decoder accepts any valid
 * block and bounds-checks every read and write.
 *
 * @module
 */

const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the end, and the last 5 bytes are literals. */
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
const HASH_LOG = 16;
const MAX_OFFSET = 65535;

let table = new Int32Array(1 << HASH_LOG);

/** Upper bound of the compressed size of `n` bytes (LZ4_compressBound). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function read32(b: Uint8Array, i: number): number {
  return (
    (b[i] as number) |
    ((b[i + 1] as number) << 8) |
    ((b[i + 2] as number) << 16) |
    ((b[i + 3] as number) << 24) |
    0
  );
}

function writeLength(out: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    out[op++] = 255;
    rest -= 255;
  }
  out[op++] = rest;
  return op;
}

/** Compresses `src` into one LZ4 block. */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(lz4CompressBound(n));
  if (table.length !== 1 << HASH_LOG) table = new Int32Array(1 << HASH_LOG);
  table.fill(-1);
  let op = 0;
  let anchor = 0;
  let ip = 0;
  const mfLimit = n - MF_LIMIT;
  const matchLimit = n - LAST_LITERALS;
  while (ip < mfLimit) {
    const seq = read32(src, ip);
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_LOG);
    const ref = table[h] as number;
    table[h] = ip;
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      ip++;
      continue;
    }
    let len = MIN_MATCH;
    while (ip + len < matchLimit && src[ref + len] === src[ip + len]) len++;
    const litLen = ip - anchor;
    const tokenAt = op++;
    const ml = len - MIN_MATCH;
    out[tokenAt] = ((litLen >= 15 ? 15 : litLen) << 4) | (ml >= 15 ? 15 : ml);
    if (litLen >= 15) op = writeLength(out, op, litLen - 15);
    out.set(src.subarray(anchor, ip), op);
    op += litLen;
    const offset = ip - ref;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    if (ml >= 15) op = writeLength(out, op, ml - 15);
    ip += len;
    anchor = ip;
  }
  const litLen = n - anchor;
  out[op++] = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = writeLength(out, op, litLen - 15);
  out.set(src.subarray(anchor), op);
  op += litLen;
  return out.subarray(0, op);
}

/**
 * Decompresses one LZ4 block that must expand to exactly `rawLengthBytes`.
 *
 * @throws RangeError malformed block (the caller wraps it in a typed error).
 */
export function lz4DecompressBlock(
  src: Uint8Array,
  rawLengthBytes: number,
  out = new Uint8Array(rawLengthBytes),
): Uint8Array {
  const end = src.length;
  let ip = 0;
  let op = 0;
  const fail = (what: string): never => {
    throw new RangeError(`lz4 block: ${what} at input byte ${ip}, output byte ${op}`);
  };
  while (ip < end) {
    const token = src[ip++] as number;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) fail('truncated literal length');
        b = src[ip++] as number;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > end || op + lit > rawLengthBytes) fail('literals overrun');
    out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === end) break; // last sequence has no match
    if (ip + 2 > end) fail('truncated offset');
    const offset = (src[ip] as number) | ((src[ip + 1] as number) << 8);
    ip += 2;
    if (offset === 0 || offset > op) fail(`bad offset ${offset}`);
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= end) fail('truncated match length');
        b = src[ip++] as number;
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (op + len > rawLengthBytes) fail('match overrun');
    let ref = op - offset;
    if (offset >= len) {
      out.copyWithin(op, ref, ref + len);
      op += len;
    } else {
      for (let k = 0; k < len; k++) out[op++] = out[ref++] as number;
    }
  }
  if (op !== rawLengthBytes) fail(`decoded ${op} bytes, expected ${rawLengthBytes}`);
  return out;
}
