import { describe, expect, it } from 'vitest';
import {
  type BarColumns,
  decodeBars,
  decodeBarsInto,
  decodeColumn,
  decodeFrame,
  encodeBars,
  encodeColumn,
  isBarFrame,
  isCompressionError,
  readFrameHeader,
  setDecodeBackend,
} from '../src/index.js';
import { bytesOf, csvBars, mulberry32, resealFrame } from './helpers.js';

/** Seeded random-walk bars in cents (sometimes half-cents), volumes in round lots or odd lots. */
function syntheticBars(rows: number, seed: number): BarColumns {
  const r = mulberry32(seed);
  const b = {
    open: new Float64Array(rows),
    high: new Float64Array(rows),
    low: new Float64Array(rows),
    close: new Float64Array(rows),
    volume: new Float64Array(rows),
  };
  let prev = 10_000; // cents
  for (let i = 0; i < rows; i++) {
    const o = prev + Math.round((r() - 0.5) * 4);
    const c = o + Math.round((r() - 0.5) * 30);
    const h = Math.max(o, c) + (r() < 0.4 ? 0 : Math.floor(r() * 12));
    const l = Math.min(o, c) - (r() < 0.4 ? 0 : Math.floor(r() * 12));
    const half = r() < 0.1 ? 0.5 : 0;
    b.open[i] = (o + half) / 100;
    b.high[i] = (h + half) / 100;
    b.low[i] = (l - half) / 100;
    b.close[i] = c / 100;
    b.volume[i] = r() < 0.5 ? Math.floor(r() * 500) * 100 : Math.floor(r() * 80_000);
    prev = c;
  }
  return b;
}

function expectSameBits(actual: Float64Array, expected: Float64Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  expect(Buffer.from(bytesOf(actual)).equals(Buffer.from(bytesOf(expected))), label).toBe(true);
}

function expectBarsEqual(back: BarColumns, bars: BarColumns): void {
  for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (bars[k] === undefined) expect(back[k]).toBeUndefined();
    else expectSameBits(back[k] as Float64Array, bars[k] as Float64Array, k);
  }
}

async function sizeOfColumns(bars: BarColumns): Promise<number> {
  let total = 0;
  for (const c of [bars.open, bars.high, bars.low, bars.close, bars.volume]) {
    if (c !== undefined) total += (await encodeColumn(c)).length;
  }
  return total;
}

