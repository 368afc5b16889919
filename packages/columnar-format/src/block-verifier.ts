/**
 * Lazy verification of a column file's blocks against its block checksum table (FORMAT.md, "Block
 * checksums", "Verified reads"): each block is hashed the first time a reader asks for a range that
 * contains it, and remembered as good, so a full read costs one XXH64 pass over the bytes read.
 */

import { BLOCK_CHECKSUM_BYTES, type BlockChecksumTable } from './block-checksum-table.js';
import { xxh64Mismatch } from './checksum.js';
import type { ColumnDescriptor } from './column-descriptor.js';
import { BlockChecksumMismatchError } from './errors.js';

/** One block whose bytes do not match its stored XXH64 (see {@link BlockVerifier.findBadBlocks}). */
export interface BadBlock {
  /** File (or `<segment>@<offset>` member) the block is in. */
  path: string;
  column: string;
  /** Index of the block in its column, from 0. */
  blockIndex: number;
  /** Byte range of the block in the file (member), `[startBytes, endBytes)`. */
  startBytes: number;
  endBytes: number;
  /** Stored and computed XXH64, 16 hex digits. */
  expected: string;
  actual: string;
}

/** Checks blocks of one opened column file; one instance per `ColumnFile`. */
export class BlockVerifier {
  readonly #path: string;
  readonly #bytes: Buffer;
  readonly #columns: readonly ColumnDescriptor[];
  readonly #table: BlockChecksumTable;
  readonly #blockBytes: number;
  /** 1 for every block (table entry index) already found good. */
  readonly #good: Uint8Array;
  /** Per column: blocks `[0, goodPrefix[c])` are all good (the usual, sequential case, in O(1)). */
  readonly #goodPrefix: Uint32Array;

  constructor(
    path: string,
    bytes: Buffer,
    columns: readonly ColumnDescriptor[],
    table: BlockChecksumTable,
    checksumBlockBytes: number,
  ) {
    this.#path = path;
    this.#bytes = bytes;
    this.#columns = columns;
    this.#table = table;
    this.#blockBytes = checksumBlockBytes;
    this.#good = new Uint8Array(table.firstEntry[columns.length]!);
    this.#goodPrefix = new Uint32Array(columns.length);
  }

  /**
   * Verifies every block of column `c` (descriptor index) overlapping its bytes `[startBytes, endBytes)`
   * (relative to the column's start) that was not verified before. Returns the end (relative bytes,
   * at most the column length) of the last block checked, which is >= `endBytes`: callers that read
   * sequentially can skip calls until they pass it.
   * @throws BlockChecksumMismatchError for the first bad block, naming file, column, block index and
   *   byte range, expected vs actual XXH64.
   */
  verifyRange(c: number, startBytes: number, endBytes: number): number {
    const d = this.#columns[c]!;
    const blockBytes = this.#blockBytes;
    const length = d.lengthBytes;
    if (endBytes <= startBytes || length === 0) return Math.min(length, Math.max(endBytes, 0));
    const firstBlock = Math.max(0, Math.floor(startBytes / blockBytes));
    const endBlock = Math.ceil(Math.min(endBytes, length) / blockBytes);
    let prefix = this.#goodPrefix[c]!;
    const base = this.#table.firstEntry[c]!;
    for (let b = Math.max(firstBlock, prefix); b < endBlock; b++) {
      if (this.#good[base + b] === 1) continue;
      const bad = this.#check(c, b);
      if (bad !== undefined) throw mismatchError(bad);
      this.#good[base + b] = 1;
    }
    if (firstBlock <= prefix) {
      const blocks = this.#table.firstEntry[c + 1]! - base;
      while (prefix < blocks && this.#good[base + prefix] === 1) prefix++;
      this.#goodPrefix[c] = prefix;
    }
    return Math.min(length, endBlock * blockBytes);
  }

  /** Verifies every block of column `c` (descriptor index). @throws as {@link verifyRange} */
  verifyColumn(c: number): void {
    if (this.#goodPrefix[c]! === this.#table.firstEntry[c + 1]! - this.#table.firstEntry[c]!) return;
    this.verifyRange(c, 0, this.#columns[c]!.lengthBytes);
  }

  /**
   * Hashes every block of the given columns (descriptor indexes; default all), including blocks already
   * found good, and returns every bad one (not only the first), in column then block order.
   */
  findBadBlocks(columns?: readonly number[]): BadBlock[] {
    const out: BadBlock[] = [];
    const which = columns ?? this.#columns.map((_, c) => c);
    for (const c of which) {
      const base = this.#table.firstEntry[c]!;
      const blocks = this.#table.firstEntry[c + 1]! - base;
      for (let b = 0; b < blocks; b++) {
        const bad = this.#check(c, b);
        if (bad !== undefined) out.push(bad);
        else this.#good[base + b] = 1;
      }
    }
    return out;
  }

  #check(c: number, b: number): BadBlock | undefined {
    const d = this.#columns[c]!;
    const startBytes = d.offsetBytes + b * this.#blockBytes;
    const endBytes = Math.min(d.offsetBytes + d.lengthBytes, startBytes + this.#blockBytes);
    const at = this.#table.offsetBytes + (this.#table.firstEntry[c]! + b) * BLOCK_CHECKSUM_BYTES;
    const bad = xxh64Mismatch(this.#bytes.subarray(startBytes, endBytes), this.#bytes, at);
    if (bad === undefined) return undefined;
    return { path: this.#path, column: d.name, blockIndex: b, startBytes, endBytes, ...bad };
  }
}

/** The typed error for a bad block. */
export function mismatchError(bad: BadBlock): BlockChecksumMismatchError {
  return new BlockChecksumMismatchError(
    `${bad.path}: column "${bad.column}" block ${bad.blockIndex} (bytes ${bad.startBytes}..${bad.endBytes}) is corrupt: XXH64 ${bad.actual} but the checksum table says ${bad.expected}`,
    {
      path: bad.path,
      field: bad.column,
      blockIndex: bad.blockIndex,
      startBytes: bad.startBytes,
      endBytes: bad.endBytes,
      expected: bad.expected,
      actual: bad.actual,
    },
  );
}
