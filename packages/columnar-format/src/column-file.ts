/**
 * Reader of the column file format (FORMAT.md). Validates everything before creating any view.
 */

import { type AccessPattern, MappedFile } from '@mmtape/mmap-core';
import { checkBlockChecksumTable } from './block-checksum-table.js';
import { type BadBlock, type BlockSource, BlockVerifier, mismatchError } from './block-verifier.js';
import { xxh64Hex } from './checksum.js';
import { type ColumnDescriptor, readColumnDescriptors } from './column-descriptor.js';
import { type ColumnData, DTYPE_SIZE_BYTES, makeView } from './dtype.js';
import {
  ColumnDtypeMismatchError,
  ColumnFileClosedError,
  ColumnNotFoundError,
  FileOpenError,
  isMmtapeError,
  NotSortedError,
  RowRangeError,
  ZeroCopyViolationError,
} from './errors.js';
import { FIXED_HEADER_BYTES, FLAG_SORTED_BY_TIMESTAMP, readFileHeader } from './header.js';

/** Row ranges copied out of a {@link ColumnFile} (see {@link ColumnFile.openRowReader}). */
export interface ColumnRowReader {
  /**
   * Copies rows `[startRow, startRow + rowCount)` of column `name` (its dtype's bytes per row, in file
   * order: little-endian) into `into` from byte `intoOffsetBytes`, after checking their blocks. Returns
   * the row up to which the column is known good from `startRow` on, as {@link ColumnFile.verifyRows}
   * does (≥ `startRow + rowCount`; the column's row count when the reader does not check).
   * @throws BlockChecksumMismatchError for a bad block; ColumnNotFoundError; RowRangeError for rows
   *   outside the column (a bug of the caller); `InvalidRangeError` (mmap-core) when `into` is too short;
   *   `MappedFileChangedError` (mmap-core) when the file was truncated since it was opened.
   */
  readRows(
    name: string,
    startRow: number,
    rowCount: number,
    into: Uint8Array,
    intoOffsetBytes: number,
  ): number;
  /** Releases the descriptor (idempotent). */
  close(): void;
}

/** Result of {@link ColumnFile.verify}. */
export interface VerifyReport {
  path: string;
  /** Columns whose blocks all matched their checksums. */
  columnsVerified: number;
  /** Column bytes hashed. */
  bytesVerified: number;
}

/** One view checked by {@link ColumnFile.verifyNoCopies}. */
export interface ViewAliasCheck {
  column: string;
  /** True when the view's ArrayBuffer is the mapping's and its byteOffset is where the column starts. */
  aliases: boolean;
  expectedByteOffset: number;
  actualByteOffset: number;
  sameArrayBuffer: boolean;
}

/** Options of {@link ColumnFile.open}. */
export interface ColumnFileOpenOptions {
  /** Read the file into memory instead of mapping it (see `@mmtape/mmap-core`). Default `false`. */
  forceFallback?: boolean;
  /**
   * Verified reads (FORMAT.md, "Verified reads"). `true` (default): the header checksum is checked at
   * open, and every block of a column is checked against its XXH64 the first time it is read
   * ({@link ColumnFile.column} checks the whole column; {@link ColumnFile.verifyRows} a row range).
   * `false`: no checksum is computed (structural validation still runs); corrupt bytes are returned
   * as they are. The cost of `true` is one XXH64 pass over the bytes read (~9 GB/s on one core).
   */
  verify?: boolean;
  /** Advice for the whole mapping, set before the header is read (see `@mmtape/mmap-core`). Default none. */
  accessPattern?: AccessPattern;
}

