/**
 * Annualisation factor from bar spacing.
 *
 * @module
 */

const NS_PER_SECOND = 1e9;
const SECONDS_PER_DAY = 86_400;
/** 6.5 h: one US regular trading session (09:30–16:00), the session length assumed for intraday bars. */
const SESSION_SECONDS = 23_400;
/** US trading days per year. */
const TRADING_DAYS = 252;

/**
 * Periods per year implied by the median spacing of `timestampsNs` (ns):
 * ≥ 25 days → 12 (monthly); ≥ 5 days → 52 (weekly); ≥ 20 hours → 252 (daily; weekends and holidays
 * do not move the median); otherwise intraday: 252 · 23 400 s / spacing (252·390 = 98 280 for 1-minute bars).
 * Fewer than 2 timestamps → 252.
 */
export function inferPeriodsPerYear(timestampsNs: BigInt64Array): number {
  const n = timestampsNs.length;
  if (n < 2) return TRADING_DAYS;
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = Number(timestampsNs[i]! - timestampsNs[i - 1]!) / NS_PER_SECOND;
  gaps.sort();
  const m = gaps.length;
  const median = m % 2 === 1 ? gaps[(m - 1) / 2]! : (gaps[m / 2 - 1]! + gaps[m / 2]!) / 2;
  if (!(median > 0)) return TRADING_DAYS;
  if (median >= 25 * SECONDS_PER_DAY) return 12;
  if (median >= 5 * SECONDS_PER_DAY) return 52;
  if (median >= (20 / 24) * SECONDS_PER_DAY) return TRADING_DAYS;
  return (TRADING_DAYS * SESSION_SECONDS) / median;
}
