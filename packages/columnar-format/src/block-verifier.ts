/**
 * Lazy verification of a column file's blocks against its block checksum table (FORMAT.md, "Block
 * checksums", "Verified reads"): each block is hashed the first time a reader asks for a range that
 * contains it, and remembered as good, so a full read costs one XXH64 pass over the bytes read.
 */

import { BLOCK_CHECKSUM_BYTES, checksumBlockCount } from './block-checksum-table.js';
import { xxh64Mismatch } from './checksum.js';
import type { ColumnDescriptor } from './column-descriptor.js';
import { BlockChecksumMismatchError } from './errors.js';

/**
 * Where {@link BlockVerifier} reads blocks from when asked to read them from the file instead of the
 * mapping (`MappedFile` of `@mmtape/mmap-core` satisfies it): copies `target.length` bytes at `offsetBytes`
 * into `target`, returning `false` when the file no longer holds the mapped bytes.
 */
export interface BlockSource {
  readInto(target: Uint8Array, offsetBytes: number): boolean;
}

/**
 * Bytes hashed per file read when blocks are read from the file ({@link BlockVerifier.verifyRange} with a
 * source): 65,536 (one block of the default 64 KiB). A read may check blocks past the range asked for
 * (only when the block before it was checked: the first read of a column, or after a jump, reads the
 * blocks asked for); those pages are copied, not mapped. Measured on the cold 32 GB replay (2,000
 * streams of bars, segments, prefetch helper, window reads; 4 alternating pairs, 2026-12-07): 16.9–18.5 s
 * against 17.6–19.7 s with 262,144, and the replay process itself read 0.04–0.10 GB from the device
 * instead of 0.47: a read past the helper's WILLNEED window waits for the device.
 */
export const FILE_READ_BYTES = 65_536;

/** Scratch for blocks read from files, shared by every verifier (reads are synchronous). */
let scratch = new Uint8Array(0);

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

/**
 * Checks blocks of one opened column file; one instance per `ColumnFile`, made on its first block check.
 * All its bookkeeping is one `Uint32Array` (a dataset opens thousands of files at once: one typed array
 * per file instead of four keeps the heap, and so each garbage collection, small).
 */
export class BlockVerifier {
  readonly #path: string;
  readonly #bytes: Buffer;
  readonly #columns: readonly ColumnDescriptor[];
  /** File offset of the table's first entry (FORMAT.md, "Block checksums"). */
  readonly #tableOffsetBytes: number;
  readonly #blockBytes: number;
  /**
   * `[0, C]`: index of column `c`'s first table entry (`[C]` = entries), descriptor order;
   * `[C + 1, 2C + 1)`: per column, blocks `[0, goodPrefix)` are all good (the usual, sequential case, in
   * O(1)); `[2C + 1, …)`: 1 for every table entry whose block was found good. `C` = columns.
   */
  readonly #state: Uint32Array;
  /** Index of the first goodPrefix slot (`C + 1`). */
  readonly #prefixAt: number;
  /** Index of the first per-entry slot (`2C + 1`). */
  readonly #goodAt: number;
  /**
   * The checksum table read from the file (every column's entries, one read by the first check through a
   * source), so checks from the file do not fault the table's page, and the 64 KiB around it, back into
   * the mapping after a prefetcher released it. 8 bytes per block; `null` when the read failed.
   */
  #table: Uint8Array | null | undefined;

