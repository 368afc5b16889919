/**
 * The frame checksum: it covers every stored byte but the checksum field and is verified before
 * decoding (`FORMAT.md`, "Checksum").
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type BarColumns,
  candidateChains,
  decodeBars,
  decodeBarsInto,
  decodeColumn,
  decodeFrame,
  encodeBars,
  encodeColumn,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_VERSION,
  frameChecksumOf,
  isBarFrame,
  isCompressionError,
  readFrameHeader,
  type StageSpec,
} from '../src/index.js';
import { bytesOf, emptyBars, fakeCloses, mulberry32, randomBytes, resealFrame } from './helpers.js';

const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The checksum rule, written out independently of `frameChecksumOf`. */
const expectedChecksum = (frame: Uint8Array): number =>
  crc32(Buffer.concat([frame.subarray(0, 16), frame.subarray(20)])) >>> 0;

const storedChecksum = (frame: Uint8Array): number =>
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(16, true);

/** Seeded random-walk OHLCV bars in cents, volumes in lots. */
function seededBars(rows: number, seed: number, volume = true): BarColumns & { rows: number } {
  const r = mulberry32(seed);
  const cols = emptyBars(rows);
  let prev = 25_000;
  for (let i = 0; i < rows; i++) {
    const o = prev + Math.round((r() - 0.5) * 6);
    const c = o + Math.round((r() - 0.5) * 40);
    cols.open[i] = o / 100;
    cols.close[i] = c / 100;
    cols.high[i] = (Math.max(o, c) + Math.floor(r() * 10)) / 100;
    cols.low[i] = (Math.min(o, c) - Math.floor(r() * 10)) / 100;
    cols.volume[i] = Math.floor(r() * 300) * 100;
    prev = c;
  }
  const bars: BarColumns & { rows: number } = { ...cols, rows };
  if (!volume) delete bars.volume;
  return bars;
}

function expectBarsEqual(back: BarColumns, bars: BarColumns, rows: number): void {
  for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
    const want = bars[k];
    if (want === undefined) continue;
    expect(same((back[k] as Float64Array).subarray(0, rows), want), k).toBe(true);
  }
}

/** `closes` with a few values that have no decimal form (kept as exceptions by the decimal filters). */
function withEdgeValues(closes: Float64Array): Float64Array {
  closes[10] = Number.NaN;
  closes[20] = -0;
  closes[30] = Number.POSITIVE_INFINITY;
  closes[40] = Number.NEGATIVE_INFINITY;
  closes[50] = 1 / 3;
  return closes;
}

const CHAINS: [string, StageSpec[]][] = [
  [
    'shuffle + zstd',
    [
      { codec: 'shuffle', typesize: 8 },
      { codec: 'zstd', level: 3 },
    ],
  ],
  [
    'decimal > delta > zigzag > bitshuffle > lz4',
    candidateChains('f64', { backend: 'lz4' })[2] as StageSpec[],
  ],
  [
    'delta-of-delta i64 > zlib',
    [{ codec: 'delta' }, { codec: 'delta' }, { codec: 'zigzag' }, { codec: 'zlib', level: 6 }],
  ],
  ['blosc zstd', [{ codec: 'blosc', cname: 'zstd', clevel: 5, shuffle: 'shuffle', typesize: 8 }]],
];

