/**
 * Block checksum table (FORMAT.md, "Block checksums"): right after the column descriptors, for every
 * column in descriptor order, one XXH64 (little-endian u64) per `checksumBlockBytes` block of the column's bytes (the
 * last block of a column may be shorter; a column of 0 bytes has no entry). Block `b` of a column covers
 * file bytes `[offsetBytes + b * checksumBlockBytes, min(offsetBytes + lengthBytes, … + checksumBlockBytes))`.
 */

import { writeXxh64 } from './checksum.js';
import type { ColumnDescriptor } from './column-descriptor.js';
import { BadHeaderError } from './errors.js';
import { type FileHeader, HEADER_CHECKSUM_BYTES } from './header.js';

/** Bytes per table entry (XXH64, little-endian u64). */
export const BLOCK_CHECKSUM_BYTES = 8;

/** Blocks of a column of `lengthBytes` bytes: `ceil(lengthBytes / checksumBlockBytes)`. */
export function checksumBlockCount(lengthBytes: number, checksumBlockBytes: number): number {
  return Math.ceil(lengthBytes / checksumBlockBytes);
}

/**
 * Checks the table that starts at `startBytes` (where the descriptors end): it must end exactly where
 * the header checksum begins. Returns the number of entries (blocks of all columns); the table's
 * layout itself is rebuilt by `BlockVerifier` when blocks are checked.
 * @throws BadHeaderError when the header length does not match the table size implied by the descriptors.
 */
export function checkBlockChecksumTable(
  path: string,
  header: FileHeader,
  columns: readonly ColumnDescriptor[],
  startBytes: number,
): number {
  let entries = 0;
  for (let c = 0; c < columns.length; c++) {
    entries += checksumBlockCount(columns[c]!.lengthBytes, header.checksumBlockBytes);
  }
  const expectedLength = startBytes + entries * BLOCK_CHECKSUM_BYTES + HEADER_CHECKSUM_BYTES;
  if (expectedLength !== header.headerLengthBytes) {
    throw new BadHeaderError(
      `${path}: descriptors end at byte ${startBytes} and ${entries} block checksums follow, so the header should be ${expectedLength} bytes, but its length field says ${header.headerLengthBytes}`,
      { path, offsetBytes: 12, expected: expectedLength, actual: header.headerLengthBytes },
    );
  }
  return entries;
}

/** Bytes the table takes for columns of these lengths. */
export function blockChecksumTableBytes(lengthsBytes: readonly number[], checksumBlockBytes: number): number {
  let entries = 0;
  for (const n of lengthsBytes) entries += checksumBlockCount(n, checksumBlockBytes);
  return entries * BLOCK_CHECKSUM_BYTES;
}

/**
 * Writes the XXH64 of every `checksumBlockBytes` block of `bytes` (one column) at `pos` of `out`;
 * returns the position after the last entry.
 */
export function writeBlockChecksums(
  out: Buffer,
  pos: number,
  bytes: Uint8Array,
  checksumBlockBytes: number,
): number {
  let p = pos;
  for (let start = 0; start < bytes.byteLength; start += checksumBlockBytes) {
    const end = Math.min(bytes.byteLength, start + checksumBlockBytes);
    writeXxh64(out, p, bytes.subarray(start, end));
    p += BLOCK_CHECKSUM_BYTES;
  }
  return p;
}
