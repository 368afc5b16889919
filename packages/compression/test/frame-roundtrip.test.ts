/**
 * Encode-time round-trip check of frames with the `bar` stage: the frame checksum covers the
 * stored bytes, not the decoder's output, so `encodeChainFrame` decodes every bar frame it writes and
 * compares it with its input. Here the chain decoder is deliberately broken (module mock of
 * `src/chain.ts`) to show the check fires.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Chain from '../src/chain.js';
import {
  decodeFrame,
  encodeBars,
  encodeColumn,
  encodeFrame,
  isCompressionError,
  readFrameHeader,
  type StageSpec,
  setDecodeBackend,
} from '../src/index.js';
import { bytesOf, emptyBars, fakeCloses } from './helpers.js';

/** How the mocked `decodeChain` misbehaves: pass through, flip one output bit, or throw. */
const broken = vi.hoisted(() => ({ mode: 'ok' as 'ok' | 'flip' | 'throw', at: 0, calls: 0 }));

vi.mock('../src/chain.js', async (importOriginal) => {
  const original = await importOriginal<typeof Chain>();
  return {
    ...original,
    decodeChain: async (...args: Parameters<typeof Chain.decodeChain>): Promise<Uint8Array> => {
      broken.calls++;
      if (broken.mode === 'throw') throw new RangeError('deliberately broken decoder');
      const out = await original.decodeChain(...args);
      if (broken.mode === 'flip') {
        const copy = new Uint8Array(out);
        copy[broken.at] = (copy[broken.at] as number) ^ 0x04;
        return copy;
      }
      return out;
    },
  };
});

function bars(rows: number) {
  const b = emptyBars(rows);
  const closes = fakeCloses(rows, 3);
  for (let i = 0; i < rows; i++) {
    const c = closes[i] as number;
    b.open[i] = c;
    b.close[i] = c;
    b.high[i] = Math.round((c + 0.05) * 100) / 100;
    b.low[i] = Math.round((c - 0.05) * 100) / 100;
    b.volume[i] = (i % 7) * 100;
  }
  return b;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('encode-time round-trip check of bar frames', () => {
  beforeAll(() => {
    // The check is what is under test, not a decoder: use the TypeScript reference decoders.
    setDecodeBackend('js');
  });
  afterEach(() => {
    broken.mode = 'ok';
    broken.calls = 0;
  });

  it('decodes every bar frame once while encoding; other chains are not decoded', async () => {
    const frame = await encodeBars(bars(500));
    expect(frame).toBeInstanceOf(Uint8Array);
    expect(broken.calls).toBe(1);
    broken.calls = 0;
    await encodeColumn(fakeCloses(500, 1));
    await encodeFrame(bytesOf(fakeCloses(500, 2)), {
      chain: [{ codec: 'shuffle', typesize: 8 }, { codec: 'lz4' }],
    });
    expect(broken.calls).toBe(0);
  });

  it('a decoder that returns wrong bytes -> CodecError naming the stage and the first differing byte', async () => {
    for (const at of [0, 4321, 500 * 40 - 1]) {
      broken.mode = 'flip';
      broken.at = at;
      const err = await errorOf(encodeBars(bars(500)));
      expect(isCompressionError(err, 'MMTAPE_CODEC_FAILED'), String(err)).toBe(true);
      expect(err).toMatchObject({ codec: 'bar', operation: 'encode', offsetBytes: at });
      expect((err as Error).message).toMatch(new RegExp(`round-trip check: .* first at byte ${at} `));
    }
    // Through encodeFrame with an explicit bar chain.
    broken.at = 8;
    const raw = new Uint8Array(64 * 40);
    const b = bars(64);
    for (const [k, c] of [b.open, b.high, b.low, b.close, b.volume].entries())
      raw.set(bytesOf(c), k * 64 * 8);
    const chain: StageSpec[] = [{ codec: 'bar', columns: 5 }];
    const err = await errorOf(encodeFrame(raw, { chain, dtype: 'f64' }));
    expect(err).toMatchObject({
      code: 'MMTAPE_CODEC_FAILED',
      codec: 'bar',
      operation: 'encode',
      offsetBytes: 8,
    });
  });

  it('a decoder that throws -> CodecError with the decoder error as cause', async () => {
    broken.mode = 'throw';
    const err = await errorOf(encodeBars(bars(100)));
    expect(isCompressionError(err, 'MMTAPE_CODEC_FAILED'), String(err)).toBe(true);
    expect(err).toMatchObject({ codec: 'bar', operation: 'encode' });
    expect((err as Error).message).toMatch(/does not decode/);
    expect((err as Error & { cause: unknown }).cause).toBeInstanceOf(Error);
  });

  it('why: once the stored bytes check out, decoding trusts the decoder', async () => {
    const raw = bytesOf(fakeCloses(1000, 4));
    const chain: StageSpec[] = [{ codec: 'shuffle', typesize: 8 }, { codec: 'zstd' }];
    const frame = await encodeFrame(raw, { chain });
    expect(readFrameHeader(frame).version).toBe(3);
    broken.mode = 'flip';
    broken.at = 100;
    // A wrong decoder output is not caught when read: hence the encode-time check of bar frames.
    const back = await decodeFrame(frame);
    expect(back[100]).toBe((raw[100] as number) ^ 0x04);
  });
});
