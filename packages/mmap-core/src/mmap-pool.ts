import type { Advice } from './advice.js';
import { debugLog } from './debug-log.js';
import { MappedFileClosedError, StaleViewError } from './errors.js';
import { MappedFile, type MappedFileBackend } from './mapped-file.js';
import type { Residency } from './residency.js';

/** Options of {@link MmapPool}. */
export interface MmapPoolOptions {
  /**
   * Most files mapped at once. Default 100, the design's budget: enough for a replay's working set of
   * symbols while keeping the process far below `vm.max_map_count` (65,530) and the address space
   * small. When a file must be mapped and the limit is reached, the least recently used one is released.
   */
  maxActiveMaps?: number;
  /** Read files into memory instead of mapping them (see `MappedFile.open`). Default `false`. */
  forceFallback?: boolean;
}

/** Counters of an {@link MmapPool}. */
export interface MmapPoolStats {
  /** Files currently mapped. */
  activeMaps: number;
  /** Files registered with {@link MmapPool.open} and not closed. */
  files: number;
  /** Mappings created (first maps plus re-maps). */
  maps: number;
  /** Mappings re-created after a release. */
  remaps: number;
  /** LRU releases (DONTNEED, then dropped). */
  releases: number;
}

/**
 * A bounded set of memory maps. {@link open} registers a file without mapping it; the first access to
 * `buffer` (or `advise`/`residency`) maps it. When `maxActiveMaps` files are mapped, the least recently
 * used one is released: `madvise(DONTNEED)` over the whole file, then the map is dropped. Its next
 * access re-maps it transparently and bumps its `generation`.
 *
 * Views taken from a released map keep their memory alive (the binding unmaps on GC only), so they can
 * never fault, but they are stale: {@link PooledFile.assertCurrent} throws StaleViewError for them.
 *
 * @example
 * ```ts
 * const pool = new MmapPool({ maxActiveMaps: 100 });
 * const f = pool.open('data/AAPL.col');
 * const bytes = f.buffer;            // mapped now
 * f.assertCurrent(new Float64Array(bytes.buffer, 64, 10)); // ok until f is released
 * pool.close();
 * ```
 */
export class MmapPool {
  readonly maxActiveMaps: number;
  readonly #forceFallback: boolean;
  /** Mapped files, least recently used first (Map keeps insertion order; touching re-inserts). */
  readonly #lru = new Map<PooledFile, true>();
  readonly #files = new Set<PooledFile>();
  #maps = 0;
  #remaps = 0;
  #releases = 0;

  constructor(options: MmapPoolOptions = {}) {
    const max = options.maxActiveMaps ?? 100;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxActiveMaps must be an integer >= 1, got ${max}`);
    }
    this.maxActiveMaps = max;
    this.#forceFallback = options.forceFallback ?? false;
  }

  /** Registers `path` (not mapped until first use). The file is opened on first access. */
  open(path: string): PooledFile {
    const f = new PooledFile(path, this, {
      map: (file) => this.#map(file),
      touch: (file) => this.#touch(file),
      forget: (file) => {
        this.#lru.delete(file);
        this.#files.delete(file);
      },
    });
    this.#files.add(f);
    return f;
  }

  /** Current counters. */
  stats(): MmapPoolStats {
    return {
      activeMaps: this.#lru.size,
      files: this.#files.size,
      maps: this.#maps,
      remaps: this.#remaps,
      releases: this.#releases,
    };
  }

  /** Closes every file of the pool. */
  close(): void {
    for (const f of [...this.#files]) f.close();
  }

  #touch(file: PooledFile): void {
    this.#lru.delete(file);
    this.#lru.set(file, true);
  }

  #map(file: PooledFile): MappedFile {
    while (this.#lru.size >= this.maxActiveMaps) {
      const victim = this.#lru.keys().next().value as PooledFile;
      this.#lru.delete(victim);
      victim.release();
      this.#releases++;
    }
    const mapped = MappedFile.open(file.path, { forceFallback: this.#forceFallback });
    this.#maps++;
    if (file.generation > 0) this.#remaps++;
    this.#lru.set(file, true);
    return mapped;
  }
}

interface PoolHooks {
  map(file: PooledFile): MappedFile;
  touch(file: PooledFile): void;
  forget(file: PooledFile): void;
}

/** A file of an {@link MmapPool}; mapped on demand, possibly released and re-mapped. */
export class PooledFile {
  readonly path: string;
  readonly pool: MmapPool;
  readonly #hooks: PoolHooks;
  #mapped: MappedFile | undefined;
  #generation = 0;
  #closed = false;

  /** @internal use {@link MmapPool.open}. */
  constructor(path: string, pool: MmapPool, hooks: PoolHooks) {
    this.path = path;
    this.pool = pool;
    this.#hooks = hooks;
  }

  /** How many times this file has been mapped (0 before first use). Views are valid for one generation. */
  get generation(): number {
    return this.#generation;
  }

  /** True while a mapping is held. */
  get isMapped(): boolean {
    return this.#mapped !== undefined;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The mapped file, mapping (or re-mapping) it when needed, and marking it most recently used. */
  get file(): MappedFile {
    if (this.#closed) throw new MappedFileClosedError(this.path, 'use pooled file');
    if (this.#mapped === undefined) {
      this.#mapped = this.#hooks.map(this);
      this.#generation++;
      debugLog(`pool map ${this.path} (generation ${this.#generation})`);
    } else {
      this.#hooks.touch(this);
    }
    return this.#mapped;
  }

  /** Bytes of the current mapping (see {@link file}). */
  get buffer(): Buffer {
    return this.file.buffer;
  }

  get byteLength(): number {
    return this.file.byteLength;
  }

  get backend(): MappedFileBackend {
    return this.file.backend;
  }

  /** `MappedFile.advise` on the current mapping. */
  advise(advice: Advice, offsetBytes?: number, lengthBytes?: number): void {
    this.file.advise(advice, offsetBytes, lengthBytes);
  }

  /** `MappedFile.residency` on the current mapping. */
  residency(offsetBytes?: number, lengthBytes?: number): Residency {
    return this.file.residency(offsetBytes, lengthBytes);
  }

  /**
   * Throws unless `view` lies over the current mapping (same ArrayBuffer). Use before reading through a
   * view kept across calls that may have released the map.
   * @throws StaleViewError (released and re-mapped, or released), MappedFileClosedError (closed).
   */
  assertCurrent(view: ArrayBufferView): void {
    if (this.#closed) throw new MappedFileClosedError(this.path, 'read through a view');
    const current = this.#mapped?.buffer.buffer;
    if (current === undefined || view.buffer !== current) {
      throw new StaleViewError(this.path, this.#generation, this.#mapped !== undefined);
    }
  }

  /** Pool-internal: DONTNEED the whole range, then drop the map. The next access re-maps. */
  release(): void {
    const m = this.#mapped;
    if (m === undefined) return;
    this.#mapped = undefined;
    try {
      m.advise('dontneed');
    } catch {
      // advice is best effort; dropping the map is what matters
    }
    m.close();
    debugLog(`pool release ${this.path} (generation ${this.#generation})`);
  }

  /** Releases the map and removes the file from the pool. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.release();
    this.#closed = true;
    this.#hooks.forget(this);
  }
}
