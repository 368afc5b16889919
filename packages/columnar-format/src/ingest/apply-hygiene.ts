/**
 * Optional data hygiene applied per symbol after sorting and exact-duplicate removal. Each step is an
 * option of {@link HygieneOptions} and counts the rows it touched into a {@link HygieneReport}.
 */

import { IANAZone } from 'luxon';
import { InvalidIngestOptionsError } from '../errors.js';

/** Hygiene steps, all off by default (ingest never changes data unless asked). */
export interface HygieneOptions {
  /**
   * Volume is cumulative (e.g. per-day running totals): store `v[i] - v[i-1]` instead, negative deltas
   * (resets) clipped to 0; the first row keeps its value. Applied first, before rows are dropped.
   */
  cumulativeVolume?: boolean;
  /**
   * Keep only rows whose local wall-clock time in `timeZone` is in `[start, end)` (`HH:MM`, 24 h), e.g.
   * `{ timeZone: 'America/New_York', start: '09:30', end: '16:00' }` for US regular hours.
   */
  session?: { timeZone: string; start: string; end: string };
  /**
   * Rows with a NaN, zero, negative or infinite open/high/low/close (present columns only): `'keep'`
   * (default; an infinite price, e.g. `1e309`, is then an InvalidNumberError at read time), `'drop'` them,
   * or `'flag'` them in an extra u8 column `flags` (bit 0 = bad price).
   */
  badPrices?: 'keep' | 'drop' | 'flag';
  /** Of rows sharing a timestamp, keep only the last (vendors re-send corrected bars). Default false. */
  dropDuplicateTimestamps?: boolean;
  /** Repair OHLC bounds: `high = max(o, h, l, c)`, `low = min(o, h, l, c)` (NaN ignored). Default false. */
  repairOhlc?: boolean;
}

/** Rows touched by each hygiene step (summed over symbols). */
export interface HygieneReport {
  volumeDeltasClipped: number;
  outsideSessionDropped: number;
  badPriceRows: number;
  badPriceRowsDropped: number;
  duplicateTimestampsDropped: number;
  ohlcRepaired: number;
}

/** An all-zero report. */
export function emptyHygieneReport(): HygieneReport {
  return {
    volumeDeltasClipped: 0,
    outsideSessionDropped: 0,
    badPriceRows: 0,
    badPriceRowsDropped: 0,
    duplicateTimestampsDropped: 0,
    ohlcRepaired: 0,
  };
}

/** Validates options; returns a compiled session filter. @throws InvalidIngestOptionsError */
export function compileHygiene(options: HygieneOptions | undefined): CompiledHygiene {
  const o = options ?? {};
  if (o.badPrices !== undefined && !['keep', 'drop', 'flag'].includes(o.badPrices)) {
    throw new InvalidIngestOptionsError(`hygiene.badPrices must be keep, drop or flag, got ${o.badPrices}`, {
      field: 'hygiene.badPrices',
      actual: String(o.badPrices),
    });
  }
  let session: CompiledHygiene['session'];
  if (o.session !== undefined) {
    const zone = IANAZone.create(o.session.timeZone);
    if (!zone.isValid) {
      throw new InvalidIngestOptionsError(
        `hygiene.session.timeZone ${o.session.timeZone} is not an IANA zone`,
        {
          field: 'hygiene.session.timeZone',
          actual: o.session.timeZone,
        },
      );
    }
    session = { zone, startMin: hhmm(o.session.start, 'start'), endMin: hhmm(o.session.end, 'end') };
  }
  return { ...o, session, badPrices: o.badPrices ?? 'keep' };
}

/** Validated hygiene options. */
export interface CompiledHygiene extends Omit<HygieneOptions, 'session' | 'badPrices'> {
  badPrices: 'keep' | 'drop' | 'flag';
  session: { zone: IANAZone; startMin: number; endMin: number } | undefined;
}

const MS_PER_HOUR = 3_600_000;

/**
 * Applies the steps to one symbol's sorted rows. `values[k]` is the column named `names[k]`; the steps
 * use `open`, `high`, `low`, `close` and `volume` when present. Returns new arrays (or the inputs when
 * nothing changed).
 */
