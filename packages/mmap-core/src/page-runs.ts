/**
 * Merges byte ranges of one mapping into runs of pages, for one `madvise` or `mincore` per run instead of
 * one per range (the segment members of a dataset are thousands of adjacent ranges of one mapping).
 *
 * `ranges` holds `[startBytes, endBytes)` pairs flattened (`[s0, e0, s1, e1, …]`), each start aligned
 * down to a page (as a single range's advice or residency aligns it), each end not aligned: the kernel
 * rounds a length up to whole pages. Two ranges join when the second starts at or before the page
 * boundary after the first's end, so a run covers exactly the pages the ranges cover, once each.
 * Returns the runs flattened the same way, sorted by start; an empty range (`end <= start`) is dropped.
 * @param pageBytes the page size, bytes (a power of two).
 */
export function mergePageRuns(ranges: readonly number[], pageBytes: number): number[] {
  const order: number[] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) if (ranges[i + 1]! > ranges[i]!) order.push(i);
  order.sort((a, b) => ranges[a]! - ranges[b]!);
  const runs: number[] = [];
  for (const i of order) {
    const start = ranges[i]!;
    const end = ranges[i + 1]!;
    const last = runs.length - 2;
    if (last >= 0 && start <= Math.ceil(runs[last + 1]! / pageBytes) * pageBytes) {
      if (end > runs[last + 1]!) runs[last + 1] = end;
    } else runs.push(start, end);
  }
  return runs;
}
