import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBarPayload } from '../src/bar/bar-decode-backend.js';
import {
  BAR_LAYOUT_RANS,
  type BarColumns,
  type DecodeBackend,
  decodeBackend,
  decodeBarsInto,
  decodeColumn,
  decodeFrame,
  encodeBars,
  encodeColumn,
  isCompressionError,
  readFrameHeader,
  setDecodeBackend,
} from '../src/index.js';
import { barColumnsOf, bytesOf, emptyBars, mulberry32, resealFrame } from './helpers.js';

const KEYS = ['open', 'high', 'low', 'close', 'volume'] as const;
/** The repository's demo data: 30 S&P 500 stocks, daily bars 2013-2018 (apps/cli/demo-data/sp500-30/SOURCE.md). */
const DEMO = new URL('../../../apps/cli/demo-data/sp500-30/', import.meta.url);

afterEach(() => setDecodeBackend());

/** OHLCV columns of one demo CSV (`date,open,high,low,close,volume,Name`); empty cells → NaN. */
function demoBars(file: string): Required<BarColumns> {
  const lines = readFileSync(new URL(file, DEMO), 'utf8').trim().split('\n').slice(1);
  const col = (k: number): Float64Array =>
    Float64Array.from(lines, (l) => {
      const cell = l.split(',')[k + 1] as string;
      return cell === '' ? Number.NaN : Number(cell);
    });
  return { open: col(0), high: col(1), low: col(2), close: col(3), volume: col(4) };
}

/**
 * Seeded random bars at decimal scale `scale` (prices are integers / 10^scale): small and large moves,
 * cent-round prices, inconsistent bars (high below the body) when `inconsistent`, residuals wide
 * enough for more than 24 raw bits when `wide`, exception rows (NaN, -0, Infinity, too many decimals)
 * at rate `exceptions`, and no volume when `volume` is false.
 */
function seededBars(
  rows: number,
  seed: number,
  o: { scale: number; volume?: boolean; wide?: boolean; inconsistent?: boolean; exceptions?: number },
): BarColumns {
  const r = mulberry32(seed);
  const div = 10 ** o.scale;
  const cols = KEYS.map(() => new Float64Array(rows));
  const maxInt = o.wide ? 2 ** 44 : 2 ** 30;
  let prev = Math.floor(maxInt / 4 + r() * (maxInt / 4));
  for (let i = 0; i < rows; i++) {
    const big = r() < (o.wide ? 0.2 : 0.01);
    const jump = big ? Math.floor((r() - 0.5) * (maxInt / 8)) : Math.round((r() - 0.5) * 40);
    const op = Math.max(1, prev + jump);
    const cl = Math.max(1, op + Math.round((r() - 0.5) * 200) * (r() < 0.3 ? 100 : 1));
    let hi = Math.max(op, cl) + (r() < 0.4 ? 0 : Math.floor(r() * 5000));
    const lo = Math.max(0, Math.min(op, cl) - (r() < 0.4 ? 0 : Math.floor(r() * 50)));
    if (o.inconsistent && r() < 0.05) hi = Math.min(op, cl) - 1;
    (cols[0] as Float64Array)[i] = op / div;
    (cols[1] as Float64Array)[i] = hi / div;
    (cols[2] as Float64Array)[i] = lo / div;
    (cols[3] as Float64Array)[i] = cl / div;
    (cols[4] as Float64Array)[i] =
      r() < 0.5 ? Math.floor(r() * 5000) * 100 : Math.floor(r() * 2 ** Math.floor(r() * (o.wide ? 48 : 30)));
    if (o.exceptions !== undefined && r() < o.exceptions) {
      const k = Math.floor(r() * 5);
      (cols[k] as Float64Array)[i] = [Number.NaN, -0, Number.POSITIVE_INFINITY, 1 / 3][
        Math.floor(r() * 4)
      ] as number;
    }
    prev = cl;
  }
  return barColumnsOf(cols, o.volume !== false);
}