export function applyHygiene(
  tsNs: BigInt64Array,
  names: readonly string[],
  values: Float64Array[],
  h: CompiledHygiene,
  report: HygieneReport,
): { tsNs: BigInt64Array; values: Float64Array[]; flags: Uint8Array | undefined } {
  const n = tsNs.length;
  const [O, H, L, C, V] = ['open', 'high', 'low', 'close', 'volume'].map((c) => names.indexOf(c)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const priceCols = [O, H, L, C].filter((k) => k >= 0);
  if (h.cumulativeVolume && V >= 0) {
    const v = values[V]!;
    let prev = Number.NaN;
    for (let i = 0; i < n; i++) {
      const cur = v[i]!;
      if (i > 0 && !Number.isNaN(prev) && !Number.isNaN(cur)) {
        let d = cur - prev;
        if (d < 0) {
          d = 0;
          report.volumeDeltasClipped++;
        }
        v[i] = d;
      }
      if (!Number.isNaN(cur)) prev = cur;
    }
  }
  const keep = new Uint8Array(n).fill(1);
  let flags: Uint8Array | undefined = h.badPrices === 'flag' ? new Uint8Array(n) : undefined;
  if (h.session !== undefined) {
    const { zone, startMin, endMin } = h.session;
    const offsets = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const ms = Number(tsNs[i]! / 1_000_000n);
      const hour = Math.floor(ms / MS_PER_HOUR);
      let off = offsets.get(hour);
      if (off === undefined) {
        off = zone.offset(ms);
        offsets.set(hour, off);
      }
      const local = ms + off * 60_000;
      const minute = Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
      if (minute < startMin || minute >= endMin) {
        keep[i] = 0;
        report.outsideSessionDropped++;
      }
    }
  }
  if (h.badPrices !== 'keep') {
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      let bad = false;
      for (const k of priceCols) {
        const x = values[k]![i]!;
        if (!(x > 0 && x < Number.POSITIVE_INFINITY)) bad = true; // NaN, 0, negative or +Infinity
      }
      if (!bad) continue;
      report.badPriceRows++;
      if (h.badPrices === 'drop') {
        keep[i] = 0;
        report.badPriceRowsDropped++;
      } else flags![i] = 1;
    }
  }
  if (h.dropDuplicateTimestamps) {
    // Keep the last row of each run of equal timestamps among rows still kept.
    let lastKept = -1;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      if (lastKept >= 0 && tsNs[lastKept] === tsNs[i]) {
        keep[lastKept] = 0;
        report.duplicateTimestampsDropped++;
      }
      lastKept = i;
    }
  }
  if (h.repairOhlc && H >= 0 && L >= 0) {
    const cols = priceCols;
    const hi = values[H]!;
    const lo = values[L]!;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      let mx = Number.NEGATIVE_INFINITY;
      let mn = Number.POSITIVE_INFINITY;
      for (const k of cols) {
        const x = values[k]![i]!;
        if (x > mx) mx = x;
        if (x < mn) mn = x;
      }
      if (mx === Number.NEGATIVE_INFINITY) continue; // all NaN
      if (hi[i] !== mx || lo[i] !== mn) {
        hi[i] = mx;
        lo[i] = mn;
        report.ohlcRepaired++;
      }
    }
  }
  let kept = 0;
  for (let i = 0; i < n; i++) kept += keep[i]!;
  if (kept === n) return { tsNs, values, flags };
  const outTs = new BigInt64Array(kept);
  const outValues = values.map(() => new Float64Array(kept));
  const outFlags = flags ? new Uint8Array(kept) : undefined;
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    outTs[j] = tsNs[i]!;
    for (let k = 0; k < values.length; k++) outValues[k]![j] = values[k]![i]!;
    if (outFlags) outFlags[j] = flags![i]!;
    j++;
  }
  flags = outFlags;
  return { tsNs: outTs, values: outValues, flags };
}

function hhmm(s: string, which: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  if (!(minutes >= 0 && minutes <= 24 * 60)) {
    throw new InvalidIngestOptionsError(`hygiene.session.${which} must be HH:MM, got ${JSON.stringify(s)}`, {
      field: `hygiene.session.${which}`,
      actual: s,
    });
  }
  return minutes;
}