describe('frames: layout and round trips', () => {
  it('golden bytes: a one-stage shuffle frame, checksum over header + descriptor + payload', async () => {
    const frame = await encodeFrame(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), {
      chain: [{ codec: 'shuffle', typesize: 2 }],
    });
    // magic | version 03 | dtype 00 | descriptor length 7 | raw length 8 | CRC-32 of every byte but
    // these 4 = 0xdc850cb3 LE | payload length 8 | descriptor: 1 stage, id 16, 1 param byte (2), pad |
    // payload: bytes 1..8 shuffled by 2
    expect(hex(frame)).toBe(
      '894d545a' +
        '03' +
        '00' +
        '0700' +
        '0800000000000000' +
        'b30c85dc' +
        '08000000' +
        '0110010000000200' +
        '0103050702040608',
    );
    expect(storedChecksum(frame)).toBe(expectedChecksum(frame));
    expect(frameChecksumOf(frame)).toBe(0xdc850cb3);
    expect(readFrameHeader(frame)).toMatchObject({
      version: 3,
      checksum: 0xdc850cb3,
      headerLengthBytes: 32,
      frameLengthBytes: 40,
    });
    expect(await decodeFrame(frame)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  });

  it('frameChecksumOf ignores the stored checksum and needs a whole header', () => {
    const frame = randomBytes(64, 3);
    const before = frameChecksumOf(frame);
    frame[16] = (frame[16] as number) ^ 0xff;
    frame[19] = (frame[19] as number) ^ 0x01;
    expect(frameChecksumOf(frame)).toBe(before);
    expect(before).toBe(expectedChecksum(frame));
    frame[20] = (frame[20] as number) ^ 0x01;
    expect(frameChecksumOf(frame)).not.toBe(before);
    expect(() => frameChecksumOf(frame.subarray(0, 23))).toThrow(RangeError);
  });

  const inputs: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one f64', bytesOf(new Float64Array([187.25]))],
    ['closes 30000', bytesOf(fakeCloses(30_000, 5))],
    ['closes with NaN, -0, ±Infinity', bytesOf(withEdgeValues(fakeCloses(10_000, 6)))],
  ];
  for (const [chainName, chain] of CHAINS) {
    for (const [inputName, raw] of inputs) {
      it(`${chainName}: ${inputName}`, async () => {
        const frame = await encodeFrame(raw, { chain, dtype: 'f64' });
        const header = readFrameHeader(frame);
        expect(header.version).toBe(FRAME_VERSION);
        expect(header.checksum).toBe(expectedChecksum(frame));
        expect(storedChecksum(frame)).toBe(header.checksum);
        expect(header.chain.map((s) => s.codec)).toEqual(chain.map((s) => s.codec));
        expect(same(await decodeFrame(frame), raw)).toBe(true);
      });
    }
  }

  it('codec names none/zstd/blosc/lz4/zlib, encodeColumn for every dtype and encodeBars write version 3', async () => {
    for (const codec of ['none', 'zstd', 'blosc', 'lz4', 'zlib'] as const) {
      const raw = bytesOf(fakeCloses(2000, 7));
      const frame = await encodeFrame(raw, { codec });
      expect(readFrameHeader(frame).version, codec).toBe(3);
      expect(same(await decodeFrame(frame), raw), codec).toBe(true);
    }
    const columns = [
      fakeCloses(5000, 1),
      BigInt64Array.from(
        { length: 5000 },
        (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 60_000_000_000n,
      ),
      Float32Array.from(fakeCloses(100, 2)),
      Int32Array.from({ length: 100 }, (_, i) => i * 7 - 300),
      randomBytes(300, 4),
    ];
    for (const data of columns) {
      const frame = await encodeColumn(data);
      expect(readFrameHeader(frame).version).toBe(3);
      const back = await decodeColumn(frame);
      expect(back.constructor).toBe(data.constructor);
      expect(same(back, data)).toBe(true);
    }
    for (const volume of [true, false]) {
      const bars = seededBars(3000, volume ? 11 : 12, volume);
      const frame = (await encodeBars(bars)) as Uint8Array;
      expect(readFrameHeader(frame)).toMatchObject({ version: 3, dtype: 'f64' });
      expect(isBarFrame(frame)).toBe(true);
      const out = emptyBars(3000);
      expect(decodeBarsInto(frame, out)).toBe(3000);
      expectBarsEqual(out, bars, 3000);
      expectBarsEqual(decodeBars(frame), bars, 3000);
      const raw = await decodeFrame(frame);
      expect(raw.length).toBe(3000 * 8 * (volume ? 5 : 4));
    }
  });

  it('versions other than 3 (1 and 2 were drafts) -> FrameVersionError, from decodeFrame, decodeBarsInto and isBarFrame', async () => {
    const frame = (await encodeBars(seededBars(50, 3))) as Uint8Array;
    for (const version of [0, 1, 2, 4, 255]) {
      const bad = frame.slice();
      bad[4] = version;
      const err = await decodeFrame(bad).catch((e: unknown) => e);
      expect(isCompressionError(err, 'MMTAPE_FRAME_UNSUPPORTED_VERSION')).toBe(true);
      expect(err).toMatchObject({ offsetBytes: 4, expected: 3, actual: version });
      expect(() => decodeBarsInto(bad, emptyBars(50))).toThrow(/unsupported frame version/);
      expect(isBarFrame(bad)).toBe(false);
    }
  });
});

