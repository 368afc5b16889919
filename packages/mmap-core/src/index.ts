/**
 * `@mmtape/mmap-core`: memory-mapped read-only files for Node, with `madvise` advice, `mincore`
 * residency and a read-into-memory fallback when the native binding is unavailable.
 *
 * @example
 * ```ts
 * import { MappedFile, mmapStatus, pageSizeBytes } from '@mmtape/mmap-core';
 *
 * const file = MappedFile.open('prices.bin');            // PROT_READ, MAP_SHARED; fd closed after map
 * const values = new Float64Array(file.buffer.buffer, file.buffer.byteOffset, file.byteLength / 8);
 * file.advise('sequential');                              // whole file
 * file.advise('willneed', 0, 1 << 20);                    // first MiB, page-aligned internally
 * console.log(file.backend, file.residency(), mmapStatus(), pageSizeBytes());
 * file.close();
 * ```
 *
 * @module
 */
export type { AccessPattern, Advice } from './advice.js';
export { ADVICE_VALUES } from './advice.js';
export { MAX_MAPPING_BYTES, madvise, mapReadOnly, mincore } from './bindings.js';
export type { MmapError, MmapErrorCode, MmapSyscall } from './errors.js';
export {
  InvalidRangeError,
  isMmapError,
  isMmtapeError,
  MappedFileChangedError,
  MappedFileClosedError,
  MappedFileOpenError,
  MappingTooLargeError,
  MmapSyscallError,
} from './errors.js';
export { MappedFileReader } from './file-reader.js';
export type { MappedFileBackend, MappedFileOpenOptions } from './mapped-file.js';
export { MappedFile } from './mapped-file.js';
export type { MmapStatus } from './mmap-status.js';
export { FALLBACK_WARNING_CODE, mmapStatus } from './mmap-status.js';
export { pageSizeBytes } from './page-size.js';
export type { Residency } from './residency.js';
export { SharedMemory } from './shared-memory.js';
export { validateMappingSize } from './validate-mapping-size.js';
