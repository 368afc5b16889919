/**
 * Column descriptors (FORMAT.md, "Column descriptors"): after the symbol, `columnCount` entries of
 * `u16 nameLengthBytes, UTF-8 name, u8 dtype code, u8 statsFlags, u64 offsetBytes, u64 lengthBytes,
 * 8-byte min, 8-byte max`. The block checksum table follows them (`block-checksum-table.ts`).
 */

import { type ColumnData, DTYPE_CODE, DTYPE_SIZE_BYTES, type DType, dtypeFromCode } from './dtype.js';
import {
  BadHeaderError,
  ColumnLengthMismatchError,
  ColumnOutOfBoundsError,
  MisalignedColumnError,
  TruncatedFileError,
} from './errors.js';
import {
  COLUMN_ALIGNMENT_BYTES,
  decodeUtf8At,
  type FileHeader,
  HEADER_CHECKSUM_BYTES,
  readU64AsNumber,
} from './header.js';

/**
 * Where a column lives in a file and its value range. `offsetBytes` is from the start of the
 * file. `min`/`max` ignore NaN; they are `undefined` when the column has no non-NaN value (0 rows or
 * all NaN). Integer dtypes give `bigint` for i64 and `number` for i32/u8; float dtypes give `number`.
 */
export interface ColumnDescriptor {
  name: string;
  dtype: DType;
  offsetBytes: number;
  lengthBytes: number;
  /** Smallest non-NaN value, or undefined (see above). */
  min?: number | bigint | undefined;
  /** Largest non-NaN value, or undefined. */
  max?: number | bigint | undefined;
}

/** Fixed bytes per descriptor besides its name: u16 name length + u8 dtype + u8 stats flags + u64 offset + u64 length + 8 min + 8 max. */
export const DESCRIPTOR_FIXED_BYTES = 2 + 1 + 1 + 8 + 8 + 8 + 8;

/** statsFlags bit 0: `min`/`max` hold values (else they are zero bytes and meaningless). */
export const STATS_PRESENT = 0x01;

/**
 * Reads and validates all descriptors, starting at `startBytes`; they must end before the header
 * checksum (the block checksum table between them is checked by `checkBlockChecksumTable`). Returns the
 * descriptors in file order and where the last one ends.
 * Checks: inside the header, known dtype, unique non-empty names, offset after the header, offset
 * 64-byte aligned, `offset + length <= file size`, `length == rowCount * dtypeSize`, no overlaps.
 */
