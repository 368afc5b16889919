import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { sharedDataDir } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';
import {
  bitshuffleBytes,
  bitunshuffleBytes,
  type ColumnArray,
  candidateChains,
  decimalDecode,
  decimalEncode,
  decodeColumn,
  decodeFrame,
  encodeColumn,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_VERSION,
  isCompressionError,
  listCodecs,
  lz4CompressBlock,
  lz4DecompressBlock,
  readFrameHeader,
  type StageSpec,
  setZstdBackend,
  shuffleBytes,
  unshuffleBytes,
} from '../src/index.js';
import { bytesOf, fakeCloses, mulberry32, randomBytes, resealFrame } from './helpers.js';

const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Float64 edge cases: NaN (two payloads), ±Infinity, ±0, denormals, extremes, non-decimal values. */
function edgeFloats(): Float64Array {
  const a = new Float64Array([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.EPSILON,
    0.1 + 0.2,
    Math.PI,
    2 ** 53 + 2,
    1e22,
  ]);
  new DataView(a.buffer).setUint32(4, 0x7ff80abc, true); // NaN with a payload
  return a;
}

const I64_EXTREMES = BigInt64Array.from([
  -(2n ** 63n),
  2n ** 63n - 1n,
  0n,
  -1n,
  1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
]);

/** Realistic columns read from the shared real data when present, else seeded fakes of the same shape. */
function realColumns(): Record<string, ColumnArray> {
  const path = new URL('us-1min-2018q1-sample/intraday/AAPL.csv', pathToFileURL(`${sharedDataDir()}/`));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const closes = fakeCloses(5000, 1);
    return {
      close: closes,
      ts: BigInt64Array.from(
        { length: 5000 },
        (_, i) => 1_518_791_400_000_000_000n + BigInt(i) * 60_000_000_000n,
      ),
    };
  }
  const rows = text
    .trim()
    .split('\n')
    .slice(1, 20_001)
    .map((l) => l.split(','));
  const col = (i: number) => Float64Array.from(rows, (r) => Number(r[i]));
  const ts = BigInt64Array.from(rows, (r) => BigInt(Date.parse(`${r[0]}T${r[1]}Z`)) * 1_000_000n);
  return { open: col(2), high: col(3), low: col(4), close: col(5), volume: col(6), ts };
}

const CHAINS: Record<string, StageSpec[]> = {
  zstd: [{ codec: 'zstd', level: 3 }],
  lz4: [{ codec: 'lz4' }],
  zlib: [{ codec: 'zlib', level: 6 }],
  'blosc lz4 shuffle': [{ codec: 'blosc', cname: 'lz4', shuffle: 'shuffle', typesize: 8 }],
  'blosc zstd bitshuffle': [{ codec: 'blosc', cname: 'zstd', shuffle: 'bitshuffle', typesize: 8 }],
  'blosc zlib noshuffle': [{ codec: 'blosc', cname: 'zlib', shuffle: 'noshuffle', typesize: 8, clevel: 9 }],
  'shuffle + zstd': [{ codec: 'shuffle', typesize: 8 }, { codec: 'zstd' }],
  'bitshuffle + lz4': [{ codec: 'bitshuffle', typesize: 8 }, { codec: 'lz4' }],
  'delta-of-delta + zigzag + shuffle + zstd': [
    { codec: 'delta' },
    { codec: 'delta' },
    { codec: 'zigzag' },
    { codec: 'shuffle', typesize: 8 },
    { codec: 'zstd' },
  ],
};

const INPUTS: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['single f64', bytesOf(new Float64Array([172.36]))],
  ['7 bytes', randomBytes(7, 1)],
  ['float edge cases', bytesOf(edgeFloats())],
  ['int64 extremes', bytesOf(I64_EXTREMES)],
  ['random 50001 bytes', randomBytes(50_001, 2)],
  ['closes 40000', bytesOf(fakeCloses(40_000, 3))],
  ['zeros 300000', new Uint8Array(300_000)],
];