/**
 * An opened column file: validated header plus zero-copy typed-array views over the mapped bytes.
 *
 * Views are created over `file.buffer.buffer` (the mapped ArrayBuffer), so with the mmap backend
 * `view.buffer === file.buffer.buffer`. The fallback backend reads the file into a Buffer that Node
 * may place at an offset of a pooled ArrayBuffer; when that offset is not a multiple of 8 the file is
 * copied ONCE at open into an aligned buffer (`aligned === false` before copy, see `copiedForAlignment`).
 *
 * Views must not be used after {@link ColumnFile.close}: the memory is unmapped.
 *
 * @example
 * ```ts
 * const f = ColumnFile.open('data/AAPL.col');
 * const ts = f.timestampsNs(); const close = f.f64('close');
 * f.close();
 * ```
 */
export class ColumnFile {
  /** Path given to open. */
  readonly path: string;
  /** Number of rows of every column. */
  readonly rowCount: number;
  /** Symbol stored in the header. */
  readonly symbol: string;
  /** Column descriptors in file order. */
  readonly columns: readonly ColumnDescriptor[];
  /** The underlying mapping (or fallback read). */
  readonly file: MappedFile;
  /** Header flags (bit 0: sorted by `ts`). */
  readonly flags: number;
  /** True when the fallback buffer was misaligned and the file was copied once into aligned memory. */
  readonly copiedForAlignment: boolean;
  /** Bytes of the header (fixed part, symbol, descriptors, block checksum table, header checksum). */
  readonly headerLengthBytes: number;
  /** Bytes per checksum block (FORMAT.md, "Block checksums"). */
  readonly checksumBlockBytes: number;
  /** True when reads are verified against the checksums (open option `verify`, default true). */
  readonly verifies: boolean;
  readonly #bytes: Buffer;
  /** Where the block checksum table starts (FORMAT.md, "Block checksums"). */
  readonly #tableOffsetBytes: number;
  /** Made on the first block check (never, for a file only opened for its header). */
  #verifier: BlockVerifier | undefined;
  /** Views made so far, by index in `columns` (no Map per file: thousands of files are opened at once). */
  readonly #views: (ColumnData | undefined)[] = [];
  #closed = false;

  private constructor(path: string, file: MappedFile, verify: boolean) {
    this.path = path;
    this.file = file;
    let bytes = file.buffer;
    // Offsets are 64-aligned in the file; the view is aligned iff the buffer's own offset is a multiple of 8.
    this.copiedForAlignment = bytes.byteOffset % 8 !== 0;
    if (this.copiedForAlignment) {
      const copy = Buffer.from(new ArrayBuffer(bytes.byteLength));
      bytes.copy(copy);
      bytes = copy;
    }
    this.#bytes = bytes;
    this.verifies = verify;
    const header = readFileHeader(bytes, path, verify);
    const descriptors = readColumnDescriptors(
      bytes,
      path,
      header,
      FIXED_HEADER_BYTES + Buffer.byteLength(header.symbol),
    );
    this.columns = Object.freeze(descriptors.columns);
    checkBlockChecksumTable(path, header, descriptors.columns, descriptors.endBytes);
    this.#tableOffsetBytes = descriptors.endBytes;
    this.rowCount = header.rowCount;
    this.symbol = header.symbol;
    this.flags = header.flags;
    this.headerLengthBytes = header.headerLengthBytes;
    this.checksumBlockBytes = header.checksumBlockBytes;
  }

  /**
   * Opens and validates a column file.
   * @throws FileOpenError (missing/unreadable, wraps the mmap-core error), TruncatedFileError, BadMagicError,
   *   UnsupportedVersionError, HeaderChecksumMismatchError (with `verify`), BadHeaderError,
   *   ColumnOutOfBoundsError, MisalignedColumnError, ColumnLengthMismatchError. The mapping is closed
   *   before any of them is thrown.
   */
  static open(path: string, options: ColumnFileOpenOptions = {}): ColumnFile {
    let file: MappedFile;
    try {
      file = MappedFile.open(path, {
        forceFallback: options.forceFallback ?? false,
        accessPattern: options.accessPattern,
      });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new FileOpenError(`${path}: cannot open column file: ${reason}`, { path, cause });
    }
    return ColumnFile.fromMapping(path, file, { verify: options.verify ?? true });
  }

