/**
 * Caching of per-window pair selections.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { CacheManager } from '@mmtape/cache-manager';
import type { PairSelectionConfig } from './select-pairs.js';

/**
 * The part of `CacheManager` (`@mmtape/cache-manager`) the walk-forward uses. A real `CacheManager`
 * satisfies it; tests may pass an in-memory map.
 */
export interface PairStatsCache {
  getJson<T>(key: string): Promise<T | undefined>;
  putJson(key: string, value: unknown): Promise<void>;
}

/** Function id of cached pair statistics. */
export const PAIR_STATS_FUNCTION_ID = 'walk-forward/pair-stats';
/** Bump when the selection algorithm or the cached shape changes: old entries are then never read. */
export const PAIR_STATS_VERSION = 3;

/**
 * sha256 hex digest of a training window's data: the eligible symbols' names, the training timestamps
 * and each eligible symbol's training prices (raw IEEE-754 bytes, so any change of any value changes it).
 */
export function trainingDigest(
  names: readonly string[],
  timestampsNs: BigInt64Array,
  series: readonly Float64Array[],
  trainStart: number,
  trainEnd: number,
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(names));
  const ts = timestampsNs.subarray(trainStart, trainEnd);
  hash.update(new Uint8Array(ts.buffer, ts.byteOffset, ts.byteLength));
  for (const s of series) {
    const v = s.subarray(trainStart, trainEnd);
    hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return hash.digest('hex');
}

/**
 * The selection config as it enters a content-addressed key (pair-stats cache entries, cluster task ids):
 * every field that changes a selection, defaults filled in, so an option left out and the same option set
 * to its default give one key. One function for both keys: a field added to the selection must change
 * both or neither.
 */
export function selectionKeyConfig(config: PairSelectionConfig): Record<string, unknown> {
  return {
    adfLags: config.adfLags,
    adfAutolag: config.adfAutolag ?? null,
    adfMaxLag: config.adfMaxLag ?? null,
    halfLifeBars: config.halfLifeBars,
    maxHurst: config.maxHurst ?? null,
    maxPValue: config.maxPValue,
    minCorrelation: config.minCorrelation,
    prefilter: config.prefilter ?? true,
    topK: config.topK,
    minHedgeRatio: config.minHedgeRatio ?? 0,
    minLegWeight: config.minLegWeight ?? 0,
    fdrQ: config.fdrQ ?? null,
    method: config.method ?? 'engle-granger',
  };
}

/**
 * Key of one window's pair selection: `CacheManager.key` (sha256 of canonical JSON) of the function id,
 * version, selection config, training-data digest and (within-sector universe) the eligible symbols' sectors.
 */
export function pairStatsKey(
  config: PairSelectionConfig,
  digest: string,
  sectors: readonly (string | null)[] | null = null,
): string {
  return CacheManager.key({
    fn: PAIR_STATS_FUNCTION_ID,
    version: PAIR_STATS_VERSION,
    config: selectionKeyConfig(config),
    digest,
    // Sector of each eligible symbol (within-sector universe) or null (all pairs).
    sectors,
  });
}
