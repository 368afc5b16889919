/**
 * The computational kernel of Johansen's cointegration test (used by {@link johansen} and
 * {@link johansenPair}) and the scratch buffers it reuses, so that a pair scan allocates nothing per pair.
 *
 * The kernel reproduces statsmodels `coint_johansen` (`statsmodels/tsa/vector_ar/vecm.py`) step by step;
 * see {@link johansenKernel} for the formulas.
 *
 * @module
 */
import type { JohansenDetOrder } from './johansen-critical-values.js';
import {
  choleskyInPlace,
  forwardSubstitute,
  generalizedEigenScratchSize,
  generalizedSymmetricEigen,
} from './symmetric-eigen.js';

/**
 * Smallest accepted Cholesky pivot ratio of the residual moment matrices S₀₀ and S₁₁ (1 − R² of a series'
 * residual regressed on the other series' residuals). Below 1e-10 (condition number above ~10¹⁰) the series
 * are treated as collinear (or one is constant): the eigenvalues would carry fewer than ~6 correct digits,
 * so mmtape reports the window as degenerate instead of printing them.
 */
export const JOHANSEN_SINGULAR_PIVOT_RATIO = 1e-10;

/** Relative rank tolerance of the lagged-difference regressors (as the ADF QR in least-squares-workspace). */
const RANK_TOLERANCE = 1e-13;

/**
 * Scratch buffers of the Johansen kernel. Create one per thread of work and pass it to every
 * {@link johansenPair} call (or let {@link johansen} use its own); not safe to share between interleaved
 * computations. Buffers grow on demand and are then reused.
 *
 * After a successful {@link johansenKernel} call, {@link eigenvalues}, {@link eigenvectors}, {@link lr1},
 * {@link lr2} and {@link nobs} hold the result for `k` series.
 */
export class JohansenWorkspace {
  /** Detrended levels, column-major `n × k` (series j at offset j·n). */
  levels = new Float64Array(0);
  /** Lagged differences Z, column-major `m × (kArDiff·k)`; overwritten by its Householder QR. */
  design = new Float64Array(0);
  /** ΔY (columns 0..k−1) then lagged levels (k..2k−1), column-major `m × 2k`; overwritten by Qᵀ·[ΔY, Y₋]. */
  targets = new Float64Array(0);
  /** Norms of the columns of Z before the QR (rank test). */
  columnNorms = new Float64Array(0);
  /** S₀₀ = R₀ᵀR₀/T, k × k row-major (later its Cholesky factor). */
  s00 = new Float64Array(0);
  /** S₀₁ = R₀ᵀR₁/T, k × k row-major (later L₀⁻¹·S₀₁). */
  s01 = new Float64Array(0);
  /** S₁₁ = R₁ᵀR₁/T, k × k row-major. */
  s11 = new Float64Array(0);
  /** S₁₀·S₀₀⁻¹·S₀₁, k × k row-major. */
  sig = new Float64Array(0);
  /** Scratch of the generalised eigen solver. */
  eigenScratch = new Float64Array(0);
  /** Eigenvalues λ₁ ≥ … ≥ λ_k (dimensionless, in [0, 1)). */
  eigenvalues = new Float64Array(0);
  /** Eigenvectors, k × k row-major: column j (`eigenvectors[i·k + j]`) belongs to λⱼ₊₁. */
  eigenvectors = new Float64Array(0);
  /** Trace statistics: lr1[r] = −T·Σ_{i>r} log(1 − λᵢ) for H₀ rank ≤ r. */
  lr1 = new Float64Array(0);
  /** Max-eigenvalue statistics: lr2[r] = −T·log(1 − λ_{r+1}) for H₀ rank = r vs r + 1. */
  lr2 = new Float64Array(0);
  /** T: rows of the concentrated regressions (n − 1 − kArDiff). */
  nobs = 0;
  /** Holder of the two series of a pair call (avoids allocating `[y, x]`). */
  readonly pair: ArrayLike<number>[] = [new Float64Array(0), new Float64Array(0)];

