/**
 * Calendar-month and calendar-year returns of the concatenated test windows, for the report's heatmap.
 *
 * @module
 */
import { nsToMs } from './time-axis.js';

/** One calendar year of {@link monthlyReturns}. Fractions, not percent. */
export interface MonthlyReturnsRow {
  /** UTC calendar year. */
  year: number;
  /**
   * Twelve entries, January first: Π(1 + r_t) − 1 over the bars whose timestamp falls in that UTC month,
   * or `null` when no test bar falls in it.
   */
  months: (number | null)[];
  /** Π(1 + r_t) − 1 over every test bar of the year (equals the compounded months). */
  total: number;
}

/**
 * Compounds per-bar simple returns by the UTC calendar month of each bar's timestamp.
 *
 * @param timestampsNs bar timestamps (int64 ns since the epoch, UTC, decimal strings), ascending.
 * @param returns simple return of each bar, `returns[i]` earned over the bar ending at `timestampsNs[i]`.
 * @returns one row per calendar year that has at least one bar, ascending.
 * @throws RangeError when the two arrays differ in length.
 */
export function monthlyReturns(
  timestampsNs: readonly string[],
  returns: ArrayLike<number>,
): MonthlyReturnsRow[] {
  if (timestampsNs.length !== returns.length) {
    throw new RangeError(
      `monthlyReturns: ${timestampsNs.length} timestamps but ${returns.length} returns (expected equal lengths)`,
    );
  }
  // Growth factors Π(1 + r) per year and month; NaN marks a month without bars.
  const growth = new Map<number, { months: number[]; total: number }>();
  for (let i = 0; i < returns.length; i++) {
    const d = new Date(nsToMs(timestampsNs[i]!));
    const year = d.getUTCFullYear();
    let row = growth.get(year);
    if (!row) {
      row = { months: new Array<number>(12).fill(Number.NaN), total: 1 };
      growth.set(year, row);
    }
    const m = d.getUTCMonth();
    const factor = 1 + returns[i]!;
    row.months[m] = (Number.isNaN(row.months[m]!) ? 1 : row.months[m]!) * factor;
    row.total *= factor;
  }
  return [...growth.entries()]
    .sort(([a], [b]) => a - b)
    .map(([year, row]) => ({
      year,
      months: row.months.map((g) => (Number.isNaN(g) ? null : g - 1)),
      total: row.total - 1,
    }));
}
