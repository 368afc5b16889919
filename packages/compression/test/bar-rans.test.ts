import { describe, expect, it } from 'vitest';
import {
  BAR_LAYOUT_RANS,
  BAR_PARAMS_BYTES,
  type BarColumns,
  decodeBars,
  decodeBarsInto,
  decodeFrame,
  encodeBars,
  isBarFrame,
  isCompressionError,
  readFrameHeader,
} from '../src/index.js';
import { barColumnsOf, bytesOf, csvBars, emptyBars, mulberry32, resealFrame } from './helpers.js';

const KEYS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** Seeded random-walk bars: cents or 4-decimal prices, round-lot or odd-lot volumes, wide moves. */
function randomBars(
  rows: number,
  seed: number,
  options: { volume?: boolean; scale?: number } = {},
): BarColumns {
  const r = mulberry32(seed);
  const scale = options.scale ?? 100;
  const cols = KEYS.map(() => new Float64Array(rows));
  let prev = 1000 + Math.floor(r() * 1e6);
  for (let i = 0; i < rows; i++) {
    const jump = r() < 0.01 ? Math.floor((r() - 0.5) * 1e6) : Math.round((r() - 0.5) * 40);
    const o = Math.max(1, prev + jump);
    const c = Math.max(1, o + Math.round((r() - 0.5) * 200) * (r() < 0.3 ? 100 : 1));
    const h = Math.max(o, c) + (r() < 0.4 ? 0 : Math.floor(r() * 5000));
    const l = Math.max(0, Math.min(o, c) - (r() < 0.4 ? 0 : Math.floor(r() * 50)));
    (cols[0] as Float64Array)[i] = o / scale;
    (cols[1] as Float64Array)[i] = h / scale;
    (cols[2] as Float64Array)[i] = l / scale;
    (cols[3] as Float64Array)[i] = c / scale;
    (cols[4] as Float64Array)[i] =
      r() < 0.5 ? Math.floor(r() * 5000) * 100 : Math.floor(r() * 2 ** Math.floor(r() * 44));
    prev = c;
  }
  return barColumnsOf(cols, options.volume !== false);
}

function expectBarsEqual(back: BarColumns, bars: BarColumns, rows: number, label = ''): void {
  for (const k of KEYS) {
    const want = bars[k];
    if (want === undefined) continue;
    const got = (back[k] as Float64Array).subarray(0, rows);
    expect(got.length, `${label} ${k}`).toBe(want.length);
    expect(Buffer.from(bytesOf(got)).equals(Buffer.from(bytesOf(want))), `${label} ${k}`).toBe(true);
  }
}

const PARAMS_AT = 24 + 1 + 1 + 4; // chain descriptor: count, stage id, u32 params length
const layoutOf = (frame: Uint8Array): number => frame[PARAMS_AT] as number;

