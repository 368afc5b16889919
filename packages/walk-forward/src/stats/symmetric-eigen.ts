/**
 * Eigen-decomposition of a small dense symmetric matrix by the cyclic Jacobi method, and the generalised
 * symmetric-definite problem A·v = λ·B·v reduced to it through the Cholesky factor of B. Sized for the
 * k × k moment matrices of Johansen's test (k ≤ 12), where Jacobi's simplicity and accuracy beat a
 * tridiagonal QR solver.
 *
 * Method (Golub & Van Loan, "Matrix Computations", 4th ed., §8.5.2 cyclic Jacobi, §8.7.2 Cholesky
 * reduction of the symmetric-definite problem):
 * - Jacobi: sweep over the off-diagonal pairs (p, q); each plane rotation J(p, q, θ) with
 *   t = tan θ = sign(τ)/(|τ| + √(1 + τ²)), τ = (a_qq − a_pp)/(2·a_pq), zeroes a_pq. A pair is rotated only
 *   while |a_pq| > ε·√(|a_pp|·|a_qq|) (ε = 2⁻⁵²), the Demmel-Veselić criterion that gives small eigenvalues
 *   high relative accuracy; the sweeps stop when no pair needs a rotation (quadratic convergence, a few
 *   sweeps for k ≤ 12).
 * - Generalised: B = L·Lᵀ (Cholesky), C = L⁻¹·A·L⁻ᵀ (symmetric), C·w = λ·w by Jacobi, v = L⁻ᵀ·w. The
 *   eigenvectors are then B-orthonormal: Vᵀ·B·V = I.
 *
 * Matrices are row-major `Float64Array`s of k·k values; results are sorted by descending eigenvalue.
 *
 * @module
 */

/** ε = 2⁻⁵², the spacing of doubles at 1. */
const EPS = Number.EPSILON;
/** Jacobi converges in ~log₂(digits) sweeps after the first few; 100 sweeps means a bug or NaN input. */
const MAX_SWEEPS = 100;

/**
 * Eigenvalues and eigenvectors of the symmetric k × k matrix `a` (row-major; only symmetric input is
 * meaningful, the lower triangle is assumed equal to the upper).
 *
 * @param a k·k row-major symmetric matrix; destroyed (left nearly diagonal).
 * @param k order.
 * @param values out: k eigenvalues, descending.
 * @param vectors out: k·k row-major; column j (`vectors[i·k + j]`, i = 0..k−1) is the unit eigenvector of
 *   `values[j]`. Sign as produced (callers normalise).
 * @param scratch at least k values (sorting permutation).
 * @returns false when the sweeps did not converge (non-finite input); outputs are then NaN.
 */
export function symmetricEigen(
  a: Float64Array,
  k: number,
  values: Float64Array,
  vectors: Float64Array,
  scratch: Float64Array,
): boolean {
  vectors.fill(0, 0, k * k);
  for (let i = 0; i < k; i++) vectors[i * k + i] = 1;
  let converged = false;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q]!;
        const app = a[p * k + p]!;
        const aqq = a[q * k + q]!;
        if (!(Math.abs(apq) > EPS * Math.sqrt(Math.abs(app * aqq))) || apq === 0) continue;
        rotated = true;
        const tau = (aqq - app) / (2 * apq);
        // Smaller root of t² + 2τt − 1 = 0 (|θ| ≤ π/4); 1/(2τ) when τ² would overflow.
        const t =
          Math.abs(tau) > 1e150
            ? 1 / (2 * tau)
            : (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← Jᵀ A J with J = [[c, s], [−s, c]] in rows/columns p, q.
        for (let r = 0; r < k; r++) {
          if (r === p || r === q) continue;
          const arp = a[r * k + p]!;
          const arq = a[r * k + q]!;
          const nrp = c * arp - s * arq;
          const nrq = s * arp + c * arq;
          a[r * k + p] = nrp;
          a[p * k + r] = nrp;
          a[r * k + q] = nrq;
          a[q * k + r] = nrq;
        }
        a[p * k + p] = app - t * apq;
        a[q * k + q] = aqq + t * apq;
        a[p * k + q] = 0;
        a[q * k + p] = 0;
        for (let r = 0; r < k; r++) {
          const vrp = vectors[r * k + p]!;
          const vrq = vectors[r * k + q]!;
          vectors[r * k + p] = c * vrp - s * vrq;
          vectors[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
    if (!rotated) {
      converged = true;
      break;
    }
  }
  for (let i = 0; i < k; i++) {
    values[i] = a[i * k + i]!;
    if (!Number.isFinite(values[i]!)) converged = false;
  }
  if (!converged) {
    values.fill(Number.NaN, 0, k);
    vectors.fill(Number.NaN, 0, k * k);
    return false;
  }
  sortDescending(values, vectors, k, scratch, a);
  return true;
}

/**
 * In-place Cholesky factorisation B = L·Lᵀ of the symmetric k × k matrix `b` (row-major); L is written to
 * the lower triangle, the strict upper triangle is zeroed.
 *
 * @param minPivotRatio smallest accepted ratio d_j / b_jj of the j-th pivot (the squared diagonal of L) to
 *   the original diagonal entry, i.e. 1 − R² of column j regressed on the earlier columns. Below it (or for
 *   a non-positive / NaN pivot) the matrix is treated as singular.
 * @returns false when `b` is not (numerically) positive definite; `b` is then partly overwritten.
 */
export function choleskyInPlace(b: Float64Array, k: number, minPivotRatio: number): boolean {
  for (let j = 0; j < k; j++) {
    const diag = b[j * k + j]!;
    let d = diag;
    for (let m = 0; m < j; m++) d -= b[j * k + m]! * b[j * k + m]!;
    if (!(d > minPivotRatio * diag) || !(d > 0)) return false;
    const ljj = Math.sqrt(d);
    b[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = b[i * k + j]!;
      for (let m = 0; m < j; m++) s -= b[i * k + m]! * b[j * k + m]!;
      b[i * k + j] = s / ljj;
    }
    for (let i = j + 1; i < k; i++) b[j * k + i] = 0;
  }
  return true;
}

/**
 * Solve L·X = M in place (M ← L⁻¹·M) for the lower-triangular k × k `l` (row-major) and the k × cols
 * row-major `m`.
 */
export function forwardSubstitute(l: Float64Array, k: number, m: Float64Array, cols: number): void {
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < k; i++) {
      let s = m[i * cols + c]!;
      for (let j = 0; j < i; j++) s -= l[i * k + j]! * m[j * cols + c]!;
      m[i * cols + c] = s / l[i * k + i]!;
    }
  }
}