  /**
   * Validates and wraps a column file that is already in memory: a {@link MappedFile} of its own, or a
   * `MappedFile.slice` of a segment file (FORMAT.md, "Segment files"), whose `byteLength` bounds every
   * column. Takes ownership: `file` is closed when this is closed, or before any error is thrown.
   * @param path name used in errors (for a segment member, `<segment path>@<offset>`).
   * @param options `verify` as in {@link ColumnFileOpenOptions} (default true).
   * @throws the validation errors of {@link ColumnFile.open} (never `FileOpenError` for a missing file).
   */
  static fromMapping(path: string, file: MappedFile, options: { verify?: boolean } = {}): ColumnFile {
    try {
      return new ColumnFile(path, file, options.verify ?? true);
    } catch (e) {
      file.close();
      if (isMmtapeError(e)) throw e;
      throw new FileOpenError(`${path}: cannot read column file: ${e instanceof Error ? e.message : e}`, {
        path,
        cause: e,
      });
    }
  }

  /** True when header flag bit 0 says the `ts` column is non-decreasing. */
  get sortedByTimestamp(): boolean {
    return (this.flags & FLAG_SORTED_BY_TIMESTAMP) !== 0;
  }

  /** XXH64 (16 hex digits) of the header bytes; `manifest.json` records it per partition. */
  get headerChecksum(): string {
    this.#assertOpen();
    return xxh64Hex(this.#bytes.subarray(0, this.headerLengthBytes));
  }

  /**
   * Checks every block of every column (or of `columns`) against the block checksum table, whatever the
   * `verify` open option, re-hashing blocks already checked. Reads the whole file.
   * @throws BlockChecksumMismatchError for the first bad block (file, column, block, byte range, expected
   *   vs actual); ColumnNotFoundError; ColumnFileClosedError. {@link findBadBlocks} lists all of them.
   */
  verify(columns?: readonly string[]): VerifyReport {
    const bad = this.findBadBlocks(columns);
    if (bad.length > 0) throw mismatchError(bad[0]!);
    const indexes = this.#indexesOf(columns);
    let bytesVerified = 0;
    for (const c of indexes) bytesVerified += this.columns[c]!.lengthBytes;
    return { path: this.path, columnsVerified: indexes.length, bytesVerified };
  }

  /**
   * Hashes every block of every column (or of `columns`) and returns every block whose XXH64 differs
   * from the table (empty when the file is intact), whatever the `verify` open option. Reads the whole file.
   * @throws ColumnNotFoundError; ColumnFileClosedError.
   */
  findBadBlocks(columns?: readonly string[]): BadBlock[] {
    this.#assertOpen();
    return this.#blockVerifier().findBadBlocks(this.#indexesOf(columns));
  }

  /**
   * Verified reads of a row range: checks (once) every block of column `name` that holds a byte of rows
   * `[startRow, endRow)`. Returns the row up to which the column is now known good from `startRow` on
   * (>= `endRow`, the end of the last block checked, at most `rowCount`): a sequential reader calls it
   * again only when it passes that row. With `verify: false` it checks nothing and returns `rowCount`.
   * Use with {@link columnUnchecked}.
   *
   * `fromFile`: read the blocks to check from the file (`pread`) instead of hashing them through the
   * mapping, so checking maps no page ahead of the reader (see `BlockVerifier.verifyRange`); a
   * larger-than-RAM replay passes it to keep its RSS to the pages it reads. The check may then run up to
   * 256 KiB past `endRow`.
   * @throws BlockChecksumMismatchError; ColumnNotFoundError; ColumnFileClosedError.
   */
  verifyRows(name: string, startRow: number, endRow: number, fromFile = false): number {
    this.#assertOpen();
    const index = this.#requireIndex(name);
    if (!this.verifies) return this.rowCount;
    return this.#verifyRows(index, startRow, endRow, fromFile ? this.file : undefined);
  }

  /** {@link verifyRows} of column `index`, reading the blocks through `source` (the mapping without one). */
  #verifyRows(index: number, startRow: number, endRow: number, source: BlockSource | undefined): number {
    const verifier = this.#blockVerifier();
    if (verifier.isColumnVerified(index)) return this.rowCount;
    const size = DTYPE_SIZE_BYTES[this.columns[index]!.dtype];
    const endBytes = verifier.verifyRange(index, startRow * size, endRow * size, source);
    return Math.min(this.rowCount, Math.floor(endBytes / size));
  }