/** Decodes `frame` with `backend` into fresh arrays; returns the rows and the bytes of every column. */
function decodeWith(backend: DecodeBackend, frame: Uint8Array, rows: number): Buffer[] {
  setDecodeBackend(backend);
  expect(decodeBackend()).toBe(backend);
  const out = emptyBars(rows);
  expect(decodeBarsInto(frame, out)).toBe(rows);
  // The kernel itself decodes the (valid) frame: no silent fallback to the next decoder.
  const header = readFrameHeader(frame);
  const params = header.chain[0]?.params as Uint8Array;
  const outs = KEYS.slice(0, params[1]).map(() => new Float64Array(rows));
  const payload = frame.subarray(header.headerLengthBytes);
  expect(decodeBarPayload(payload, params, outs)).toEqual({ rows, backend });
  return KEYS.map((k) => Buffer.from(bytesOf(out[k])));
}

/** The fast backends, each checked against the TypeScript reference. */
const FAST: readonly DecodeBackend[] = ['native', 'wasm'];

/** Native, wasm and JS decode `frame` to the same bytes, equal to `bars` bit for bit. */
function expectBothExact(frame: Uint8Array, bars: BarColumns, label: string): void {
  const rows = bars.open.length;
  const js = decodeWith('js', frame, rows);
  for (const backend of FAST) {
    const fast = decodeWith(backend, frame, rows);
    for (const [j, k] of KEYS.entries()) {
      const want = bars[k];
      if (want === undefined) continue;
      expect(fast[j]?.equals(js[j] as Buffer), `${label}: ${k} ${backend} vs js`).toBe(true);
      expect(fast[j]?.equals(Buffer.from(bytesOf(want))), `${label}: ${k} ${backend} vs original`).toBe(true);
    }
  }
}

/** The error `fn` throws (or `undefined`), as `code: message`. */
function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(isCompressionError(e), String(e)).toBe(true);
    return `${(e as { code: string }).code}: ${(e as Error).message}`;
  }
}

describe('decode backend choice', () => {
  it('uses the native bar decoder by default (built by the package build), and the others when asked', () => {
    // The package build compiles native/bar_decode.c (scripts/build-native.mjs); this machine has a C
    // compiler and the Node headers, so the default must be the native decoder, not a silent fallback.
    expect(
      decodeBackend(),
      'native decoder not built: see the build-native warning of `pnpm install` / `pnpm build` (C compiler, Node headers)',
    ).toBe('native');
    setDecodeBackend('js');
    expect(decodeBackend()).toBe('js');
    setDecodeBackend('wasm');
    expect(decodeBackend()).toBe('wasm');
    setDecodeBackend('native');
    expect(decodeBackend()).toBe('native');
    expect(() => setDecodeBackend('simd' as DecodeBackend)).toThrow(TypeError);
  });

  it('reads MMTAPE_DECODE_BACKEND when the default is restored', () => {
    const saved = process.env.MMTAPE_DECODE_BACKEND;
    try {
      process.env.MMTAPE_DECODE_BACKEND = 'js';
      setDecodeBackend();
      expect(decodeBackend()).toBe('js');
      process.env.MMTAPE_DECODE_BACKEND = 'wasm';
      setDecodeBackend();
      expect(decodeBackend()).toBe('wasm');
      process.env.MMTAPE_DECODE_BACKEND = 'something else';
      setDecodeBackend();
      expect(decodeBackend()).toBe('native');
    } finally {
      if (saved === undefined) delete process.env.MMTAPE_DECODE_BACKEND;
      else process.env.MMTAPE_DECODE_BACKEND = saved;
    }
  });
});

