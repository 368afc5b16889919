/**
 * Writer of the column file format (FORMAT.md). Writes a temp file next to the target, fsyncs it and
 * renames it into place, so readers see either the old file or the complete new one.
 */

import { writeSync } from 'node:fs';
import { writeFileAtomic } from '@mmtape/errors';
import { MAX_MAPPING_BYTES } from '@mmtape/mmap-core';
import { blockChecksumTableBytes, writeBlockChecksums } from './block-checksum-table.js';
import { xxh64Hex } from './checksum.js';
import { columnStats, descriptorSizeBytes, writeColumnDescriptor } from './column-descriptor.js';
import { type ColumnData, DTYPE_SIZE_BYTES, type DType, dtypeOfData, isDType } from './dtype.js';
import { InvalidWriteInputError } from './errors.js';
import {
  alignUp,
  FIXED_HEADER_BYTES,
  FLAG_SORTED_BY_TIMESTAMP,
  HEADER_CHECKSUM_BYTES,
  isValidChecksumBlockBytes,
  MAX_CHECKSUM_BLOCK_BYTES,
  MIN_CHECKSUM_BLOCK_BYTES,
  writeFileHeader,
  writeHeaderChecksum,
} from './header.js';

/** One column to write. `data.length` is the row count; every column must have the same. */
export interface ColumnInput {
  name: string;
  dtype: DType;
  data: ColumnData;
}

/** Input of {@link writeColumnFile}. */
export interface WriteColumnFileInput {
  /** Symbol stored in the header (UTF-8, at most 65,535 bytes). */
  symbol: string;
  /** Columns in file order. Names unique, non-empty, at most 65,535 UTF-8 bytes. */
  columns: ColumnInput[];
}

/** What {@link writeColumnFile} wrote. */
export interface WrittenColumnFile {
  path: string;
  /** File size, bytes. */
  sizeBytes: number;
  rowCount: number;
  /** XXH64 (seed 0, 16 hex digits) of the header bytes `[0, headerLengthBytes)`, which hold every block checksum. */
  headerChecksum: string;
}

/** Options of {@link writeColumnFile}. */
export interface WriteColumnFileOptions {
  /** fsync the temp file before the rename (crash durability). Default `true`. */
  fsync?: boolean;
  /**
   * Bytes per checksum block, a power of two in 4,096..2^30. Default {@link DEFAULT_CHECKSUM_BLOCK_BYTES}.
   */
  checksumBlockBytes?: number;
}

/**
 * Default checksum block: 64 KiB = 8,192 rows of an 8-byte column, half the prefetcher's default window
 * (16,384 rows ahead, `@mmtape/prefetch`), so the replay's lazy checks never read far past the pages the
 * prefetcher keeps resident. Measured (`pnpm bench replay-checksum-blocks`, FORMAT.md "Checksums"): a
 * cold full check of a 64 MiB file runs at 2.7 GiB/s with 64 KiB blocks, 3.1 with 256 KiB and 3.7 with
 * 1 MiB (a plain read of the same mapping: 3.0 GiB/s, page faults included), while an open plus one
 * binary search hashes 1.4 MiB at 64 KiB and 23 MiB at 1 MiB; 4 KiB blocks halve the replay pattern's
 * throughput (wasm call overhead ~1 µs per block). The table costs 8 bytes per 64 KiB (0.012 % of the file) and a corrupt
 * block is located to within 8,192 rows.
 */
export const DEFAULT_CHECKSUM_BLOCK_BYTES = 64 * 1024;

const ZERO_PAD = Buffer.alloc(64);

/**
 * Writes a column file atomically with `writeFileAtomic` of `@mmtape/errors`: `${path}.tmp-<pid>-<random>`,
 * fsync (unless `options.fsync` is false), rename onto `path`; parent folders are created.
 * Header flag bit 0 is set when a `ts` (i64) column is non-decreasing. Every descriptor gets the
 * column's min/max (NaN ignored); the block checksum table gets the XXH64 of every
 * `checksumBlockBytes` block of every column, and the header ends with its own XXH64. Returns the size
 * and header checksum (for manifests).
 * @throws InvalidWriteInputError when columns differ in length, a dtype does not match its array,
 *   names are empty/duplicated/too long, the block size is invalid, or the file would reach 2 GiB (the
 *   mapping limit); SystemCallError when a system call fails (ENOSPC, EACCES: kind `io`); the temp file is
 *   then removed.
 */
