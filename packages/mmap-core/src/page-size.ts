import { nativePageSizeBytes } from './bindings.js';

/**
 * Page size assumed when the native binding is unavailable: 4,096 bytes, the x86-64 and most arm64
 * Linux page size. Only used for range arithmetic then (advise/residency are no-ops in fallback).
 */
const DEFAULT_PAGE_SIZE_BYTES = 4096;

/**
 * The system page size in bytes (`sysconf(_SC_PAGESIZE)` via the native binding), or 4,096 when the
 * binding is unavailable. `madvise`/`mincore` ranges are aligned to this.
 */
export function pageSizeBytes(): number {
  return nativePageSizeBytes() ?? DEFAULT_PAGE_SIZE_BYTES;
}