describe('native and WebAssembly bar decoders vs the TypeScript reference', () => {
  it('decodes every demo stock, per symbol and as one concatenated frame, to identical bytes', async () => {
    const files = readdirSync(DEMO).filter((f) => f.endsWith('.csv'));
    expect(files.length).toBeGreaterThanOrEqual(30);
    const all = KEYS.map(() => [] as number[]);
    for (const f of files) {
      const bars = demoBars(f);
      const frame = await encodeBars(bars);
      expect(frame, f).toBeDefined();
      expectBothExact(frame as Uint8Array, bars, f);
      for (const [j, k] of KEYS.entries()) for (const v of bars[k]) all[j]?.push(v);
    }
    // 30 × ~1,259 rows × 5 fields > 2^16 values: the largest tables (P = 11) and many contexts.
    const [open, high, low, close, volume] = all.map((a) => Float64Array.from(a)) as Float64Array[];
    const cat: BarColumns = { open, high, low, close, volume } as Required<BarColumns>;
    const frame = (await encodeBars(cat)) as Uint8Array;
    expect(frame[24 + 1 + 1 + 4]).toBe(BAR_LAYOUT_RANS); // params byte 0: layout
    expect(frame[24 + 1 + 1 + 4 + 5]).toBe(11); // params byte 5: probability bits
    expectBothExact(frame, cat, 'concatenated');
  });

  it('decodes seeded frames: every price scale, 4 and 5 columns, exception rows, signed wicks, wide raw bits, every table size', async () => {
    let seed = 1;
    for (let scale = 0; scale <= 12; scale++) {
      for (const volume of [true, false]) {
        const rows = [1, 37, 700][scale % 3] as number;
        const bars = seededBars(rows, seed++, { scale: Math.min(scale, 6), volume });
        const frame = await encodeBars(bars);
        expect(frame, `scale ${scale}`).toBeDefined();
        expectBothExact(frame as Uint8Array, bars, `scale ${scale} volume ${volume}`);
      }
    }
    // [label, rows, options, expected params: probability bits, signed-wicks flag, exception rows > 0]
    const cases: [string, number, Parameters<typeof seededBars>[2], number, number, boolean][] = [
      ['exception rows', 3000, { scale: 2, exceptions: 0.03 }, 11, 0, true],
      ['exception rows, 4 columns', 2000, { scale: 4, exceptions: 0.05, volume: false }, 9, 0, true],
      ['signed wicks', 2500, { scale: 2, inconsistent: true }, 11, 1, false],
      ['wide residuals (> 24 raw bits)', 4000, { scale: 0, wide: true }, 11, 0, false],
      ['>= 65,536 values', 14_000, { scale: 2, exceptions: 0.01, inconsistent: true }, 11, 1, true],
      ['>= 65,536 values, 4 columns', 17_000, { scale: 1, volume: false }, 11, 0, false],
    ];
    for (const [label, rows, options, probBits, signed, exceptions] of cases) {
      const bars = seededBars(rows, seed++, options);
      const frame = (await encodeBars(bars)) as Uint8Array;
      expect(frame, label).toBeDefined();
      const params = readFrameHeader(frame).chain[0]?.params as Uint8Array;
      const view = new DataView(params.buffer, params.byteOffset, params.byteLength);
      expect([params[5], (params[4] as number) & 1, view.getUint32(12, true) > 0], label).toEqual([
        probBits,
        signed,
        exceptions,
      ]);
      expectBothExact(frame, bars, label);
      if (options.wide) {
        // Residuals above 2^27 at scale 0: hybrid tokens with more than 24 raw bits.
        let maxMove = 0;
        for (let i = 1; i < rows; i++) {
          maxMove = Math.max(maxMove, Math.abs((bars.open[i] as number) - (bars.close[i - 1] as number)));
        }
        expect(maxMove, label).toBeGreaterThan(2 ** 27);
      }
    }
  });

  it('reports the same typed error, or the same values, from both backends for re-sealed bit flips and truncations', async () => {
    const bars = seededBars(3000, 77, { scale: 2, exceptions: 0.01, inconsistent: true });
    const frame = (await encodeBars(bars)) as Uint8Array;
    const headerBytes = readFrameHeader(frame).headerLengthBytes;
    const r = mulberry32(99);
    const out = emptyBars(3000);
    let failed = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bad = frame.slice();
      const at = headerBytes + Math.floor(r() * (bad.length - headerBytes));
      bad[at] = (bad[at] as number) ^ (1 << Math.floor(r() * 8));
      resealFrame(bad);
      setDecodeBackend('js');
      const js = errorOf(() => decodeBarsInto(bad, out));
      const jsBytes = KEYS.map((k) => Buffer.from(bytesOf(out[k])));
      for (const backend of FAST) {
        setDecodeBackend(backend);
        out.open.fill(0);
        expect(
          errorOf(() => decodeBarsInto(bad, out)),
          `${backend}, flip at byte ${at}`,
        ).toBe(js);
        if (js !== undefined) continue;
        // A re-sealed flip the decoders cannot see (e.g. in the raw bits) decodes to the same values.
        for (const [j, k] of KEYS.entries()) {
          expect(jsBytes[j]?.equals(Buffer.from(bytesOf(out[k]))), `${backend}, flip at ${at}: ${k}`).toBe(
            true,
          );
        }
      }
      if (js !== undefined) failed++;
    }
    expect(failed).toBeGreaterThan(100);
    for (let cut = 1; cut < frame.length - headerBytes; cut += 97) {
      const bad = frame.slice(0, frame.length - cut);
      setDecodeBackend('js');
      const js = errorOf(() => decodeBarsInto(bad, out));
      expect(js, `cut ${cut}`).toBeDefined();
      for (const backend of FAST) {
        setDecodeBackend(backend);
        expect(
          errorOf(() => decodeBarsInto(bad, out)),
          `${backend}, cut ${cut}`,
        ).toBe(js);
      }
    }
  });

  it('gives the TypeScript result for garbage in the rANS and raw-bit streams (native and wasm bounds checks)', async () => {
    const bars = seededBars(5000, 5, { scale: 2 });
    const frame = (await encodeBars(bars)) as Uint8Array;
    // Zero the whole rANS/raw-bit area: the decoder must stop at its own bounds, not read past the payload.
    const bad = frame.slice();
    bad.fill(0xff, bad.length - Math.floor((bad.length - 200) / 2));
    resealFrame(bad);
    const outs = [emptyBars(5000), emptyBars(5000)];
    setDecodeBackend('js');
    const js = errorOf(() => decodeBarsInto(bad, outs[0] as Required<BarColumns>));
    for (const backend of FAST) {
      setDecodeBackend(backend);
      (outs[1] as Required<BarColumns>).open.fill(0);
      expect(
        errorOf(() => decodeBarsInto(bad, outs[1] as Required<BarColumns>)),
        backend,
      ).toBe(js);
      for (const k of KEYS) {
        const [a, b] = outs.map((o) => Buffer.from(bytesOf(o[k] as Float64Array)));
        expect(a?.equals(b as Buffer), `${backend} ${k}`).toBe(true);
      }
    }
    // As stored, the frame checksum rejects it before either decoder runs.
    const stored = frame.slice();
    stored.fill(0xff, stored.length - Math.floor((stored.length - 200) / 2));
    expect(errorOf(() => decodeBarsInto(stored, emptyBars(5000)))).toMatch(/^MMTAPE_FRAME_CHECKSUM_MISMATCH/);
  });

  it('decodes through decodeFrame (fresh buffer) identically with every backend', async () => {
    const bars = seededBars(1500, 11, { scale: 4, exceptions: 0.02 });
    const frame = (await encodeBars(bars)) as Uint8Array;
    setDecodeBackend('js');
    const js = await decodeFrame(frame);
    for (const backend of FAST) {
      setDecodeBackend(backend);
      const fast = await decodeFrame(frame);
      expect(Buffer.from(fast).equals(Buffer.from(js)), backend).toBe(true);
      expect(fast.byteOffset).toBe(0);
      expect(fast.buffer.byteLength).toBe(1500 * 40);
    }
  });
});