export function readColumnDescriptors(
  buf: Buffer,
  path: string,
  header: FileHeader,
  startBytes: number,
): { columns: ColumnDescriptor[]; endBytes: number } {
  const fileBytes = buf.byteLength;
  const end = header.headerLengthBytes - HEADER_CHECKSUM_BYTES;
  const headerEnd = header.headerLengthBytes;
  const out: ColumnDescriptor[] = [];
  let pos = startBytes;
  for (let i = 0; i < header.columnCount; i++) {
    if (pos + 2 > end) throw descriptorOverrun(path, i, pos + 2, end);
    const nameLen = buf.readUInt16LE(pos);
    const nameStart = pos + 2;
    const after = nameStart + nameLen + DESCRIPTOR_FIXED_BYTES - 2;
    if (after > end) throw descriptorOverrun(path, i, after, end);
    const name = internColumnName(buf, nameStart, nameStart + nameLen, path, i);
    let duplicate = false;
    for (let k = 0; k < out.length; k++) if (out[k]!.name === name) duplicate = true;
    if (name.length === 0 || duplicate) {
      throw new BadHeaderError(
        `${path}: column ${i} has ${name ? `duplicate name "${name}"` : 'an empty name'}`,
        {
          path,
          offsetBytes: nameStart,
          field: name,
        },
      );
    }
    let p = nameStart + nameLen;
    const code = buf.readUInt8(p);
    const dtype = dtypeFromCode(code);
    if (dtype === undefined) {
      throw new BadHeaderError(`${path}: column "${name}" has unknown dtype code ${code}, expected 1..5`, {
        path,
        offsetBytes: p,
        field: name,
        expected: '1..5',
        actual: code,
      });
    }
    p += 1;
    const statsFlags = buf.readUInt8(p);
    if ((statsFlags & ~STATS_PRESENT) !== 0) {
      throw new BadHeaderError(
        `${path}: column "${name}" has stats flags 0x${statsFlags.toString(16)}, expected 0x00 or 0x01`,
        { path, offsetBytes: p, field: name, expected: '0 or 1', actual: statsFlags },
      );
    }
    p += 1;
    // Offsets and lengths as numbers (no BigInt on the open path); past 2^53 they are out of bounds anyway.
    const offsetBytes = readU64AsNumber(buf, p);
    const lengthBytes = readU64AsNumber(buf, p + 8);
    if (
      offsetBytes < 0 ||
      lengthBytes < 0 ||
      offsetBytes > fileBytes ||
      lengthBytes > fileBytes - offsetBytes
    ) {
      const endBig = buf.readBigUInt64LE(p) + buf.readBigUInt64LE(p + 8);
      throw new ColumnOutOfBoundsError(
        `${path}: column "${name}" ends at byte ${endBig} but file has ${fileBytes} bytes`,
        { path, offsetBytes: p, field: name, expected: `<= ${fileBytes}`, actual: endBig.toString() },
      );
    }
    if (offsetBytes < headerEnd) {
      throw new ColumnOutOfBoundsError(
        `${path}: column "${name}" starts at byte ${offsetBytes}, inside the header (${headerEnd} bytes)`,
        { path, offsetBytes: p, field: name, expected: `>= ${headerEnd}`, actual: offsetBytes },
      );
    }
    if (offsetBytes % COLUMN_ALIGNMENT_BYTES !== 0) {
      throw new MisalignedColumnError(
        `${path}: column "${name}" starts at byte ${offsetBytes}, expected a multiple of ${COLUMN_ALIGNMENT_BYTES}`,
        {
          path,
          offsetBytes: p,
          field: name,
          expected: `multiple of ${COLUMN_ALIGNMENT_BYTES}`,
          actual: offsetBytes,
        },
      );
    }
    const expectedLength = header.rowCount * DTYPE_SIZE_BYTES[dtype];
    if (lengthBytes !== expectedLength) {
      throw new ColumnLengthMismatchError(
        `${path}: column "${name}" has ${lengthBytes} bytes, expected ${expectedLength} (${header.rowCount} rows x ${DTYPE_SIZE_BYTES[dtype]} bytes ${dtype})`,
        { path, offsetBytes: p + 8, field: name, expected: expectedLength, actual: lengthBytes },
      );
    }
    const hasStats = (statsFlags & STATS_PRESENT) !== 0;
    out.push({
      name,
      dtype,
      offsetBytes,
      lengthBytes,
      min: hasStats ? readStat(buf, p + 16, dtype) : undefined,
      max: hasStats ? readStat(buf, p + 24, dtype) : undefined,
    });
    pos = after;
  }
  // Written files list columns in offset order: copy and sort only when they are not.
  let inOrder = true;
  for (let i = 1; i < out.length; i++) if (out[i]!.offsetBytes < out[i - 1]!.offsetBytes) inOrder = false;
  const sorted = inOrder ? out : [...out].sort((a, b) => a.offsetBytes - b.offsetBytes);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.lengthBytes > 0 && prev.offsetBytes + prev.lengthBytes > cur.offsetBytes) {
      throw new BadHeaderError(
        `${path}: column "${cur.name}" starts at byte ${cur.offsetBytes}, inside column "${prev.name}" (ends at ${prev.offsetBytes + prev.lengthBytes})`,
        {
          path,
          field: cur.name,
          expected: `>= ${prev.offsetBytes + prev.lengthBytes}`,
          actual: cur.offsetBytes,
        },
      );
    }
  }
  return { columns: out, endBytes: pos };
}

