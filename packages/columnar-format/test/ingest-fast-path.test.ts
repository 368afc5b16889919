import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { NOT_HANDLED, parseDecimal } from '../src/ingest/parse-decimal.js';
import { readTextChunks } from '../src/ingest/read-text-chunks.js';
import { runInOrder } from '../src/ingest/run-in-order.js';
import { writeTimestampsNs } from '../src/ingest/symbol-builder.js';
import { TimestampParser } from '../src/ingest/timestamp-parser.js';
import { mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-ingest-fast-');
afterAll(cleanup);

describe('parseDecimal', () => {
  it('equals Number(text) bit for bit on seeded random decimals', () => {
    const rand = mulberry32(20260101);
    const view = new DataView(new ArrayBuffer(16));
    let handled = 0;
    for (let i = 0; i < 50_000; i++) {
      const intDigits = Math.floor(rand() * 9);
      const fracDigits = Math.floor(rand() * (15 - intDigits + 1));
      const zeros = rand() < 0.1 ? '0'.repeat(Math.floor(rand() * 6)) : '';
      let text = rand() < 0.2 ? '-' : '';
      for (let d = 0; d < intDigits; d++) text += String(Math.floor(rand() * 10));
      if (fracDigits > 0 || zeros.length > 0 || rand() < 0.1) text += `.${zeros}`;
      for (let d = 0; d < fracDigits; d++) text += String(Math.floor(rand() * 10));
      if (!/\d/.test(text)) text += '7';
      const got = parseDecimal(text);
      const significant = text.replace(/[-.]/g, '').replace(/^0+/, '').length;
      if (significant > 15) {
        expect([text, Number.isNaN(got)]).toEqual([text, true]); // declined: caller uses Number()
        continue;
      }
      handled++;
      const want = Number(text);
      view.setFloat64(0, got);
      view.setFloat64(8, want);
      // Same bits (distinguishes -0 from 0).
      expect([view.getBigUint64(0), text]).toEqual([view.getBigUint64(8), text]);
    }
    expect(handled).toBeGreaterThan(45_000);
  });

  it('hard cases: -0, leading/trailing dot, 15 digits, exact halves', () => {
    const p = parseDecimal;
    expect(Object.is(p('-0'), -0)).toBe(true);
    expect(Object.is(p('-0.000'), -0)).toBe(true);
    expect(p('.5')).toBe(0.5);
    expect(p('5.')).toBe(5);
    expect(p('0.1')).toBe(0.1);
    expect(p('999999999999999')).toBe(999_999_999_999_999);
    expect(p('0.000000000000001')).toBe(1e-15);
    expect(p('0.0000000000000000000001')).toBe(1e-22); // 22 fraction digits, 1 significant
    expect(p('0000000000000000000012.5')).toBe(12.5); // leading zeros are not significant
    expect(p('51.75')).toBe(51.75);
    expect(p('162290.0')).toBe(162_290);
  });

  it('returns NOT_HANDLED (NaN) for every other shape, so the caller falls back to Number()', () => {
    for (const s of [
      '',
      '-',
      '.',
      '-.',
      '1e5',
      '+1',
      ' 1',
      '1 ',
      '1.2.3',
      'NaN',
      '0x1f',
      '1,5',
      'Infinity',
      '1234567890123456',
      '0.1234567890123456',
    ]) {
      expect([s, Number.isNaN(parseDecimal(s))]).toEqual([s, true]);
    }
    expect(Number.isNaN(NOT_HANDLED)).toBe(true);
  });
});

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

describe('readTextChunks', () => {
  /** Seeded lines (some empty, some multi-byte), CRLF or LF, optional BOM, > 2 MiB so text spans chunks. */
  function writeLines(
    name: string,
    seed: number,
    bom: boolean,
    crlf: boolean,
  ): { path: string; text: string } {
    const rand = mulberry32(seed);
    const lines: string[] = [];
    let size = 0;
    while (size < 2_300_000) {
      const len = rand() < 0.05 ? 0 : 1 + Math.floor(rand() * (rand() < 0.01 ? 5000 : 60));
      let l = '';
      // 1-, 2-, 3- and 4-byte UTF-8 characters, so some straddle chunk boundaries.
      for (let k = 0; k < len; k++) l += ['a', 'é', '€', '😀'][Math.floor(rand() * 4)]!;
      lines.push(l);
      size += Buffer.byteLength(l) + 2;
    }
    const eol = crlf ? '\r\n' : '\n';
    const text = (bom ? '\ufeff' : '') + lines.join(eol); // no final line end
    const path = join(dir, name);
    writeFileSync(path, text);
    return { path, text };
  }

  async function collect(path: string, range?: { startBytes: number; endBytes: number }) {
    const chunks: string[] = [];
    await readTextChunks(path, (t) => chunks.push(t), range);
    return chunks;
  }

  it('whole file, plain or gzip: the exact text (BOM kept), multi-byte characters intact, >= 1 MiB chunks', async () => {
    for (const [k, bom, crlf] of [
      [0, true, true],
      [1, false, false],
    ] as const) {
      const { path, text } = writeLines(`l${k}.csv`, 99 + k, bom, crlf);
      const chunks = await collect(path);
      expect(chunks.length).toBeGreaterThan(1);
      // 1 MiB read, minus at most 3 bytes of a character completed by the next chunk.
      expect(chunks.slice(0, -1).every((c) => Buffer.byteLength(c) >= (1 << 20) - 3)).toBe(true);
      expect(chunks.join('') === text).toBe(true);
      const gz = `${path}.gz`;
      writeFileSync(gz, gzipSync(text));
      expect((await collect(gz)).join('') === text).toBe(true);
    }
  });

  it('byte ranges at seeded random cuts cover every line exactly once, each from a line start', async () => {
    const { path, text } = writeLines('ranges.csv', 7, true, true);
    const buf = Buffer.from(text);
    const size = buf.length;
    const rand = mulberry32(31337);
    for (let trial = 0; trial < 6; trial++) {
      const cuts = new Set<number>([0, size]);
      const k = 1 + Math.floor(rand() * 12);
      for (let i = 0; i < k; i++) cuts.add(Math.floor(rand() * size));
      // Also cut exactly at a line start, on a '\r', on a '\n' and inside a multi-byte character.
      const nl = buf.indexOf(0x0a, Math.floor(rand() * (size - 10)));
      if (nl > 0) for (const c of [nl - 1, nl, nl + 1]) cuts.add(c);
      const multi = buf.indexOf(Buffer.from('😀'), Math.floor(rand() * (size - 10)));
      if (multi > 0) cuts.add(multi + 2);
      const sorted = [...cuts].sort((a, b) => a - b);
      const parts: string[] = [];
      let at = 0;
      for (let i = 0; i + 1 < sorted.length; i++) {
        const part = (await collect(path, { startBytes: sorted[i]!, endBytes: sorted[i + 1]! })).join('');
        expect(at === 0 || buf[at - 1] === 0x0a).toBe(true); // each range starts at a line start
        at += Buffer.byteLength(part);
        parts.push(part);
      }
      expect(parts.join('') === text).toBe(true);
    }
  });

  it('refuses a byte range of a gzip file', async () => {
    const path = join(dir, 'x.csv.gz');
    writeFileSync(path, gzipSync('a\nb\n'));
    await expect(collect(path, { startBytes: 0, endBytes: 2 })).rejects.toThrow(/gzip/);
  });
});

describe('runInOrder', () => {
  it('hands results over in index order whatever the lane speed, within the window', async () => {
    const rand = mulberry32(2024);
    const delays = Array.from({ length: 60 }, () => Math.floor(rand() * 8));
    const started: number[] = [];
    const handed: number[] = [];
    let maxAhead = 0;
    const lane = async (i: number) => {
      started.push(i);
      maxAhead = Math.max(maxAhead, i - handed.length);
      await new Promise((r) => setTimeout(r, delays[i]));
      return i * 10;
    };
    await runInOrder(60, [lane, lane, lane], 4, (i, r) => {
      expect(r).toBe(i * 10);
      handed.push(i);
    });
    expect(handed).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(started).toEqual(Array.from({ length: 60 }, (_, i) => i)); // pulled in order
    expect(maxAhead).toBeLessThan(4);
  });

  it('an error in onResult stops new tasks, waits for running ones and is rethrown', async () => {
    const started: number[] = [];
    let running = 0;
    const lane = async (i: number) => {
      started.push(i);
      running++;
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return i;
    };
    const err = await runInOrder(100, [lane, lane], 4, (i) => {
      if (i === 5) throw new Error('boom at 5');
    }).catch((e) => e);
    expect((err as Error).message).toBe('boom at 5');
    expect(running).toBe(0);
    expect(Math.max(...started)).toBeLessThan(10);
  });
});
