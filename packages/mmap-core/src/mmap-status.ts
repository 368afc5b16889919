import { nativeStatus } from './bindings.js';
import { debugLog } from './debug-log.js';

/** Process-wide status of the mapping backend, see {@link mmapStatus}. */
export interface MmapStatus {
  /** `'mmap'` when the native binding loaded, `'fallback'` when files are read into memory instead. */
  backend: 'mmap' | 'fallback';
  /**
   * Why the backend is `'fallback'` (native load failure). With backend `'mmap'`, set only if some file
   * nevertheless fell back (forced or `mmap()` failed): the reason of the first such file.
   */
  reason?: string;
}

/**
 * Key on `globalThis` so that two copies of this package in one process still warn only once.
 * `Symbol.for` gives the same symbol to both copies.
 */
const WARNED_KEY = Symbol.for('mmtape.mmap.fallbackWarned');
let firstFallbackReason: string | undefined;

/** Warning code emitted (once per process) on the first fallback. */
export const FALLBACK_WARNING_CODE = 'MMTAPE_MMAP_FALLBACK';

/**
 * Records that a file fell back to an in-memory read. Emits one `process.emitWarning` per process
 * (code {@link FALLBACK_WARNING_CODE}), the only output this package ever produces unasked. Internal.
 */
export function noteFallback(path: string, reason: string): void {
  debugLog(`fallback ${path}: ${reason}`);
  firstFallbackReason ??= `${path}: ${reason}`;
  const flags = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (flags[WARNED_KEY] === true) return;
  flags[WARNED_KEY] = true;
  process.emitWarning(`mmtape reads files into memory instead of memory-mapping them (${reason})`, {
    code: FALLBACK_WARNING_CODE,
    detail: 'Results are identical; memory use and prefetch behaviour differ. Shown once per process.',
  });
}

/**
 * Which backend this process uses to open files, and why it is not `'mmap'` (loads the native binding
 * on first call).
 * @example
 * const { backend, reason } = mmapStatus(); // { backend: 'mmap' }
 */
export function mmapStatus(): MmapStatus {
  const native = nativeStatus();
  if (!native.available)
    return { backend: 'fallback', reason: native.reason ?? 'native binding unavailable' };
  return firstFallbackReason === undefined
    ? { backend: 'mmap' }
    : { backend: 'mmap', reason: firstFallbackReason };
}