/** Bytes a descriptor takes for a UTF-8 name of `nameBytes` bytes. */
export function descriptorSizeBytes(nameBytes: number): number {
  return DESCRIPTOR_FIXED_BYTES + nameBytes;
}

/** Writes one descriptor at `pos` of `out`; returns the position after it. */
export function writeColumnDescriptor(
  out: Buffer,
  pos: number,
  d: {
    nameBytes: Uint8Array;
    dtype: DType;
    offsetBytes: number;
    lengthBytes: number;
    min: number | bigint | undefined;
    max: number | bigint | undefined;
  },
): number {
  out.writeUInt16LE(d.nameBytes.byteLength, pos);
  out.set(d.nameBytes, pos + 2);
  let p = pos + 2 + d.nameBytes.byteLength;
  out.writeUInt8(DTYPE_CODE[d.dtype], p);
  const hasStats = d.min !== undefined && d.max !== undefined;
  out.writeUInt8(hasStats ? STATS_PRESENT : 0, p + 1);
  p += 2;
  out.writeBigUInt64LE(BigInt(d.offsetBytes), p);
  out.writeBigUInt64LE(BigInt(d.lengthBytes), p + 8);
  if (hasStats) {
    writeStat(out, p + 16, d.dtype, d.min!);
    writeStat(out, p + 24, d.dtype, d.max!);
  } else {
    out.fill(0, p + 16, p + 32);
  }
  return p + 32;
}

/** Floats are stored as f64, integers as i64 (FORMAT.md, "Column descriptors"). */
function isFloat(dtype: DType): boolean {
  return dtype === 'f64' || dtype === 'f32';
}

function readStat(buf: Buffer, pos: number, dtype: DType): number | bigint {
  if (isFloat(dtype)) return buf.readDoubleLE(pos);
  const v = buf.readBigInt64LE(pos);
  return dtype === 'i64' ? v : Number(v);
}

function writeStat(out: Buffer, pos: number, dtype: DType, v: number | bigint): void {
  if (isFloat(dtype)) out.writeDoubleLE(Number(v), pos);
  else out.writeBigInt64LE(BigInt(v), pos);
}

/** Min and max of a column ignoring NaN; undefined when there is no non-NaN value. */
export function columnStats(data: ColumnData): { min: number | bigint; max: number | bigint } | undefined {
  const n = data.length;
  if (data instanceof BigInt64Array) {
    if (n === 0) return undefined;
    let lo = data[0]!;
    let hi = lo;
    for (let i = 1; i < n; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
    }
    return { min: lo, max: hi };
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let any = false;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) continue;
    any = true;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return any ? { min: lo, max: hi } : undefined;
}

function descriptorOverrun(path: string, index: number, needed: number, end: number): TruncatedFileError {
  return new TruncatedFileError(
    `${path}: column descriptor ${index} ends at byte ${needed} but header length is ${end}`,
    { path, expected: needed, actual: end },
  );
}

/**
 * Column names seen recently, so that thousands of files with the same schema share one string per name
 * instead of decoding (and keeping) their own copy. Checked by comparing bytes; at most 64 entries.
 */
const recentNames: { bytes: Uint8Array; name: string }[] = [];

/** The name at `buf[start, end)`: a recent equal name's string, else decoded (strict UTF-8) and remembered. */
function internColumnName(buf: Buffer, start: number, end: number, path: string, index: number): string {
  const length = end - start;
  for (let k = 0; k < recentNames.length; k++) {
    const cached = recentNames[k]!;
    const bytes = cached.bytes;
    if (bytes.length !== length) continue;
    let same = true;
    for (let j = 0; j < length; j++) {
      if (bytes[j] !== buf[start + j]) {
        same = false;
        break;
      }
    }
    if (same) return cached.name;
  }
  const name = decodeUtf8At(buf, start, end, path, `column ${index} name`);
  if (length <= 64) {
    if (recentNames.length >= 64) recentNames.shift();
    recentNames.push({ bytes: Uint8Array.from(buf.subarray(start, end)), name });
  }
  return name;
}
