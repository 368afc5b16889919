/**
 * Reusable scratch space and a small Householder-QR least-squares solver for the few-column regressions of
 * the ADF test. Buffers grow on demand and are then reused, so repeated tests allocate nothing.
 *
 * QR (rather than normal equations) keeps full precision when regressors are price levels with a constant:
 * the condition number is not squared.
 *
 * @module
 */

/**
 * Scratch buffers for {@link solveLeastSquares}. Create one per thread of work and pass it to every
 * {@link adf} / {@link engleGranger} call; it is not safe to share between interleaved computations.
 */
export class LeastSquaresWorkspace {
  /** Design matrix, column-major, `rows × cols`; overwritten by the QR factorisation. */
  design = new Float64Array(0);
  /** Right-hand side (`rows`); overwritten by Qᵀy. */
  rhs = new Float64Array(0);
  /** Solution coefficients (`cols`). */
  coef = new Float64Array(0);
  /** Diagonal of R (`cols`). */
  rDiag = new Float64Array(0);
  /** Scratch vector (`cols`). */
  tmp = new Float64Array(0);
  /** Scratch series (length of the input series, e.g. OLS residuals in Engle-Granger). */
  series = new Float64Array(0);
  /** Scratch: first differences of the ADF input. */
  diff = new Float64Array(0);
  /** Scratch: augmented Gram matrix / its Cholesky factor, row-major (the ADF lag search). */
  gram = new Float64Array(0);
  /** Diagonal of {@link gram} before its factorisation (the refit of the chosen lag reuses the Gram). */
  gramDiagonal = new Float64Array(0);
  /** Scratch of the small normal equations of the refit: (p+1)² matrix, then (p+1) vectors. */
  refit = new Float64Array(0);

  /** Make sure {@link gram} holds a `size × size` matrix and {@link diff} `length` values. */
  ensureGram(size: number, length: number): void {
    if (this.gram.length < size * size) {
      this.gram = new Float64Array(size * size);
      this.gramDiagonal = new Float64Array(size);
      this.refit = new Float64Array(size * size + 3 * size);
    }
    if (this.diff.length < length) this.diff = new Float64Array(length);
    if (this.tmp.length < size) {
      this.tmp = new Float64Array(size);
      this.coef = new Float64Array(Math.max(size, this.coef.length));
      this.rDiag = new Float64Array(Math.max(size, this.rDiag.length));
    }
  }

  /** Make sure the buffers hold a `rows × cols` problem; grows (never shrinks) the buffers. */
  ensure(rows: number, cols: number): void {
    if (this.design.length < rows * cols) this.design = new Float64Array(rows * cols);
    if (this.rhs.length < rows) this.rhs = new Float64Array(rows);
    if (this.coef.length < cols) {
      this.coef = new Float64Array(cols);
      this.rDiag = new Float64Array(cols);
      this.tmp = new Float64Array(cols);
    }
  }

  /** Make sure {@link series} holds at least `length` values. */
  ensureSeries(length: number): Float64Array {
    if (this.series.length < length) this.series = new Float64Array(length);
    return this.series;
  }
}

/** Result of {@link solveLeastSquares}; coefficients are left in `workspace.coef`. */
export interface LeastSquaresSolution {
  /** Sum of squared residuals. */
  ssr: number;
  /** False when a column is (numerically) a linear combination of the previous ones; then all else is NaN. */
  fullRank: boolean;
}

/**
 * Householder QR of the `rows × cols` matrix in `ws.design` (column-major), applied in place to `ws.rhs`.
 * On return the upper triangle of the first `cols` rows holds R (diagonal in `ws.rDiag`), the Householder
 * vectors sit below it, and `ws.rhs` holds Qᵀy: for the model made of the first k columns, the sum of
 * squared residuals is Σ_{i ≥ k} (Qᵀy)_i², so **one factorisation of the widest matrix serves every nested
 * model** (used by the ADF lag search).
 *
 * @returns the number of leading linearly independent columns: `cols` when the matrix has full rank,
 *   otherwise the index of the first column that is (numerically, relative 1e-13) a combination of the
 *   previous ones; factorisation stops there.
 */
