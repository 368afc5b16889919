import { nativeStatus } from './bindings.js';
import { debugLog } from './debug-log.js';
import { liveMappings, mappingBudget } from './mapping-budget.js';

/** Process-wide status of the mapping backend, see {@link mmapStatus}. */
export interface MmapStatus {
  /** `'mmap'` when the native binding loaded, `'fallback'` when files are read into memory instead. */
  backend: 'mmap' | 'fallback';
  /**
   * Why the backend is `'fallback'` (native load failure). With backend `'mmap'`, set only if some file
   * nevertheless fell back (forced, `mmap()` failed, or past the mapping budget): the reason of the first
   * such file.
   */
  reason?: string;
  /**
   * Mappings this package made that are still alive (a closed file's mapping lives until its Buffer is
   * garbage collected, on the event loop).
   */
  liveMappings: number;
  /**
   * Mappings this package may hold at once: half of `vm.max_map_count` (Linux, read from
   * `/proc/sys/vm/max_map_count`; 65,530 when unreadable), the other half left to V8 and Node, which abort
   * the process when they cannot map their heap. Past it, `MappedFile.open` reads files into memory.
   */
  mappingBudget: number;
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
 * const { backend, reason } = mmapStatus(); // { backend: 'mmap', liveMappings: 0, mappingBudget: 32765 }
 */
export function mmapStatus(): MmapStatus {
  const native = nativeStatus();
  const mappings = { liveMappings: liveMappings(), mappingBudget: mappingBudget().mappings };
  if (!native.available)
    return { backend: 'fallback', reason: native.reason ?? 'native binding unavailable', ...mappings };
  return firstFallbackReason === undefined
    ? { backend: 'mmap', ...mappings }
    : { backend: 'mmap', reason: firstFallbackReason, ...mappings };
}
