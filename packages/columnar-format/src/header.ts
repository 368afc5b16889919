/**
 * Fixed header of a column file (FORMAT.md, "Header"). All integers little-endian.
 *
 * | offset | size | field                                                          |
 * |-------:|-----:|----------------------------------------------------------------|
 * |      0 |    8 | magic `4D 4D 54 41 50 45 00 01` = "MMTAPE" NUL 01              |
 * |      8 |    2 | u16 formatVersion (= 2)                                        |
 * |     10 |    2 | u16 flags (bit 0: rows sorted by `ts`)                         |
 * |     12 |    4 | u32 headerLengthBytes (through the header checksum)            |
 * |     16 |    8 | u64 rowCount                                                   |
 * |     24 |    4 | u32 columnCount                                                |
 * |     28 |    4 | u32 checksumBlockBytes (power of two, 4 KiB … 1 GiB)           |
 * |     32 |    2 | u16 symbolLengthBytes, then the UTF-8 symbol                   |
 *
 * The header ends with the descriptors, the block checksum table and the XXH64 of every header byte
 * before it (`[0, headerLengthBytes - 8)`), see {@link verifyHeaderChecksum}.
 */

import { writeXxh64, xxh64Mismatch } from './checksum.js';
import {
  BadHeaderError,
  BadMagicError,
  HeaderChecksumMismatchError,
  TruncatedFileError,
  UnsupportedVersionError,
} from './errors.js';

/** "MMTAPE" in ASCII, a NUL (stops C string tools), then 0x01 (magic revision). */
export const MAGIC: Uint8Array = Uint8Array.of(0x4d, 0x4d, 0x54, 0x41, 0x50, 0x45, 0x00, 0x01);
/** The only format version this package writes and reads (2: block checksums and a header checksum). */
export const FORMAT_VERSION = 2;
/** Flag bit 0: the `ts` column is non-decreasing. */
export const FLAG_SORTED_BY_TIMESTAMP = 0x0001;
/** Column data offsets are multiples of this (one cache line; covers every dtype's alignment). */
export const COLUMN_ALIGNMENT_BYTES = 64;
/** Bytes of the fixed part, from the magic through the symbol length field. */
export const FIXED_HEADER_BYTES = 34;
/** Bytes of the header checksum, the last field of the header (XXH64 as a little-endian u64). */
export const HEADER_CHECKSUM_BYTES = 8;
/** Smallest checksum block: one page. */
export const MIN_CHECKSUM_BLOCK_BYTES = 4096;
/** Largest checksum block: 1 GiB (half the 2 GiB mapping limit, so a block is never a whole big file by accident). */
export const MAX_CHECKSUM_BLOCK_BYTES = 2 ** 30;

/** Decoded fixed header. */
export interface FileHeader {
  formatVersion: number;
  flags: number;
  headerLengthBytes: number;
  rowCount: number;
  columnCount: number;
  /** Bytes per checksum block of every column (the last block of a column may be shorter). */
  checksumBlockBytes: number;
  symbol: string;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Names up to this many bytes are decoded by {@link decodeUtf8At}'s ASCII fast path. */
const ASCII_FAST_PATH_BYTES = 64;

/**
 * Decodes strict UTF-8 bytes `[start, end)` of `buf`. Short pure-ASCII input (symbols, column names: the
 * usual case) is decoded in place, without the `subarray` view and the `TextDecoder` call (together
 * ~1 µs, which dominated the parse of a header when thousands of files are opened); ASCII is valid
 * UTF-8 with the same code points. Anything else goes through {@link decodeUtf8}.
 * @throws BadHeaderError naming `what` on invalid bytes.
 */
export function decodeUtf8At(
  buf: Uint8Array,
  start: number,
  end: number,
  path: string,
  what: string,
): string {
  if (end - start <= ASCII_FAST_PATH_BYTES) {
    let ascii = '';
    let i = start;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x80) break;
      ascii += String.fromCharCode(b);
    }
    if (i === end) return ascii;
  }
  return decodeUtf8(buf.subarray(start, end), path, what, start);
}

/** Decodes strict UTF-8; throws BadHeaderError naming `what` on invalid bytes. */
export function decodeUtf8(bytes: Uint8Array, path: string, what: string, offsetBytes: number): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new BadHeaderError(`${path}: ${what} at byte ${offsetBytes} is not valid UTF-8`, {
      path,
      offsetBytes,
      cause,
    });
  }
}