export function householderQr(ws: LeastSquaresWorkspace, rows: number, cols: number): number {
  const a = ws.design;
  const b = ws.rhs;
  for (let k = 0; k < cols; k++) {
    const colK = k * rows;
    // ‖column k‖² is invariant under the previous reflections (rows 0..k−1 hold R's entries of column k).
    let colNorm2 = 0;
    for (let i = 0; i < k; i++) colNorm2 += a[colK + i]! * a[colK + i]!;
    let norm2 = 0;
    for (let i = k; i < rows; i++) norm2 += a[colK + i]! * a[colK + i]!;
    colNorm2 += norm2;
    const norm = Math.sqrt(norm2);
    // Rank test: the part of column k orthogonal to columns 0..k−1 is negligible relative to the column.
    if (!(norm > 1e-13 * Math.sqrt(colNorm2))) return k;
    const akk = a[colK + k]!;
    const alpha = akk > 0 ? -norm : norm;
    // v = x − alpha·e1 stored in place; vᵀv = 2·norm·(norm + |x_k|).
    a[colK + k] = akk - alpha;
    const scale = 1 / (norm * (norm + Math.abs(akk)));
    ws.rDiag[k] = alpha;
    for (let j = k + 1; j < cols; j++) {
      const colJ = j * rows;
      let dot = 0;
      for (let i = k; i < rows; i++) dot += a[colK + i]! * a[colJ + i]!;
      const f = dot * scale;
      for (let i = k; i < rows; i++) a[colJ + i] = a[colJ + i]! - f * a[colK + i]!;
    }
    let dot = 0;
    for (let i = k; i < rows; i++) dot += a[colK + i]! * b[i]!;
    const f = dot * scale;
    for (let i = k; i < rows; i++) b[i] = b[i]! - f * a[colK + i]!;
  }
  return cols;
}

/**
 * Solve min‖y − Xb‖² for the `rows × cols` problem stored in `ws.design` (column-major) and `ws.rhs` by
 * Householder QR ({@link householderQr}). On return `ws.coef[0..cols)` holds b, and
 * {@link inverseGramDiagonal} can read (XᵀX)⁻¹ diagonal entries from the factorisation.
 */
export function solveLeastSquares(
  ws: LeastSquaresWorkspace,
  rows: number,
  cols: number,
): LeastSquaresSolution {
  if (householderQr(ws, rows, cols) < cols) {
    ws.coef.fill(Number.NaN, 0, cols);
    return { ssr: Number.NaN, fullRank: false };
  }
  const a = ws.design;
  const b = ws.rhs;
  // Back substitution R b = (Qᵀy)[0..cols); R's strict upper part is a[j*rows + k] for j > k.
  for (let k = cols - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < cols; j++) s -= a[j * rows + k]! * ws.coef[j]!;
    ws.coef[k] = s / ws.rDiag[k]!;
  }
  let ssr = 0;
  for (let i = cols; i < rows; i++) ssr += b[i]! * b[i]!;
  return { ssr, fullRank: true };
}

/**
 * (XᵀX)⁻¹[c][c] from the factorisation left by {@link solveLeastSquares}: ‖R⁻ᵀ e_c‖², by forward
 * substitution on Rᵀ (lower triangular).
 */
export function inverseGramDiagonal(
  ws: LeastSquaresWorkspace,
  rows: number,
  cols: number,
  c: number,
): number {
  const a = ws.design;
  const u = ws.tmp;
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    if (j < c) {
      u[j] = 0;
      continue;
    }
    let s = j === c ? 1 : 0;
    for (let i = c; i < j; i++) s -= a[j * rows + i]! * u[i]!;
    u[j] = s / ws.rDiag[j]!;
    sum += u[j]! * u[j]!;
  }
  return sum;
}
