/**
 * Page-cache residency of a byte range of a mapped file, as reported by `mincore(2)`.
 *
 * The range is first aligned down to a page boundary and clamped to the file, so `totalBytes` is the
 * size of that aligned, clamped range. `residentBytes` is `min(residentPages * pageSize, totalBytes)`:
 * exact when every page is resident, page-granular otherwise.
 */
export interface Residency {
  /** Pages of the range present in memory. */
  residentPages: number;
  /** Pages covered by the (page-aligned, clamped) range. */
  totalPages: number;
  /** Bytes of the range present in memory (page granularity). */
  residentBytes: number;
  /** Bytes covered by the (page-aligned, clamped) range. */
  totalBytes: number;
}