/**
 * Validates and decodes the fixed header and the symbol from `buf` (the whole file). With `verify`
 * (default true) the header checksum is checked as soon as the header length is known to be inside the
 * file, before any other field is trusted.
 * @throws TruncatedFileError, BadMagicError, UnsupportedVersionError, HeaderChecksumMismatchError,
 *   BadHeaderError
 */
export function readFileHeader(buf: Buffer, path: string, verify = true): FileHeader {
  const fileBytes = buf.byteLength;
  if (fileBytes < FIXED_HEADER_BYTES) {
    throw new TruncatedFileError(
      `${path}: file has ${fileBytes} bytes but the fixed header needs ${FIXED_HEADER_BYTES}`,
      { path, expected: FIXED_HEADER_BYTES, actual: fileBytes },
    );
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (buf[i] !== MAGIC[i]) {
      throw new BadMagicError(
        `${path}: bad magic, expected ${hex(MAGIC)} but found ${hex(buf.subarray(0, MAGIC.length))}`,
        { path, offsetBytes: 0, expected: hex(MAGIC), actual: hex(buf.subarray(0, MAGIC.length)) },
      );
    }
  }
  const formatVersion = buf.readUInt16LE(8);
  if (formatVersion !== FORMAT_VERSION) {
    throw new UnsupportedVersionError(
      `${path}: format version ${formatVersion} is not supported, expected ${FORMAT_VERSION}`,
      { path, offsetBytes: 8, expected: FORMAT_VERSION, actual: formatVersion },
    );
  }
  const flags = buf.readUInt16LE(10);
  const headerLengthBytes = buf.readUInt32LE(12);
  const minHeaderBytes = FIXED_HEADER_BYTES + HEADER_CHECKSUM_BYTES;
  if (headerLengthBytes < minHeaderBytes) {
    throw new BadHeaderError(
      `${path}: header length ${headerLengthBytes} is smaller than the fixed header and checksum (${minHeaderBytes} bytes)`,
      { path, offsetBytes: 12, expected: `>= ${minHeaderBytes}`, actual: headerLengthBytes },
    );
  }
  if (headerLengthBytes > fileBytes) {
    throw new TruncatedFileError(
      `${path}: header ends at byte ${headerLengthBytes} but file has ${fileBytes} bytes`,
      { path, offsetBytes: 12, expected: headerLengthBytes, actual: fileBytes },
    );
  }
  if (verify) verifyHeaderChecksum(buf, path, headerLengthBytes);
  const rowCount = readU64AsNumber(buf, 16);
  if (rowCount < 0) {
    const rowCountBig = buf.readBigUInt64LE(16);
    throw new BadHeaderError(`${path}: row count ${rowCountBig} exceeds ${Number.MAX_SAFE_INTEGER}`, {
      path,
      offsetBytes: 16,
      expected: `<= ${Number.MAX_SAFE_INTEGER}`,
      actual: rowCountBig.toString(),
    });
  }
  const columnCount = buf.readUInt32LE(24);
  const checksumBlockBytes = buf.readUInt32LE(28);
  if (!isValidChecksumBlockBytes(checksumBlockBytes)) {
    throw new BadHeaderError(
      `${path}: checksum block size ${checksumBlockBytes} is not a power of two in ${MIN_CHECKSUM_BLOCK_BYTES}..${MAX_CHECKSUM_BLOCK_BYTES}`,
      {
        path,
        offsetBytes: 28,
        expected: `power of two in ${MIN_CHECKSUM_BLOCK_BYTES}..${MAX_CHECKSUM_BLOCK_BYTES}`,
        actual: checksumBlockBytes,
      },
    );
  }
  const symbolLengthBytes = buf.readUInt16LE(32);
  const symbolEnd = FIXED_HEADER_BYTES + symbolLengthBytes;
  if (symbolEnd > headerLengthBytes) {
    throw new BadHeaderError(
      `${path}: symbol ends at byte ${symbolEnd} but header length is ${headerLengthBytes}`,
      { path, offsetBytes: 32, expected: `<= ${headerLengthBytes}`, actual: symbolEnd },
    );
  }
  const symbol = decodeUtf8At(buf, FIXED_HEADER_BYTES, symbolEnd, path, 'symbol');
  return { formatVersion, flags, headerLengthBytes, rowCount, columnCount, checksumBlockBytes, symbol };
}

