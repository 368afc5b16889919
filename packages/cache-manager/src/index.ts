/**
 * `@mmtape/cache-manager`: compressed, checksummed, atomically written on-disk cache of intermediate
 * results (JSON values or named typed arrays) keyed by a SHA-256 of their inputs.
 *
 * @example
 * ```ts
 * import { CacheManager } from '@mmtape/cache-manager';
 *
 * const cache = new CacheManager({ dir: '.mmtape-cache', onWarning: (w) => console.warn(w.message) });
 * const key = CacheManager.key({ step: 'hedge-ratio', pair: ['KO', 'PEP'], trainBars: 252 });
 * const beta = await cache.getOrCompute(key, () => ({ beta: 0.83 }));
 * await cache.putArrays(key + '-series', { spread: new Float64Array([0.1, Number.NaN]) });
 * console.log(await cache.stats()); // { entries: 2, bytes: …, hits: 0, misses: 1, badEntries: 0, … }
 * ```
 *
 * @module
 */

export { ARRAY_CONTAINER_MAGIC, type CachedArray } from './array-container.js';
export { type BadEntryReason, CACHE_ENTRY_MAGIC } from './cache-entry.js';
export { CacheManager } from './cache-manager.js';
export {
  type CacheManagerOptions,
  type CacheStats,
  type CacheWarning,
  type CacheWarningKind,
  DEFAULT_MAX_ENTRY_BYTES,
  type PruneOptions,
  type PruneReport,
  type TaskKeyParts,
} from './cache-manager-options.js';
export { canonicalJson } from './canonical-json.js';
export {
  CacheEntryKindError,
  type CacheErrorCode,
  type CacheErrorType,
  CacheIoError,
  CacheOptionsError,
  InvalidCacheKeyError,
  InvalidCacheValueError,
  isCacheError,
  isMmtapeError,
  UnsupportedKeyValueError,
} from './errors.js';