  /**
   * Where the block checksums of column `name` are, for a checker in another process (the replay's
   * prefetch helper, `WillneedWorker` of `@mmtape/prefetch`): block `b` of the column is its bytes
   * `[b · blockBytes, min(length, (b + 1) · blockBytes))`, and its XXH64 (seed 0, FORMAT.md "Checksums")
   * is stored as a little-endian u64 at `tableOffsetBytes + 8 · (firstEntry + b)` of this file's bytes.
   * `undefined` with `verify: false`.
   * @throws ColumnNotFoundError; ColumnFileClosedError.
   */
  blockChecksums(
    name: string,
  ): { blockBytes: number; tableOffsetBytes: number; firstEntry: number } | undefined {
    this.#assertOpen();
    const index = this.#requireIndex(name);
    if (!this.verifies) return undefined;
    return {
      blockBytes: this.checksumBlockBytes,
      tableOffsetBytes: this.#tableOffsetBytes,
      firstEntry: this.#blockVerifier().firstEntry(index),
    };
  }

  /**
   * A reader that copies row ranges of this file's columns into buffers of the caller with `pread`
   * through one descriptor (`MappedFileReader` of `@mmtape/mmap-core`), so reading maps no page into the
   * process: a replay larger than memory keeps its resident set to its own buffers. Every range is
   * checked first as {@link verifyRows} checks it (from the file), so no byte of a bad block is copied.
   * Close it when done (the descriptor is shared with the other readers of the same file).
   * `verify: false` skips the checks (like a replay with `verify: false`); a file opened with
   * `verify: false` never checks.
   * @throws ColumnFileClosedError.
   */
  openRowReader(options: { verify?: boolean } = {}): ColumnRowReader {
    this.#assertOpen();
    const verify = options.verify !== false && this.verifies;
    const reader = this.file.openReader();
    // Blocks to check are read through the reader's descriptor too (one pread each, where the file's own
    // `readInto` opens the file for every read), after a WILLNEED on exactly their pages as `readInto`
    // does: a read that misses the page cache would otherwise start the kernel's read-ahead on the
    // descriptor, past the column (measured on the cold 32 GB replay: 1.15–1.21× the needed bytes read
    // from the device instead of 1.002×).
    const source: BlockSource = {
      readInto: (target, offsetBytes) => {
        try {
          this.file.advise('willneed', offsetBytes, target.length);
        } catch {
          // advice only
        }
        reader.read(target, 0, target.length, offsetBytes);
        return true;
      },
    };
    return {
      readRows: (name, startRow, rowCount, into, intoOffsetBytes) => {
        const index = this.#requireIndex(name);
        const d = this.columns[index]!;
        const size = DTYPE_SIZE_BYTES[d.dtype];
        if (
          !(
            Number.isSafeInteger(startRow) &&
            Number.isSafeInteger(rowCount) &&
            startRow >= 0 &&
            rowCount >= 0
          ) ||
          startRow + rowCount > d.lengthBytes / size
        ) {
          throw new RowRangeError(
            `${this.path}: rows [${startRow}, ${startRow + rowCount}) of column "${name}" asked, it has ${d.lengthBytes / size} rows`,
            {
              path: this.path,
              field: name,
              expected: `rows within [0, ${d.lengthBytes / size})`,
              actual: `[${startRow}, ${startRow + rowCount})`,
            },
          );
        }
        const goodRows =
          verify && rowCount > 0
            ? this.#verifyRows(index, startRow, startRow + rowCount, source)
            : this.rowCount;
        if (rowCount > 0)
          reader.read(into, intoOffsetBytes, rowCount * size, d.offsetBytes + startRow * size);
        return goodRows;
      },
      close: () => reader.close(),
    };
  }

