/**
 * Typed columns in and out of frames, with an
 * automatic, lossless codec chain chosen per column from what market data looks like:
 *
 * - float64 (prices, volumes): the decimal filter (exact scaled integers), then `delta` (prices move
 *   little from row to row) or not (volumes do not), `zigzag`, a byte or bit shuffle, zstd. When the
 *   decimal filter declines (values without a short exact decimal form), `shuffle` + zstd.
 * - int64 (timestamps in ns): `delta` twice (delta-of-delta: regular bars become runs of zeros),
 *   `zigzag`, shuffle, zstd; or a single delta when that is smaller.
 * - other dtypes: shuffle by element size + zstd.
 *
 * The candidates are tried on a sample (the first {@link SAMPLE_ROWS} rows) and the smallest wins;
 * the whole column is then encoded with it. Every chain is lossless: NaN payloads, -0, ±Infinity,
 * denormals and int64 extremes come back bit for bit (decimal exceptions keep the raw bytes).
 *
 * @module
 */

import type { StageSpec } from './codec-registry.js';
import { decodeFrame } from './decode-frame.js';
import { encodeChainFrame } from './encode-frame.js';
import { CodecOptionsError } from './errors.js';
import { type FrameDType, readFrameHeader } from './frame-header.js';

/** Typed arrays a column frame can hold. */
export type ColumnArray = Float64Array | BigInt64Array | Float32Array | Int32Array | Uint8Array;

/** Rows of the sample used to pick a chain: 16,384 rows (128 KiB of float64). */
export const SAMPLE_ROWS = 16_384;

/** zstd level of the default chains: 9 (decoding speed does not depend on the level; see README). */
export const DEFAULT_COLUMN_ZSTD_LEVEL = 9;

/** Options of {@link encodeColumn}. */
export interface ColumnCodecOptions {
  /**
   * `'auto'` (default) picks the smallest of the candidate chains on a sample; an explicit chain is
   * used as given (falling back to `shuffle` + backend if one of its stages declines the data).
   */
  chain?: 'auto' | readonly StageSpec[];
  /** Final compressor of automatic chains. Default `'zstd'`. `'lz4'` decodes fastest, compresses least. */
  backend?: 'zstd' | 'lz4' | 'zlib';
  /** Level of the backend (zstd 1..22, zlib 0..9). Default {@link DEFAULT_COLUMN_ZSTD_LEVEL} for zstd, 6 for zlib. */
  level?: number;
  /**
   * Filters tried before the backend in automatic chains: `'shuffle'`, `'bitshuffle'` or `'both'`
   * (default; the sample decides).
   */
  shuffle?: 'shuffle' | 'bitshuffle' | 'both';
}

/** dtype name and element size of a column array. */
export function dtypeOfColumn(data: ColumnArray): { dtype: FrameDType; size: number } {
  if (data instanceof Float64Array) return { dtype: 'f64', size: 8 };
  if (data instanceof BigInt64Array) return { dtype: 'i64', size: 8 };
  if (data instanceof Float32Array) return { dtype: 'f32', size: 4 };
  if (data instanceof Int32Array) return { dtype: 'i32', size: 4 };
  if (data instanceof Uint8Array) return { dtype: 'u8', size: 1 };
  throw new CodecOptionsError(
    'column',
    'data',
    'Float64Array, BigInt64Array, Float32Array, Int32Array or Uint8Array',
    Object.prototype.toString.call(data),
  );
}

function backendStage(options: ColumnCodecOptions): StageSpec {
  const backend = options.backend ?? 'zstd';
  if (backend === 'lz4') return { codec: 'lz4' };
  if (backend === 'zlib') return { codec: 'zlib', level: options.level ?? 6 };
  if (backend !== 'zstd')
    throw new CodecOptionsError('column', 'backend', "'zstd', 'lz4' or 'zlib'", backend);
  return { codec: 'zstd', level: options.level ?? DEFAULT_COLUMN_ZSTD_LEVEL };
}

