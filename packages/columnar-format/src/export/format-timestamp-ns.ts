/**
 * ISO 8601 UTC text of a timestamp in ns since the Unix epoch, exact to the nanosecond: the millisecond
 * form of `Date.prototype.toISOString` (`2018-01-02T14:30:00.000Z`) when the timestamp has no
 * sub-millisecond digits, else nine fractional digits (`2018-01-02T14:30:00.000000001Z`). Timestamps
 * before 1970 round toward −∞ like the epoch arithmetic of every ISO parser, so the text parses back to
 * the same integer (the ingest timestamp parser reads both forms).
 *
 * The one ns → text formatter of mmtape: CSV export, replay output and reports use it, so one timestamp
 * prints the same everywhere.
 *
 * @param timestampNs - ns since 1970-01-01T00:00:00Z (UTC); the range `Date` can represent (±8.64e21 ns).
 * @returns ISO 8601 UTC text ending in `Z`.
 * @throws {RangeError} when the timestamp is outside the range of `Date` (from `toISOString`).
 */
export function formatTimestampNs(timestampNs: bigint): string {
  const subMsNs = ((timestampNs % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const ms = (timestampNs - subMsNs) / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return subMsNs === 0n ? iso : `${iso.slice(0, -1)}${String(subMsNs).padStart(6, '0')}Z`;
}