  /**
   * Records blocks `[startBlock, endBlock)` of column `name` as checked by another reader the way
   * {@link verifyRows} checks them (see {@link blockChecksums}): later calls of {@link verifyRows} skip
   * them. For the replay's prefetch helper, which hashes what it reads ahead of the merge.
   * @throws ColumnNotFoundError; ColumnFileClosedError.
   */
  acceptCheckedBlocks(name: string, startBlock: number, endBlock: number): void {
    this.#assertOpen();
    const index = this.#requireIndex(name);
    if (this.verifies) this.#blockVerifier().acceptCheckedRun(index, startBlock, endBlock);
  }

  /**
   * Zero-copy proof: checks that every view handed out so far (with `all`, first a view of every
   * column) shares the mapped ArrayBuffer and starts at `file.buffer.byteOffset + offsetBytes`. Returns
   * one check per view; unless `throwOnCopy` is false, throws ZeroCopyViolationError on the first copy.
   * A fallback read that had to be copied for alignment (`copiedForAlignment`) fails by design.
   */
  verifyNoCopies(options: { all?: boolean; throwOnCopy?: boolean } = {}): ViewAliasCheck[] {
    this.#assertOpen();
    if (options.all === true) for (const d of this.columns) this.column(d.name);
    const mapped = this.file.buffer;
    const out: ViewAliasCheck[] = [];
    for (const [index, view] of this.#views.entries()) {
      if (view === undefined) continue;
      const d = this.columns[index]!;
      const name = d.name;
      const expectedByteOffset = mapped.byteOffset + d.offsetBytes;
      const sameArrayBuffer = view.buffer === mapped.buffer;
      const aliases = sameArrayBuffer && view.byteOffset === expectedByteOffset;
      if (!aliases && options.throwOnCopy !== false) {
        throw new ZeroCopyViolationError(
          `${this.path}: view of column "${name}" is not an alias of the mapping (same ArrayBuffer: ${sameArrayBuffer}, byteOffset ${view.byteOffset}, expected ${expectedByteOffset})`,
          { path: this.path, field: name, expected: expectedByteOffset, actual: view.byteOffset },
        );
      }
      out.push({
        column: name,
        aliases,
        expectedByteOffset,
        actualByteOffset: view.byteOffset,
        sameArrayBuffer,
      });
    }
    return out;
  }

