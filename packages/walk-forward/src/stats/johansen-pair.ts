/**
 * Johansen's test specialised to a pair (y, x) for the pair scan: same numbers as {@link johansen} on
 * `[y, x]`, written into a reused {@link JohansenPairStatistic} with a reused {@link JohansenWorkspace}, so a
 * scan over thousands of pairs allocates nothing per pair (the design of `engleGrangerStatistic`).
 *
 * @module
 */
import { InsufficientDataError, InvalidInputError } from '../errors.js';
import {
  isJohansenDetOrder,
  type JohansenDetOrder,
  johansenCriticalRow,
  significanceColumn,
} from './johansen-critical-values.js';
import { JohansenWorkspace, johansenKernel, johansenMinRows } from './johansen-workspace.js';

/**
 * Scalar outputs of {@link johansenPair} for the pair (y, x), written in place. Statistics are the
 * statsmodels `coint_johansen` values of `[y, x]` (see {@link johansen}).
 */
export interface JohansenPairStatistic {
  /** Trace statistic for H₀ rank = 0 (statsmodels `lr1[0]`): −T·(log(1 − λ₁) + log(1 − λ₂)). */
  traceStat0: number;
  /** Trace statistic for H₀ rank ≤ 1 (statsmodels `lr1[1]`): −T·log(1 − λ₂). */
  traceStat1: number;
  /** Max-eigenvalue statistic for H₀ rank = 0 vs 1 (statsmodels `lr2[0]`): −T·log(1 − λ₁). */
  maxEigStat0: number;
  /** Max-eigenvalue statistic for H₀ rank = 1 vs 2 (statsmodels `lr2[1]`), equal to `traceStat1`. */
  maxEigStat1: number;
  /** 90 % quantile of the trace statistic for H₀ rank = 0 (statsmodels `cvt[0][0]`, 10 % level). */
  traceCriticalValue90: number;
  /** 95 % quantile of the trace statistic for H₀ rank = 0 (statsmodels `cvt[0][1]`, 5 % level). */
  traceCriticalValue95: number;
  /** 99 % quantile of the trace statistic for H₀ rank = 0 (statsmodels `cvt[0][2]`, 1 % level). */
  traceCriticalValue99: number;
  /** Largest eigenvalue λ₁ (dimensionless, [0, 1)). */
  eigenvalue0: number;
  /** Second eigenvalue λ₂ ≤ λ₁. */
  eigenvalue1: number;
  /**
   * Hedge ratio β from the first cointegrating vector v = (v_y, v_x), normalised on y: β = −v_x / v_y, so
   * the spread is y − β·x (units of x per unit of y, like Engle-Granger's slope). Sign-invariant. NaN when
   * v_y = 0 or the window is degenerate.
   */
  hedgeRatio: number;
  /**
   * Intercept convention: the mean of the spread y − β·x over the window [start, end) (price units of y).
   * The Johansen vector carries no constant (det_order 0 demeans, det_order 1 also detrends, before
   * estimation), so mmtape defines the spread's centre as its window mean: y − β·x − spreadMean has mean 0
   * on the training window. For det_order 1 the spread may still trend; the mean is still the window mean.
   */
  spreadMean: number;
  /** T = n − 1 − kArDiff, rows of the concentrated regressions (bars). */
  nobs: number;
  /**
   * True when S₀₀ or S₁₁ is numerically singular (y and x collinear, a constant series, or NaN input): all
   * statistics are NaN and {@link johansenTraceRejects} answers false.
   */
  degenerate: boolean;
}

/** A fresh {@link JohansenPairStatistic} to reuse across {@link johansenPair} calls. */
export function newJohansenPairStatistic(): JohansenPairStatistic {
  return {
    traceStat0: Number.NaN,
    traceStat1: Number.NaN,
    maxEigStat0: Number.NaN,
    maxEigStat1: Number.NaN,
    traceCriticalValue90: Number.NaN,
    traceCriticalValue95: Number.NaN,
    traceCriticalValue99: Number.NaN,
    eigenvalue0: Number.NaN,
    eigenvalue1: Number.NaN,
    hedgeRatio: Number.NaN,
    spreadMean: Number.NaN,
    nobs: 0,
    degenerate: false,
  };
}

const sharedWorkspace = new JohansenWorkspace();