describe('frames: corruption is caught before decoding', () => {
  it('every byte of a column frame, flipped: a typed error, never data; payload -> ChecksumMismatchError', async () => {
    const raw = bytesOf(fakeCloses(400, 9));
    const frame = await encodeColumn(new Float64Array(raw.buffer));
    const { headerLengthBytes } = readFrameHeader(frame);
    const codes = new Map<string, number>();
    for (let i = 0; i < frame.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = frame.slice();
        bad[i] = (bad[i] as number) ^ flip;
        const result = await decodeFrame(bad).catch((e: unknown) => e);
        expect(result instanceof Uint8Array, `byte ${i} flip ${flip} decoded`).toBe(false);
        expect(isCompressionError(result), `byte ${i}: ${String(result)}`).toBe(true);
        const code = (result as { code: string }).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (i >= 8 && i < 16) {
          // Raw length: a value above 2^53 fails the header check, any other the checksum.
          expect(['MMTAPE_FRAME_CHECKSUM_MISMATCH', 'MMTAPE_FRAME_TOO_LARGE'], `byte ${i}`).toContain(code);
        }
        if (i >= headerLengthBytes || (i >= 16 && i < 20)) {
          // Payload, padding, checksum field: the stored bytes no longer match.
          expect(code, `byte ${i} flip ${flip}`).toBe('MMTAPE_FRAME_CHECKSUM_MISMATCH');
          expect(result).toMatchObject({
            scope: 'frame',
            offsetBytes: 16,
            expected: storedChecksum(bad),
            actual: frameChecksumOf(bad),
          });
        }
      }
    }
    expect(codes.get('MMTAPE_FRAME_CHECKSUM_MISMATCH')).toBeGreaterThan((frame.length - 24) * 3 * 0.9);
    expect(codes.has('MMTAPE_FRAME_BAD_MAGIC')).toBe(true);
    expect(codes.has('MMTAPE_FRAME_UNSUPPORTED_VERSION')).toBe(true);
  });

  it('every byte of a bar frame, flipped: decodeBarsInto throws before writing anything', async () => {
    const bars = seededBars(700, 21);
    const frame = (await encodeBars(bars)) as Uint8Array;
    const { headerLengthBytes } = readFrameHeader(frame);
    const out = emptyBars(700);
    const sentinel = bytesOf(new Float64Array(700).fill(-12.5));
    for (let i = 0; i < frame.length; i++) {
      const bad = frame.slice();
      bad[i] = (bad[i] as number) ^ (1 << (i % 8));
      for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) bytesOf(out[k]).set(sentinel);
      let err: unknown;
      try {
        decodeBarsInto(bad, out);
      } catch (e) {
        err = e;
      }
      expect(isCompressionError(err), `byte ${i}: ${String(err)}`).toBe(true);
      if (i >= FRAME_HEADER_BYTES + 1 && isCompressionError(err, 'MMTAPE_FRAME_CHECKSUM_MISMATCH')) {
        expect(err.scope).toBe('frame');
      }
      if (i >= headerLengthBytes) {
        expect(isCompressionError(err, 'MMTAPE_FRAME_CHECKSUM_MISMATCH'), `byte ${i}`).toBe(true);
        // Verified before the decoder ran: the output arrays are untouched.
        for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
          expect(same(out[k], sentinel), `byte ${i} ${k}`).toBe(true);
        }
      }
    }
  });

  it('seeded random bit flips in a bar frame and a column frame: always a typed error, mostly ChecksumMismatchError', async () => {
    const bars = seededBars(5000, 33);
    const barFrame = (await encodeBars(bars)) as Uint8Array;
    const colFrame = await encodeColumn(fakeCloses(20_000, 34));
    const r = mulberry32(20260322);
    const out = emptyBars(5000);
    for (const [label, frame] of [
      ['bar', barFrame],
      ['column', colFrame],
    ] as const) {
      let checksum = 0;
      const trials = 400;
      for (let t = 0; t < trials; t++) {
        const bad = frame.slice();
        const flips = 1 + Math.floor(r() * 3); // 1..3 bits anywhere in the frame
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(r() * bad.length);
          bad[at] = (bad[at] as number) ^ (1 << Math.floor(r() * 8));
        }
        if (same(bad, frame)) continue; // two flips cancelled out
        const viaFrame = await decodeFrame(bad).catch((e: unknown) => e);
        expect(isCompressionError(viaFrame), `${label} trial ${t}: ${String(viaFrame)}`).toBe(true);
        if (isCompressionError(viaFrame, 'MMTAPE_FRAME_CHECKSUM_MISMATCH')) checksum++;
        const direct =
          label === 'bar'
            ? (() => {
                try {
                  decodeBarsInto(bad, out);
                } catch (e) {
                  return e;
                }
              })()
            : await decodeColumn(bad).catch((e: unknown) => e);
        expect(isCompressionError(direct), `${label} trial ${t}: ${String(direct)}`).toBe(true);
        // decodeColumn is decodeFrame plus a typed view; decodeBarsInto may say "not a bar frame" first.
        if (label === 'column')
          expect((direct as { code: string }).code).toBe((viaFrame as { code: string }).code);
      }
      expect(checksum, label).toBeGreaterThan(trials * 0.9);
    }
  });

  it('a flipped raw length cannot make decodeBars allocate: the checksum fails first', async () => {
    const frame = (await encodeBars(seededBars(100, 5))) as Uint8Array;
    const bad = frame.slice();
    bad[13] = 0x10; // raw length ~ 2^44 bytes
    expect(() => decodeBars(bad)).toThrow(/checksum mismatch: frame bytes/);
  });

  it('patched and re-sealed frames reach the decoders, which still fail with typed errors', async () => {
    const frame = (await encodeBars(seededBars(300, 8))) as Uint8Array;
    const { headerLengthBytes } = readFrameHeader(frame);
    const r = mulberry32(7);
    let failures = 0;
    for (let t = 0; t < 200; t++) {
      const bad = frame.slice();
      const at = headerLengthBytes + Math.floor(r() * (bad.length - headerLengthBytes));
      bad[at] = (bad[at] as number) ^ 0xff;
      resealFrame(bad);
      try {
        decodeBarsInto(bad, emptyBars(300));
      } catch (e) {
        failures++;
        expect(isCompressionError(e), String(e)).toBe(true);
        expect(isCompressionError(e, 'MMTAPE_FRAME_CHECKSUM_MISMATCH'), String(e)).toBe(false);
      }
    }
    // Most re-sealed flips break the entropy-coded data; a few land in raw bits and decode to other values.
    expect(failures).toBeGreaterThan(0);
  });
});
