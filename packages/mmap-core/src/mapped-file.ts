import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AccessPattern, Advice } from './advice.js';
import { madvise, mapReadOnly, mincore, nativeStatus } from './bindings.js';
import { debugLog } from './debug-log.js';
import { InvalidRangeError, isMmapError, MappedFileClosedError, MappedFileOpenError } from './errors.js';
import { type FileIdentity, MappedFileReader } from './file-reader.js';
import { overBudgetReason } from './mapping-budget.js';
import { noteFallback } from './mmap-status.js';
import { mergePageRuns } from './page-runs.js';
import { pageSizeBytes } from './page-size.js';
import type { Residency } from './residency.js';
import { validateMappingSize } from './validate-mapping-size.js';

/** Options of {@link MappedFile.open}. */
export interface MappedFileOpenOptions {
  /**
   * Read the whole file into memory instead of mapping it, as if the native binding were missing.
   * Default `false`. Useful for tests and for comparing backends.
   */
  forceFallback?: boolean;
  /**
   * Advice applied to the whole mapping right after `mmap`, before any byte is read (mmap backend only).
   * Default `undefined`: none, the kernel's `MADV_NORMAL`, whose first fault reads up to the device's
   * `read_ahead_kb` around the faulting page (8 MiB on a disk with `read_ahead_kb = 8192`).
   * `'random'` makes each fault read only its page, so reading a file's header at open costs one
   * page, not a read-around; use it when a prefetcher advises the windows to read (`WILLNEED`), as
   * `@mmtape/prefetch` does. Equivalent to `advise(accessPattern)` after `open`, but issued before the
   * caller can touch a page.
   */
  accessPattern?: AccessPattern;
}

/** How the bytes of a {@link MappedFile} are held. */
export type MappedFileBackend = 'mmap' | 'fallback';

/**
 * A file mapped read-only into memory (`PROT_READ`, `MAP_SHARED`), or read into memory when mapping is
 * impossible.
 *
 * - **mmap backend**: the file descriptor is closed right after mapping; `buffer` is a zero-copy view
 *   of the page cache. `advise()` calls `madvise`, `residency()` calls `mincore`.
 * - **fallback backend** (native module missing, `mmap()` failed, or `forceFallback`): the whole file is
 *   read into a dedicated `ArrayBuffer` (byteOffset 0, so typed views of any element size line up).
 *   `advise()` is a no-op and `residency()` reports every page resident. One process warning
 *   (`MMTAPE_MMAP_FALLBACK`) is emitted on the first fallback.
 * - **empty files** (0 bytes) cannot be mapped (`mmap` rejects length 0): `buffer` is an empty Buffer,
 *   `backend` is `'mmap'` when the native binding is available (nothing to fall back from, so no
 *   warning), else `'fallback'`; advise is a no-op and residency is all zeros.
 *
 * Lifetime: `close()` only drops this object's reference. The native binding has no explicit unmap; the
 * mapping is released (`munmap`) when the Buffer and every view over it are garbage collected, so views
 * taken before `close()` stay valid. Node runs that release from an immediate, i.e. only when the event
 * loop turns: a synchronous loop that maps and drops many files keeps every mapping until it yields
 * (measured: 3,000 files replayed 20 times without yielding → 60,000 mappings, past Linux's default
 * `vm.max_map_count` of 65,530, and V8 aborts with "heap out of memory"). Yield between such rounds, e.g.
 * `await new Promise((resolve) => setImmediate(resolve))`, or use segment files (one mapping per segment,
 * `@mmtape/columnar-format`).
 *
 * Limits: files must be < 2,147,483,647 bytes (the binding's C `int`), else `open()` throws
 * {@link MappingTooLargeError} for either backend.
 *
 * @example
 * const file = MappedFile.open('/data/AAPL.mmt');
 * const closes = new Float64Array(file.buffer.buffer, file.buffer.byteOffset + 64, 1000);
 * file.advise('willneed', 64, 8000);
 * file.residency(); // { residentPages, totalPages, residentBytes, totalBytes }
 * file.close();
 */