describe('bar codec: the rANS layout', () => {
  it('writes the rANS layout (params byte 0 = 3), with 24-byte params', async () => {
    const frame = (await encodeBars(randomBars(100, 1))) as Uint8Array;
    expect(isBarFrame(frame)).toBe(true);
    expect(layoutOf(frame)).toBe(BAR_LAYOUT_RANS);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(26, true)).toBe(BAR_PARAMS_BYTES);
  });

  it('round-trips real 1-minute and daily bars bit for bit, at least 6x smaller than float64', async () => {
    let rawBytes = 0;
    let frameBytes = 0;
    for (const [file, from, to] of [
      ['us-1min-2018q1-sample/intraday/AAPL.csv', 0, 30_000],
      ['us-1min-2018q1-sample/intraday/AAL.csv', 0, 30_000],
      ['sp500-5yr-daily/individual_stocks_5yr/AAPL_data.csv', 0, 2000],
      ['sp500-5yr-daily/individual_stocks_5yr/AAL_data.csv', 0, 2000],
    ] as const) {
      const bars = csvBars(file, from, to);
      const frame = (await encodeBars(bars)) as Uint8Array;
      expect(layoutOf(frame), file).toBe(3);
      expectBarsEqual(decodeBars(frame), bars, bars.rows, file);
      rawBytes += bars.rows * 5 * 8;
      frameBytes += frame.length;
    }
    expect(rawBytes / frameBytes).toBeGreaterThan(6);
  });

  it('round-trips seeded random bars of many sizes and scales into reusable buffers', async () => {
    const out = emptyBars(5000);
    for (const [rows, seed, scale, volume] of [
      [0, 1, 100, true],
      [1, 2, 100, true],
      [2, 3, 10_000, false],
      [17, 4, 1, true],
      [255, 5, 1000, true],
      [1000, 6, 100, false],
      [4999, 7, 100_000, true],
    ] as const) {
      const bars = randomBars(rows, seed, { scale, volume });
      const frame = (await encodeBars(bars)) as Uint8Array;
      expect(frame, `rows ${rows}`).toBeDefined();
      expect(layoutOf(frame)).toBe(3);
      out.open.fill(-1);
      const n = decodeBarsInto(frame, out);
      expect(n).toBe(rows);
      expectBarsEqual(out, bars, rows, `rows ${rows} seed ${seed}`);
      // decodeFrame gives the same values laid end to end.
      const raw = await decodeFrame(frame);
      expect(raw.length).toBe(rows * 8 * (volume ? 5 : 4));
    }
  });

  it('stores NaN, ±Infinity, -0, denormals, huge values and negative volumes as exact exception rows', async () => {
    const r = mulberry32(77);
    const bars = randomBars(1600, 9) as Required<BarColumns>;
    const specials = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      5e-324,
      2.2250738585072014e-308,
      1e300,
      -1e300,
      2 ** 60,
      0.1 + 0.2,
    ];
    const rows = new Set<number>();
    while (rows.size < 100) rows.add(Math.floor(r() * 1600)); // exactly the 1/16 limit
    let k = 0;
    for (const i of rows) {
      const col = KEYS[k % 5] as (typeof KEYS)[number];
      bars[col][i] = col === 'volume' && k % 3 === 0 ? -(k + 1) : (specials[k % specials.length] as number);
      k++;
    }
    // A NaN with a payload keeps its bits.
    const nanBits = new DataView(new ArrayBuffer(8));
    nanBits.setUint32(0, 0x7ff80000 | 0x1234, false);
    nanBits.setUint32(4, 0xdeadbeef, false);
    bars.high[[...rows][0] as number] = nanBits.getFloat64(0, false);
    const frame = (await encodeBars(bars)) as Uint8Array;
    expect(frame).toBeDefined();
    expect(layoutOf(frame)).toBe(3);
    const view = new DataView(frame.buffer, frame.byteOffset);
    expect(view.getUint32(PARAMS_AT + 12, true)).toBe(100); // exception rows
    expectBarsEqual(decodeBars(frame), bars, 1600);
    // One more exception row: the codec declines and callers use per-column chains.
    const extra = [...Array(1600).keys()].find((i) => !rows.has(i)) as number;
    bars.close[extra] = Number.NaN;
    expect(await encodeBars(bars)).toBeUndefined();
  });

  it('declines all-exception data, and codes all-zero, constant and huge-but-exact data', async () => {
    const nan = new Float64Array(32).fill(Number.NaN);
    expect(await encodeBars({ open: nan, high: nan, low: nan, close: nan, volume: nan })).toBeUndefined();
    const zero = new Float64Array(500);
    const huge = new Float64Array(500).map((_, i) => 2 ** 50 - i * 977);
    const cases: BarColumns[] = [
      { open: zero, high: zero, low: zero, close: zero, volume: zero },
      { open: huge, high: huge, low: huge, close: huge, volume: huge },
      { open: huge, high: huge, low: zero, close: zero, volume: zero }, // body spans 2^50
    ];
    for (const bars of cases) {
      const frame = (await encodeBars(bars)) as Uint8Array;
      expect(layoutOf(frame)).toBe(3);
      expectBarsEqual(decodeBars(frame), bars, 500);
    }
  });

  it('codes inconsistent bars (high below the body, low above it) with signed wicks', async () => {
    const bars = randomBars(3000, 12) as Required<BarColumns>;
    for (let i = 0; i < 3000; i += 7) {
      const cents = (x: number): number => Math.round(x * 100);
      bars.high[i] = (cents(Math.min(bars.open[i] as number, bars.close[i] as number)) - 50) / 100;
      bars.low[i] = (cents(Math.max(bars.open[i] as number, bars.close[i] as number)) + 25) / 100;
    }
    const frame = (await encodeBars(bars)) as Uint8Array;
    expect((frame[PARAMS_AT + 4] as number) & 1).toBe(1);
    expectBarsEqual(decodeBars(frame), bars, 3000);
    // Integer prices with huge signed wicks: residuals of more than 24 raw bits on the signed path.
    const ints = randomBars(300, 13, { scale: 1 }) as Required<BarColumns>;
    for (let i = 0; i < 300; i += 3) {
      ints.high[i] = Math.min(ints.open[i] as number, ints.close[i] as number) - 2 ** 40 - i;
      ints.low[i] = Math.max(ints.open[i] as number, ints.close[i] as number) + 2 ** 33 + i;
    }
    const wide = (await encodeBars(ints)) as Uint8Array;
    expect(new DataView(wide.buffer, wide.byteOffset).getUint32(PARAMS_AT + 12, true)).toBe(0);
    expect((wide[PARAMS_AT + 4] as number) & 1).toBe(1);
    expectBarsEqual(decodeBars(wide), ints, 300);
  });

  it('encodes deterministically: the reused encoder scratch is clean between frames', async () => {
    const a = randomBars(2000, 41);
    const b = randomBars(700, 42, { volume: false });
    const first = (await encodeBars(a)) as Uint8Array;
    await encodeBars(b);
    await encodeBars({ ...b, close: new Float64Array(700).fill(Number.NaN) }); // declines mid-way
    const again = (await encodeBars(a)) as Uint8Array;
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
  });

  it('rejects frames of another layout (layouts 1 and 2 were never released): typed CodecError', async () => {
    const frame = (await encodeBars(randomBars(500, 26))) as Uint8Array;
    for (const layout of [1, 2, 4]) {
      const bad = frame.slice();
      bad[PARAMS_AT] = layout;
      resealFrame(bad);
      const e = await decodeFrame(bad).catch((err: unknown) => err);
      expect(isCompressionError(e, 'MMTAPE_CODEC_FAILED'), String(e)).toBe(true);
      expect(String(e)).toMatch(/bar layout \d, expected 3/);
      expect(() => decodeBarsInto(bad, emptyBars(500))).toThrow(/bar layout/);
    }
  });

  it('rejects every seeded bit flip (frame checksum), and decodes re-sealed flips without a crash', async () => {
    const bars = randomBars(3000, 31);
    bars.close[10] = Number.NaN; // an exception row, so every section is present
    const frame = (await encodeBars(bars)) as Uint8Array;
    const headerBytes = readFrameHeader(frame).headerLengthBytes;
    const out = emptyBars(3000);
    const r = mulberry32(4242);
    let failures = 0;
    let decoded = 0;
    for (let trial = 0; trial < 600; trial++) {
      const bad = frame.slice();
      const at =
        trial < 60
          ? PARAMS_AT + Math.floor(r() * BAR_PARAMS_BYTES)
          : headerBytes + Math.floor(r() * (bad.length - headerBytes));
      bad[at] = (bad[at] as number) ^ (1 << Math.floor(r() * 8));
      // As stored: the frame checksum rejects the flip before any decoder runs.
      const e = (() => {
        try {
          decodeBarsInto(bad, out);
        } catch (err) {
          return err;
        }
      })();
      expect(isCompressionError(e, 'MMTAPE_FRAME_CHECKSUM_MISMATCH'), `flip at ${at}: ${String(e)}`).toBe(
        true,
      );
      // Re-sealed (a flip the checksum would miss): a typed error or some values, never a crash.
      resealFrame(bad);
      try {
        decodeBarsInto(bad, out);
        decoded++;
      } catch (err) {
        expect(isCompressionError(err), String(err)).toBe(true);
        failures++;
      }
    }
    // The decoders' own checks still catch about half of the re-sealed flips (292 of 600 with this
    // seed: stream ends, table sums, params); the other half is what the frame checksum is for.
    expect(failures).toBeGreaterThan(250);
    expect(failures + decoded).toBe(600);
    for (let cut = 1; cut < 400; cut += 37) {
      const bad = frame.subarray(0, frame.length - cut);
      expect(() => decodeBarsInto(bad, out)).toThrow();
      await expect(decodeFrame(bad)).rejects.toSatisfy((e: unknown) => isCompressionError(e));
    }
  });

  it('rejects params, tables and streams that do not add up, before allocating (typed CodecError)', async () => {
    const bars = randomBars(64, 8);
    bars.close[3] = Number.NaN; // one exception row
    const frame = (await encodeBars(bars)) as Uint8Array;
    const view = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset, f.byteLength);
    expect(view(frame).getUint32(PARAMS_AT + 12, true)).toBe(1);
    const patches: [string, number, number, 'u8' | 'u32'][] = [
      ['rows', 8, 0xffff_ffff, 'u32'],
      ['exception rows', 12, 0x00ff_ffff, 'u32'],
      ['exception rows > rows', 12, 65, 'u32'],
      ['table bytes', 16, 0x7fff_ffff, 'u32'],
      ['rANS bytes odd', 20, 9, 'u32'],
      ['rANS bytes too large', 20, 0x7fff_fff0, 'u32'],
      ['probability bits 13', 5, 13, 'u8'],
      ['probability bits 7', 5, 7, 'u8'],
      ['unknown flag', 4, 2, 'u8'],
      ['reserved byte', 6, 1, 'u8'],
      ['column count', 1, 6, 'u8'],
      ['layout 4', 0, 4, 'u8'],
    ];
    for (const [label, offset, value, type] of patches) {
      const bad = frame.slice();
      if (type === 'u32') view(bad).setUint32(PARAMS_AT + offset, value, true);
      else bad[PARAMS_AT + offset] = value;
      resealFrame(bad);
      const e = await decodeFrame(bad).catch((err: unknown) => err);
      expect(isCompressionError(e, 'MMTAPE_CODEC_FAILED'), `${label}: ${String(e)}`).toBe(true);
      expect(() => decodeBarsInto(bad, emptyBars(64)), label).toThrow();
    }
    // Table section: the first field's group count (0 and 65 are invalid), then a frequency that
    // breaks the 2^P sum.
    const headerBytes = readFrameHeader(frame).headerLengthBytes;
    const tablesAt = headerBytes + 4 + 8 * 5;
    for (const [label, value] of [
      ['0 groups', 0],
      ['65 groups', 65],
    ] as const) {
      const bad = frame.slice();
      bad[tablesAt] = value;
      resealFrame(bad);
      expect(() => decodeBarsInto(bad, emptyBars(64)), label).toThrow(/groups/);
    }
    const bad = frame.slice();
    // first group: varint K at tablesAt + 1 + (G − 1); its first entry (gap, freq − 1) follows.
    const groups = bad[tablesAt] as number;
    const freqAt = tablesAt + groups + 2;
    bad[freqAt] = ((bad[freqAt] as number) & 0x80) | (((bad[freqAt] as number) + 1) & 0x7f);
    resealFrame(bad);
    const e = (() => {
      try {
        decodeBarsInto(bad, emptyBars(64));
      } catch (err) {
        return err;
      }
    })();
    expect(isCompressionError(e, 'MMTAPE_CODEC_FAILED'), String(e)).toBe(true);
  });
});