describe('every codec chain round-trips byte for byte', () => {
  for (const [chainName, chain] of Object.entries(CHAINS)) {
    for (const [inputName, raw] of INPUTS) {
      it(`${chainName}: ${inputName}`, async () => {
        const frame = await encodeFrame(raw, { chain });
        const header = readFrameHeader(frame);
        expect(header.version).toBe(FRAME_VERSION);
        expect(header.chain.map((s) => s.codec)).toEqual(chain.map((s) => s.codec));
        expect(same(await decodeFrame(frame), raw)).toBe(true);
      });
    }
  }

  it('codecs are registered by name', () => {
    expect(listCodecs()).toEqual(
      expect.arrayContaining([
        'zstd',
        'blosc',
        'lz4',
        'zlib',
        'shuffle',
        'bitshuffle',
        'delta',
        'zigzag',
        'decimal',
      ]),
    );
  });

  it('the wasm and native zstd backends read each other’s frames', async () => {
    const raw = bytesOf(fakeCloses(10_000, 4));
    setZstdBackend('wasm');
    const fromWasm = await encodeFrame(raw, { chain: [{ codec: 'zstd', level: 5 }] });
    const v1FromWasm = await encodeFrame(raw);
    setZstdBackend(undefined);
    expect(same(await decodeFrame(fromWasm), raw)).toBe(true);
    expect(same(await decodeFrame(v1FromWasm), raw)).toBe(true);
    const fromDefault = await encodeFrame(raw, { chain: [{ codec: 'zstd', level: 5 }] });
    setZstdBackend('wasm');
    try {
      expect(same(await decodeFrame(fromDefault), raw)).toBe(true);
    } finally {
      setZstdBackend(undefined);
    }
  });
});

describe('encodeColumn / decodeColumn (automatic lossless chains)', () => {
  const seeded = (seed: number): Record<string, ColumnArray> => {
    const rand = mulberry32(seed);
    const n = 1 + Math.floor(rand() * 5000);
    const f = fakeCloses(n, seed);
    for (let i = 0; i < n; i += 97) f[i] = edgeFloats()[Math.floor(rand() * 15)] as number;
    return {
      prices: f,
      noise: Float64Array.from({ length: n }, () => (rand() - 0.5) * 1e6),
      ts: BigInt64Array.from(
        { length: n },
        (_, i) => 1_500_000_000_000_000_000n + BigInt(i) * 60_000_000_000n + BigInt(Math.floor(rand() * 3)),
      ),
      i32: Int32Array.from({ length: n }, () => Math.floor((rand() - 0.5) * 2 ** 32)),
      f32: Float32Array.from({ length: n }, () => rand()),
      u8: Uint8Array.from({ length: n }, () => Math.floor(rand() * 4)),
    };
  };
  const cases: [string, ColumnArray][] = [
    ['empty f64', new Float64Array(0)],
    ['empty i64', new BigInt64Array(0)],
    ['single', new Float64Array([172.36])],
    ['edge floats', edgeFloats()],
    ['int64 extremes', I64_EXTREMES],
    ['all NaN', new Float64Array(100).fill(Number.NaN)],
    ['all -0', new Float64Array(100).fill(-0)],
    ['denormals', Float64Array.from({ length: 1000 }, (_, i) => i * 5e-324)],
    ...Object.entries(realColumns()).map(([k, v]): [string, ColumnArray] => [`real ${k}`, v]),
    ...[1, 2, 3, 4, 5].flatMap((seed) =>
      Object.entries(seeded(seed)).map(([k, v]): [string, ColumnArray] => [`seed ${seed} ${k}`, v]),
    ),
  ];
  for (const [name, data] of cases) {
    it(`${name} (${data.length} values)`, async () => {
      for (const backend of ['zstd', 'lz4', 'zlib'] as const) {
        const frame = await encodeColumn(data, { backend });
        const back = await decodeColumn(frame);
        expect(back.constructor).toBe(data.constructor);
        expect(same(back, data), backend).toBe(true);
      }
    });
  }

  it('real prices shrink far more with the decimal chain than with shuffle + zstd alone', async () => {
    const { close } = realColumns();
    const auto = await encodeColumn(close as Float64Array);
    const plain = await encodeColumn(close as Float64Array, {
      chain: [
        { codec: 'shuffle', typesize: 8 },
        { codec: 'zstd', level: 9 },
      ],
    });
    expect(readFrameHeader(auto).chain[0]?.codec).toBe('decimal');
    expect(auto.length).toBeLessThan(plain.length * 0.75);
  });

  it('regular timestamps compress to almost nothing with delta-of-delta', async () => {
    const ts = BigInt64Array.from(
      { length: 100_000 },
      (_, i) => 1_518_791_400_000_000_000n + BigInt(i) * 60_000_000_000n,
    );
    const frame = await encodeColumn(ts);
    expect(frame.length).toBeLessThan(ts.byteLength / 1000);
    expect(same(await decodeColumn(frame), ts)).toBe(true);
  });

  it('falls back to the plain chain when the decimal filter declines', async () => {
    const rand = mulberry32(9);
    const noise = Float64Array.from({ length: 5000 }, () => rand());
    const frame = await encodeColumn(noise);
    expect(readFrameHeader(frame).chain.map((s) => s.codec)).toEqual(['shuffle', 'zstd']);
    const explicit = await encodeColumn(noise, { chain: candidateChains('f64')[0] as StageSpec[] });
    expect(readFrameHeader(explicit).chain.map((s) => s.codec)).toEqual(['shuffle', 'zstd']);
    expect(same(await decodeColumn(explicit), noise)).toBe(true);
  });
});