export class MappedFile {
  /** Path given to {@link MappedFile.open}. */
  readonly path: string;
  /** File size in bytes at open time. */
  readonly byteLength: number;
  /** How the bytes are held; see the class doc. */
  readonly backend: MappedFileBackend;
  /**
   * Where this object's bytes start inside the whole mapping, in bytes: 0 for a file opened with
   * {@link MappedFile.open}, the slice's start for one made by {@link MappedFile.slice}.
   */
  readonly baseOffsetBytes: number;
  #buffer: Buffer | undefined;
  /** The whole mapping (equal to `#buffer` unless this is a slice): madvise/mincore work on its pages. */
  #whole: Buffer | undefined;
  /** True when there is a real mapping to advise (mmap backend, non-empty file). */
  readonly #mapped: boolean;
  /** Access pattern of the whole mapping, shared with every slice of it (see {@link accessPattern}). */
  readonly #pattern: MappingPattern;
  /** The mapped file on disk (path, device, inode), for {@link readInto}; `undefined` when not mapped. */
  readonly #source: FileIdentity | undefined;

  private constructor(
    path: string,
    buffer: Buffer,
    backend: MappedFileBackend,
    mapped: boolean,
    whole: Buffer = buffer,
    baseOffsetBytes = 0,
    pattern: MappingPattern = { current: 'normal' },
    source?: FileIdentity,
  ) {
    this.path = path;
    this.byteLength = buffer.length;
    this.backend = backend;
    this.#buffer = buffer;
    this.#whole = whole;
    this.#mapped = mapped;
    this.baseOffsetBytes = baseOffsetBytes;
    this.#pattern = pattern;
    this.#source = source;
  }