describe('native and WebAssembly fused chain tails (delta{1,2} > zigzag > shuffle(8) / bitshuffle(8)) vs the TypeScript reference', () => {
  /** Regular 1-minute timestamps with overnight gaps and a few irregular ones (delta-of-delta chain). */
  function timestamps(rows: number, seed: number): BigInt64Array {
    const r = mulberry32(seed);
    const out = new BigInt64Array(rows);
    let t = 1_514_903_400_000_000_000n;
    for (let i = 0; i < rows; i++) {
      out[i] = t;
      t +=
        i % 390 === 389 ? 63_060_000_000_000n : r() < 0.01 ? BigInt(Math.floor(r() * 1e12)) : 60_000_000_000n;
    }
    return out;
  }

  /** Seeded int64 with every magnitude, including the extremes (two's-complement wrap in the deltas). */
  function randomInt64(rows: number, seed: number): BigInt64Array {
    const r = mulberry32(seed);
    const out = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) {
      const bits = BigInt(Math.floor(r() * 64));
      const v = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
      out[i] = BigInt.asIntN(64, v >> (63n - bits));
    }
    out[0] = -(2n ** 63n);
    if (rows > 1) out[rows - 1] = 2n ** 63n - 1n;
    return out;
  }

  async function expectTailEqual(
    data: BigInt64Array | Float64Array,
    chain: 'auto' | object[],
    label: string,
  ) {
    const frame = await encodeColumn(data, chain === 'auto' ? {} : { chain: chain as never });
    const names = readFrameHeader(frame).chain.map((s) => s.codec);
    setDecodeBackend('js');
    const js = await decodeColumn(frame);
    for (const backend of FAST) {
      setDecodeBackend(backend);
      const fast = await decodeColumn(frame);
      const tag = `${backend}: ${label} ${names.join('>')}`;
      expect(Buffer.from(bytesOf(fast)).equals(Buffer.from(bytesOf(js))), tag).toBe(true);
      expect(Buffer.from(bytesOf(fast)).equals(Buffer.from(bytesOf(data))), `${tag} vs original`).toBe(true);
    }
    return names;
  }

  it('decodes timestamps (delta-of-delta), random int64 (delta) and decimal prices identically, byte- and bit-shuffled', async () => {
    const dod = [
      { codec: 'delta' },
      { codec: 'delta' },
      { codec: 'zigzag' },
      { codec: 'shuffle', typesize: 8 },
      { codec: 'zstd', level: 3 },
    ];
    const single = dod.slice(1);
    const bitDod = dod.map((s) => (s.codec === 'shuffle' ? { codec: 'bitshuffle', typesize: 8 } : s));
    const bitSingle = bitDod.slice(1);
    // Around the 8-value groups and 64-value blocks of the kernels, and the 256-value threshold.
    for (const rows of [255, 256, 257, 263, 511, 512, 519, 577, 1000, 65_536]) {
      await expectTailEqual(timestamps(rows, rows + 3), bitDod, `ts bitshuffle ${rows}`);
      await expectTailEqual(randomInt64(rows, rows + 4), bitSingle, `int64 bitshuffle ${rows}`);
      expect(await expectTailEqual(timestamps(rows, rows), dod, `ts ${rows}`)).toEqual([
        'delta',
        'delta',
        'zigzag',
        'shuffle',
        'zstd',
      ]);
      await expectTailEqual(randomInt64(rows, rows + 1), single, `int64 ${rows}`);
      await expectTailEqual(randomInt64(rows, rows + 2), dod, `int64 dod ${rows}`);
    }
    const prices = seededBars(5000, 3, { scale: 2, exceptions: 0.01 }).close;
    expect((await expectTailEqual(prices, 'auto', 'prices'))[0]).toBe('decimal');
    const decimalBits = [
      { codec: 'decimal' },
      { codec: 'delta' },
      { codec: 'zigzag' },
      { codec: 'bitshuffle', typesize: 8 },
      { codec: 'zstd', level: 3 },
    ];
    await expectTailEqual(prices, decimalBits, 'prices bitshuffle');
  });
});
