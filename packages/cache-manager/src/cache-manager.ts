import { readdir, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { encodeFrame } from '@mmtape/compression';
import {
  type CachedArray,
  decodeArrayContainer,
  encodeArrayContainer,
  isArrayContainer,
} from './array-container.js';
import {
  type BadEntryReason,
  bindToKey,
  readEntryFile,
  removeBadEntry,
  writeEntryFile,
} from './cache-entry.js';
import {
  type CacheManagerOptions,
  type CacheStats,
  type CacheWarning,
  DEFAULT_MAX_ENTRY_BYTES,
  type PruneOptions,
  type PruneReport,
  type TaskKeyParts,
} from './cache-manager-options.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import {
  CacheEntryKindError,
  CacheIoError,
  CacheOptionsError,
  InvalidCacheKeyError,
  InvalidCacheValueError,
  isCacheError,
} from './errors.js';

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

/** A temp file of `writeFileAtomicAsync` (`@mmtape/errors`) beside an entry: `<entry>.tmp-<pid>-<12 hex>`. */
function isTempFile(file: string): boolean {
  return /\.tmp-\d+-[0-9a-f]{12}$/.test(file) && isEntryFile(file.slice(0, file.lastIndexOf('.tmp-')));
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
 * an `@mmtape/compression` frame (magic, codec, raw length, CRC-32) around the SHA-256 of the key and a
 * container: UTF-8 JSON for `putJson`, the binary array container (see `array-container.ts` / README)
 * for `putArrays` (byte layout in `cache-entry.ts`).
 *
 * Writes go to a unique temp file in the same folder, then `rename()` over the final name: readers see
 * either the old or the new complete entry, and concurrent writers of one key (threads, processes)
 * simply race to the last rename.
 *
 * The cache never breaks the computation it serves. Reads accept only a regular file of at most
 * `maxEntryBytes` whose frame checksum holds and whose stored key digest is that of the key asked for;
 * anything else is a bad entry: removed, counted in `stats().badEntries`, reported to `onWarning`, and a
 * miss. I/O failures of `get*`, `put*` and `getOrCompute` are never thrown: a failed read is a miss, and
 * the first failed write (read-only folder, ENOSPC, EACCES) turns writes off for this instance with one
 * warning. They throw only for caller bugs: an invalid key, a value that cannot be stored, a JSON/arrays
 * kind mismatch. The maintenance calls (`stats`, `clear`, `prune`, `delete`) do throw `CacheIoError`.
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
  readonly maxEntryBytes: number;
  readonly #onWarning: ((warning: CacheWarning) => void) | undefined;
  #hits = 0;
  #misses = 0;
  #badEntries = 0;
  #readFailures = 0;
  #writeFailures = 0;
  #writesDisabled = false;

  /**
   * @throws CacheOptionsError invalid `dir`, `compressionLevel`, `compressionAlgorithm`, `maxBytes`,
   *   `maxEntryBytes` or `onWarning`.
   */
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
    const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    if (!Number.isSafeInteger(maxEntryBytes) || maxEntryBytes < 1) {
      throw new CacheOptionsError('maxEntryBytes', 'a positive integer number of bytes', maxEntryBytes);
    }
    if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
      throw new CacheOptionsError('onWarning', 'a function', options.onWarning);
    }
    this.maxEntryBytes = maxEntryBytes;
    this.#onWarning = options.onWarning;
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
   * Reads a JSON entry. Returns `undefined` on a miss (absent, bad or unreadable entry). Never throws
   * for I/O problems or bad entries (see the class doc).
   *
   * @throws InvalidCacheKeyError | CacheEntryKindError (the key holds arrays)
   */
  async getJson<T>(key: string): Promise<T | undefined> {
    return (await this.#get(key, 'json')) as T | undefined;
  }

  /**
   * Writes `value` as UTF-8 JSON (`JSON.stringify` semantics: `toJSON`, dropped `undefined` properties).
   * Never throws for I/O problems: a failed write is a warning and turns writes off (see the class doc).
   *
   * @throws InvalidCacheKeyError | InvalidCacheValueError (not serialisable)
   */
  async putJson(key: string, value: unknown): Promise<void> {
    await this.#put(key, encodeJson(value));
  }

  /**
   * Reads an arrays entry: fresh arrays (never views of cache memory). `undefined` on a miss. Never
   * throws for I/O problems or bad entries.
   *
   * @throws InvalidCacheKeyError | CacheEntryKindError (the key holds JSON)
   */
  async getArrays(key: string): Promise<Record<string, CachedArray> | undefined> {
    return (await this.#get(key, 'arrays')) as Record<string, CachedArray> | undefined;
  }

  /**
   * Writes named Float64Array / BigInt64Array / Int32Array values (NaN payloads and all bits kept).
   * Never throws for I/O problems.
   *
   * @throws InvalidCacheKeyError | InvalidCacheValueError (other array types)
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
   * instance's counters (hits, misses, bad entries, read and write failures) since construction or the
   * last `clear()`, and whether its writes are off.
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
    return {
      entries,
      bytes,
      hits: this.#hits,
      misses: this.#misses,
      badEntries: this.#badEntries,
      readFailures: this.#readFailures,
      writeFailures: this.#writeFailures,
      writesDisabled: this.#writesDisabled,
    };
  }

  /**
   * Deletes every entry, temp files older than 10 minutes (crashed writers), and the then-empty
   * two-character subfolders; resets the counters. Only files this class creates are touched, so a
   * mistyped `dir` never loses unrelated files.
   */
  async clear(): Promise<void> {
    const now = Date.now();
    for (const file of await this.#scan()) {
      if (isTempFile(file)) {
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
    this.#badEntries = 0;
    this.#readFailures = 0;
    this.#writeFailures = 0;
  }

  #pathFor(key: string, ext: string): string {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new InvalidCacheKeyError(String(key));
    return join(this.dir, key.slice(0, 2), key + ext);
  }

  async #get(key: string, kind: EntryKind): Promise<unknown> {
    const preferred = this.#writeExt();
    for (const ext of [preferred, ...ENTRY_EXTS.filter((e) => e !== preferred)]) {
      const path = this.#pathFor(key, ext);
      const read = await readEntryFile(path, key, this.maxEntryBytes);
      if (read.status === 'absent') continue;
      if (read.status === 'io-error') {
        this.#readFailures++;
        if (this.#readFailures === 1) {
          this.#warn({
            kind: 'read-failed',
            path,
            message: `cache entry ${path} could not be read (${messageOf(read.cause)}); treated as a miss`,
            cause: read.cause,
          });
        }
        break;
      }
      const value =
        read.status === 'ok'
          ? await this.#decodeContainer(path, read.container, kind)
          : await this.#discardBad(path, read.reason, read.detail);
      if (value === undefined) break; // bad: already removed, counted and reported
      this.#hits++;
      await touch(path);
      return value;
    }
    this.#misses++;
    return undefined;
  }

  /** Decodes the container of a key-checked entry; `undefined` means corrupt (removed, counted). */
  async #decodeContainer(path: string, container: Uint8Array, kind: EntryKind): Promise<unknown> {
    const actual: EntryKind = isArrayContainer(container) ? 'arrays' : 'json';
    if (actual !== kind) {
      if (actual === 'json' && !isValidJson(container)) {
        return this.#discardBad(path, 'corrupt', 'container is not UTF-8 JSON');
      }
      throw new CacheEntryKindError(path, kind, actual);
    }
    try {
      if (kind === 'arrays') return decodeArrayContainer(container);
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(container)) as unknown;
    } catch (cause) {
      // Whatever the malformed container throws (CorruptContainerError, SyntaxError, TypeError,
      // RangeError...), the bytes passed the frame checksum and the key check but are unusable.
      return this.#discardBad(path, 'corrupt', messageOf(cause));
    }
  }

  async #discardBad(path: string, reason: BadEntryReason, detail: string): Promise<undefined> {
    this.#badEntries++;
    const failed = await removeBadEntry(path);
    this.#warn({
      kind: 'bad-entry',
      path,
      reason,
      message: `cache entry ${path} rejected (${reason}: ${detail}); ${
        failed === undefined ? 'removed' : `could not be removed: ${failed}`
      }`,
    });
    return undefined;
  }

  #warn(warning: CacheWarning): void {
    try {
      this.#onWarning?.(warning);
    } catch {
      // A throwing listener must not break the computation the cache serves.
    }
  }

  /** Records a failed write: the first one turns writes off and is reported; later ones are counted. */
  #writeFailed(path: string, cause: unknown): void {
    this.#writeFailures++;
    if (this.#writesDisabled) return;
    this.#writesDisabled = true;
    const io = (cause as { cause?: unknown }).cause ?? cause;
    this.#warn({
      kind: 'write-failed',
      path,
      message: `cache ${this.dir} cannot be written (${messageOf(io)}); continuing without storing results`,
      cause,
    });
  }

  async #put(key: string, container: Uint8Array): Promise<void> {
    const ext = this.#writeExt();
    const path = this.#pathFor(key, ext);
    if (this.#writesDisabled) {
      this.#writeFailures++;
      return;
    }
    const raw = bindToKey(key, container);
    if (raw.length > this.maxEntryBytes) {
      this.#warn({
        kind: 'entry-too-large',
        path,
        message: `cache value for ${path} is ${raw.length} bytes, over maxEntryBytes ${this.maxEntryBytes}; not stored`,
      });
      return;
    }
    const frame = !this.useCompression
      ? await encodeFrame(raw, { codec: 'none' })
      : this.compressionAlgorithm === 'blosc'
        ? await encodeFrame(raw, {
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
        : await encodeFrame(raw, { codec: 'zstd', level: this.compressionLevel });
    if (frame.length > this.maxEntryBytes) {
      this.#warn({
        kind: 'entry-too-large',
        path,
        message: `cache entry ${path} is ${frame.length} bytes, over maxEntryBytes ${this.maxEntryBytes}; not stored`,
      });
      return;
    }
    try {
      await writeEntryFile(path, frame);
      // Entries of the other extensions would shadow nothing (this one is read first) but may be stale.
      // Best effort: a leftover is an older entry of the same key (the key is checked on read).
      for (const other of ENTRY_EXTS) {
        if (other !== ext) await removeFile(this.#pathFor(key, other)).catch(() => undefined);
      }
      if (this.maxBytes !== undefined) await this.prune();
    } catch (cause) {
      if (!isCacheError(cause, 'MMTAPE_CACHE_IO_FAILED')) throw cause;
      this.#writeFailed(path, cause);
    }
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

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