  /**
   * Opens `path` read-only and maps it (or reads it, see the class doc).
   * @throws {MappedFileOpenError} when the file cannot be opened or stat'ed.
   * @throws {MappingTooLargeError} when the file has 2,147,483,647 bytes or more.
   */
  static open(path: string, options: MappedFileOpenOptions = {}): MappedFile {
    let fd: number;
    let sizeBytes: number;
    let identity: FileIdentity;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new MappedFileOpenError(path, error);
    }
    try {
      try {
        const stats = fstatSync(fd);
        if (!stats.isFile()) throw new Error(`not a regular file`);
        sizeBytes = stats.size;
        identity = { path, device: stats.dev, inode: stats.ino };
      } catch (error) {
        throw new MappedFileOpenError(path, error);
      }
      validateMappingSize(path, sizeBytes);
      const native = nativeStatus();
      if (sizeBytes === 0) {
        debugLog(`open ${path}: empty file, nothing to map`);
        return new MappedFile(path, Buffer.alloc(0), native.available ? 'mmap' : 'fallback', false);
      }
      // Why this file is read into memory instead; undefined while it may be mapped. Past the mapping
      // budget (see mapping-budget.ts) it is read rather than risk exhausting vm.max_map_count.
      let reason: string | undefined;
      if (options.forceFallback === true) reason = 'forceFallback option';
      else if (!native.available) reason = native.reason ?? 'native binding unavailable';
      else reason = overBudgetReason();
      if (reason === undefined) {
        try {
          const buffer = mapReadOnly(fd, sizeBytes);
          // A fresh mapping is MADV_NORMAL; after a failed advice its pattern is unknown.
          const pattern: MappingPattern = { current: 'normal' };
          if (options.accessPattern !== undefined) {
            pattern.current = adviseAtOpen(path, buffer, options.accessPattern)
              ? options.accessPattern
              : undefined;
          }
          debugLog(
            `open ${path}: mapped ${sizeBytes} bytes${options.accessPattern ? ` (${options.accessPattern})` : ''}`,
          );
          return new MappedFile(path, buffer, 'mmap', true, buffer, 0, pattern, identity);
        } catch (error) {
          if (!isMmapError(error, 'MMTAPE_MMAP_SYSCALL_FAILED')) throw error;
          reason = error.message;
        }
      }
      noteFallback(path, reason);
      const buffer = readWholeFile(fd, sizeBytes);
      debugLog(`open ${path}: read ${sizeBytes} bytes into memory`);
      return new MappedFile(path, buffer, 'fallback', false);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The file on disk whose bytes this object maps: the path given to {@link MappedFile.open}, also for
   * every slice of it (whose `path` is a label); `undefined` when nothing is mapped (fallback backend,
   * empty file). Another thread can map the same file to advise the page cache for this one.
   */
  get filePath(): string | undefined {
    return this.#source?.path;
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.#buffer === undefined;
  }

  /**
   * A view of `[offsetBytes, offsetBytes + lengthBytes)` of this file as a `MappedFile` of its own,
   * sharing the mapping (no syscall, no copy): `buffer` is that range, `byteLength` its length, and
   * `advise` / `residency` take offsets relative to the slice but act on the pages of the whole
   * mapping (a range is widened to whole pages, so advice may touch the neighbours' part of a shared
   * page; advice never changes data). Used for segment files, where many column files live in one
   * mapping (one `mmap` and one V8 external allocation instead of thousands). Closing a slice only
   * drops the slice's references; the mapping lives while any slice, view or the parent is reachable.
   *
   * @param offsetBytes start inside this file (or slice), bytes.
   * @param lengthBytes length, bytes.
   * @param path label used in errors and `path` (default `"<path>@<absolute offset>"`).
   * @throws InvalidRangeError when the range is not made of non-negative integers or ends past `byteLength`.
   * @throws MappedFileClosedError when this file is closed.
   */
  slice(offsetBytes: number, lengthBytes: number, path?: string): MappedFile {
    const buffer = this.#open('slice');
    if (
      !isByteCount(offsetBytes) ||
      !isByteCount(lengthBytes) ||
      offsetBytes + lengthBytes > this.byteLength
    ) {
      throw new InvalidRangeError(this.path, offsetBytes, lengthBytes, this.byteLength);
    }
    const base = this.baseOffsetBytes + offsetBytes;
    return new MappedFile(
      path ?? `${this.path}@${base}`,
      buffer.subarray(offsetBytes, offsetBytes + lengthBytes),
      this.backend,
      this.#mapped && lengthBytes > 0,
      this.#whole!,
      base,
      this.#pattern,
      this.#source,
    );
  }

  /**
   * The file's bytes (`byteLength` long, `byteOffset` 0 within its ArrayBuffer for both backends).
   * Build typed views with `new Float64Array(buf.buffer, buf.byteOffset + offsetBytes, length)`.
   * @throws {MappedFileClosedError} after `close()`.
   */
  get buffer(): Buffer {
    return this.#open('read buffer');
  }

  /**
   * Gives the kernel access-pattern advice for a byte range (`madvise`).
   *
   * The start is aligned down to the page size (so up to one page before `offsetBytes` is included) and
   * the end is clamped to the file; the kernel rounds the length up to whole pages. A range entirely past
   * the end, or of length 0, is a no-op. No-op for the fallback backend and for empty files. An access
   * pattern (`normal`, `random`, `sequential`) that the whole mapping already has ({@link accessPattern})
   * is not advised again: the kernel state would not change, and a replay that undoes `random` over
   * thousands of files (or segment members) would otherwise spend one system call per file.
   * @param offsetBytes start of the range, bytes, default 0.
   * @param lengthBytes length of the range, bytes, default: to the end of the file.
   * @throws {MappedFileClosedError} after `close()`.
   * @throws {InvalidRangeError} for negative, fractional or non-finite arguments.
   * @throws {MmapSyscallError} if `madvise` fails.
   */
  advise(advice: Advice, offsetBytes = 0, lengthBytes?: number): void {
    this.#open(`advise ${advice}`);
    const range = this.#alignedRange(offsetBytes, lengthBytes);
    if (!this.#mapped || range.lengthBytes === 0) return;
    if (advice === 'willneed' || advice === 'dontneed') {
      madvise(this.#whole!, range.offsetBytes, range.lengthBytes, advice);
      return;
    }
    const pattern = this.#pattern;
    if (pattern.current === advice) return;
    pattern.current = undefined; // until the call succeeds
    madvise(this.#whole!, range.offsetBytes, range.lengthBytes, advice);
    const whole = this.#whole!.length;
    if (range.offsetBytes === 0 && range.offsetBytes + range.lengthBytes >= whole) pattern.current = advice;
  }

  /**
   * The access pattern (`normal`, `random`, `sequential`) that every page of the whole mapping has, as
   * advised through this object, its parent and its slices (a fresh mapping is `normal`); `undefined`
   * when parts of the mapping were advised differently (or an advice failed). Always `normal` for the
   * fallback backend and for empty files, where advice is a no-op.
   */
  get accessPattern(): AccessPattern | undefined {
    return this.#mapped ? this.#pattern.current : 'normal';
  }

  /**
   * Counts the pages of a byte range that are resident in memory (`mincore`). The range is aligned down
   * to the page size and clamped to the file (see {@link Residency}). The fallback backend reports every
   * page resident.
   * @param offsetBytes start of the range, bytes, default 0.
   * @param lengthBytes length of the range, bytes, default: to the end of the file.
   * @throws {MappedFileClosedError} after `close()`.
   * @throws {InvalidRangeError} for negative, fractional or non-finite arguments.
   * @throws {MmapSyscallError} if `mincore` fails.
   */
  residency(offsetBytes = 0, lengthBytes?: number): Residency {
    this.#open('query residency');
    const range = this.#alignedRange(offsetBytes, lengthBytes);
    const pageSize = pageSizeBytes();
    const totalBytes = range.lengthBytes;
    const totalPages = Math.ceil(totalBytes / pageSize);
    if (!this.#mapped || totalBytes === 0) {
      return { residentPages: totalPages, totalPages, residentBytes: totalBytes, totalBytes };
    }
    const view = this.#whole!.subarray(range.offsetBytes, range.offsetBytes + range.lengthBytes);
    const { residentPages } = mincore(view);
    return {
      residentPages,
      totalPages,
      residentBytes: Math.min(residentPages * pageSize, totalBytes),
      totalBytes,
    };
  }

  /**
   * Gives `advice` for the whole of every file of `files`, as `file.advise(advice)` does for each, with
   * one `madvise` per run of pages that files of the same mapping cover together (slices of a segment
   * file, `@mmtape/columnar-format`): 3,000 segment members are one call, not 3,000. An access pattern
   * that a mapping already has is not advised again, and a run covering a whole mapping records it
   * (see {@link accessPattern}). Fallback and empty files are skipped, as `advise` skips them.
   * @throws {MappedFileClosedError} when one of `files` is closed (before any advice is given).
   * @throws {MmapSyscallError} if `madvise` fails.
   */
  static adviseAll(files: readonly MappedFile[], advice: Advice): void {
    const pattern = advice !== 'willneed' && advice !== 'dontneed';
    for (const { whole, file, runs } of MappedFile.#runsOf(files, `advise ${advice}`)) {
      if (pattern && file.#pattern.current === advice) continue;
      if (pattern) file.#pattern.current = undefined; // until the calls succeed
      for (let r = 0; r < runs.length; r += 2) madvise(whole, runs[r]!, runs[r + 1]! - runs[r]!, advice);
      if (pattern && runs.length === 2 && runs[0] === 0 && runs[1]! >= whole.length) {
        file.#pattern.current = advice;
      }
    }
  }

  /**
   * Residency of the pages that `files` cover together, each page counted once: one `mincore` per run of
   * pages of one mapping (see {@link adviseAll}), where a {@link residency} per file costs one call each
   * and counts a page shared by two neighbours twice. A fallback file counts as resident, an empty one
   * as nothing, as in `residency`.
   * @throws {MappedFileClosedError} when one of `files` is closed.
   * @throws {MmapSyscallError} if `mincore` fails.
   */
  static residencyOf(files: readonly MappedFile[]): Residency {
    const pageSize = pageSizeBytes();
    let residentPages = 0;
    let totalPages = 0;
    let residentBytes = 0;
    let totalBytes = 0;
    for (const file of files) {
      if (file.#open('query residency').length === 0 || file.#mapped) continue;
      const { lengthBytes } = file.#alignedRange(0, undefined);
      const pages = Math.ceil(lengthBytes / pageSize);
      residentPages += pages;
      totalPages += pages;
      residentBytes += lengthBytes;
      totalBytes += lengthBytes;
    }
    for (const { whole, runs } of MappedFile.#runsOf(files, 'query residency')) {
      for (let r = 0; r < runs.length; r += 2) {
        const bytes = runs[r + 1]! - runs[r]!;
        const resident = mincore(whole.subarray(runs[r]!, runs[r + 1]!)).residentPages;
        residentPages += resident;
        totalPages += Math.ceil(bytes / pageSize);
        residentBytes += Math.min(resident * pageSize, bytes);
        totalBytes += bytes;
      }
    }
    return { residentPages, totalPages, residentBytes, totalBytes };
  }

  /**
   * The mapped, non-empty files of `files` grouped by mapping: the mapping, one of its files (whose
   * `#pattern` the group shares) and the merged page runs of their ranges (`mergePageRuns`), in the
   * coordinates of the whole mapping. Checks that every file is open first.
   */
  static #runsOf(
    files: readonly MappedFile[],
    operation: string,
  ): { whole: Buffer; file: MappedFile; runs: number[] }[] {
    const pageSize = pageSizeBytes();
    const groups = new Map<Buffer, { file: MappedFile; ranges: number[] }>();
    for (const file of files) file.#open(operation);
    for (const file of files) {
      if (!file.#mapped) continue;
      const range = file.#alignedRange(0, undefined);
      if (range.lengthBytes === 0) continue;
      const whole = file.#whole!;
      let group = groups.get(whole);
      if (group === undefined) {
        group = { file, ranges: [] };
        groups.set(whole, group);
      }
      group.ranges.push(range.offsetBytes, range.offsetBytes + range.lengthBytes);
    }
    return [...groups].map(([whole, { file, ranges }]) => ({
      whole,
      file,
      runs: mergePageRuns(ranges, pageSize),
    }));
  }

  /**
   * `WILLNEED` on exactly `[offsetBytes, offsetBytes + lengthBytes)` before {@link readInto} reads it, so
   * pages not in the page cache are read as that range and nothing more. Without it, `pread` on the fresh
   * descriptor takes the cached pages before the range for a sequential stream and reads ahead up to the
   * device's `read_ahead_kb` (8 MiB here: other columns, other rows): measured on a cold replay whose
   * verified reads ran past the prefetch windows, 1.5× the bytes it needed. A failed advice is ignored
   * (the read is right either way).
   */
  #requestExactly(offsetBytes: number, lengthBytes: number): void {
    try {
      this.advise('willneed', offsetBytes, lengthBytes);
    } catch {
      // advice only
    }
  }

  /**
   * Copies bytes `[offsetBytes, offsetBytes + target.length)` of this file (or slice) into `target`.
   * On the mmap backend the bytes come from `pread(2)` on the mapped file, not through the mapping: they
   * pass through the page cache (a cached page is copied, a missing one is read from the device) but no
   * page is mapped into this process, so RSS does not grow. A reader that must look at bytes ahead of
   * where it reads through the mapping (a checksum over a whole block) uses it to keep its resident set
   * to the pages it actually reads. Pages not cached are read exactly (the range is advised `WILLNEED`
   * first: no read-ahead around it). Each call opens, `fstat`s and closes the file (no descriptor is kept:
   * a dataset maps thousands of files). On the fallback backend (and for empty files) the bytes are
   * copied from memory.
   *
   * Returns `false`, having copied nothing, when the file at `path` is no longer the mapped one (another
   * device or inode: renamed over or replaced since `open`), cannot be opened, or is now shorter than the
   * range: the mapping then holds the only copy of the bytes its readers see, and the caller should read
   * them there.
   * @throws {InvalidRangeError} when the range is not made of non-negative integers or ends past
   *   `byteLength`.
   * @throws {MappedFileClosedError} after `close()`.
   */
  readInto(target: Uint8Array, offsetBytes: number): boolean {
    const buffer = this.#open('readInto');
    const length = target.length;
    if (!isByteCount(offsetBytes) || offsetBytes + length > this.byteLength) {
      throw new InvalidRangeError(this.path, offsetBytes, length, this.byteLength);
    }
    const source = this.#source;
    if (source === undefined || length === 0) {
      target.set(buffer.subarray(offsetBytes, offsetBytes + length));
      return true;
    }
    let fd: number;
    try {
      fd = openSync(source.path, 'r');
    } catch {
      return false;
    }
    try {
      const stats = fstatSync(fd);
      if (stats.dev !== source.device || stats.ino !== source.inode) return false;
      const position = this.baseOffsetBytes + offsetBytes;
      this.#requestExactly(offsetBytes, length);
      let filled = 0;
      while (filled < length) {
        const read = readSync(fd, target, filled, length - filled, position + filled);
        if (read === 0) return false;
        filled += read;
      }
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A reader that copies many byte ranges of this file (or slice) with `pread(2)` through one descriptor
   * kept open until its `close()`: the bytes pass through the page cache and map no page into the
   * process (see {@link MappedFileReader}; {@link readInto} opens the file for each call instead).
   * @throws {MappedFileClosedError} after `close()`.
   */
  openReader(): MappedFileReader {
    const buffer = this.#open('openReader');
    return new MappedFileReader(this.path, buffer, this.baseOffsetBytes, this.#source);
  }

  /**
   * Releases this object's reference to the bytes; later `buffer`, `advise()` and `residency()` throw
   * {@link MappedFileClosedError}. Idempotent. The mapping itself is unmapped by the garbage collector
   * once no view refers to it.
   */
  close(): void {
    if (this.#buffer === undefined) return;
    this.#buffer = undefined;
    this.#whole = undefined;
    debugLog(`close ${this.path}`);
  }

  #open(operation: string): Buffer {
    if (this.#buffer === undefined) throw new MappedFileClosedError(this.path, operation);
    return this.#buffer;
  }

  /** Validates, aligns the start down to a page and clamps the end to the file. */
  #alignedRange(
    offsetBytes: number,
    lengthBytes: number | undefined,
  ): { offsetBytes: number; lengthBytes: number } {
    const length = lengthBytes ?? Math.max(0, this.byteLength - offsetBytes);
    if (!isByteCount(offsetBytes) || !isByteCount(length)) {
      throw new InvalidRangeError(this.path, offsetBytes, length);
    }
    // In the coordinates of the whole mapping (a slice starts at baseOffsetBytes), widened to whole pages.
    const base = this.baseOffsetBytes;
    const pageSize = pageSizeBytes();
    const start = Math.floor((base + offsetBytes) / pageSize) * pageSize;
    const end = base + Math.min(offsetBytes + length, this.byteLength);
    if (length === 0 || start >= end)
      return { offsetBytes: Math.min(start, base + this.byteLength), lengthBytes: 0 };
    return { offsetBytes: start, lengthBytes: end - start };
  }
}

/**
 * Advises the whole new mapping. Advice never changes the bytes read, so a failure (none is expected for
 * a fresh page-aligned mapping) is logged (`MMTAPE_LOG=debug`) rather than turned into a fallback read of
 * the whole file.
 */
function adviseAtOpen(path: string, buffer: Buffer, accessPattern: AccessPattern): boolean {
  try {
    madvise(buffer, 0, buffer.length, accessPattern);
    return true;
  } catch (error) {
    debugLog(
      `open ${path}: madvise ${accessPattern} failed: ${error instanceof Error ? error.message : error}`,
    );
    return false;
  }
}

/** The access pattern of a whole mapping (`undefined`: parts differ or unknown); shared by its slices. */
interface MappingPattern {
  current: AccessPattern | undefined;
}

function isByteCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Reads `sizeBytes` from `fd` into a Buffer that owns its ArrayBuffer (byteOffset 0, not pooled). */
function readWholeFile(fd: number, sizeBytes: number): Buffer {
  const buffer = Buffer.allocUnsafeSlow(sizeBytes);
  let filled = 0;
  while (filled < sizeBytes) {
    const read = readSync(fd, buffer, filled, sizeBytes - filled, filled);
    if (read === 0) break;
    filled += read;
  }
  // The file shrank between fstat and read: expose only the bytes that exist (byteLength follows).
  return filled === sizeBytes ? buffer : buffer.subarray(0, filled);
}
