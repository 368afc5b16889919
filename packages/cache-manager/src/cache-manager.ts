import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeFrame, encodeFrame, isFrame } from '@mmtape/compression';
import {
  type CachedArray,
  CorruptContainerError,
  decodeArrayContainer,
  encodeArrayContainer,
  isArrayContainer,
} from './array-container.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import {
  CacheEntryKindError,
  CacheIoError,
  CacheOptionsError,
  InvalidCacheKeyError,
  InvalidCacheValueError,
} from './errors.js';

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
   * Compression algorithm. Default `'zstd'` (`.zst` files, version-1 frames). `'blosc'` writes `.blosc`
   * files: a chain frame (frame version 3; `.blosc` entries written before hold version-2 frames, still
   * read) around a blosc1 buffer (inner zstd, byte shuffle, typesize 8; level = `compressionLevel`
   * clamped to blosc's 1..9), better on float64 arrays.
   */
  compressionAlgorithm?: 'zstd' | 'blosc';
  /**
   * Size cap in bytes on disk. After each put, entries are evicted least recently used first (by
   * the last-access time this class records in each entry's mtime on every hit and put; the OS
   * atime is never used) until the total is at most the cap. Default `undefined`: no cap.
   */
  maxBytes?: number;
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
  /** `get*` calls of this instance that returned `undefined` (missing or corrupt entry). */
  misses: number;
  /** Entries this instance found corrupt or truncated, deleted and counted as misses. */
  corrupt: number;
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{2,128}$/;
const SUBDIR_PATTERN = /^[A-Za-z0-9_-]{2}$/;
const COMPRESSED_EXT = '.zst';
const BLOSC_EXT = '.blosc';
const PLAIN_EXT = '.bin';
/** Extensions of entry files, in the order `get` tries them after the preferred one. */
const ENTRY_EXTS = [COMPRESSED_EXT, BLOSC_EXT, PLAIN_EXT];

function isEntryFile(file: string): boolean {
  return ENTRY_EXTS.some((ext) => file.endsWith(ext));
}

/** Records "accessed now" as the entry's mtime (the LRU clock); a vanished file is ignored. */
async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}
/** Temp files older than this are leftovers of crashed writers; `clear()` removes them. 10 minutes. */
const STALE_TEMP_MS = 10 * 60 * 1000;

type EntryKind = 'json' | 'arrays';

/**
 * On-disk cache of intermediate results (JSON values or named typed arrays), keyed by a hash of their
 * inputs, safe to share between processes.
 *
 * Layout: `dir/<first 2 key chars>/<key>.zst` (or `.bin` when `useCompression` is false). Each file is
 * an `@mmtape/compression` frame (magic, codec, raw length, CRC-32) around a container: UTF-8 JSON for
 * `putJson`, the binary array container (see `array-container.ts` / README) for `putArrays`. Files
 * without the frame magic are read as legacy, unframed containers.
 *
 * Writes go to a unique temp file in the same folder, then `rename()` over the final name: readers see
 * either the old or the new complete entry, and concurrent writers of one key (threads, processes)
 * simply race to the last rename. Reads verify the frame checksum; a corrupt or truncated entry is
 * deleted, counted in `stats().corrupt` and reported as a miss, never thrown.
 *
 * @example
 * ```ts
 * const cache = new CacheManager({ dir: '.mmtape-cache' });
 * const key = CacheManager.key({ step: 'spread', pair: ['KO', 'PEP'], trainBars: 252 });
 * let arrays = await cache.getArrays(key);
 * if (!arrays) await cache.putArrays(key, (arrays = { spread: new Float64Array([0.1, -0.2]) }));
 * ```
 */
export class CacheManager {
  /** Absolute cache folder. */
  readonly dir: string;
  readonly useCompression: boolean;
  readonly compressionLevel: number;
  readonly compressionAlgorithm: 'zstd' | 'blosc';
  readonly maxBytes: number | undefined;
  #hits = 0;
  #misses = 0;
  #corrupt = 0;

