/**
 * Column descriptors (FORMAT.md, "Column descriptors"): after the symbol, `columnCount` entries of
 * `u16 nameLengthBytes, UTF-8 name, u8 dtype code, u64 offsetBytes, u64 lengthBytes`.
 */

import { DTYPE_CODE, DTYPE_SIZE_BYTES, type DType, dtypeFromCode } from './dtype.js';
import {
  BadHeaderError,
  ColumnLengthMismatchError,
  ColumnOutOfBoundsError,
  MisalignedColumnError,
  TruncatedFileError,
} from './errors.js';
import { COLUMN_ALIGNMENT_BYTES, decodeUtf8, type FileHeader } from './header.js';

/** Where a column lives in a file. `offsetBytes` is from the start of the file. */
export interface ColumnDescriptor {
  name: string;
  dtype: DType;
  offsetBytes: number;
  lengthBytes: number;
}

/** Fixed bytes per descriptor besides its name: u16 + u8 + u64 + u64. */
export const DESCRIPTOR_FIXED_BYTES = 2 + 1 + 8 + 8;

/**
 * Reads and validates all descriptors, starting at `startBytes` and ending exactly at the header length.
 * Checks: inside the header, known dtype, unique non-empty names, offset after the header, offset
 * 64-byte aligned, `offset + length <= file size`, `length == rowCount * dtypeSize`, no overlaps.
 */
export function readColumnDescriptors(
  buf: Buffer,
  path: string,
  header: FileHeader,
  startBytes: number,
): ColumnDescriptor[] {
  const fileBytes = buf.byteLength;
  const end = header.headerLengthBytes;
  const out: ColumnDescriptor[] = [];
  const names = new Set<string>();
  let pos = startBytes;
  for (let i = 0; i < header.columnCount; i++) {
    if (pos + 2 > end) throw descriptorOverrun(path, i, pos + 2, end);
    const nameLen = buf.readUInt16LE(pos);
    const nameStart = pos + 2;
    const after = nameStart + nameLen + 1 + 8 + 8;
    if (after > end) throw descriptorOverrun(path, i, after, end);
    const name = decodeUtf8(
      buf.subarray(nameStart, nameStart + nameLen),
      path,
      `column ${i} name`,
      nameStart,
    );
    if (name.length === 0 || names.has(name)) {
      throw new BadHeaderError(
        `${path}: column ${i} has ${name ? `duplicate name "${name}"` : 'an empty name'}`,
        {
          path,
          offsetBytes: nameStart,
          field: name,
        },
      );
    }
    names.add(name);
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
    const offsetBig = buf.readBigUInt64LE(p);
    const lengthBig = buf.readBigUInt64LE(p + 8);
    const offsetBytes = Number(offsetBig);
    const lengthBytes = Number(lengthBig);
    const endBig = offsetBig + lengthBig;
    if (endBig > BigInt(fileBytes)) {
      throw new ColumnOutOfBoundsError(
        `${path}: column "${name}" ends at byte ${endBig} but file has ${fileBytes} bytes`,
        { path, offsetBytes: p, field: name, expected: `<= ${fileBytes}`, actual: endBig.toString() },
      );
    }
    if (offsetBytes < end) {
      throw new ColumnOutOfBoundsError(
        `${path}: column "${name}" starts at byte ${offsetBytes}, inside the header (${end} bytes)`,
        { path, offsetBytes: p, field: name, expected: `>= ${end}`, actual: offsetBytes },
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
    out.push({ name, dtype, offsetBytes, lengthBytes });
    pos = after;
  }
  if (pos !== end) {
    throw new BadHeaderError(`${path}: descriptors end at byte ${pos} but header length is ${end}`, {
      path,
      offsetBytes: 12,
      expected: pos,
      actual: end,
    });
  }
  const sorted = [...out].sort((a, b) => a.offsetBytes - b.offsetBytes);
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
  return out;
}

/** Bytes a descriptor takes for a UTF-8 name of `nameBytes` bytes. */
export function descriptorSizeBytes(nameBytes: number): number {
  return DESCRIPTOR_FIXED_BYTES + nameBytes;
}

/** Writes one descriptor at `pos` of `out`; returns the position after it. */
export function writeColumnDescriptor(
  out: Buffer,
  pos: number,
  d: { nameBytes: Uint8Array; dtype: DType; offsetBytes: number; lengthBytes: number },
): number {
  out.writeUInt16LE(d.nameBytes.byteLength, pos);
  out.set(d.nameBytes, pos + 2);
  let p = pos + 2 + d.nameBytes.byteLength;
  out.writeUInt8(DTYPE_CODE[d.dtype], p);
  p += 1;
  out.writeBigUInt64LE(BigInt(d.offsetBytes), p);
  out.writeBigUInt64LE(BigInt(d.lengthBytes), p + 8);
  return p + 16;
}

function descriptorOverrun(path: string, index: number, needed: number, end: number): TruncatedFileError {
  return new TruncatedFileError(
    `${path}: column descriptor ${index} ends at byte ${needed} but header length is ${end}`,
    { path, expected: needed, actual: end },
  );
}