  /** Make sure the buffers hold a problem of n rows, k series and kArDiff lagged differences. */
  ensure(n: number, k: number, kArDiff: number): void {
    const m = n - 1 - kArDiff;
    const p = kArDiff * k;
    if (this.levels.length < n * k) this.levels = new Float64Array(n * k);
    if (this.design.length < m * p) this.design = new Float64Array(m * p);
    if (this.targets.length < m * 2 * k) this.targets = new Float64Array(m * 2 * k);
    if (this.columnNorms.length < p) this.columnNorms = new Float64Array(p);
    if (this.s00.length < k * k) {
      this.s00 = new Float64Array(k * k);
      this.s01 = new Float64Array(k * k);
      this.s11 = new Float64Array(k * k);
      this.sig = new Float64Array(k * k);
      this.eigenvectors = new Float64Array(k * k);
      this.eigenvalues = new Float64Array(k);
      this.lr1 = new Float64Array(k);
      this.lr2 = new Float64Array(k);
      this.eigenScratch = new Float64Array(generalizedEigenScratchSize(k));
    }
  }
}

/**
 * Fewest rows n that {@link johansenKernel} accepts for k series: the concentrated regressions have
 * T = n − 1 − kArDiff rows and T − kArDiff·k − d residual degrees of freedom (d = 1 when det_order ≥ 0
 * demeans them); mmtape requires more than 2k of them, so that the k residual series of ΔY and of the
 * lagged levels can span different spaces (with ≤ 2k the canonical correlations are 1 by construction).
 */
export function johansenMinRows(k: number, kArDiff: number, detOrder: JohansenDetOrder): number {
  const d = detOrder >= 0 ? 1 : 0;
  return 1 + kArDiff + kArDiff * k + d + 2 * k + 1;
}

/**
 * Johansen's test on rows [start, end) of the k series (finite, n = end − start ≥ {@link johansenMinRows};
 * validated by the caller), exactly as statsmodels `coint_johansen(endog, det_order, k_ar_diff)`:
 *
 * 1. Levels: Y ← detrend(Y, det_order): unchanged for −1, minus the column mean for 0, minus the OLS fit
 *    on [1, t] (t = linspace(−1, 1, n)) for 1.
 * 2. ΔYₜ = Yₜ − Yₜ₋₁ (n − 1 rows); Z = the kArDiff lagged differences [ΔYₜ₋₁, …, ΔYₜ₋ₖ], rows t = kArDiff…;
 *    T = n − 1 − kArDiff rows. The levels regressor is Y[1 .. T] (statsmodels `endog[:-k_ar_diff][1:]`),
 *    i.e. Yₜ₋ₖ for kArDiff = k ≥ 1, which spans the same space as Yₜ₋₁ once ΔYₜ₋₁…ΔYₜ₋ₖ₊₁ are projected out;
 *    for kArDiff = 0 it is Yₜ itself (a statsmodels convention, see {@link johansen}).
 * 3. For det_order ≥ 0, ΔY, Z and the levels are demeaned (statsmodels `detrend(·, 0)`).
 * 4. R₀ = ΔY − Z·(Z⁺ΔY), R₁ = Y₋ − Z·(Z⁺Y₋) (residuals on Z, via Householder QR with a rank test instead of
 *    statsmodels' pseudo-inverse; both are the orthogonal projection). S_ij = RᵢᵀRⱼ/T.
 * 5. Solve S₁₀·S₀₀⁻¹·S₀₁·v = λ·S₁₁·v (Johansen 1991, eq. 3.7 / Lütkepohl 2005 §7.2.3): eigenvalues
 *    λ₁ ≥ … ≥ λ_k (the squared canonical correlations of R₀ and R₁), eigenvectors with vᵀS₁₁v = 1.
 *    Sign: each eigenvector's first non-zero component is made positive (statsmodels fixes only the sign of
 *    the whole matrix by its [0, 0] entry, so column 0 agrees with statsmodels and the others agree up to sign).
 * 6. lr1[r] = −T·Σ_{i=r+1}^{k} log(1 − λᵢ) (trace), lr2[r] = −T·log(1 − λ_{r+1}) (max-eigenvalue),
 *    computed with log1p for accuracy at small λ.
 *
 * Allocates nothing once `ws` has grown to the problem size.
 *
 * @returns false when S₀₀ or S₁₁ is numerically singular (collinear or constant series, Cholesky pivot ratio
 *   below {@link JOHANSEN_SINGULAR_PIVOT_RATIO}) or the input holds NaN: the outputs are then NaN.
 */