  /** @throws CacheOptionsError invalid `dir`, `compressionLevel` or `compressionAlgorithm`. */
  constructor(options: CacheManagerOptions) {
    if (typeof options?.dir !== 'string' || options.dir.length === 0) {
      throw new CacheOptionsError('dir', 'a non-empty path', options?.dir);
    }
    const level = options.compressionLevel ?? 3;
    if (!Number.isInteger(level) || level < 1 || level > 22) {
      throw new CacheOptionsError('compressionLevel', 'an integer in 1..22', level);
    }
    const algorithm = options.compressionAlgorithm ?? 'zstd';
    if (algorithm !== 'zstd' && algorithm !== 'blosc') {
      throw new CacheOptionsError('compressionAlgorithm', "'zstd' or 'blosc'", algorithm);
    }
    if (options.maxBytes !== undefined && !(Number.isFinite(options.maxBytes) && options.maxBytes >= 0)) {
      throw new CacheOptionsError('maxBytes', 'a non-negative number of bytes', options.maxBytes);
    }
    this.maxBytes = options.maxBytes;
    this.dir = resolve(options.dir);
    this.useCompression = options.useCompression ?? true;
    this.compressionLevel = level;
    this.compressionAlgorithm = algorithm;
  }

  /**
   * Cache key of `parts`: lowercase hex SHA-256 (node:crypto) of their canonical JSON, i.e. JSON with
   * object keys sorted recursively, `undefined` properties dropped, bigint / non-finite numbers / Date
   * tagged, and typed arrays replaced by their type, length and the SHA-256 of their bytes (full rules
   * in `canonical-json.ts` and the README). Equal inputs give equal keys whatever the key order.
   *
   * @throws UnsupportedKeyValueError functions, symbols, Map, Set, cycles...
   */
  static key(parts: unknown): string {
    return sha256Hex(canonicalJson(parts));
  }

  /**
   * Key of a computation: SHA-256 of the canonical JSON of its function id, code version, parameters
   * and the SHA-256 digests of its input data (typed arrays hashed by content, strings used as given
   * digests). Equal inputs give equal keys in every process and across runs.
   *
   * @example
   * ```ts
   * const key = CacheManager.taskKey({
   *   functionId: 'walk-forward/spread', codeVersion: '1.2.0',
   *   params: { trainBars: 252, pair: ['KO', 'PEP'] }, inputs: { ko: koCloses, pep: pepCloses },
   * });
   * ```
   */
  static taskKey(parts: TaskKeyParts): string {
    const inputs: Record<string, string> = {};
    for (const [name, value] of Object.entries(parts.inputs ?? {})) {
      inputs[name] =
        typeof value === 'string'
          ? value
          : sha256Hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    return sha256Hex(
      canonicalJson({
        functionId: parts.functionId,
        codeVersion: parts.codeVersion,
        params: parts.params ?? null,
        inputs,
      }),
    );
  }

  /**
   * Path the entry of `key` is written to with the current options (`dir/ab/<key>.zst` or `.bin`).
   *
   * @throws InvalidCacheKeyError
   */
  entryPath(key: string): string {
    return this.#pathFor(key, this.#writeExt());
  }

  #writeExt(): string {
    if (!this.useCompression) return PLAIN_EXT;
    return this.compressionAlgorithm === 'blosc' ? BLOSC_EXT : COMPRESSED_EXT;
  }

