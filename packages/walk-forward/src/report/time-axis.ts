/**
 * Calendar-aware tick positions and labels for a time axis (UTC), used by the SVG charts of the report.
 *
 * @module
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** One tick of a time axis: position in ms since the epoch and its label. */
export interface TimeTick {
  timeMs: number;
  label: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Month steps tried in order (1 month .. 10 years); the first giving ≤ `maxTicks` ticks wins. */
const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120];
/** Sub-month steps in ms (1 minute .. 2 weeks). */
const SMALL_STEPS_MS = [
  MINUTE_MS,
  5 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Ticks between `startMs` and `endMs` (inclusive), at most about `maxTicks` of them, on calendar
 * boundaries in UTC: years (`2016`), quarters/months (`Apr 2016`), days (`Apr 12`) or times (`14:30`).
 * Deterministic: depends only on its arguments.
 */
export function timeTicks(startMs: number, endMs: number, maxTicks = 7): TimeTick[] {
  if (!(endMs > startMs)) return [{ timeMs: startMs, label: formatDate(startMs) }];
  const span = endMs - startMs;
  if (span >= 45 * DAY_MS) {
    const start = new Date(startMs);
    for (const step of MONTH_STEPS) {
      const ticks: TimeTick[] = [];
      // First month boundary at or after start that is a multiple of the step (months since year 0).
      const y = start.getUTCFullYear();
      let m = start.getUTCMonth();
      if (Date.UTC(y, m, 1) < startMs) m++;
      while ((y * 12 + m) % step !== 0) m++;
      for (;;) {
        const t = Date.UTC(y, m, 1);
        if (t > endMs) break;
        const d = new Date(t);
        const label =
          step >= 12 ? String(d.getUTCFullYear()) : `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
        ticks.push({ timeMs: t, label });
        m += step;
      }
      if (ticks.length <= maxTicks) return ticks;
    }
  }
  for (const step of SMALL_STEPS_MS) {
    if (span / step > maxTicks) continue;
    const ticks: TimeTick[] = [];
    for (let t = Math.ceil(startMs / step) * step; t <= endMs; t += step) {
      const d = new Date(t);
      const label =
        step >= DAY_MS
          ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`
          : `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
      ticks.push({ timeMs: t, label });
    }
    return ticks;
  }
  return [{ timeMs: startMs, label: formatDate(startMs) }];
}

/** `YYYY-MM-DD` (UTC) of a time in ms, plus ` HH:MM` when it is not midnight. */
export function formatDate(timeMs: number): string {
  const iso = new Date(timeMs).toISOString();
  const time = iso.slice(11, 16);
  return time === '00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${time}`;
}

/** Milliseconds since the epoch of an int64-ns timestamp given as a decimal string or bigint. */
export function nsToMs(timestampNs: string | bigint): number {
  return Number(BigInt(timestampNs) / 1_000_000n);
}