export function johansenKernel(
  series: readonly ArrayLike<number>[],
  k: number,
  start: number,
  end: number,
  kArDiff: number,
  detOrder: JohansenDetOrder,
  ws: JohansenWorkspace,
): boolean {
  const n = end - start;
  ws.ensure(n, k, kArDiff);
  const m = n - 1 - kArDiff;
  const p = kArDiff * k;
  ws.nobs = m;
  detrendLevels(series, k, start, n, detOrder, ws.levels);
  const levels = ws.levels;
  const design = ws.design;
  const targets = ws.targets;
  for (let j = 0; j < k; j++) {
    const col = j * n;
    for (let i = 0; i < m; i++) {
      // ΔY row t = kArDiff + i (difference of levels t+1 and t), lagged level Y[1 + i].
      targets[j * m + i] = levels[col + kArDiff + i + 1]! - levels[col + kArDiff + i]!;
      targets[(k + j) * m + i] = levels[col + 1 + i]!;
    }
    for (let lag = 1; lag <= kArDiff; lag++) {
      const dst = ((lag - 1) * k + j) * m;
      for (let i = 0; i < m; i++) {
        design[dst + i] = levels[col + kArDiff + i - lag + 1]! - levels[col + kArDiff + i - lag]!;
      }
    }
  }
  if (detOrder >= 0) {
    demeanColumns(targets, m, 2 * k);
    demeanColumns(design, m, p);
  }
  const rank = householderProject(design, m, p, targets, 2 * k, ws.columnNorms);
  residualMoments(targets, m, k, rank, ws);
  if (!solveEigen(k, ws)) {
    ws.lr1.fill(Number.NaN, 0, k);
    ws.lr2.fill(Number.NaN, 0, k);
    return false;
  }
  // Statistics, statsmodels' loop: lr1[i] = −T·Σ_{j≥i} log(1 − λⱼ), lr2[i] = −T·log(1 − λᵢ).
  let tail = 0;
  for (let i = k - 1; i >= 0; i--) {
    const logTerm = Math.log1p(-ws.eigenvalues[i]!);
    tail += logTerm;
    ws.lr1[i] = -m * tail;
    ws.lr2[i] = -m * logTerm;
  }
  return true;
}

/** Step 1: copy rows [start, start + n) of each series into `out` (column-major) and detrend. */
function detrendLevels(
  series: readonly ArrayLike<number>[],
  k: number,
  start: number,
  n: number,
  detOrder: JohansenDetOrder,
  out: Float64Array,
): void {
  // t = linspace(−1, 1, n) as numpy: t_i = −1 + i·(2/(n − 1)); its mean is 0 up to rounding.
  const step = 2 / (n - 1);
  let tMean = 0;
  let tSq = 0;
  if (detOrder === 1) {
    for (let i = 0; i < n; i++) tMean += i === n - 1 ? 1 : -1 + i * step;
    tMean /= n;
    for (let i = 0; i < n; i++) {
      const dt = (i === n - 1 ? 1 : -1 + i * step) - tMean;
      tSq += dt * dt;
    }
  }
  for (let j = 0; j < k; j++) {
    const s = series[j]!;
    const col = j * n;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const v = s[start + i]!;
      out[col + i] = v;
      mean += v;
    }
    if (detOrder < 0) continue;
    mean /= n;
    if (detOrder === 0) {
      for (let i = 0; i < n; i++) out[col + i] = out[col + i]! - mean;
      continue;
    }
    // OLS of y on [t, 1] in centred form: slope b = Σ(t − t̄)(y − ȳ)/Σ(t − t̄)², residual (y − ȳ) − b(t − t̄).
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const dt = (i === n - 1 ? 1 : -1 + i * step) - tMean;
      sxy += dt * (out[col + i]! - mean);
    }
    const slope = sxy / tSq;
    for (let i = 0; i < n; i++) {
      const dt = (i === n - 1 ? 1 : -1 + i * step) - tMean;
      out[col + i] = out[col + i]! - mean - slope * dt;
    }
  }
}

/** Subtract each column's mean (column-major `rows × cols`). */
function demeanColumns(a: Float64Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    const off = c * rows;
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += a[off + i]!;
    mean /= rows;
    for (let i = 0; i < rows; i++) a[off + i] = a[off + i]! - mean;
  }
}

/**
 * Householder QR of the column-major `rows × cols` matrix `a`, applied to the `rhsCols` columns of `b`.
 * A column whose part orthogonal to the earlier columns is below 1e-13 of its norm is skipped (a linear
 * combination of them, as a pseudo-inverse would treat it). Returns the rank r: rows r.. of Qᵀb are then
 * the coordinates of the residuals of b on the column space of a, so RᵢᵀRⱼ = Σ_{t ≥ r} (Qᵀbᵢ)ₜ(Qᵀbⱼ)ₜ.
 */
