/**
 * Fast timestamp parsing for CSV ingest. Produces `ms` (integer milliseconds since the Unix epoch, UTC)
 * and `subMsNs` (0..999,999) so that `timestampNs = ms * 1e6 + subMsNs` stays exact without BigInt
 * per row.
 *
 * Accepted text: `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.f{1,9}]][Z|±HH:MM|±HHMM|±HH]`, a separate
 * date `YYYY-MM-DD` plus time `H[H]:MM[:SS[.f{1,9}]]`, and epoch numbers (see {@link TimestampUnit}).
 *
 * Wall-clock values without an offset are interpreted in `timeZone`. The zone's UTC offset is taken
 * from luxon and cached per local hour (`DateTime.fromObject(fields, { zone })`) in a table shared by
 * every parser of the same zone in the thread (so each hour of a zone costs two luxon calls per thread,
 * not per file), so results equal luxon's: a nonexistent local time (spring-forward gap) is shifted forward by the gap
 * (2018-03-11 02:30 New York -> 07:30Z); an ambiguous one (fall-back overlap) gets the offset luxon picks
 * (for America/New_York 2018-11-04 01:30 -> 06:30Z, i.e. standard time). An hour whose offset changes
 * inside it (non-hour transitions) is not cached and every value in it goes through luxon.
 */

import { DateTime, IANAZone } from 'luxon';

/** Unit of numeric epoch timestamps; `iso` forces text parsing. */
export type TimestampUnit = 'iso' | 's' | 'ms' | 'us' | 'ns';

const MS_PER_HOUR = 3_600_000;
/** int64 ns covers 1677-09-21 .. 2262-04-11; years outside [1678, 2261] are rejected. */
const MIN_YEAR = 1678;
const MAX_YEAR = 2261;

/**
 * Per zone: local hour index -> (utcMs - localMs), NaN for an hour whose offset changes inside it.
 * Module-level so that all files read by one thread share it: 8,760 entries per year of data spanned,
 * cleared when it reaches {@link MAX_CACHED_HOURS}.
 */
const DELTA_BY_HOUR_BY_ZONE = new Map<string, Map<number, number>>();
/** Entries per zone before the table is cleared (2^20 hours = 120 years of data, ~50 MB at most). */
const MAX_CACHED_HOURS = 1 << 20;

/** True when `zone` is a valid IANA zone name (or 'UTC'). */
export function isValidTimeZone(zone: string): boolean {
  return zone === 'UTC' || IANAZone.isValidZone(zone);
}

/** Stateful parser; results are left in `ms` and `subMsNs` after a successful parse. */
export class TimestampParser {
  ms = 0;
  subMsNs = 0;
  readonly #zone: string;
  readonly #utc: boolean;
  readonly #unit: TimestampUnit | undefined;
  /** local hour index (localMs / 3.6e6) -> (utcMs - localMs), or NaN when irregular; shared per zone. */
  readonly #deltaByHour: Map<number, number>;
  /** Memo of the last hour looked up (consecutive rows are usually in the same hour). */
  #lastHour = Number.NaN;
  #lastDelta = Number.NaN;
  // Fields of the last civil parse.
  #y = 0;
  #mo = 0;
  #d = 0;
  #h = 0;
  #mi = 0;
  #s = 0;
  #fracNs = 0;
  #offsetMin: number | undefined = undefined;
  /** Memo of the last civil date: key (y, mo, d) and its midnight, ms since the epoch (UTC). */
  #lastDayKey = -1;
  #lastDayMs = 0;

  /**
   * @param timeZone IANA zone for naive wall-clock values ('UTC' = no conversion).
   * @param unit forced unit; undefined = auto (digits-only values are epoch numbers, by magnitude).
   */
  constructor(timeZone: string, unit: TimestampUnit | undefined) {
    this.#zone = timeZone;
    this.#utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
    this.#unit = unit;
    let table = DELTA_BY_HOUR_BY_ZONE.get(timeZone);
    if (table === undefined) {
      table = new Map();
      DELTA_BY_HOUR_BY_ZONE.set(timeZone, table);
    }
    this.#deltaByHour = table;
  }

