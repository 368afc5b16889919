/**
 * The Benjamini–Hochberg step-up procedure for controlling the false discovery rate.
 *
 * @module
 */

/**
 * The Benjamini–Hochberg cutoff of `pValues` at level q (Benjamini & Hochberg 1995, "Controlling the false
 * discovery rate", JRSS B 57(1), procedure of section 3): with the m p-values sorted ascending
 * p₍₁₎ ≤ … ≤ p₍ₘ₎ and k the largest i with p₍ᵢ₎ ≤ i·q/m, every hypothesis with p ≤ p₍ₖ₎ is rejected.
 * Returns p₍ₖ₎ (pass: p ≤ cutoff), or −1 when no i qualifies (nothing passes). Valid under independence or positive
 * regression dependence of the tests. Same rejections as statsmodels `multipletests(method='fdr_bh')`.
 *
 * @param pValues p-values in [0, 1] (NaN counts as 1: never rejected, still part of m).
 * @param q FDR level in (0, 1].
 */
export function benjaminiHochbergCutoff(pValues: readonly number[], q: number): number {
  const m = pValues.length;
  if (m === 0) return -1;
  const sorted = Float64Array.from(pValues, (p) => (Number.isNaN(p) ? 1 : p)).sort();
  for (let i = m; i >= 1; i--) {
    if (sorted[i - 1]! <= (i * q) / m) return sorted[i - 1]!;
  }
  return -1;
}