function householderProject(
  a: Float64Array,
  rows: number,
  cols: number,
  b: Float64Array,
  rhsCols: number,
  norms: Float64Array,
): number {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += a[c * rows + i]! * a[c * rows + i]!;
    norms[c] = Math.sqrt(s);
  }
  let r = 0;
  for (let c = 0; c < cols && r < rows; c++) {
    const colC = c * rows;
    let norm2 = 0;
    for (let i = r; i < rows; i++) norm2 += a[colC + i]! * a[colC + i]!;
    const norm = Math.sqrt(norm2);
    if (!(norm > RANK_TOLERANCE * norms[c]!)) continue;
    const head = a[colC + r]!;
    const alpha = head > 0 ? -norm : norm;
    // v = x − alpha·e_r stored in place; vᵀv = 2·norm·(norm + |x_r|); H = I − 2vvᵀ/(vᵀv).
    a[colC + r] = head - alpha;
    const scale = 1 / (norm * (norm + Math.abs(head)));
    for (let j = c + 1; j < cols; j++) reflect(a, colC, j * rows, r, rows, scale);
    for (let j = 0; j < rhsCols; j++) reflect(a, colC, j * rows, r, rows, scale, b);
    r++;
  }
  return r;
}

/** Apply the reflector stored at `a[v + r .. v + rows)` to rows r.. of the column at `dst` of `target`. */
function reflect(
  a: Float64Array,
  v: number,
  dst: number,
  r: number,
  rows: number,
  scale: number,
  target: Float64Array = a,
): void {
  let dot = 0;
  for (let i = r; i < rows; i++) dot += a[v + i]! * target[dst + i]!;
  const f = dot * scale;
  for (let i = r; i < rows; i++) target[dst + i] = target[dst + i]! - f * a[v + i]!;
}

/** Step 4: S₀₀, S₀₁, S₁₁ (divided by T = rows) from rows rank.. of Qᵀ·[ΔY, Y₋]. */
function residualMoments(
  q: Float64Array,
  rows: number,
  k: number,
  rank: number,
  ws: JohansenWorkspace,
): void {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const r0a = a * rows;
      const r0b = b * rows;
      const r1a = (k + a) * rows;
      const r1b = (k + b) * rows;
      let s00 = 0;
      let s01 = 0;
      let s11 = 0;
      for (let i = rank; i < rows; i++) {
        s00 += q[r0a + i]! * q[r0b + i]!;
        s01 += q[r0a + i]! * q[r1b + i]!;
        s11 += q[r1a + i]! * q[r1b + i]!;
      }
      ws.s00[a * k + b] = s00 / rows;
      ws.s01[a * k + b] = s01 / rows;
      ws.s11[a * k + b] = s11 / rows;
    }
  }
}

/** Step 5: sig = (L₀⁻¹S₀₁)ᵀ(L₀⁻¹S₀₁) = S₁₀S₀₀⁻¹S₀₁, then sig·v = λ·S₁₁·v; sign of each column fixed. */
function solveEigen(k: number, ws: JohansenWorkspace): boolean {
  if (!choleskyInPlace(ws.s00, k, JOHANSEN_SINGULAR_PIVOT_RATIO)) {
    ws.eigenvalues.fill(Number.NaN, 0, k);
    ws.eigenvectors.fill(Number.NaN, 0, k * k);
    return false;
  }
  const w = ws.s01;
  forwardSubstitute(ws.s00, k, w, k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += w[i * k + a]! * w[i * k + b]!;
      ws.sig[a * k + b] = s;
      ws.sig[b * k + a] = s;
    }
  }
  const ok = generalizedSymmetricEigen(
    ws.sig,
    ws.s11,
    k,
    ws.eigenvalues,
    ws.eigenvectors,
    ws.eigenScratch,
    JOHANSEN_SINGULAR_PIVOT_RATIO,
  );
  if (!ok) return false;
  const v = ws.eigenvectors;
  for (let j = 0; j < k; j++) {
    let first = 0;
    for (let i = 0; i < k; i++) {
      if (v[i * k + j] !== 0) {
        first = v[i * k + j]!;
        break;
      }
    }
    if (first < 0) for (let i = 0; i < k; i++) v[i * k + j] = -v[i * k + j]!;
  }
  return true;
}