  /**
   * Reads a JSON entry. Returns `undefined` on a miss (absent, corrupt or truncated entry).
   *
   * @throws InvalidCacheKeyError | CacheEntryKindError (the key holds arrays) | CacheIoError
   */
  async getJson<T>(key: string): Promise<T | undefined> {
    return (await this.#get(key, 'json')) as T | undefined;
  }

  /**
   * Writes `value` as UTF-8 JSON (`JSON.stringify` semantics: `toJSON`, dropped `undefined` properties).
   *
   * @throws InvalidCacheKeyError | InvalidCacheValueError (not serialisable) | CacheIoError
   */
  async putJson(key: string, value: unknown): Promise<void> {
    await this.#put(key, encodeJson(value));
  }

  /**
   * Reads an arrays entry: fresh arrays (never views of cache memory). `undefined` on a miss.
   *
   * @throws InvalidCacheKeyError | CacheEntryKindError (the key holds JSON) | CacheIoError
   */
  async getArrays(key: string): Promise<Record<string, CachedArray> | undefined> {
    return (await this.#get(key, 'arrays')) as Record<string, CachedArray> | undefined;
  }

  /**
   * Writes named Float64Array / BigInt64Array / Int32Array values (NaN payloads and all bits kept).
   *
   * @throws InvalidCacheKeyError | InvalidCacheValueError (other array types) | CacheIoError
   */
  async putArrays(key: string, arrays: Record<string, CachedArray>): Promise<void> {
    await this.#put(key, encodeArrayContainer(arrays));
  }

  /**
   * Returns the JSON entry of `key`, or computes, stores and returns it on a miss. The returned value
   * is always the JSON round trip of what `compute` produced, so hits and misses look the same.
   * Concurrent callers may both compute; the last write wins (entries are whole files).
   */
  async getOrCompute<T>(key: string, compute: () => T | Promise<T>): Promise<T> {
    const cached = await this.getJson<T>(key);
    if (cached !== undefined) return cached;
    const bytes = encodeJson(await compute());
    await this.#put(key, bytes);
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  }

  /**
   * Removes the entry of `key` (both `.zst` and `.bin`). Resolves `true` when a file was removed.
   *
   * @throws InvalidCacheKeyError | CacheIoError
   */
  async delete(key: string): Promise<boolean> {
    const removed = await Promise.all(ENTRY_EXTS.map((ext) => removeFile(this.#pathFor(key, ext))));
    return removed.some(Boolean);
  }

  /**
   * Entry count and bytes on disk (a folder scan, so other processes' entries count), plus this
   * instance's hit / miss / corrupt counters since construction or the last `clear()`.
   */
  async stats(): Promise<CacheStats> {
    let entries = 0;
    let bytes = 0;
    for (const file of await this.#scan()) {
      if (!isEntryFile(file)) continue;
      try {
        bytes += (await stat(file)).size;
        entries++;
      } catch (cause) {
        if (!isNotFound(cause)) throw new CacheIoError('stat', file, cause);
      }
    }
    return { entries, bytes, hits: this.#hits, misses: this.#misses, corrupt: this.#corrupt };
  }

  /**
   * Deletes every entry, temp files older than 10 minutes (crashed writers), and the then-empty
   * two-character subfolders; resets the counters. Only files this class creates are touched, so a
   * mistyped `dir` never loses unrelated files.
   */
  async clear(): Promise<void> {
    const now = Date.now();
    for (const file of await this.#scan()) {
      if (file.endsWith('.tmp')) {
        const info = await stat(file).catch(() => undefined);
        if (info === undefined || now - info.mtimeMs < STALE_TEMP_MS) continue;
      } else if (!isEntryFile(file)) {
        continue;
      }
      await removeFile(file);
    }
    for (const sub of await this.#subdirs()) await rmdir(sub).catch(() => undefined); // skip non-empty
    this.#hits = 0;
    this.#misses = 0;
    this.#corrupt = 0;
  }

  #pathFor(key: string, ext: string): string {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new InvalidCacheKeyError(String(key));
    return join(this.dir, key.slice(0, 2), key + ext);
  }

  async #get(key: string, kind: EntryKind): Promise<unknown> {
    const preferred = this.#writeExt();
    for (const ext of [preferred, ...ENTRY_EXTS.filter((e) => e !== preferred)]) {
      const path = this.#pathFor(key, ext);
      let file: Uint8Array;
      try {
        file = await readFile(path);
      } catch (cause) {
        if (isNotFound(cause)) continue;
        throw new CacheIoError('read', path, cause);
      }
      const value = await this.#decodeEntry(path, file, kind);
      if (value === undefined) break; // corrupt: already deleted and counted
      this.#hits++;
      await touch(path);
      return value;
    }
    this.#misses++;
    return undefined;
  }

  /** Decodes an entry file; `undefined` means corrupt (file deleted, counter bumped). */
  async #decodeEntry(path: string, file: Uint8Array, kind: EntryKind): Promise<unknown> {
    let container: Uint8Array;
    try {
      // Legacy entries were written without a frame: the file is the container itself.
      container = isFrame(file) ? await decodeFrame(file) : file;
    } catch {
      // Every decodeFrame failure (checksum, truncation, zstd error, unknown codec) means the bytes
      // on disk are unusable: treat as a miss and let the next put rewrite the entry.
      return this.#discardCorrupt(path);
    }
    const actual: EntryKind = isArrayContainer(container) ? 'arrays' : 'json';
    if (actual !== kind) {
      if (actual === 'json' && !isValidJson(container)) return this.#discardCorrupt(path);
      throw new CacheEntryKindError(path, kind, actual);
    }
    try {
      if (kind === 'arrays') return decodeArrayContainer(container);
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(container)) as unknown;
    } catch (cause) {
      if (
        cause instanceof CorruptContainerError ||
        cause instanceof SyntaxError ||
        cause instanceof TypeError
      ) {
        return this.#discardCorrupt(path);
      }
      throw cause;
    }
  }

  async #discardCorrupt(path: string): Promise<undefined> {
    this.#corrupt++;
    await removeFile(path).catch(() => undefined);
    return undefined;
  }

  async #put(key: string, container: Uint8Array): Promise<void> {
    const ext = this.#writeExt();
    const path = this.#pathFor(key, ext);
    const frame = !this.useCompression
      ? await encodeFrame(container, { codec: 'none' })
      : this.compressionAlgorithm === 'blosc'
        ? await encodeFrame(container, {
            chain: [
              {
                codec: 'blosc',
                cname: 'zstd',
                shuffle: 'shuffle',
                typesize: 8,
                clevel: Math.min(9, Math.max(1, this.compressionLevel)),
              },
            ],
          })
        : await encodeFrame(container, { codec: 'zstd', level: this.compressionLevel });
    await writeAtomic(path, frame);
    // Entries of the other extensions would shadow nothing (this one is read first) but may be stale.
    for (const other of ENTRY_EXTS) if (other !== ext) await removeFile(this.#pathFor(key, other));
    if (this.maxBytes !== undefined) await this.prune();
  }

  /**
   * Evicts entries: first those not accessed for `olderThanMs`, then least recently used ones until
   * the total size is at most `maxBytes` (default: the `maxBytes` option; no size eviction when
   * neither is set). Last access is the time this class recorded on the entry's last put or hit
   * (stored as the file's mtime), never the OS atime. Ties are broken by path, so the order is stable.
   * Entries vanishing concurrently (another process evicting) are skipped.
   */
  async prune(options: PruneOptions = {}): Promise<PruneReport> {
    const cap = options.maxBytes ?? this.maxBytes;
    const entries: { path: string; size: number; lastAccessMs: number }[] = [];
    for (const file of await this.#scan()) {
      if (!isEntryFile(file)) continue;
      const info = await stat(file).catch(() => undefined);
      if (info !== undefined) entries.push({ path: file, size: info.size, lastAccessMs: info.mtimeMs });
    }
    entries.sort((a, b) => a.lastAccessMs - b.lastAccessMs || (a.path < b.path ? -1 : 1));
    let total = entries.reduce((n, e) => n + e.size, 0);
    let removed = 0;
    let freedBytes = 0;
    const now = Date.now();
    let remaining = entries.length;
    for (const e of entries) {
      const stale = options.olderThanMs !== undefined && now - e.lastAccessMs > options.olderThanMs;
      const over = cap !== undefined && total > cap;
      if (!stale && !over) continue;
      if (await removeFile(e.path)) {
        removed++;
        freedBytes += e.size;
      }
      total -= e.size;
      remaining--;
    }
    return { removed, freedBytes, remainingEntries: remaining, remainingBytes: total };
  }

  async #subdirs(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (cause) {
      if (isNotFound(cause)) return [];
      throw new CacheIoError('list', this.dir, cause);
    }
    return names.filter((n) => SUBDIR_PATTERN.test(n)).map((n) => join(this.dir, n));
  }

