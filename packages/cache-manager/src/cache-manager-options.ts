/**
 * Options, counters, warnings and reports of `CacheManager` (types only, plus the default entry size
 * limit), so that the class file holds the behaviour.
 *
 * @module
 */

import type { BadEntryReason } from './cache-entry.js';

/** Default {@link CacheManagerOptions.maxEntryBytes}: 1 GiB. */
export const DEFAULT_MAX_ENTRY_BYTES = 2 ** 30;

/** What a {@link CacheWarning} is about. */
export type CacheWarningKind =
  /** An entry file was rejected (`reason`), removed when possible, and the read counted as a miss. */
  | 'bad-entry'
  /** An entry could not be read (permission, I/O error): a miss; the file is left alone. Once per instance. */
  | 'read-failed'
  /** An entry could not be written (read-only folder, ENOSPC, EACCES...): writes are off from now on. Once. */
  | 'write-failed'
  /** A value was not stored because its entry would exceed `maxEntryBytes`. */
  | 'entry-too-large';

/** One problem the cache met and absorbed (reported through `onWarning`, counted in `stats()`). */
export interface CacheWarning {
  kind: CacheWarningKind;
  /** Entry file (or folder) concerned. */
  path: string;
  /** For `bad-entry`: why the entry was rejected. */
  reason?: BadEntryReason;
  /** One line for humans. */
  message: string;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/** Options of {@link CacheManager}. */
export interface CacheManagerOptions {
  /** Cache folder; created on the first write. Relative paths resolve against `process.cwd()`. */
  dir: string;
  /**
   * Compress entries with zstd (`.zst` files). Default `true`: cached panels and results are mostly
   * float64 series that shrink 2-3x, and decoding (~140 MB/s with the wasm zstd) costs less than
   * recomputing them. Set `false` for write-heavy caches of large arrays, where zstd-wasm encoding
   * (~30 MB/s) dominates. `false` writes `.bin` files holding the same checksummed frame with
   * codec `none` (no wasm is loaded). Entries of either kind are read whatever this option says.
   */
  useCompression?: boolean;
  /**
   * zstd level, integer 1..22. Default 3 (zstd's default): near the best ratio of the fast levels;
   * higher levels cost much more CPU for a few percent on numeric data.
   */
  compressionLevel?: number;
  /**
   * Compression algorithm. Default `'zstd'` (`.zst` files, a frame with chain `[zstd]`). `'blosc'`
   * writes `.blosc` files: a frame around a blosc1 buffer (inner zstd, byte shuffle, typesize 8; level =
   * `compressionLevel` clamped to blosc's 1..9), better on float64 arrays.
   */
  compressionAlgorithm?: 'zstd' | 'blosc';
  /**
   * Size cap in bytes on disk. After each put, entries are evicted least recently used first (by
   * the last-access time this class records in each entry's mtime on every hit and put; the OS
   * atime is never used) until the total is at most the cap. Default `undefined`: no cap.
   */
  maxBytes?: number;
  /**
   * Largest entry read or written, bytes, both on disk and decoded. Default 1 GiB
   * ({@link DEFAULT_MAX_ENTRY_BYTES}): far above any panel or result mmtape caches (a 3,000-symbol x
   * 2,000-day float64 panel is 48 MB), small enough that a hostile or damaged entry (a link to
   * /dev/zero, a frame announcing terabytes) can never exhaust memory. A larger file is a bad entry
   * (miss, removed); a larger value is not stored (`entry-too-large` warning).
   */
  maxEntryBytes?: number;
  /**
   * Called for each problem the cache absorbs instead of throwing: bad entries (corrupt, truncated,
   * wrong key, not a regular file, too large: each removed and a miss), the first read failure, the
   * first write failure (after which writes are off), values too large to store. Default: none (the
   * counters of `stats()` still record them). Must not throw.
   */
  onWarning?: (warning: CacheWarning) => void;
}

/** Options of {@link CacheManager.prune}. */
export interface PruneOptions {
  /** Evict least recently used entries until the total is at most this. Default: the `maxBytes` option. */
  maxBytes?: number;
  /** Also remove entries not accessed for longer than this many milliseconds. */
  olderThanMs?: number;
}

/** What {@link CacheManager.prune} removed. */
export interface PruneReport {
  removed: number;
  freedBytes: number;
  remainingEntries: number;
  remainingBytes: number;
}

/** Parts of a task key (see {@link CacheManager.taskKey}). */
export interface TaskKeyParts {
  /** Stable id of the computation, e.g. `'walk-forward/engle-granger'`. */
  functionId: string;
  /** Version of the code computing it; bump to invalidate old entries. */
  codeVersion: string;
  /** Parameters, canonicalised (sorted keys, tagged non-JSON values). */
  params?: unknown;
  /**
   * Input data: typed arrays / bytes are hashed (SHA-256) by content; strings are taken as digests
   * already computed (e.g. a dataset file checksum).
   */
  inputs?: Record<string, string | ArrayBufferView>;
}

/** Counters and on-disk totals returned by {@link CacheManager.stats}. */
export interface CacheStats {
  /** Entry files (`.zst` and `.bin`) currently in the folder, all processes included. */
  entries: number;
  /** Total size of those files, bytes on disk (compressed size). */
  bytes: number;
  /** `get*` calls of this instance that returned a value. */
  hits: number;
  /** `get*` calls of this instance that returned `undefined` (missing, bad or unreadable entry). */
  misses: number;
  /**
   * Entries this instance rejected (corrupt, truncated, stored under another key, not a regular file,
   * larger than `maxEntryBytes`), removed when possible and counted as misses.
   */
  badEntries: number;
  /** Reads of this instance that failed with an I/O error (counted as misses; the entry is left alone). */
  readFailures: number;
  /** Writes of this instance that failed with an I/O error, or were skipped because writes are off. */
  writeFailures: number;
  /** True once a write failed: from then on this instance only reads (a read-only cache still hits). */
  writesDisabled: boolean;
}