describe('bar codec (frame stage 22)', () => {
  it('round-trips real 1-minute bars exactly and beats the per-column chains by 1.2x', async () => {
    const bars = csvBars('us-1min-2018q1-sample/intraday/AAPL.csv', 0, 20_000);
    const frame = (await encodeBars(bars)) as Uint8Array;
    expect(frame).toBeDefined();
    expect(isBarFrame(frame)).toBe(true);
    expect(bars.rows).toBeGreaterThan(10_000);
    expect(readFrameHeader(frame)).toMatchObject({
      dtype: 'f64',
      codec: 'bar',
      rawLengthBytes: bars.rows * 40,
    });
    expectBarsEqual(decodeBars(frame), bars);
    const perColumn = await sizeOfColumns(bars);
    expect(frame.length * 1.2).toBeLessThan(perColumn);
  });

  it('round-trips real daily bars (4-decimal prices) and OHLC without volume', async () => {
    const bars = csvBars('sp500-5yr-daily/individual_stocks_5yr/AAPL_data.csv', 0, 1200);
    const frame = (await encodeBars(bars)) as Uint8Array;
    expectBarsEqual(decodeBars(frame), bars);
    const ohlc = { open: bars.open, high: bars.high, low: bars.low, close: bars.close };
    const f4 = (await encodeBars(ohlc)) as Uint8Array;
    expect(f4.length).toBeLessThan(frame.length);
    expectBarsEqual(decodeBars(f4), ohlc);
  });

  it('decodeFrame returns the columns laid end to end, bit for bit', async () => {
    const bars = syntheticBars(3000, 7);
    const frame = (await encodeBars(bars)) as Uint8Array;
    const raw = await decodeFrame(frame);
    const back = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
    const cols = [bars.open, bars.high, bars.low, bars.close, bars.volume] as Float64Array[];
    for (const [k, c] of cols.entries()) {
      expectSameBits(back.subarray(k * 3000, (k + 1) * 3000), c, `column ${k}`);
    }
    // decodeColumn of a bar frame gives the same concatenation as a Float64Array.
    expectSameBits((await decodeColumn(frame)) as Float64Array, back, 'decodeColumn');
  });

  it('round-trips seeded synthetic bars of many sizes, decoding into reusable buffers', async () => {
    const cap = 5000;
    const out = {
      open: new Float64Array(cap),
      high: new Float64Array(cap),
      low: new Float64Array(cap),
      close: new Float64Array(cap),
      volume: new Float64Array(cap),
    };
    for (const [seed, rows] of [
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 17],
      [5, 1000],
      [6, 5000],
    ] as const) {
      const bars = syntheticBars(rows, seed);
      const frame = (await encodeBars(bars)) as Uint8Array;
      out.close.fill(-1);
      expect(decodeBarsInto(frame, out)).toBe(rows);
      for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
        expectSameBits(out[k].subarray(0, rows), bars[k] as Float64Array, `${k} seed ${seed}`);
      }
      if (rows < cap) expect(out.close[rows]).toBe(-1); // nothing written past the rows
    }
  });

  it('codes inconsistent bars (high < max(open, close), low > min) with signed wicks', async () => {
    const bars = syntheticBars(500, 11);
    bars.high[10] = (bars.low[10] as number) - 1; // high below low
    bars.low[20] = (bars.high[20] as number) + 2;
    const frame = (await encodeBars(bars)) as Uint8Array;
    expect(readFrameHeader(frame).chain[0]?.params[4]).toBe(1); // flag: signed wicks
    expectBarsEqual(decodeBars(frame), bars);
  });

  it('codes huge, zero and integer values, and extreme scales', async () => {
    const n = 6;
    const bars = {
      open: Float64Array.from([0, 2 ** 49, 1e-12, 123456.789, 0, 5]),
      high: Float64Array.from([0, 2 ** 49 + 1, 2e-12, 123456.79, 0, 5]),
      low: Float64Array.from([0, 2 ** 48, 1e-12, 123456.788, 0, 5]),
      close: Float64Array.from([0, 2 ** 49, 2e-12, 123456.789, 0, 5]),
      volume: Float64Array.from([0, 2 ** 50, 0, 1e15, 7, 100]),
    };
    expect(bars.open.length).toBe(n);
    const frame = await encodeBars(bars);
    // 2^49 at scale 12 is far above 2^50: no exact common scale, so the codec declines.
    expect(frame).toBeUndefined();
    const small = {
      open: Float64Array.from([0, 2 ** 49, 7, 1]),
      high: Float64Array.from([0, 2 ** 49 + 1, 9, 1]),
      low: Float64Array.from([0, 2 ** 48, 7, 1]),
      close: Float64Array.from([0, 2 ** 49, 8, 1]),
      volume: Float64Array.from([0, 2 ** 50, 0, 1e15]),
    };
    const f = (await encodeBars(small)) as Uint8Array;
    expectBarsEqual(decodeBars(f), small);
  });

  it('stores rows with NaN, ±Infinity, -0, non-decimal, huge values or negative volumes raw (exceptions)', async () => {
    const base = syntheticBars(100, 3);
    const cases: [string, (b: BarColumns) => void][] = [
      [
        'NaN close',
        (b) => {
          b.close[5] = Number.NaN;
        },
      ],
      [
        'NaN with payload',
        (b) => {
          new DataView(b.open.buffer).setBigUint64(8 * 6, 0x7ff8dead00000001n, true);
        },
      ],
      [
        'Infinity high',
        (b) => {
          b.high[5] = Number.POSITIVE_INFINITY;
        },
      ],
      [
        '-Infinity low',
        (b) => {
          b.low[99] = Number.NEGATIVE_INFINITY;
        },
      ],
      [
        '-0 open, first row',
        (b) => {
          b.open[0] = -0;
        },
      ],
      [
        'non-decimal price',
        (b) => {
          b.open[9] = Math.PI;
        },
      ],
      [
        'NaN volume',
        (b) => {
          (b.volume as Float64Array)[3] = Number.NaN;
        },
      ],
      [
        'negative volume',
        (b) => {
          (b.volume as Float64Array)[3] = -100;
        },
      ],
      [
        'huge volume',
        (b) => {
          (b.volume as Float64Array)[3] = 2 ** 51;
        },
      ],
      [
        '6 bad rows (limit 100/16)',
        (b) => {
          for (let i = 0; i < 6; i++) b.high[10 * i + 1] = Number.NaN;
        },
      ],
    ];
    const copy = (): BarColumns => ({
      open: base.open.slice(),
      high: base.high.slice(),
      low: base.low.slice(),
      close: base.close.slice(),
      volume: (base.volume as Float64Array).slice(),
    });
    const clean = (await encodeBars(copy())) as Uint8Array;
    for (const [label, mutate] of cases) {
      const b = copy();
      mutate(b);
      const frame = (await encodeBars(b)) as Uint8Array;
      expect(frame, label).toBeDefined();
      const exceptions = new DataView(
        readFrameHeader(frame).chain[0]?.params.buffer as ArrayBuffer,
      ).getUint32(16 + 0, true);
      expect(exceptions, label).toBeGreaterThan(0);
      expect(frame.length, label).toBeLessThan(clean.length + 60 * exceptions + 40);
      expectBarsEqual(decodeBars(frame), b);
    }
  });

  it('declines when more than 1/16 of the rows are exceptions (per-column fallback)', async () => {
    const b = syntheticBars(100, 4);
    for (let i = 0; i < 7; i++) b.close[13 * i] = Number.NaN; // 7 > floor(100 / 16) = 6
    expect(await encodeBars(b)).toBeUndefined();
    const frame = await encodeColumn(b.close);
    expectSameBits((await decodeColumn(frame)) as Float64Array, b.close, 'fallback');
    const tiny = syntheticBars(10, 5); // floor(10 / 16) = 0: no exception allowed
    tiny.open[2] = Number.NaN;
    expect(await encodeBars(tiny)).toBeUndefined();
  });

  it('rejects mismatched lengths and non-Float64Array columns with CodecOptionsError', async () => {
    const b = syntheticBars(10, 1);
    await expect(encodeBars({ ...b, close: new Float64Array(9) })).rejects.toSatisfy((e: unknown) =>
      isCompressionError(e, 'MMTAPE_CODEC_INVALID_OPTIONS'),
    );
    await expect(
      encodeBars({ ...b, open: new Float32Array(10) as unknown as Float64Array }),
    ).rejects.toSatisfy((e: unknown) => isCompressionError(e, 'MMTAPE_CODEC_INVALID_OPTIONS'));
  });

  it('gives a typed error on every corrupt frame (frame checksum), and never crashes on re-sealed ones', async () => {
    const bars = syntheticBars(400, 5);
    const frame = (await encodeBars(bars)) as Uint8Array;
    const r = mulberry32(99);
    const headerBytes = readFrameHeader(frame).headerLengthBytes;
    const out = {
      open: new Float64Array(400),
      high: new Float64Array(400),
      low: new Float64Array(400),
      close: new Float64Array(400),
      volume: new Float64Array(400),
    };
    let failures = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bad = frame.slice();
      // Flip a bit in the params, the range-coded data or the raw bit stream.
      const at =
        trial < 40
          ? 24 + Math.floor(r() * (headerBytes - 24))
          : headerBytes + Math.floor(r() * (bad.length - headerBytes));
      bad[at] = (bad[at] as number) ^ (1 << Math.floor(r() * 8));
      // As stored, the frame checksum (or the header's own checks) rejects every flip.
      await expect(decodeFrame(bad), `flip at ${at}`).rejects.toSatisfy((e: unknown) =>
        isCompressionError(e),
      );
      expect(() => decodeBarsInto(bad, out), `flip at ${at}`).toThrow();
      // Re-sealed (a flip the checksum would miss): the decoders give a typed error or values, never a crash.
      resealFrame(bad);
      for (const decode of [() => decodeFrame(bad), async () => decodeBarsInto(bad, out)]) {
        try {
          await decode();
        } catch (e) {
          failures++;
          expect(isCompressionError(e), String(e)).toBe(true);
        }
      }
    }
    expect(failures).toBeGreaterThan(200);
    // Truncated and extended frames.
    for (const bad of [
      frame.subarray(0, frame.length - 1),
      frame.subarray(0, 30),
      new Uint8Array([...frame, 0]),
    ]) {
      await expect(decodeFrame(bad)).rejects.toSatisfy((e: unknown) => isCompressionError(e));
      expect(() => decodeBarsInto(bad, out)).toThrow();
    }
  });

  it('rejects too-short output arrays and a missing volume array', async () => {
    const bars = syntheticBars(50, 2);
    const frame = (await encodeBars(bars)) as Uint8Array;
    const short = {
      open: new Float64Array(49),
      high: new Float64Array(50),
      low: new Float64Array(50),
      close: new Float64Array(50),
      volume: new Float64Array(50),
    };
    expect(() => decodeBarsInto(frame, short)).toThrow(/49 values < 50 rows/);
    const noVolume = {
      open: new Float64Array(50),
      high: new Float64Array(50),
      low: new Float64Array(50),
      close: new Float64Array(50),
    };
    expect(() => decodeBarsInto(frame, noVolume)).toThrow(/volume/);
  });

  it('rejects an exception row out of order or out of range (typed CodecError)', async () => {
    const bars = syntheticBars(64, 8);
    bars.close[3] = Number.NaN; // one exception row
    const frame = (await encodeBars(bars)) as Uint8Array;
    const view = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset, f.byteLength);
    const rowAt = readFrameHeader(frame).headerLengthBytes; // first exception entry: u32 row
    expect(view(frame).getUint32(rowAt, true)).toBe(3);
    for (const backend of ['native', 'wasm', 'js'] as const) {
      setDecodeBackend(backend);
      const bad = frame.slice();
      view(bad).setUint32(rowAt, 64, true);
      resealFrame(bad);
      const e = await decodeFrame(bad).catch((err: unknown) => err);
      expect(isCompressionError(e, 'MMTAPE_CODEC_FAILED'), `${backend}: ${String(e)}`).toBe(true);
      expect(String(e)).toMatch(/exception row 64/);
    }
    setDecodeBackend();
  });

  it('an unknown stage id in place of bar still gives UnknownCodecError', async () => {
    const frame = (await encodeBars(syntheticBars(20, 4))) as Uint8Array;
    const bad = frame.slice();
    expect(bad[25]).toBe(22); // descriptor: count at 24, first stage id at 25
    bad[25] = 200;
    resealFrame(bad);
    await expect(decodeFrame(bad)).rejects.toSatisfy((e: unknown) =>
      isCompressionError(e, 'MMTAPE_CODEC_UNKNOWN'),
    );
  });
});