  /**
   * @param tableOffsetBytes where the block checksum table starts in `bytes` (checked by
   *   `checkBlockChecksumTable` to hold one entry per block of every column).
   */
  constructor(
    path: string,
    bytes: Buffer,
    columns: readonly ColumnDescriptor[],
    tableOffsetBytes: number,
    checksumBlockBytes: number,
  ) {
    this.#path = path;
    this.#bytes = bytes;
    this.#columns = columns;
    this.#tableOffsetBytes = tableOffsetBytes;
    this.#blockBytes = checksumBlockBytes;
    const count = columns.length;
    let entries = 0;
    for (let c = 0; c < count; c++)
      entries += checksumBlockCount(columns[c]!.lengthBytes, checksumBlockBytes);
    this.#prefixAt = count + 1;
    this.#goodAt = 2 * count + 1;
    const state = new Uint32Array(this.#goodAt + entries);
    let first = 0;
    for (let c = 0; c < count; c++) {
      state[c] = first;
      first += checksumBlockCount(columns[c]!.lengthBytes, checksumBlockBytes);
    }
    state[count] = first;
    this.#state = state;
  }

  /** True when every block of column `c` (descriptor index) has been found good. */
  isColumnVerified(c: number): boolean {
    const state = this.#state;
    return state[this.#prefixAt + c]! === state[c + 1]! - state[c]!;
  }

  /**
   * Verifies every block of column `c` (descriptor index) overlapping its bytes `[startBytes, endBytes)`
   * (relative to the column's start) that was not verified before. Returns the end (relative bytes,
   * at most the column length) of the last block checked, which is >= `endBytes`: callers that read
   * sequentially can skip calls until they pass it.
   *
   * With a `source` (the file behind `bytes`, or a reader of it), the blocks are read through it into a
   * scratch buffer and hashed there, {@link FILE_READ_BYTES} at a time (so the check may run past `endBytes`): no page of them is
   * mapped into the process, where hashing through the mapping maps every page of every block checked,
   * ahead of the reader (a block that straddles two 64 KiB fault-around blocks maps both). A larger-than-
   * RAM replay uses it to keep its RSS to the pages the merge reads. When the file no longer holds the
   * mapped bytes (`readInto` returns false) the blocks are hashed in the mapping, which is what readers see.
   * @throws BlockChecksumMismatchError for the first bad block, naming file, column, block index and
   *   byte range, expected vs actual XXH64.
   */
  verifyRange(c: number, startBytes: number, endBytes: number, source?: BlockSource): number {
    const d = this.#columns[c]!;
    const blockBytes = this.#blockBytes;
    const length = d.lengthBytes;
    if (endBytes <= startBytes || length === 0) return Math.min(length, Math.max(endBytes, 0));
    const firstBlock = Math.max(0, Math.floor(startBytes / blockBytes));
    let endBlock = Math.ceil(Math.min(endBytes, length) / blockBytes);
    const state = this.#state;
    const prefixSlot = this.#prefixAt + c;
    let prefix = state[prefixSlot]!;
    const good = this.#goodAt + state[c]!;
    if (source !== undefined) {
      const blocks = state[c + 1]! - state[c]!;
      const perRead = Math.max(1, Math.floor(FILE_READ_BYTES / blockBytes));
      let b = Math.max(firstBlock, prefix);
      while (b < endBlock && state[good + b] === 1) b++;
      if (b < endBlock) {
        // Read ahead only after a checked block (a sequential reader): the first read of a column, or
        // after a jump, reads the blocks asked for, so a replay starting thousands of columns at once
        // waits for one block of each, not four (the prefetcher's first WILLNEED covers one).
        const sequential = b > 0 && state[good + b - 1] === 1;
        const readEnd = Math.min(blocks, Math.max(endBlock, b + (sequential ? perRead : 1)));
        let goodEnd = b;
        for (; b < readEnd; b += perRead) {
          const end = Math.min(readEnd, b + perRead);
          goodEnd = this.#checkFromFile(c, b, end, endBlock, source);
          if (goodEnd < end) break;
        }
        endBlock = Math.max(endBlock, goodEnd);
      }
    }
    for (let b = Math.max(firstBlock, prefix); b < endBlock; b++) {
      if (state[good + b] === 1) continue;
      const bad = this.#check(c, b);
      if (bad !== undefined) throw mismatchError(bad);
      state[good + b] = 1;
    }
    if (firstBlock <= prefix) {
      const blocks = state[c + 1]! - state[c]!;
      while (prefix < blocks && state[good + prefix] === 1) prefix++;
      state[prefixSlot] = prefix;
    }
    return Math.min(length, endBlock * blockBytes);
  }

  /** Index of column `c`'s (descriptor index) first entry in the checksum table. */
  firstEntry(c: number): number {
    return this.#state[c]!;
  }

  /**
   * Records blocks `[startBlock, endBlock)` of column `c` (descriptor index) as good without hashing them
   * here: another reader checked them against this file's table the same way (XXH64 of the block's bytes
   * read from the file; the replay's prefetch helper, `WillneedWorker` of `@mmtape/prefetch`). Blocks past
   * the column's last are ignored. O(1) when the run reaches the good prefix, else O(blocks not recorded
   * yet): a run that only grows is recorded from its end back to the first block already recorded.
   */
  acceptCheckedRun(c: number, startBlock: number, endBlock: number): void {
    const state = this.#state;
    const prefixSlot = this.#prefixAt + c;
    const end = Math.min(state[c + 1]! - state[c]!, endBlock);
    const start = Math.max(0, startBlock);
    if (start <= state[prefixSlot]!) {
      if (end > state[prefixSlot]!) state[prefixSlot] = end;
      return;
    }
    const good = this.#goodAt + state[c]!;
    for (let b = end - 1; b >= start && state[good + b] !== 1; b--) state[good + b] = 1;
  }

  /** Verifies every block of column `c` (descriptor index). @throws as {@link verifyRange} */
  verifyColumn(c: number): void {
    if (this.isColumnVerified(c)) return;
    this.verifyRange(c, 0, this.#columns[c]!.lengthBytes);
  }

  /**
   * Hashes every block of the given columns (descriptor indexes; default all), including blocks already
   * found good, and returns every bad one (not only the first), in column then block order. Good blocks
   * are remembered as verified.
   */
  findBadBlocks(columns?: readonly number[]): BadBlock[] {
    const out: BadBlock[] = [];
    const which = columns ?? this.#columns.map((_, c) => c);
    const state = this.#state;
    for (const c of which) {
      const good = this.#goodAt + state[c]!;
      const blocks = state[c + 1]! - state[c]!;
      let prefix = 0;
      for (let b = 0; b < blocks; b++) {
        const bad = this.#check(c, b);
        if (bad !== undefined) out.push(bad);
        else state[good + b] = 1;
      }
      while (prefix < blocks && state[good + prefix] === 1) prefix++;
      state[this.#prefixAt + c] = prefix;
    }
    return out;
  }

  /**
   * Reads blocks `[firstBlock, endBlock)` of column `c` through `source` (one read) and hashes the ones not
   * found good yet, marking them good. Returns the end of the run of good blocks from `firstBlock`: a bad
   * block at or past `askedEndBlock` (read ahead, not asked for) only ends the run, so it throws when a
   * reader asks for it and not before (a replay ending earlier never does); `firstBlock` when the file
   * no longer holds the mapped bytes (the caller then hashes in the mapping).
   * @throws BlockChecksumMismatchError for a bad block before `askedEndBlock`.
   */
  #checkFromFile(
    c: number,
    firstBlock: number,
    endBlock: number,
    askedEndBlock: number,
    source: BlockSource,
  ): number {
    const d = this.#columns[c]!;
    const blockBytes = this.#blockBytes;
    const startBytes = d.offsetBytes + firstBlock * blockBytes;
    const endBytes = Math.min(d.offsetBytes + d.lengthBytes, d.offsetBytes + endBlock * blockBytes);
    if (scratch.length < endBytes - startBytes) {
      scratch = new Uint8Array(Math.max(endBytes - startBytes, FILE_READ_BYTES));
    }
    const read = scratch.subarray(0, endBytes - startBytes);
    const table = this.#tableFromFile(source);
    if (table === null || !source.readInto(read, startBytes)) return firstBlock;
    const state = this.#state;
    const good = this.#goodAt + state[c]!;
    for (let b = firstBlock; b < endBlock; b++) {
      if (state[good + b] === 1) continue;
      const from = (b - firstBlock) * blockBytes;
      const block = read.subarray(from, Math.min(read.length, from + blockBytes));
      const bad = xxh64Mismatch(block, table, (state[c]! + b) * BLOCK_CHECKSUM_BYTES);
      if (bad !== undefined) {
        if (b >= askedEndBlock) return b;
        const blockStart = startBytes + from;
        throw mismatchError({
          path: this.#path,
          column: d.name,
          blockIndex: b,
          startBytes: blockStart,
          endBytes: blockStart + block.length,
          ...bad,
        });
      }
      state[good + b] = 1;
    }
    return endBlock;
  }

  /** The checksum table read through `source` (see `#table`); `null` when the file no longer holds it. */
  #tableFromFile(source: BlockSource): Uint8Array | null {
    if (this.#table === undefined) {
      const entries = new Uint8Array(this.#state[this.#columns.length]! * BLOCK_CHECKSUM_BYTES);
      this.#table = source.readInto(entries, this.#tableOffsetBytes) ? entries : null;
    }
    return this.#table;
  }

  #check(c: number, b: number): BadBlock | undefined {
    const d = this.#columns[c]!;
    const startBytes = d.offsetBytes + b * this.#blockBytes;
    const endBytes = Math.min(d.offsetBytes + d.lengthBytes, startBytes + this.#blockBytes);
    const at = this.#tableOffsetBytes + (this.#state[c]! + b) * BLOCK_CHECKSUM_BYTES;
    const bytes = this.#bytes;
    // A plain Uint8Array view: cheaper to make than Buffer#subarray (no species lookup), same bytes.
    const block = new Uint8Array(bytes.buffer, bytes.byteOffset + startBytes, endBytes - startBytes);
    const bad = xxh64Mismatch(block, bytes, at);
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