export function writeColumnFile(
  path: string,
  input: WriteColumnFileInput,
  options: WriteColumnFileOptions = {},
): WrittenColumnFile {
  const checksumBlockBytes = options.checksumBlockBytes ?? DEFAULT_CHECKSUM_BLOCK_BYTES;
  if (!isValidChecksumBlockBytes(checksumBlockBytes)) {
    throw new InvalidWriteInputError(
      `${path}: checksumBlockBytes ${checksumBlockBytes} is not a power of two in ${MIN_CHECKSUM_BLOCK_BYTES}..${MAX_CHECKSUM_BLOCK_BYTES}`,
      {
        path,
        field: 'checksumBlockBytes',
        expected: `power of two in ${MIN_CHECKSUM_BLOCK_BYTES}..${MAX_CHECKSUM_BLOCK_BYTES}`,
        actual: checksumBlockBytes,
      },
    );
  }
  const symbolBytes = Buffer.from(input.symbol, 'utf8');
  if (symbolBytes.byteLength > 0xffff) {
    throw new InvalidWriteInputError(
      `${path}: symbol has ${symbolBytes.byteLength} UTF-8 bytes, at most 65535`,
      {
        path,
        field: 'symbol',
        expected: '<= 65535',
        actual: symbolBytes.byteLength,
      },
    );
  }
  const columns = input.columns;
  const rowCount = columns.length > 0 ? columns[0]!.data.length : 0;
  const names = new Set<string>();
  const nameBytes: Buffer[] = [];
  for (const c of columns) {
    if (!isDType(c.dtype)) {
      throw new InvalidWriteInputError(`${path}: column "${c.name}" has unknown dtype "${c.dtype}"`, {
        path,
        field: c.name,
        actual: String(c.dtype),
      });
    }
    const actualDtype = dtypeOfData(c.data);
    if (actualDtype !== c.dtype) {
      throw new InvalidWriteInputError(
        `${path}: column "${c.name}" is declared ${c.dtype} but data is ${actualDtype ?? typeof c.data}`,
        { path, field: c.name, expected: c.dtype, actual: actualDtype ?? typeof c.data },
      );
    }
    if (c.data.length !== rowCount) {
      throw new InvalidWriteInputError(
        `${path}: column "${c.name}" has ${c.data.length} rows, expected ${rowCount} (rows of "${columns[0]!.name}")`,
        { path, field: c.name, expected: rowCount, actual: c.data.length },
      );
    }
    const nb = Buffer.from(c.name, 'utf8');
    if (nb.byteLength === 0 || nb.byteLength > 0xffff || names.has(c.name)) {
      throw new InvalidWriteInputError(
        `${path}: column name "${c.name}" is ${names.has(c.name) ? 'duplicated' : 'empty or longer than 65535 bytes'}`,
        { path, field: c.name },
      );
    }
    names.add(c.name);
    nameBytes.push(nb);
  }

  const lengthsBytes = columns.map((c) => c.data.length * DTYPE_SIZE_BYTES[c.dtype]);
  let headerLengthBytes = FIXED_HEADER_BYTES + symbolBytes.byteLength;
  for (const nb of nameBytes) headerLengthBytes += descriptorSizeBytes(nb.byteLength);
  headerLengthBytes += blockChecksumTableBytes(lengthsBytes, checksumBlockBytes) + HEADER_CHECKSUM_BYTES;
  const offsets: number[] = [];
  let pos = alignUp(headerLengthBytes);
  for (const c of columns) {
    offsets.push(pos);
    pos = alignUp(pos + c.data.length * DTYPE_SIZE_BYTES[c.dtype]);
  }

  const header = Buffer.alloc(headerLengthBytes);
  const ts = columns.find((c) => c.name === 'ts' && c.dtype === 'i64');
  const flags = ts && isNonDecreasing(ts.data as BigInt64Array) ? FLAG_SORTED_BY_TIMESTAMP : 0;
  let p = writeFileHeader(header, {
    flags,
    headerLengthBytes,
    rowCount,
    columnCount: columns.length,
    checksumBlockBytes,
    symbolBytes,
  });
  columns.forEach((c, i) => {
    const stats = columnStats(c.data);
    p = writeColumnDescriptor(header, p, {
      nameBytes: nameBytes[i]!,
      dtype: c.dtype,
      offsetBytes: offsets[i]!,
      lengthBytes: lengthsBytes[i]!,
      min: stats?.min,
      max: stats?.max,
    });
  });
  for (const c of columns) {
    const bytes = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
    p = writeBlockChecksums(header, p, bytes, checksumBlockBytes);
  }
  writeHeaderChecksum(header);
  if (pos >= MAX_MAPPING_BYTES) {
    throw new InvalidWriteInputError(
      `${path}: file would have ${pos} bytes but a mapping must be < ${MAX_MAPPING_BYTES}; partition the symbol by day or month`,
      { path, field: 'rows', expected: `< ${MAX_MAPPING_BYTES} bytes`, actual: pos },
    );
  }

  let written = headerLengthBytes;
  writeFileAtomic(
    path,
    (fd) => {
      writeAll(fd, header);
      columns.forEach((c, i) => {
        written = pad(fd, written, offsets[i]!);
        const bytes = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
        writeAll(fd, bytes);
        written += bytes.byteLength;
      });
    },
    { durable: options.fsync !== false, what: 'column file' },
  );
  return { path, sizeBytes: written, rowCount, headerChecksum: xxh64Hex(header) };
}

function isNonDecreasing(ts: BigInt64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) return false;
  return true;
}

function pad(fd: number, from: number, to: number): number {
  let n = to - from;
  while (n > 0) {
    const k = Math.min(n, ZERO_PAD.byteLength);
    writeAll(fd, ZERO_PAD.subarray(0, k));
    n -= k;
  }
  return to;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
}