  /**
   * First row whose `ts` is >= `timestampNs` (binary search on the `ts` column); `rowCount` when every
   * row is earlier.
   * @throws NotSortedError when the file is not flagged sorted by timestamp.
   */
  lowerBoundRow(timestampNs: bigint): number {
    // The probed rows only are verified (their blocks, once): log2(rows) blocks, not the whole column.
    const ts = this.#typed('ts', 'i64', false) as BigInt64Array;
    const verify = this.verifies && !this.#blockVerifier().isColumnVerified(this.#indexOf('ts'));
    if (!this.sortedByTimestamp) {
      throw new NotSortedError(`${this.path}: ts column is not flagged sorted; cannot binary-search it`, {
        path: this.path,
        field: 'ts',
      });
    }
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (verify) this.verifyRows('ts', mid, mid + 1);
      if (ts[mid]! < timestampNs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The bytes views are made over (the mapped Buffer, or its aligned copy). */
  get bytes(): Buffer {
    this.#assertOpen();
    return this.#bytes;
  }

  /** True when the file has a column named `name`. */
  has(name: string): boolean {
    return this.#indexOf(name) >= 0;
  }

  /**
   * Zero-copy typed-array view of a column (cached). With `verify` (the default) every block of the
   * column is checked against its XXH64 before the view is first returned.
   * @throws ColumnNotFoundError, ColumnFileClosedError, BlockChecksumMismatchError
   */
  column(name: string): ColumnData {
    const view = this.columnUnchecked(name);
    const index = this.#indexOf(name);
    if (this.verifies) this.#blockVerifier().verifyColumn(index);
    return view;
  }

  /**
   * Zero-copy view of a column without checking its blocks: the caller checks each row range with
   * {@link verifyRows} before reading it (the replay does, block by block as its cursors advance, so a
   * column is verified in step with the reads instead of all at once). Prefer {@link column} otherwise.
   * @throws ColumnNotFoundError, ColumnFileClosedError
   */
  columnUnchecked(name: string): ColumnData {
    this.#assertOpen();
    const index = this.#requireIndex(name);
    const cached = this.#views[index];
    if (cached) return cached;
    const d = this.columns[index]!;
    const buf = this.#bytes;
    const view = makeView(
      d.dtype,
      buf.buffer,
      buf.byteOffset + d.offsetBytes,
      d.lengthBytes / DTYPE_SIZE_BYTES[d.dtype],
    );
    this.#views[index] = view;
    return view;
  }

  /** `column(name)` checked to be `f64`. @throws ColumnDtypeMismatchError */
  f64(name: string): Float64Array {
    return this.#typed(name, 'f64') as Float64Array;
  }

  /** `column(name)` checked to be `i64`. @throws ColumnDtypeMismatchError */
  i64(name: string): BigInt64Array {
    return this.#typed(name, 'i64') as BigInt64Array;
  }

  /** The `ts` column: int64 nanoseconds since the Unix epoch, UTC. */
  timestampsNs(): BigInt64Array {
    return this.i64('ts');
  }

  /** Unmaps the file. Idempotent. Views handed out before must not be used afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#views.length = 0;
    this.file.close();
  }

  #typed(name: string, dtype: 'f64' | 'i64', verified = true): ColumnData {
    const view = verified ? this.column(name) : this.columnUnchecked(name);
    const actual = this.columns[this.#indexOf(name)]!.dtype;
    if (actual !== dtype) {
      throw new ColumnDtypeMismatchError(`${this.path}: column "${name}" is ${actual}, expected ${dtype}`, {
        path: this.path,
        field: name,
        expected: dtype,
        actual,
      });
    }
    return view;
  }

  /** The block verifier, made on first use. */
  #blockVerifier(): BlockVerifier {
    this.#verifier ??= new BlockVerifier(
      this.path,
      this.#bytes,
      this.columns,
      this.#tableOffsetBytes,
      this.checksumBlockBytes,
    );
    return this.#verifier;
  }

  /** Index of column `name` in `columns`, -1 when absent (a linear scan: files have a handful of columns). */
  #indexOf(name: string): number {
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) if (columns[i]!.name === name) return i;
    return -1;
  }

  /** Index of column `name`. @throws ColumnNotFoundError listing the columns. */
  #requireIndex(name: string): number {
    const index = this.#indexOf(name);
    if (index < 0) {
      throw new ColumnNotFoundError(
        `${this.path}: no column "${name}", columns are ${this.columns.map((c) => c.name).join(', ') || '(none)'}`,
        { path: this.path, field: name },
      );
    }
    return index;
  }

  /** Indexes of `names` (default: every column). @throws ColumnNotFoundError */
  #indexesOf(names: readonly string[] | undefined): number[] {
    return names === undefined ? this.columns.map((_, c) => c) : names.map((n) => this.#requireIndex(n));
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ColumnFileClosedError(`${this.path}: column file is closed`, { path: this.path });
    }
  }
}
