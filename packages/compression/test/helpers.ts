import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { mulberry32, sharedDataDir } from '@mmtape/test-utils';
import { type BarColumns, frameChecksumOf } from '../src/index.js';

export { mulberry32 };

/**
 * Re-seals a frame after a test patched it on purpose: stores `frameChecksumOf(frame)` at byte 16 so
 * the patched bytes reach the decoders instead of failing the frame checksum. Returns `frame`.
 */
export function resealFrame(frame: Uint8Array): Uint8Array {
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(16, frameChecksumOf(frame), true);
  return frame;
}

/** `length` seeded random bytes. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** A seeded geometric random walk rounded to cents, like daily closes of a stock. */
export function fakeCloses(length: number, seed: number, start = 100): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(length);
  let price = start;
  for (let i = 0; i < length; i++) {
    price *= 1 + (rand() - 0.5) * 0.04;
    out[i] = Math.round(price * 100) / 100;
  }
  return out;
}

export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** The real market data folder as a URL (`sharedDataDir()` of @mmtape/test-utils; see each folder's SOURCE.md). */
export const SHARED_DATA = pathToFileURL(`${sharedDataDir()}/`);

/**
 * Bars of one CSV under {@link SHARED_DATA} (columns open/high/low/close/volume found by header name), data rows
 * `from` (inclusive) to `to` (exclusive, clamped to the file); empty cells become NaN.
 */
export function csvBars(
  relative: string,
  from = 0,
  to = Number.POSITIVE_INFINITY,
): BarColumns & { rows: number } {
  const lines = readFileSync(new URL(relative, SHARED_DATA), 'utf8').trim().split('\n');
  const head = (lines[0] as string).split(',');
  const idx = ['open', 'high', 'low', 'close', 'volume'].map((c) => head.indexOf(c));
  const body = lines.slice(1 + from, Math.min(lines.length, 1 + to));
  const col = (k: number): Float64Array =>
    Float64Array.from(body, (l) => {
      const cell = l.split(',')[idx[k] as number] as string;
      return cell === '' ? Number.NaN : Number(cell);
    });
  return { open: col(0), high: col(1), low: col(2), close: col(3), volume: col(4), rows: body.length };
}

/** `cols` (open, high, low, close, volume) as {@link BarColumns}, volume left out when `volume` is false. */
export function barColumnsOf(cols: readonly Float64Array[], volume: boolean): BarColumns {
  const bars: BarColumns = {
    open: cols[0] as Float64Array,
    high: cols[1] as Float64Array,
    low: cols[2] as Float64Array,
    close: cols[3] as Float64Array,
  };
  if (volume) bars.volume = cols[4] as Float64Array;
  return bars;
}

/** Five zeroed output columns of `rows` values each, for the decoders' `*Into` calls. */
export function emptyBars(rows: number): Required<BarColumns> {
  return {
    open: new Float64Array(rows),
    high: new Float64Array(rows),
    low: new Float64Array(rows),
    close: new Float64Array(rows),
    volume: new Float64Array(rows),
  };
}