/** Scratch of {@link generalizedSymmetricEigen} for order k (3·k² + k values). */
export function generalizedEigenScratchSize(k: number): number {
  return 3 * k * k + k;
}

/**
 * Generalised symmetric-definite eigenproblem A·v = λ·B·v (A symmetric, B symmetric positive definite),
 * k × k row-major, by Cholesky reduction + Jacobi (see the module doc).
 *
 * @param a symmetric k·k (not modified).
 * @param b symmetric positive definite k·k (not modified).
 * @param values out: k eigenvalues, descending.
 * @param vectors out: k·k row-major; column j (`vectors[i·k + j]`) is the eigenvector of `values[j]`,
 *   scaled so that vⱼᵀ·B·vⱼ = 1 (and vᵢᵀ·B·vⱼ = 0 for i ≠ j). Sign as produced (callers normalise).
 * @param scratch at least {@link generalizedEigenScratchSize}(k) values.
 * @param minPivotRatio singularity threshold of B's Cholesky pivots (see {@link choleskyInPlace}).
 * @returns false when B is not numerically positive definite or Jacobi did not converge; outputs are NaN.
 */
export function generalizedSymmetricEigen(
  a: Float64Array,
  b: Float64Array,
  k: number,
  values: Float64Array,
  vectors: Float64Array,
  scratch: Float64Array,
  minPivotRatio: number,
): boolean {
  const kk = k * k;
  const l = scratch.subarray(0, kk);
  const c = scratch.subarray(kk, 2 * kk);
  const w = scratch.subarray(2 * kk, 3 * kk);
  const perm = scratch.subarray(3 * kk, 3 * kk + k);
  l.set(b.subarray(0, kk));
  if (!choleskyInPlace(l, k, minPivotRatio)) {
    values.fill(Number.NaN, 0, k);
    vectors.fill(Number.NaN, 0, kk);
    return false;
  }
  // c ← L⁻¹·A, then c ← (L⁻¹·(L⁻¹·A)ᵀ) = L⁻¹·A·L⁻ᵀ (A symmetric).
  c.set(a.subarray(0, kk));
  forwardSubstitute(l, k, c, k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) w[i * k + j] = c[j * k + i]!;
  }
  forwardSubstitute(l, k, w, k);
  // Symmetrise away rounding so Jacobi sees an exactly symmetric matrix.
  for (let i = 0; i < k; i++) {
    c[i * k + i] = w[i * k + i]!;
    for (let j = i + 1; j < k; j++) {
      const s = 0.5 * (w[i * k + j]! + w[j * k + i]!);
      c[i * k + j] = s;
      c[j * k + i] = s;
    }
  }
  if (!symmetricEigen(c, k, values, w, perm)) {
    vectors.fill(Number.NaN, 0, kk);
    return false;
  }
  // v = L⁻ᵀ·w: back substitution with Lᵀ, column by column.
  for (let col = 0; col < k; col++) {
    for (let i = k - 1; i >= 0; i--) {
      let s = w[i * k + col]!;
      for (let j = i + 1; j < k; j++) s -= l[j * k + i]! * vectors[j * k + col]!;
      vectors[i * k + col] = s / l[i * k + i]!;
    }
  }
  return true;
}

/**
 * Sort eigenpairs by descending value (stable selection sort, k small): permutes `values` and the columns
 * of `vectors`, using `perm` (k) and `tmp` (k·k) as scratch.
 */
function sortDescending(
  values: Float64Array,
  vectors: Float64Array,
  k: number,
  perm: Float64Array,
  tmp: Float64Array,
): void {
  for (let i = 0; i < k; i++) perm[i] = i;
  for (let i = 0; i < k; i++) {
    let best = i;
    for (let j = i + 1; j < k; j++) {
      if (values[perm[j]!]! > values[perm[best]!]!) best = j;
    }
    const t = perm[i]!;
    perm[i] = perm[best]!;
    perm[best] = t;
  }
  tmp.set(vectors.subarray(0, k * k));
  for (let j = 0; j < k; j++) {
    const src = perm[j]!;
    for (let i = 0; i < k; i++) vectors[i * k + j] = tmp[i * k + src]!;
  }
  for (let j = 0; j < k; j++) tmp[j] = values[perm[j]!]!;
  values.set(tmp.subarray(0, k));
}
