import { errorKindOf } from '@mmtape/errors';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, isCompressionError } from '../src/index.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('compression error kinds (decide the CLI exit code)', () => {
  it('a corrupt frame is a data error', async () => {
    const frame = await encodeFrame(new Uint8Array(64), { codec: 'none' });
    const corrupt = Uint8Array.from(frame);
    corrupt[0] = 0;
    const e = await rejection(decodeFrame(corrupt));
    expect(isCompressionError(e, 'MMTAPE_FRAME_BAD_MAGIC')).toBe(true);
    expect(errorKindOf(e)).toBe('data');
    const truncated = await rejection(decodeFrame(frame.subarray(0, 10)));
    expect(isCompressionError(truncated, 'MMTAPE_FRAME_TRUNCATED')).toBe(true);
    expect(errorKindOf(truncated)).toBe('data');
  });

  it('a bad level or codec name from the caller is a usage error', async () => {
    const level = await rejection(encodeFrame(new Uint8Array(8), { level: 99 }));
    expect(isCompressionError(level, 'MMTAPE_CODEC_INVALID_LEVEL')).toBe(true);
    expect(errorKindOf(level)).toBe('usage');
    const codec = await rejection(encodeFrame(new Uint8Array(8), { codec: 'nope' as never }));
    expect(isCompressionError(codec, 'MMTAPE_CODEC_UNKNOWN')).toBe(true);
    expect(errorKindOf(codec)).toBe('usage');
  });
});
