/**
 * Shards of the pair triangle, shared by the local worker pool and the cluster task plan (its own module so a
 * worker thread can import it without the planner and its config/CSV dependencies).
 *
 * @module
 */

/**
 * Split the pair triangle of `s` symbols (rows i = 0..s−2, row i has s−1−i pairs) into about `parts`
 * contiguous row ranges [iStart, iEnd) with similar pair counts.
 */
export function splitTriangle(s: number, parts: number): [number, number][] {
  const total = (s * (s - 1)) / 2;
  if (s < 2) return [[0, s]];
  const target = total / Math.max(1, parts);
  const out: [number, number][] = [];
  let start = 0;
  let acc = 0;
  for (let i = 0; i < s; i++) {
    acc += s - 1 - i;
    if (acc >= target * (out.length + 1) && i + 1 < s) {
      out.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < s) out.push([start, s]);
  return out;
}