  /** Parses one timestamp field. Returns false when the value is not a valid timestamp. */
  parse(value: string): boolean {
    const v = trimIfNeeded(value);
    const unit = this.#unit;
    if (unit !== undefined && unit !== 'iso') return this.#epoch(v, unit);
    if (unit === undefined && v.length > 0 && v.charCodeAt(4) !== 45 /* '-' */) {
      const auto = autoUnit(v);
      if (auto !== undefined) return this.#epoch(v, auto);
    }
    if (!this.#date(v)) return false;
    if (v.length === 10) {
      this.#h = this.#mi = this.#s = this.#fracNs = 0;
      this.#offsetMin = undefined;
    } else {
      const sep = v.charCodeAt(10);
      if (sep !== 84 /* T */ && sep !== 32 /* space */ && sep !== 116 /* t */) return false;
      if (!this.#time(v, 11, true)) return false;
    }
    return this.#finish();
  }

  /** Parses a separate date (`YYYY-MM-DD`) and time (`H[H]:MM[:SS[.f]]`) field pair. */
  parseDateTime(date: string, time: string): boolean {
    const d = trimIfNeeded(date);
    if (d.length !== 10 || !this.#date(d)) return false;
    if (!this.#time(trimIfNeeded(time), 0, false)) return false;
    return this.#finish();
  }

  #date(v: string): boolean {
    if (v.length < 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
    const y = num(v, 0, 4);
    const mo = num(v, 5, 2);
    const d = num(v, 8, 2);
    if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return false;
    this.#y = y;
    this.#mo = mo;
    this.#d = d;
    return true;
  }

  /** Parses `H[H]:MM[:SS[.f{1,9}]]` at `pos`, then an optional zone suffix when `allowOffset`. Must consume to the end. */
  #time(v: string, pos: number, allowOffset: boolean): boolean {
    const n = v.length;
    let p = pos;
    let hLen = 0;
    while (p + hLen < n && hLen < 3 && isDigit(v.charCodeAt(p + hLen))) hLen++;
    if (hLen < 1 || hLen > 2 || v.charCodeAt(p + hLen) !== 58 /* : */) return false;
    const h = num(v, p, hLen);
    p += hLen + 1;
    const mi = num(v, p, 2);
    p += 2;
    let s = 0;
    let fracNs = 0;
    if (p < n && v.charCodeAt(p) === 58) {
      s = num(v, p + 1, 2);
      p += 3;
      if (p < n && (v.charCodeAt(p) === 46 /* . */ || v.charCodeAt(p) === 44) /* , */) {
        p++;
        let digits = 0;
        while (p < n && isDigit(v.charCodeAt(p))) {
          if (digits < 9) fracNs = fracNs * 10 + (v.charCodeAt(p) - 48);
          digits++;
          p++;
        }
        if (digits === 0 || digits > 9) return false;
        for (let k = digits; k < 9; k++) fracNs *= 10;
      }
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return false;
    let offsetMin: number | undefined;
    if (p < n) {
      if (!allowOffset) return false;
      const c = v.charCodeAt(p);
      if ((c === 90 /* Z */ || c === 122) /* z */ && p + 1 === n) {
        offsetMin = 0;
      } else if (c === 43 /* + */ || c === 45 /* - */) {
        const rest = n - p - 1;
        let oh: number;
        let om = 0;
        if (rest === 2) oh = num(v, p + 1, 2);
        else if (rest === 4) {
          oh = num(v, p + 1, 2);
          om = num(v, p + 3, 2);
        } else if (rest === 5 && v.charCodeAt(p + 3) === 58) {
          oh = num(v, p + 1, 2);
          om = num(v, p + 4, 2);
        } else return false;
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
        offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + om);
      } else return false;
    }
    this.#h = h;
    this.#mi = mi;
    this.#s = s;
    this.#fracNs = fracNs;
    this.#offsetMin = offsetMin;
    return true;
  }

  #finish(): boolean {
    // Date.UTC per row is costly; the day changes rarely between consecutive rows.
    const dayKey = (this.#y * 16 + this.#mo) * 32 + this.#d;
    if (dayKey !== this.#lastDayKey) {
      this.#lastDayKey = dayKey;
      this.#lastDayMs = Date.UTC(this.#y, this.#mo - 1, this.#d);
    }
    const localMs = this.#lastDayMs + this.#h * MS_PER_HOUR + this.#mi * 60_000 + this.#s * 1000;
    let utcMs: number;
    if (this.#offsetMin !== undefined) utcMs = localMs - this.#offsetMin * 60_000;
    else if (this.#utc) utcMs = localMs;
    else utcMs = localMs + this.#delta(localMs);
    const fracMs = Math.floor(this.#fracNs / 1e6);
    this.ms = utcMs + fracMs;
    this.subMsNs = this.#fracNs - fracMs * 1e6;
    return true;
  }

  /** utcMs - localMs for a local wall-clock instant in the configured zone. */
  #delta(localMs: number): number {
    const hour = Math.floor(localMs / MS_PER_HOUR);
    let delta: number | undefined;
    if (hour === this.#lastHour) delta = this.#lastDelta;
    else delta = this.#deltaByHour.get(hour);
    if (delta === undefined) {
      const start = hour * MS_PER_HOUR;
      const d0 = this.#luxonDelta(start);
      const d1 = this.#luxonDelta(start + MS_PER_HOUR - 1000);
      delta = d0 === d1 ? d0 : Number.NaN;
      if (this.#deltaByHour.size >= MAX_CACHED_HOURS) this.#deltaByHour.clear();
      this.#deltaByHour.set(hour, delta);
    }
    this.#lastHour = hour;
    this.#lastDelta = delta;
    return Number.isNaN(delta) ? this.#luxonDelta(localMs) : delta;
  }

  #luxonDelta(localMs: number): number {
    const f = new Date(localMs);
    const dt = DateTime.fromObject(
      {
        year: f.getUTCFullYear(),
        month: f.getUTCMonth() + 1,
        day: f.getUTCDate(),
        hour: f.getUTCHours(),
        minute: f.getUTCMinutes(),
        second: f.getUTCSeconds(),
      },
      { zone: this.#zone },
    );
    return dt.toMillis() - localMs;
  }

  /** Epoch number `v` in `unit` (non-negative; an optional fraction). */
  #epoch(v: string, unit: Exclude<TimestampUnit, 'iso'>): boolean {
    const dot = v.indexOf('.');
    const intPart = dot < 0 ? v : v.slice(0, dot);
    const frac = dot < 0 ? '' : v.slice(dot + 1);
    if (!allDigits(intPart) || intPart.length > 19 || (dot >= 0 && (frac.length === 0 || !allDigits(frac)))) {
      return false;
    }
    // Scale to ns = 10^k, split into ms (exact while < 2^53) and sub-ms ns.
    const k = unit === 's' ? 9 : unit === 'ms' ? 6 : unit === 'us' ? 3 : 0;
    const digits = (intPart + frac.padEnd(k, '0').slice(0, k)).replace(/^0+(?=\d)/, '');
    if (frac.length > k && !/^0*$/.test(frac.slice(k))) return false; // finer than 1 ns
    const msText = digits.length > 6 ? digits.slice(0, -6) : '0';
    const subText = digits.length > 6 ? digits.slice(-6) : digits;
    const ms = Number(msText);
    const sub = Number(subText);
    // int64 max = 9,223,372,036,854,775,807 ns
    if (ms > 9_223_372_036_854 || (ms === 9_223_372_036_854 && sub > 775_807)) return false;
    this.ms = ms;
    this.subMsNs = sub;
    return true;
  }
}

/**
 * Auto unit of a digits-only value, by the number of integer digits:
 * <= 11 -> seconds (up to year 5138), 12..14 -> ms, 15..17 -> us, 18..19 -> ns. `digits.digits` -> seconds.
 * Consequence: ms values before 1973-03-03 (<= 11 digits) would be read as seconds; pass
 * `timestampUnit` for such data. Returns undefined when the value is not a plain number.
 */
export function autoUnit(v: string): Exclude<TimestampUnit, 'iso'> | undefined {
  const dot = v.indexOf('.');
  if (dot >= 0) return allDigits(v.slice(0, dot)) && dot > 0 && allDigits(v.slice(dot + 1)) ? 's' : undefined;
  if (!allDigits(v)) return undefined;
  const n = v.length;
  return n <= 11 ? 's' : n <= 14 ? 'ms' : n <= 17 ? 'us' : 'ns';
}

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Parses `len` ASCII digits at `pos`; -1 when any is not a digit or out of range. */
function num(s: string, pos: number, len: number): number {
  if (pos + len > s.length) return -1;
  let n = 0;
  for (let i = pos; i < pos + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function trimIfNeeded(s: string): string {
  const n = s.length;
  return n > 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) ? s.trim() : s;
}