describe('decimal filter', () => {
  it('finds the smallest exact scale', () => {
    expect(decimalEncode(bytesOf(new Float64Array([1, 2, 3])))?.scale).toBe(0);
    expect(decimalEncode(bytesOf(new Float64Array([172.36, 172.4, 0.01])))?.scale).toBe(2);
    expect(decimalEncode(bytesOf(new Float64Array([51.8, 52.125, 1.0001])))?.scale).toBe(4);
  });

  it('keeps NaN payloads, ±Infinity and -0 as exceptions and restores them bit for bit', () => {
    const values = new Float64Array(200).map((_, i) => 100 + i / 100);
    const edges = edgeFloats();
    for (let i = 0; i < 8; i++) values[i * 20] = edges[i] as number;
    const raw = bytesOf(values);
    const enc = decimalEncode(raw);
    expect(enc?.scale).toBe(2);
    expect(enc?.exceptions).toBe(7); // the +0 at index 80 is an ordinary value
    expect(same(decimalDecode(enc?.ints as Uint8Array, enc?.params as Uint8Array), raw)).toBe(true);
  });

  it('declines values without a short exact decimal form', () => {
    const rand = mulberry32(1);
    expect(decimalEncode(bytesOf(Float64Array.from({ length: 1000 }, () => rand())))).toBeUndefined();
    expect(decimalEncode(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it('round-trips every value of seeded random decimals at scales 0..8', () => {
    for (let k = 0; k <= 8; k++) {
      const rand = mulberry32(100 + k);
      const values = Float64Array.from(
        { length: 2000 },
        () => Math.round((rand() - 0.3) * 1e5 * 10 ** k) / 10 ** k,
      );
      const enc = decimalEncode(bytesOf(values));
      expect(enc).toBeDefined();
      expect(enc?.scale).toBeLessThanOrEqual(k);
      expect(same(decimalDecode(enc?.ints as Uint8Array, enc?.params as Uint8Array), values)).toBe(true);
    }
  });
});

describe('filters and lz4', () => {
  it('shuffle and bitshuffle match naive definitions and invert', () => {
    for (const [len, t] of [
      [0, 8],
      [5, 8],
      [64, 8],
      [1000, 8],
      [1001, 4],
      [777, 1],
      [96, 3],
    ] as const) {
      const input = randomBytes(len, len + t);
      const s = shuffleBytes(input, t);
      const n = Math.floor(len / t);
      for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) expect(s[j * n + i]).toBe(input[i * t + j]);
      expect(unshuffleBytes(s, t)).toEqual(input);
      const b = bitshuffleBytes(input, t);
      const groups = Math.floor(n / 8);
      for (let i = 0; i < groups * 8; i++) {
        for (let j = 0; j < t; j++) {
          for (let bit = 0; bit < 8; bit++) {
            const got = ((b[(j * 8 + bit) * groups + (i >> 3)] as number) >> (i & 7)) & 1;
            expect(got).toBe(((input[i * t + j] as number) >> bit) & 1);
          }
        }
      }
      expect(bitunshuffleBytes(b, t)).toEqual(input);
    }
  });

  it('lz4 blocks round-trip and reject corrupt input with a RangeError', () => {
    for (const input of [
      new Uint8Array(0),
      randomBytes(10, 1),
      randomBytes(70_000, 2),
      new Uint8Array(100_000).fill(7),
      bytesOf(fakeCloses(9000, 3)),
    ]) {
      const c = lz4CompressBlock(input);
      expect(lz4DecompressBlock(c, input.length)).toEqual(input);
    }
    const c = lz4CompressBlock(new Uint8Array(1000).fill(1));
    expect(() => lz4DecompressBlock(c.subarray(0, c.length - 1), 1000)).toThrow(RangeError);
    expect(() => lz4DecompressBlock(c, 999)).toThrow(RangeError);
  });
});

describe('chain frames reject bad input with typed errors', () => {
  it('unknown codec id in the chain -> MMTAPE_CODEC_UNKNOWN (once the checksum matches)', async () => {
    const frame = await encodeFrame(bytesOf(fakeCloses(100, 1)), {
      chain: [{ codec: 'shuffle', typesize: 8 }, { codec: 'zstd' }],
    });
    frame[FRAME_HEADER_BYTES + 1] = 99; // first stage id
    expect(readFrameHeader(frame).chain[0]?.codec).toBe('#99');
    // The descriptor is covered by the checksum: a flipped id is corruption...
    const corrupt = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(corrupt, 'MMTAPE_FRAME_CHECKSUM_MISMATCH')).toBe(true);
    // ...while a frame really written with an id this build lacks is an unknown codec (e.g. 21, the
    // id of a filter drafted before the first release and removed).
    resealFrame(frame);
    const err = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_CODEC_UNKNOWN'), String(err)).toBe(true);
    frame[FRAME_HEADER_BYTES + 1] = 21;
    resealFrame(frame);
    const removed = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(removed, 'MMTAPE_CODEC_UNKNOWN'), String(removed)).toBe(true);
  });

  it('unknown codec name -> MMTAPE_CODEC_UNKNOWN; bad options -> MMTAPE_CODEC_INVALID_OPTIONS', async () => {
    const unknown = await encodeFrame(Uint8Array.of(1), { chain: [{ codec: 'brotli' }] }).catch(
      (e: unknown) => e,
    );
    expect(isCompressionError(unknown, 'MMTAPE_CODEC_UNKNOWN')).toBe(true);
    const blosclz = await encodeFrame(Uint8Array.of(1), {
      chain: [{ codec: 'blosc', cname: 'blosclz' as 'lz4' }],
    }).catch((e: unknown) => e);
    expect(isCompressionError(blosclz, 'MMTAPE_CODEC_INVALID_OPTIONS')).toBe(true);
    const typesize = await encodeFrame(Uint8Array.of(1), {
      chain: [{ codec: 'shuffle', typesize: 0 }],
    }).catch((e: unknown) => e);
    expect(isCompressionError(typesize, 'MMTAPE_CODEC_INVALID_OPTIONS')).toBe(true);
  });

  it('every single-byte corruption of a chain frame -> typed error or exact bytes, never a crash', async () => {
    const raw = bytesOf(fakeCloses(300, 8));
    for (const chain of [
      CHAINS['blosc lz4 shuffle'],
      CHAINS.lz4,
      candidateChains('f64')[0],
    ] as StageSpec[][]) {
      // The checksum rejects the stored bytes first; re-sealed frames let the corruption reach the
      // stage decoders, which must still fail cleanly.
      for (const mode of ['as stored', 'resealed'] as const) {
        const frame = await encodeFrame(raw, { chain });
        let exact = 0;
        for (let i = 0; i < frame.length; i++) {
          const bad = frame.slice();
          bad[i] = (bad[i] as number) ^ 0x5a;
          if (mode === 'resealed') resealFrame(bad);
          const result = await decodeFrame(bad).catch((e: unknown) => e);
          if (result instanceof Uint8Array) {
            // A re-sealed frame is a different, valid frame: its bytes may legitimately differ
            // (nothing checks the decoded bytes), but must have the announced length.
            if (mode === 'resealed') expect(result.length, `${mode} byte ${i}`).toBe(raw.length);
            else expect(same(result, raw), `${mode} byte ${i}`).toBe(true);
            exact++;
          } else expect(isCompressionError(result), `${mode} byte ${i}: ${String(result)}`).toBe(true);
        }
        // A frame never decodes after a single-byte flip: every byte is either covered by the checksum
        // or is the checksum itself.
        if (mode === 'as stored') expect(exact, mode).toBe(0);
      }
    }
  });
});
