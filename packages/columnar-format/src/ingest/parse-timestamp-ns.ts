/**
 * One user-supplied time (a `--start`/`--end` flag, a config value) -> int64 ns since the Unix epoch,
 * through the ingest's own {@link TimestampParser}, so a time typed by a user reads exactly as the same
 * text in a CSV file would.
 */

import { TimestampParser } from './timestamp-parser.js';

/** int64 range, ns. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Options of {@link parseTimestampNs}. */
export interface ParseTimestampNsOptions {
  /**
   * IANA time zone of a wall-clock time without an offset (`2018-01-02T09:30`). Default `'UTC'`. A text
   * with `Z` or an offset (`-05:00`) ignores it.
   */
  timeZone?: string;
}

/**
 * Parses `text` into ns since 1970-01-01T00:00:00Z (UTC), exact to the nanosecond:
 * - an integer of 12 or more digits (optionally negative) is ns since the epoch, e.g. `1514903400000000000`;
 *   a shorter integer is refused (`undefined`), so `2016` is never read as 2,016 ns (ns of any date after
 *   1970-01-01T00:16:40Z have 12 or more digits);
 * - anything else is ISO 8601 as the ingest reads it: `YYYY-MM-DD` (midnight), `YYYY-MM-DD[T ]HH:MM[:SS[.f{1,9}]]`
 *   with an optional `Z`/`±HH:MM`/`±HHMM`/`±HH`; without an offset it is wall-clock time in
 *   `options.timeZone` (default UTC). Years 1678..2261 (the int64 ns range).
 *
 * The inverse of `formatTimestampNs` for every text it prints.
 *
 * @returns the timestamp, or `undefined` when `text` is neither form (the caller names its flag in the
 *   error it raises).
 * @example
 * ```ts
 * parseTimestampNs('2018-01-02T14:30:00Z'); // 1514903400000000000n
 * parseTimestampNs('2018-01-02T09:30', { timeZone: 'America/New_York' }); // same instant
 * ```
 */
export function parseTimestampNs(text: string, options: ParseTimestampNsOptions = {}): bigint | undefined {
  const value = text.trim();
  if (/^-?\d+$/.test(value)) {
    if (!/^-?\d{12,}$/.test(value)) return undefined;
    const ns = BigInt(value);
    return ns >= INT64_MIN && ns <= INT64_MAX ? ns : undefined;
  }
  const parser = new TimestampParser(options.timeZone ?? 'UTC', 'iso');
  if (!parser.parse(value)) return undefined;
  return BigInt(parser.ms) * 1_000_000n + BigInt(parser.subMsNs);
}
