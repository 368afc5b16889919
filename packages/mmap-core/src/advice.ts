/**
 * Access-pattern advice accepted by `MappedFile.advise()`, mirroring `madvise(2)`:
 * - `normal`: default kernel read-ahead (`MADV_NORMAL`).
 * - `random`: disable read-ahead (`MADV_RANDOM`).
 * - `sequential`: aggressive read-ahead, early reclaim behind (`MADV_SEQUENTIAL`).
 * - `willneed`: start reading the range now (`MADV_WILLNEED`).
 * - `dontneed`: drop the range from this mapping; for a read-only shared file mapping the data stays in
 *   the page cache and is re-faulted on the next access (`MADV_DONTNEED`).
 */
export type Advice = 'normal' | 'random' | 'sequential' | 'willneed' | 'dontneed';

/** Every {@link Advice} value, in `madvise` constant order. */
export const ADVICE_VALUES: readonly Advice[] = ['normal', 'random', 'sequential', 'willneed', 'dontneed'];

/**
 * The subset of {@link Advice} that describes how a whole mapping will be read, for
 * `MappedFileOpenOptions.accessPattern`: `normal` (kernel read-around on faults), `random` (a fault
 * reads only the pages it needs), `sequential` (aggressive read-ahead).
 */
export type AccessPattern = 'normal' | 'random' | 'sequential';
