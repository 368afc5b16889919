/**
 * Counts stored rows with suspicious prices, for the warning ingest prints whatever the hygiene options.
 */

/** Rows with suspicious prices (summed over symbols). */
export interface SuspectPriceCounts {
  /** Rows with an open, high, low or close that is zero or negative (NaN is a missing value, not counted). */
  nonPositivePriceRows: number;
  /** Rows whose high is below their low (both present). */
  highBelowLowRows: number;
  /** The first such row (symbols in code-unit order, then time), to look at; undefined when none. */
  firstNonPositivePrice?: SuspectRow;
  /** The first row with high < low, likewise. */
  firstHighBelowLow?: SuspectRow;
}

/** One stored row: its symbol and timestamp (int64 ns UTC as a decimal string). */
export interface SuspectRow {
  symbol: string;
  timestampNs: string;
}

/** All-zero counts. */
export function emptySuspectPriceCounts(): SuspectPriceCounts {
  return { nonPositivePriceRows: 0, highBelowLowRows: 0 };
}

/**
 * Adds the suspicious rows of one symbol's stored columns (`values[k]` named `names[k]`, timestamps
 * `tsNs`) to `counts`.
 */
export function countSuspectPrices(
  symbol: string,
  tsNs: BigInt64Array,
  names: readonly string[],
  values: readonly Float64Array[],
  counts: SuspectPriceCounts,
): void {
  const prices = ['open', 'high', 'low', 'close']
    .map((c) => names.indexOf(c))
    .filter((k) => k >= 0)
    .map((k) => values[k]!);
  const hi = names.indexOf('high');
  const lo = names.indexOf('low');
  const n = tsNs.length;
  for (let i = 0; i < n; i++) {
    for (const p of prices) {
      if (p[i]! <= 0) {
        counts.nonPositivePriceRows++;
        counts.firstNonPositivePrice ??= { symbol, timestampNs: tsNs[i]!.toString() };
        break;
      }
    }
  }
  if (hi < 0 || lo < 0) return;
  const h = values[hi]!;
  const l = values[lo]!;
  for (let i = 0; i < n; i++) {
    if (h[i]! < l[i]!) {
      counts.highBelowLowRows++;
      counts.firstHighBelowLow ??= { symbol, timestampNs: tsNs[i]!.toString() };
    }
  }
}