/**
 * Hot path of Johansen's test on the pair y[start..end), x[start..end): statsmodels
 * `coint_johansen(column_stack([y, x]), detOrder, kArDiff)`, reduced to the numbers a pair scan needs.
 * The values must be finite (validated by the caller, e.g. by `validatePricePanel`; NaN input yields
 * `degenerate: true`, never a number). Allocates nothing once `workspace` has grown to the window size.
 *
 * @param y the series the spread is normalised on (price units).
 * @param x the hedge series (price units).
 * @param start first bar of the window (inclusive).
 * @param end end of the window (exclusive); n = end − start ≥ {@link johansenMinRows}(2, kArDiff, detOrder)
 *   (10 for kArDiff 1, detOrder 0).
 * @param kArDiff lagged differences (bars), statsmodels `k_ar_diff`; use ≥ 1 (see {@link johansen}).
 * @param detOrder statsmodels `det_order`: −1, 0 or 1.
 * @param workspace scratch reused across calls (one per thread).
 * @param out written in place and returned.
 * @throws InvalidInputError for a bad window, `detOrder` or `kArDiff` (checked per call: a few comparisons).
 * @throws InsufficientDataError when the window is too short.
 */
export function johansenPair(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  start: number,
  end: number,
  kArDiff: number,
  detOrder: JohansenDetOrder,
  workspace: JohansenWorkspace = sharedWorkspace,
  out: JohansenPairStatistic = newJohansenPairStatistic(),
): JohansenPairStatistic {
  if (!isJohansenDetOrder(detOrder)) {
    throw new InvalidInputError(
      'johansenPair detOrder',
      '-1 (none), 0 (constant) or 1 (linear trend)',
      detOrder,
    );
  }
  if (!Number.isInteger(kArDiff) || kArDiff < 0) {
    throw new InvalidInputError(
      'johansenPair kArDiff',
      'a non-negative integer (lagged differences, bars)',
      kArDiff,
    );
  }
  const limit = Math.min(y.length, x.length);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > limit || end < start) {
    throw new InvalidInputError('johansenPair window', `0 <= start <= end <= ${limit}`, `[${start}, ${end})`);
  }
  const minRows = johansenMinRows(2, kArDiff, detOrder);
  if (end - start < minRows) {
    throw new InsufficientDataError(
      'johansenPair',
      minRows,
      end - start,
      `kArDiff ${kArDiff}, detOrder ${detOrder}`,
    );
  }
  const row = johansenCriticalRow('trace', 2, detOrder);
  out.traceCriticalValue90 = row[0]!;
  out.traceCriticalValue95 = row[1]!;
  out.traceCriticalValue99 = row[2]!;
  workspace.pair[0] = y;
  workspace.pair[1] = x;
  const ok = johansenKernel(workspace.pair, 2, start, end, kArDiff, detOrder, workspace);
  out.nobs = workspace.nobs;
  out.degenerate = !ok;
  out.traceStat0 = workspace.lr1[0]!;
  out.traceStat1 = workspace.lr1[1]!;
  out.maxEigStat0 = workspace.lr2[0]!;
  out.maxEigStat1 = workspace.lr2[1]!;
  out.eigenvalue0 = workspace.eigenvalues[0]!;
  out.eigenvalue1 = workspace.eigenvalues[1]!;
  // Column 0 of the row-major 2 × 2 eigenvector matrix: (v_y, v_x) = (v[0], v[2]).
  const vy = workspace.eigenvectors[0]!;
  const vx = workspace.eigenvectors[2]!;
  const beta = ok && vy !== 0 ? -vx / vy : Number.NaN;
  out.hedgeRatio = beta;
  if (Number.isFinite(beta)) {
    let sum = 0;
    for (let t = start; t < end; t++) sum += y[t]! - beta * x[t]!;
    out.spreadMean = sum / (end - start);
  } else {
    out.spreadMean = Number.NaN;
  }
  workspace.pair[0] = EMPTY;
  workspace.pair[1] = EMPTY;
  return out;
}

const EMPTY = new Float64Array(0);

/**
 * Does Johansen's trace test reject H₀ "no cointegration" (rank = 0) at significance `alpha`?
 * True when `traceStat0 ≥` the (1 − alpha) quantile (statsmodels `select_coint_rank` keeps H₀ only when
 * `stat < crit`); false for a degenerate window (NaN statistic).
 *
 * @param stat a {@link johansenPair} result (or any object with its trace fields).
 * @param alpha 0.10, 0.05 or 0.01.
 * @throws InvalidInputError for any other `alpha`: the critical value tables only hold the 90 %, 95 % and
 *   99 % quantiles (no p-values).
 */
export function johansenTraceRejects(
  stat: Pick<
    JohansenPairStatistic,
    'traceStat0' | 'traceCriticalValue90' | 'traceCriticalValue95' | 'traceCriticalValue99'
  >,
  alpha: number,
): boolean {
  const column = significanceColumn(alpha);
  const critical =
    column === 0
      ? stat.traceCriticalValue90
      : column === 1
        ? stat.traceCriticalValue95
        : stat.traceCriticalValue99;
  return stat.traceStat0 >= critical;
}