/** True when `n` is a power of two in {@link MIN_CHECKSUM_BLOCK_BYTES}..{@link MAX_CHECKSUM_BLOCK_BYTES}. */
export function isValidChecksumBlockBytes(n: number): boolean {
  return (
    Number.isInteger(n) &&
    n >= MIN_CHECKSUM_BLOCK_BYTES &&
    n <= MAX_CHECKSUM_BLOCK_BYTES &&
    (n & (n - 1)) === 0
  );
}

/**
 * Checks the header checksum: the u64 at `headerLengthBytes - 8` must be the XXH64 of bytes
 * `[0, headerLengthBytes - 8)` (fixed header, symbol, descriptors with their dtype codes, offsets and
 * stats, and the block checksum table). `headerLengthBytes` must already be within `buf`.
 * @throws HeaderChecksumMismatchError with expected (stored) vs actual (computed) as 16 hex digits.
 */
export function verifyHeaderChecksum(buf: Buffer, path: string, headerLengthBytes: number): void {
  const at = headerLengthBytes - HEADER_CHECKSUM_BYTES;
  const bad = xxh64Mismatch(new Uint8Array(buf.buffer, buf.byteOffset, at), buf, at);
  if (bad !== undefined) {
    throw new HeaderChecksumMismatchError(
      `${path}: header checksum mismatch: bytes 0..${at} hash to XXH64 ${bad.actual} but the header stores ${bad.expected} (header or descriptors corrupt)`,
      { path, offsetBytes: at, expected: bad.expected, actual: bad.actual },
    );
  }
}

/**
 * The u64 little-endian at `offsetBytes` of `buf` as a number, or -1 when it exceeds
 * `Number.MAX_SAFE_INTEGER` (2^53 - 1). Two u32 reads: no BigInt is allocated on the open path.
 */
export function readU64AsNumber(buf: Buffer, offsetBytes: number): number {
  const lo = buf.readUInt32LE(offsetBytes);
  const hi = buf.readUInt32LE(offsetBytes + 4);
  // The usual case (< 4 GiB) returns the low word itself, which V8 keeps a small integer when it is
  // below 2^30 (no HeapNumber per offset and length in the descriptors of thousands of open files).
  if (hi === 0) return lo;
  // 2^21 = 2^53 / 2^32: a high word below it keeps the value a safe integer.
  return hi < 0x200000 ? hi * 0x100000000 + lo : -1;
}

/** Writes the fixed header and symbol into `out` (at least `FIXED_HEADER_BYTES + symbol bytes`). Returns bytes written. */
export function writeFileHeader(
  out: Buffer,
  h: {
    flags: number;
    headerLengthBytes: number;
    rowCount: number;
    columnCount: number;
    checksumBlockBytes: number;
    symbolBytes: Uint8Array;
  },
): number {
  out.set(MAGIC, 0);
  out.writeUInt16LE(FORMAT_VERSION, 8);
  out.writeUInt16LE(h.flags, 10);
  out.writeUInt32LE(h.headerLengthBytes, 12);
  out.writeBigUInt64LE(BigInt(h.rowCount), 16);
  out.writeUInt32LE(h.columnCount, 24);
  out.writeUInt32LE(h.checksumBlockBytes, 28);
  out.writeUInt16LE(h.symbolBytes.byteLength, 32);
  out.set(h.symbolBytes, FIXED_HEADER_BYTES);
  return FIXED_HEADER_BYTES + h.symbolBytes.byteLength;
}

/** Rounds `n` up to a multiple of {@link COLUMN_ALIGNMENT_BYTES}. */
export function alignUp(n: number): number {
  return Math.ceil(n / COLUMN_ALIGNMENT_BYTES) * COLUMN_ALIGNMENT_BYTES;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Writes the header checksum into the last 8 bytes of `header` (the complete header, every other byte final). */
export function writeHeaderChecksum(header: Buffer): void {
  const at = header.byteLength - HEADER_CHECKSUM_BYTES;
  writeXxh64(header, at, header.subarray(0, at));
}
