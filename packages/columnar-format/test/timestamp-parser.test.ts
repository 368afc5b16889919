import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { writeTimestampsNs } from '../src/ingest/symbol-builder.js';
import { TimestampParser } from '../src/ingest/timestamp-parser.js';
import { mulberry32 } from './helpers.js';

/** Reference: luxon directly, no cache. */
function luxonMs(zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return DateTime.fromObject(
    { year: y, month: mo, day: d, hour: h, minute: mi, second: s },
    { zone },
  ).toMillis();
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('TimestampParser: offset cache across DST transitions', () => {
  const cases = [
    {
      zone: 'America/New_York',
      days: ['2018-03-10', '2018-03-11', '2018-03-12', '2018-11-03', '2018-11-04', '2018-11-05'],
    },
    {
      zone: 'Europe/London',
      days: ['2018-03-24', '2018-03-25', '2018-03-26', '2018-10-27', '2018-10-28', '2018-10-29'],
    },
  ];
  for (const { zone, days } of cases) {
    it(`${zone}: every minute of the transition days equals luxon, in any order, date+time and single field`, () => {
      const values: { date: string; time: string; want: number }[] = [];
      for (const day of days) {
        const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
        for (let m = 0; m < 24 * 60; m++) {
          const h = Math.floor(m / 60);
          const mi = m % 60;
          const s = m % 7 === 0 ? 59 : 0;
          const time = s === 0 && m % 2 === 0 ? `${h}:${pad(mi)}` : `${pad(h)}:${pad(mi)}:${pad(s)}`;
          values.push({ date: day, time, want: luxonMs(zone, y, mo, d, h, mi, s) });
        }
      }
      // Seeded shuffle: the cache must not depend on the order hours are first seen.
      const rand = mulberry32(zone.length * 7919);
      for (let i = values.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [values[i], values[j]] = [values[j]!, values[i]!];
      }
      const byText = new TimestampParser(zone, undefined);
      const auto = new TimestampParser(zone, undefined);
      const iso = new TimestampParser(zone, 'iso');
      for (const v of values) {
        expect(byText.parseDateTime(v.date, v.time)).toBe(true);
        // A time like 9:30 is only valid in a separate time field: the single field needs HH:MM.
        const single = `${v.date} ${v.time.length === 4 ? `0${v.time}` : v.time}`;
        expect(auto.parse(single)).toBe(true);
        expect(iso.parse(single)).toBe(true);
        expect([v.date, v.time, byText.ms, auto.ms, iso.ms]).toEqual([
          v.date,
          v.time,
          v.want,
          v.want,
          v.want,
        ]);
        expect(byText.subMsNs).toBe(0);
      }
    });
  }

  it('America/New_York pinned: gap shifted forward, overlap takes standard time (as documented)', () => {
    const p = new TimestampParser('America/New_York', undefined);
    const at = (date: string, time: string): string => {
      expect(p.parseDateTime(date, time)).toBe(true);
      return new Date(p.ms).toISOString();
    };
    expect(at('2018-03-11', '01:59:59')).toBe('2018-03-11T06:59:59.000Z'); // EST
    expect(at('2018-03-11', '02:30:00')).toBe('2018-03-11T07:30:00.000Z'); // nonexistent -> 03:30 EDT
    expect(at('2018-03-11', '03:00:00')).toBe('2018-03-11T07:00:00.000Z'); // EDT
    expect(at('2018-11-04', '00:59:00')).toBe('2018-11-04T04:59:00.000Z'); // EDT
    expect(at('2018-11-04', '01:30:00')).toBe('2018-11-04T06:30:00.000Z'); // ambiguous -> EST
    expect(at('2018-11-04', '02:00:00')).toBe('2018-11-04T07:00:00.000Z'); // EST
    // A second parser shares the zone's cache and agrees.
    const q = new TimestampParser('America/New_York', undefined);
    expect(q.parseDateTime('2018-11-04', '01:30')).toBe(true);
    expect(new Date(q.ms).toISOString()).toBe('2018-11-04T06:30:00.000Z');
  });

  it('accepts and rejects shapes as documented', () => {
    const p = new TimestampParser('UTC', undefined);
    expect(p.parseDateTime('2018-01-02', '09:30:00.5')).toBe(true);
    expect(p.ms).toBe(Date.UTC(2018, 0, 2, 9, 30, 0, 500));
    expect(p.parseDateTime('2018-01-02', ' 9:30')).toBe(true); // blanks trimmed
    expect(p.ms).toBe(Date.UTC(2018, 0, 2, 9, 30));
    expect(p.parseDateTime('2018-02-30', '09:30')).toBe(false); // invalid date
    expect(p.parseDateTime('2018-01-02', '24:00')).toBe(false);
    expect(p.parseDateTime('2018-01-02', '9:3')).toBe(false);
    expect(p.parse('2018-01-02T09:30:00+01:00')).toBe(true);
    expect(p.ms).toBe(Date.UTC(2018, 0, 2, 8, 30));
    expect(p.parse('1514885400')).toBe(true); // epoch seconds
    expect(p.ms).toBe(Date.UTC(2018, 0, 2, 9, 30));
    expect(p.parse('2018-01-02T09:30:00Z')).toBe(true);
    expect(p.ms).toBe(Date.UTC(2018, 0, 2, 9, 30));
    expect(p.parse('2018-01-02')).toBe(true);
    expect(p.ms).toBe(Date.UTC(2018, 0, 2));
    const forced = new TimestampParser('UTC', 'ms');
    expect(forced.parse('2018-01-02')).toBe(false);
  });
});

describe('writeTimestampsNs', () => {
  it('equals BigInt(ms) * 1e6 + sub for seeded values over the whole supported range', () => {
    const rand = mulberry32(424242);
    const n = 20_000;
    const ms = new Float64Array(n);
    const sub = new Int32Array(n);
    const edges = [
      0, -1, 1, 65_535, 65_536, -65_536, -65_537, 4_294_967, 4_294_968, -9_223_372_036_854, 9_223_372_036_854,
    ];
    for (let i = 0; i < n; i++) {
      ms[i] = i < edges.length ? edges[i]! : Math.floor((rand() * 2 - 1) * 9.2e12);
      sub[i] = i % 3 === 0 ? 999_999 : Math.floor(rand() * 1e6);
    }
    ms[n - 1] = 9_223_372_036_854;
    sub[n - 1] = 775_807; // int64 max
    ms[n - 2] = -9_223_372_036_855;
    sub[n - 2] = 224_192; // int64 min
    const rows = Uint32Array.from({ length: n }, (_, i) => n - 1 - i); // reversed: the row map is used
    const out = new BigInt64Array(n);
    writeTimestampsNs(out, ms, sub, rows);
    for (let j = 0; j < n; j++) {
      const i = rows[j]!;
      expect(out[j]).toBe(BigInt(ms[i]!) * 1_000_000n + BigInt(sub[i]!));
    }
    expect(out[0]).toBe(9_223_372_036_854_775_807n);
    expect(out[1]).toBe(-9_223_372_036_854_775_808n);
  });
});
