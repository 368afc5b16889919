import { describe, expect, it } from 'vitest';
import {
  type CodecName,
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  isCompressionError,
  isFrame,
  isMmtapeError,
  readFrameHeader,
} from '../src/index.js';
import { bytesOf, fakeCloses, randomBytes, resealFrame } from './helpers.js';

const CODECS: CodecName[] = ['none', 'zstd'];

const INPUTS: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['1 byte', Uint8Array.of(42)],
  ['255 bytes', randomBytes(255, 1)],
  ['256 bytes', randomBytes(256, 11)],
  ['random 100 KiB (seed 7)', randomBytes(100 * 1024, 7)],
  ['highly compressible 1 MiB', new Uint8Array(1024 * 1024).fill(0x61)],
  ['Float64Array of 5000 closes', bytesOf(fakeCloses(5000, 3))],
];

describe('encodeFrame/decodeFrame round trip', () => {
  for (const codec of CODECS) {
    for (const [name, raw] of INPUTS) {
      it(`${codec}: ${name}`, async () => {
        const before = raw.slice();
        const frame = await encodeFrame(raw, { codec });
        expect(Buffer.from(raw).equals(Buffer.from(before))).toBe(true); // input untouched
        expect(isFrame(frame)).toBe(true);
        const header = readFrameHeader(frame);
        expect(header).toMatchObject({
          version: FRAME_VERSION,
          codec,
          codecId: codec === 'none' ? 0 : 1,
          level: codec === 'none' ? 0 : 3,
          chain: codec === 'none' ? [] : [{ codec: 'zstd', id: 1 }],
          rawLengthBytes: raw.byteLength,
          headerLengthBytes: FRAME_HEADER_BYTES + 8, // descriptor padded to 8 bytes
          frameLengthBytes: frame.byteLength,
        });
        const back = await decodeFrame(frame);
        expect(back.byteLength).toBe(raw.byteLength);
        expect(Buffer.from(back).equals(Buffer.from(raw))).toBe(true);
      });
    }
  }

  it('zstd shrinks compressible data and keeps a Float64Array bit-exact', async () => {
    const closes = fakeCloses(20_000, 99);
    closes[5] = Number.NaN;
    closes[6] = -0;
    const frame = await encodeFrame(bytesOf(closes));
    expect(frame.byteLength).toBeLessThan(closes.byteLength);
    const back = await decodeFrame(frame);
    const decoded = new Float64Array(back.buffer, back.byteOffset, back.byteLength / 8);
    expect(Object.is(decoded[6], -0)).toBe(true);
    expect(Number.isNaN(decoded[5])).toBe(true);
    expect(decoded).toEqual(closes);
    const zeros = await encodeFrame(new Uint8Array(1 << 20));
    expect(zeros.byteLength).toBeLessThan(1024);
  });

  it('works for every zstd level 1..22 and records the level', async () => {
    const raw = bytesOf(fakeCloses(2000, 5));
    for (let level = 1; level <= 22; level++) {
      const frame = await encodeFrame(raw, { level });
      expect(readFrameHeader(frame).level).toBe(level);
      expect(Buffer.from(await decodeFrame(frame)).equals(Buffer.from(raw))).toBe(true);
    }
  });

  it('accepts a subarray view with a non-zero byteOffset', async () => {
    const big = randomBytes(1000, 3);
    const view = big.subarray(13, 517);
    for (const codec of CODECS) {
      const back = await decodeFrame(await encodeFrame(view, { codec }));
      expect(Buffer.from(back).equals(Buffer.from(view))).toBe(true);
    }
  });

  it('returns a fresh buffer, never a view of the frame', async () => {
    const frame = await encodeFrame(Uint8Array.of(1, 2, 3), { codec: 'none' });
    const back = await decodeFrame(frame);
    back[0] = 99;
    expect(await decodeFrame(frame)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('returns an independent copy when given a Node Buffer (whose slice() would be a view)', async () => {
    const frame = Buffer.from(await encodeFrame(Uint8Array.of(5, 6, 7), { codec: 'none' }));
    const back = await decodeFrame(frame);
    expect(Buffer.isBuffer(back)).toBe(false);
    expect(back.buffer.byteLength).toBe(3);
    back[0] = 0;
    expect(frame[readFrameHeader(frame).headerLengthBytes]).toBe(5);
  });

  it('concurrent first calls share one lazy wasm initialisation', async () => {
    const inputs = Array.from({ length: 16 }, (_, i) => randomBytes(1000 + i, i));
    const frames = await Promise.all(inputs.map((raw) => encodeFrame(raw)));
    const back = await Promise.all(frames.map((f) => decodeFrame(f)));
    back.forEach((b, i) => {
      expect(b).toEqual(inputs[i]);
    });
  });
});

describe('frame header layout (golden bytes)', () => {
  it('codec none frame of "hello" is byte-exact', async () => {
    const frame = await encodeFrame(new TextEncoder().encode('hello'), { codec: 'none' });
    // magic 894d545a | version 03 | dtype 00 (bytes) | descriptor length u16 LE 1 | raw length u64 LE 5
    // | CRC-32 of every byte but these 4 = 0x2deaaa01 LE | payload length u32 LE 5
    // | descriptor: 0 stages, then 7 zero bytes of padding | "hello"
    expect(Buffer.from(frame).toString('hex')).toBe(
      '894d545a' +
        '03000100' +
        '0500000000000000' +
        '01aaea2d' +
        '05000000' +
        '0000000000000000' +
        '68656c6c6f',
    );
    // The same CRC-32 computed independently (zlib.crc32 of bytes 0..16 then 20..).
    const { crc32 } = await import('node:zlib');
    expect(crc32(frame.subarray(20), crc32(frame.subarray(0, 16)))).toBe(0x2deaaa01);
    expect(FRAME_MAGIC).toEqual([0x89, 0x4d, 0x54, 0x5a]);
  });
});

describe('decodeFrame rejects bad input with typed errors', () => {
  it('wrong magic -> MMTAPE_FRAME_BAD_MAGIC with expected vs actual', async () => {
    const frame = await encodeFrame(randomBytes(100, 1));
    frame[0] = 0x7b; // '{'
    expect(isFrame(frame)).toBe(false);
    const err = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_FRAME_BAD_MAGIC')).toBe(true);
    expect(err).toMatchObject({ offsetBytes: 0, expected: '894d545a', actual: '7b4d545a' });
    expect(() => readFrameHeader(new TextEncoder().encode('{"a":1}'))).toThrow(/magic/);
  });

  it('unsupported version -> MMTAPE_FRAME_UNSUPPORTED_VERSION', async () => {
    const frame = await encodeFrame(randomBytes(10, 1));
    frame[4] = 9;
    const err = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_FRAME_UNSUPPORTED_VERSION')).toBe(true);
    expect(err).toMatchObject({ offsetBytes: 4, expected: 3, actual: 9 });
    expect((err as Error).message).toContain('expected 3 (the only frame version)');
    for (const old of [1, 2]) {
      const bad = await encodeFrame(randomBytes(10, 1));
      bad[4] = old; // drafts never released
      const e = await decodeFrame(bad).catch((x: unknown) => x);
      expect(isCompressionError(e, 'MMTAPE_FRAME_UNSUPPORTED_VERSION'), String(old)).toBe(true);
    }
  });

  it('unknown dtype code in a frame -> MMTAPE_CODEC_UNKNOWN at byte 5', async () => {
    const frame = await encodeFrame(randomBytes(10, 1));
    frame[5] = 7;
    const err = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_CODEC_UNKNOWN')).toBe(true);
    expect(err).toMatchObject({ offsetBytes: 5, actual: 7 });
    expect(() => readFrameHeader(frame)).toThrow(/7 at byte 5/);
  });

  it('unknown codec name or bad level in encodeFrame -> typed errors', async () => {
    const err = await encodeFrame(Uint8Array.of(1), { codec: 'lzma' as CodecName }).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_CODEC_UNKNOWN')).toBe(true);
    for (const level of [0, 23, 2.5, -1, Number.NaN]) {
      const e = await encodeFrame(Uint8Array.of(1), { level }).catch((x: unknown) => x);
      expect(isCompressionError(e, 'MMTAPE_CODEC_INVALID_LEVEL')).toBe(true);
    }
  });

  it('every truncation of a frame -> typed error with offset, expected and actual', async () => {
    for (const codec of CODECS) {
      const frame = await encodeFrame(bytesOf(fakeCloses(200, 1)), { codec });
      for (let length = 0; length < frame.byteLength; length++) {
        const err = await decodeFrame(frame.subarray(0, length)).catch((e: unknown) => e);
        expect(isCompressionError(err, 'MMTAPE_FRAME_TRUNCATED'), `length ${length}`).toBe(true);
        const headerBytes = readFrameHeader(frame).headerLengthBytes;
        if (length < FRAME_HEADER_BYTES) {
          expect(err).toMatchObject({ offsetBytes: 0, expected: FRAME_HEADER_BYTES, actual: length });
        } else if (length >= headerBytes) {
          expect(err).toMatchObject({
            offsetBytes: headerBytes,
            expected: frame.byteLength - headerBytes,
            actual: length - headerBytes,
          });
          expect((err as Error).message).toMatch(/needs \d+ bytes but only \d+ are available/);
        }
      }
    }
  });

  it('trailing bytes -> MMTAPE_FRAME_LENGTH_MISMATCH', async () => {
    const frame = await encodeFrame(Uint8Array.of(1, 2, 3));
    const longer = new Uint8Array(frame.byteLength + 1);
    longer.set(frame);
    const err = await decodeFrame(longer).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_FRAME_LENGTH_MISMATCH')).toBe(true);
    expect(err).toMatchObject({ expected: frame.byteLength, actual: frame.byteLength + 1 });
  });

  it('codec none payload length different from raw length -> MMTAPE_FRAME_LENGTH_MISMATCH', async () => {
    const frame = await encodeFrame(Uint8Array.of(1, 2, 3, 4), { codec: 'none' });
    frame[8] = 3; // raw length 3, payload length 4
    resealFrame(frame);
    const err = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_FRAME_LENGTH_MISMATCH')).toBe(true);
  });

  it('raw length in the header disagreeing with the zstd content size -> typed error', async () => {
    const frame = await encodeFrame(randomBytes(1000, 2));
    new DataView(frame.buffer).setUint32(8, 999, true);
    resealFrame(frame);
    const err = await decodeFrame(frame).catch((e: unknown) => e);
    expect(isCompressionError(err, 'MMTAPE_FRAME_LENGTH_MISMATCH')).toBe(true);
    expect(err).toMatchObject({ expected: 999, actual: 1000 });
  });

  it('stored checksum altered -> MMTAPE_FRAME_CHECKSUM_MISMATCH', async () => {
    for (const codec of CODECS) {
      const frame = await encodeFrame(randomBytes(300, 4), { codec });
      frame[17] = (frame[17] ?? 0) ^ 0xff;
      const err = await decodeFrame(frame).catch((e: unknown) => e);
      expect(isCompressionError(err, 'MMTAPE_FRAME_CHECKSUM_MISMATCH')).toBe(true);
      expect(err).toMatchObject({ offsetBytes: 16 });
      expect(isMmtapeError(err)).toBe(true);
    }
  });

  it('every single corrupted payload byte -> checksum, length or zstd error, never a crash', async () => {
    for (const codec of CODECS) {
      const raw = bytesOf(fakeCloses(300, 8));
      const frame = await encodeFrame(raw, { codec });
      const seen = new Set<string>();
      let silent = 0;
      const headerBytes = readFrameHeader(frame).headerLengthBytes;
      for (let i = headerBytes; i < frame.byteLength; i++) {
        for (const flip of [0x01, 0x80, 0xff]) {
          const bad = frame.slice();
          bad[i] = (bad[i] ?? 0) ^ flip;
          const result = await decodeFrame(bad).catch((e: unknown) => e);
          if (result instanceof Uint8Array) {
            // A flip in bits zstd ignores (e.g. padding) may decode fine: then the bytes must be exact.
            expect(Buffer.from(result).equals(Buffer.from(raw)), `byte ${i} flip ${flip}`).toBe(true);
            silent++;
            continue;
          }
          expect(isCompressionError(result), `byte ${i} flip ${flip}: ${String(result)}`).toBe(true);
          seen.add((result as { code: string }).code);
        }
      }
      // The checksum covers every stored byte: no flip decodes, and every flip is reported as such.
      expect(silent).toBe(0);
      expect([...seen]).toEqual(['MMTAPE_FRAME_CHECKSUM_MISMATCH']);
    }
    // The wasm heap is still healthy after all those failures.
    const fresh = randomBytes(5000, 9);
    expect(await decodeFrame(await encodeFrame(fresh))).toEqual(fresh);
  });

  it('garbage payload behind a valid header -> typed error', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      const frame = await encodeFrame(randomBytes(64, seed));
      const headerBytes = readFrameHeader(frame).headerLengthBytes;
      frame.set(randomBytes(frame.byteLength - headerBytes, seed + 1000), headerBytes);
      resealFrame(frame); // past the checksum: the zstd decoder must reject it itself
      const err = await decodeFrame(frame).catch((e: unknown) => e);
      expect(isCompressionError(err)).toBe(true);
    }
  });
});