  /** Files inside the two-character subfolders. */
  async #scan(): Promise<string[]> {
    const files: string[] = [];
    for (const sub of await this.#subdirs()) {
      let names: string[];
      try {
        names = await readdir(sub);
      } catch (cause) {
        if (isNotFound(cause) || (cause as { code?: unknown }).code === 'ENOTDIR') continue;
        throw new CacheIoError('list', sub, cause);
      }
      for (const n of names) files.push(join(sub, n));
    }
    return files;
  }
}

/**
 * Writes `bytes` to `path` via a unique temp file in the same folder and `rename()` (atomic on POSIX
 * and on NTFS for same-volume renames). Creates the folder; retries once if a concurrent `clear()`
 * removed it between `mkdir` and the write.
 */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const folder = resolve(path, '..');
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(tmp, bytes, { flag: 'wx' });
      await rename(tmp, path);
      return;
    } catch (cause) {
      await unlink(tmp).catch(() => undefined);
      if (attempt === 0 && isNotFound(cause)) continue;
      throw new CacheIoError('write', path, cause);
    }
  }
}

/** Unlinks `path`; resolves `false` when it did not exist. */
async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (cause) {
    if (isNotFound(cause)) return false;
    throw new CacheIoError('delete', path, cause);
  }
}

function encodeJson(value: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new InvalidCacheValueError('JSON.stringify failed', 'a JSON-serialisable value', String(cause), {
      cause,
    });
  }
  if (text === undefined) {
    throw new InvalidCacheValueError(
      'JSON.stringify returned nothing',
      'a JSON-serialisable value',
      typeof value,
    );
  }
  return new TextEncoder().encode(text);
}

function isValidJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}

function isNotFound(cause: unknown): boolean {
  return (cause as { code?: unknown } | null)?.code === 'ENOENT';
}
