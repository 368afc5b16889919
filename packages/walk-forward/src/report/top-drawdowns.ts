/**
 * Drawdown episodes of an equity path: the underwater curve and the largest peak-to-trough declines.
 *
 * @module
 */

/**
 * One drawdown episode: from a running peak of equity, through its lowest point, to the first bar whose
 * equity is back at or above the peak. Bar indices refer to the equity array; −1 is the initial equity
 * before the first bar.
 */
export interface DrawdownEpisode {
  /** Bar of the running peak the decline starts from (−1: the initial equity). */
  peakIndex: number;
  /** Bar of the lowest equity before recovery. */
  troughIndex: number;
  /** First bar with equity ≥ the peak again; `null` when the path ends below the peak. */
  recoveryIndex: number | null;
  peakEquity: number;
  troughEquity: number;
  /** 1 − troughEquity / peakEquity: a positive fraction. */
  depth: number;
  /** troughIndex − peakIndex. */
  declineBars: number;
  /** recoveryIndex − troughIndex; `null` when not recovered. */
  recoveryBars: number | null;
  /** recoveryIndex − peakIndex, or (last bar − peakIndex) when not recovered. */
  lengthBars: number;
}

/**
 * Equity relative to its running peak after each bar, E_t / max_{s≤t} E_s − 1 (≤ 0), with the initial
 * equity counted as the first peak. Its minimum is −maxDrawdown of the summary.
 */
export function underwaterCurve(equity: ArrayLike<number>, initialEquity: number): number[] {
  let peak = initialEquity;
  const out = new Array<number>(equity.length);
  for (let t = 0; t < equity.length; t++) {
    peak = Math.max(peak, equity[t]!);
    out[t] = equity[t]! / peak - 1;
  }
  return out;
}

/**
 * Every drawdown episode of the path (non-overlapping by construction: an episode ends when the peak is
 * regained, the next starts at a later peak), largest depth first, at most `limit` of them.
 *
 * @param equity equity after each bar (currency or any positive unit).
 * @param initialEquity equity before the first bar (the first running peak).
 * @param limit maximum number of episodes returned (default 5).
 */
export function topDrawdowns(equity: ArrayLike<number>, initialEquity: number, limit = 5): DrawdownEpisode[] {
  const n = equity.length;
  const episodes: DrawdownEpisode[] = [];
  let peakIndex = -1;
  let peakEquity = initialEquity;
  let troughIndex = -1;
  let troughEquity = initialEquity;
  const close = (recoveryIndex: number | null) => {
    const end = recoveryIndex ?? n - 1;
    episodes.push({
      peakIndex,
      troughIndex,
      recoveryIndex,
      peakEquity,
      troughEquity,
      depth: 1 - troughEquity / peakEquity,
      declineBars: troughIndex - peakIndex,
      recoveryBars: recoveryIndex === null ? null : recoveryIndex - troughIndex,
      lengthBars: end - peakIndex,
    });
  };
  for (let t = 0; t < n; t++) {
    const e = equity[t]!;
    if (e >= peakEquity) {
      if (troughEquity < peakEquity) close(t);
      peakIndex = t;
      peakEquity = e;
      troughIndex = t;
      troughEquity = e;
    } else if (e < troughEquity) {
      troughIndex = t;
      troughEquity = e;
    }
  }
  if (troughEquity < peakEquity) close(null);
  return episodes.sort((a, b) => b.depth - a.depth || a.peakIndex - b.peakIndex).slice(0, limit);
}
