import { resolve } from 'node:path';
import { CacheManager, type CacheStats, type CacheWarning } from '@mmtape/cache-manager';
import { DEFAULT_CACHE_DIR } from '../cli-constants.js';
import { CliUsageError } from '../cli-error.js';
import { type CommandContext, settingsOf } from '../context.js';
import { formatBytes } from '../format-bytes.js';

/** What `mmtape cache stats|clear|prune` returns. */
export interface CacheCommandResult {
  dir: string;
  action: 'stats' | 'clear' | 'prune';
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
  action: 'stats' | 'clear' | 'prune',
  dir: string | undefined,
  ctx: CommandContext,
  prune: { maxBytes?: number; olderThanDays?: number } = {},
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
  } else if (action === 'prune') {
    const maxBytes = prune.maxBytes ?? settings.cache.maxBytes;
    if (maxBytes === undefined && prune.olderThanDays === undefined) {
      throw new CliUsageError(
        'cache prune needs --max-bytes <bytes> or --older-than-days <days> (or cacheMaxBytes in the config file)',
      );
    }
    const r = await cache.prune({
      ...(maxBytes !== undefined ? { maxBytes } : {}),
      ...(prune.olderThanDays !== undefined ? { olderThanMs: prune.olderThanDays * 86_400_000 } : {}),
    });
    after = { entries: r.remainingEntries, bytes: r.remainingBytes };
    ctx.say(
      `pruned ${cacheDir}: evicted ${r.removed} least recently used entries (${formatBytes(r.freedBytes)}); ${r.remainingEntries} entries, ${formatBytes(r.remainingBytes)} left`,
    );
  } else {
    ctx.say(`cache ${cacheDir}: ${entries} entries, ${formatBytes(bytes)} on disk`);
  }
  return { dir: cacheDir, action, before, after };
}

/**
 * Collects the warnings of one `CacheManager` during a run (pass `onWarning` to it) and reports them as
 * ONE warning (`CACHE_DEGRADED`, see `CommandContext.warn`: stderr, and `warnings` under --json) at the
 * end (`report()`), e.g.
 * `mmtape: warning: cache .mmtape-cache: 2 bad entries removed (1 corrupt, 1 wrong-key); cannot be written (EROFS: …), ran without storing results`.
 * Nothing is reported when there was nothing to report.
 */
export function cacheWarningReporter(
  dir: string,
  ctx: CommandContext,
): {
  onWarning: (warning: CacheWarning) => void;
  report: () => void;
} {
  const reasons = new Map<string, number>();
  let bad = 0;
  const other: string[] = [];
  return {
    onWarning(warning) {
      if (warning.kind === 'bad-entry') {
        bad++;
        const reason = warning.reason ?? 'corrupt';
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      } else if (warning.kind === 'write-failed') {
        const cause = (warning.cause as { cause?: { message?: string } } | undefined)?.cause?.message;
        other.push(`cannot be written (${cause ?? warning.message}), ran without storing results`);
      } else if (warning.kind === 'read-failed') {
        other.push('some entries could not be read (treated as misses)');
      } else if (!other.includes('values over maxEntryBytes not stored')) {
        other.push('values over maxEntryBytes not stored');
      }
    },
    report() {
      const parts: string[] = [];
      if (bad > 0) {
        const by = [...reasons].map(([r, n]) => `${n} ${r}`).join(', ');
        parts.push(`${bad} bad ${bad === 1 ? 'entry' : 'entries'} removed (${by})`);
      }
      parts.push(...other);
      if (parts.length > 0) ctx.warn('CACHE_DEGRADED', `cache ${dir}: ${parts.join('; ')}`);
    },
  };
}