/** Candidate chains for a dtype, most specific first; the last one never declines. */
export function candidateChains(dtype: FrameDType, options: ColumnCodecOptions = {}): StageSpec[][] {
  const back = backendStage(options);
  const mode = options.shuffle ?? 'both';
  const shuffles = (t: number): StageSpec[] =>
    mode === 'both'
      ? [
          { codec: 'shuffle', typesize: t },
          { codec: 'bitshuffle', typesize: t },
        ]
      : [{ codec: mode, typesize: t }];
  const plainShuffle: StageSpec = { codec: 'shuffle', typesize: dtype === 'f32' || dtype === 'i32' ? 4 : 8 };
  const out: StageSpec[][] = [];
  if (dtype === 'f64') {
    for (const s of shuffles(8)) {
      out.push([{ codec: 'decimal' }, { codec: 'delta' }, { codec: 'zigzag' }, s, back]);
      out.push([{ codec: 'decimal' }, { codec: 'zigzag' }, s, back]);
    }
    out.push([plainShuffle, back]);
  } else if (dtype === 'i64') {
    for (const s of shuffles(8)) {
      out.push([{ codec: 'delta' }, { codec: 'delta' }, { codec: 'zigzag' }, s, back]);
      out.push([{ codec: 'delta' }, { codec: 'zigzag' }, s, back]);
    }
    out.push([plainShuffle, back]);
  } else if (dtype === 'u8') {
    out.push([back]);
  } else {
    out.push([plainShuffle, back]);
  }
  return out;
}

function bytesOf(data: ColumnArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Picks the chain {@link encodeColumn} would use for `data` (smallest on the sample).
 */
export async function chooseColumnChain(
  data: ColumnArray,
  options: ColumnCodecOptions = {},
): Promise<StageSpec[]> {
  const { dtype } = dtypeOfColumn(data);
  const candidates = candidateChains(dtype, options);
  if (candidates.length === 1) return candidates[0] as StageSpec[];
  const sample = bytesOf(data.subarray(0, SAMPLE_ROWS) as ColumnArray);
  let best = candidates[candidates.length - 1] as StageSpec[];
  let bestSize = Number.POSITIVE_INFINITY;
  for (const chain of candidates) {
    const frame = await encodeChainFrame(sample, chain, dtype);
    if (frame !== undefined && frame.length < bestSize) {
      bestSize = frame.length;
      best = chain;
    }
  }
  return best;
}

/**
 * Encodes a column into a self-describing chain frame, version 3 (dtype, chain, raw length, CRC-32 of
 * the stored frame bytes).
 *
 * @example
 * ```ts
 * const frame = await encodeColumn(closes);           // Float64Array of prices
 * const back = (await decodeColumn(frame)) as Float64Array; // bit-identical
 * ```
 * @throws CodecOptionsError unsupported array type or options.
 */
export async function encodeColumn(data: ColumnArray, options: ColumnCodecOptions = {}): Promise<Uint8Array> {
  const { dtype, size } = dtypeOfColumn(data);
  const chain =
    options.chain === undefined || options.chain === 'auto'
      ? await chooseColumnChain(data, options)
      : options.chain;
  const raw = bytesOf(data);
  const frame = await encodeChainFrame(raw, chain, dtype);
  if (frame !== undefined) return frame;
  // The sample accepted the decimal filter but the full column did not: plain path.
  const plain: StageSpec[] =
    size > 1 ? [{ codec: 'shuffle', typesize: size }, backendStage(options)] : [backendStage(options)];
  return (await encodeChainFrame(raw, plain, dtype)) as Uint8Array;
}

/**
 * Decodes a frame (any version) into a typed array of its recorded dtype (`Uint8Array` for untyped
 * frames). The checksum is verified (as {@link decodeFrame}: version 3 before decoding, versions 1 and
 * 2 over the decoded bytes). The array owns a fresh buffer.
 *
 * @throws the errors of {@link decodeFrame}.
 */
export async function decodeColumn(frame: Uint8Array): Promise<ColumnArray> {
  const { dtype } = readFrameHeader(frame);
  const raw = await decodeFrame(frame);
  const n = raw.byteLength;
  switch (dtype) {
    case 'f64':
      return new Float64Array(raw.buffer, raw.byteOffset, n / 8);
    case 'i64':
      return new BigInt64Array(raw.buffer, raw.byteOffset, n / 8);
    case 'f32':
      return new Float32Array(raw.buffer, raw.byteOffset, n / 4);
    case 'i32':
      return new Int32Array(raw.buffer, raw.byteOffset, n / 4);
    default:
      return raw;
  }
}

/** Human-readable chain, e.g. `decimal>delta>zigzag>shuffle(8)>zstd(9)`. */
export function describeChain(chain: readonly StageSpec[]): string {
  return chain
    .map((s) => {
      const arg = (s as { typesize?: number; level?: number }).typesize ?? (s as { level?: number }).level;
      return arg === undefined ? s.codec : `${s.codec}(${arg})`;
    })
    .join('>');
}
