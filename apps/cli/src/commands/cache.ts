import { resolve } from 'node:path';
import { CacheManager, type CacheStats } from '@mmtape/cache-manager';
import { type CommandContext, settingsOf } from '../context.js';
import { formatBytes } from '../memory.js';

/** Default folder of `mmtape cache` when neither an argument nor `cacheDir` in the config is given. */
export const DEFAULT_CACHE_DIR = '.mmtape-cache';

/** What `mmtape cache stats|clear` returns. */
export interface CacheCommandResult {
  dir: string;
  action: 'stats' | 'clear';
  /** On-disk figures before the action. */
  before: Pick<CacheStats, 'entries' | 'bytes'>;
  /** On-disk figures after the action (equal to `before` for stats). */
  after: Pick<CacheStats, 'entries' | 'bytes'>;
}

/**
 * Runs `mmtape cache stats [dir]` (entries and bytes on disk) or `mmtape cache clear [dir]` (delete
 * every entry). `dir` defaults to `cacheDir` of the config file, else `.mmtape-cache`.
 */
export async function runCache(
  action: 'stats' | 'clear',
  dir: string | undefined,
  ctx: CommandContext,
): Promise<CacheCommandResult> {
  const settings = settingsOf(ctx);
  const cacheDir = resolve(dir ?? settings.config.cacheDir ?? DEFAULT_CACHE_DIR);
  const cache = new CacheManager({ dir: cacheDir, ...settings.cache });
  const { entries, bytes } = await cache.stats();
  const before = { entries, bytes };
  let after = before;
  if (action === 'clear') {
    await cache.clear();
    const s = await cache.stats();
    after = { entries: s.entries, bytes: s.bytes };
    ctx.say(
      `cleared ${cacheDir}: removed ${before.entries - after.entries} entries, ${formatBytes(before.bytes - after.bytes)}`,
    );
  } else {
    ctx.say(`cache ${cacheDir}: ${entries} entries, ${formatBytes(bytes)} on disk`);
  }
  return { dir: cacheDir, action, before, after };
}
