/**
 * OHLC(V) bars in and out of one frame with the `bar` stage (id 22, `bar/`): prices coded as
 * cross-column residuals (open − previous close, close − open, the two wicks) and volumes by
 * magnitude, with static, context-selected interleaved rANS tables (`FORMAT.md`, "bar stage"). About
 * 1.45-1.6x smaller than the per-column chains on 1-minute US equity bars (see README), lossless bit
 * for bit.
 *
 * @example
 * ```ts
 * import { decodeBarsInto, encodeBars } from '@mmtape/compression';
 *
 * const frame = await encodeBars({ open, high, low, close, volume }); // undefined: not decimal bars
 * const rows = decodeBarsInto(frame!, { open: o, high: h, low: l, close: c, volume: v }); // reusable buffers
 * ```
 *
 * @module
 */

import { decodeBarPayload } from './bar/bar-decode-backend.js';
import { BAR_CODEC_ID } from './bar/bar-stage.js';
import { verifyFrameChecksum } from './checksum.js';
import { encodeChainFrame } from './encode-frame.js';
import { CodecError, CodecOptionsError, FrameLengthError, FrameTruncatedError } from './errors.js';
import { type FrameHeader, readFrameHeader } from './frame-header.js';

/** Columns of a set of bars, all of the same length (rows). `volume` is optional. */
export interface BarColumns {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume?: Float64Array;
}

function columnsOf(bars: BarColumns): Float64Array[] {
  const out = [bars.open, bars.high, bars.low, bars.close];
  if (bars.volume !== undefined) out.push(bars.volume);
  for (const [i, c] of out.entries()) {
    if (!(c instanceof Float64Array)) {
      throw new CodecOptionsError(
        'bar',
        ['open', 'high', 'low', 'close', 'volume'][i] as string,
        'a Float64Array',
        c,
      );
    }
  }
  return out;
}

/**
 * Encodes bars into one frame (dtype f64, chain `[bar]`, raw bytes = the columns laid end to end:
 * open, high, low, close[, volume], each rows × 8 bytes). Rows holding a value without an exact decimal
 * form at the chosen scale (NaN, ±Infinity, -0, > 12 decimals, a scaled integer above 2^50) or a
 * negative volume are stored raw; with more than 1/16 of such rows the result is `undefined`: then
 * store the columns with `encodeColumn`.
 *
 * Before the frame is returned it is decoded once and compared with the input (see
 * `encodeChainFrame`), since the frame checksum covers the stored bytes, not the decoder's output.
 *
 * @throws CodecOptionsError a column is not a Float64Array, or the lengths differ.
 * @throws CodecError (codec `'bar'`, operation `'encode'`) the encode-time round-trip check failed: an
 *   internal bug, never expected.
 */
export async function encodeBars(bars: BarColumns): Promise<Uint8Array | undefined> {
  const cols = columnsOf(bars);
  const rows = bars.open.length;
  for (const c of cols) {
    if (c.length !== rows)
      throw new CodecOptionsError('bar', 'columns', `${rows} rows in every column`, c.length);
  }
  const raw = new Uint8Array(rows * 8 * cols.length);
  for (const [k, c] of cols.entries())
    raw.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), k * rows * 8);
  return encodeChainFrame(raw, [{ codec: 'bar', columns: cols.length as 4 | 5 }], 'f64');
}

function isBarHeader(h: FrameHeader): boolean {
  return h.chain.length === 1 && h.chain[0]?.id === BAR_CODEC_ID;
}

/**
 * True when `frame` is a frame whose chain is the single `bar` stage. Header
 * checks only: neither the checksum nor the payload is looked at.
 */
export function isBarFrame(frame: Uint8Array): boolean {
  try {
    return isBarHeader(readFrameHeader(frame));
  } catch {
    return false;
  }
}

/**
 * Decodes a bar frame straight into the caller's (reusable) arrays, each at least `rows` long; returns
 * the number of rows. Only the first `rows` values of each array are written. `out.volume` is required
 * when the frame holds volumes and ignored otherwise. On error the arrays' contents are unspecified.
 *
 * Checksum: the frame's CRC-32 over its stored bytes is verified before decoding (nothing is written
 * to `out` when it fails).
 *
 * @throws FrameTruncatedError | FrameMagicError | FrameVersionError | FrameLengthError bad frame.
 * @throws CodecError not a bar frame, corrupt data, or arrays too short.
 * @throws ChecksumMismatchError the frame bytes do not match the stored CRC-32 (`scope` `'frame'`).
 */
export function decodeBarsInto(frame: Uint8Array, out: BarColumns): number {
  return decodeCheckedBarFrame(frame, checkBarFrame(frame), out);
}

/**
 * Header of a bar frame after the checks done before any decoding: a single `bar` stage, exactly header
 * + payload bytes, and the frame checksum.
 */
function checkBarFrame(frame: Uint8Array): FrameHeader {
  const header = readFrameHeader(frame);
  if (!isBarHeader(header)) {
    throw new CodecError(
      'bar',
      'decode',
      `not a bar frame (chain ${header.chain.map((s) => s.codec).join('>')})`,
    );
  }
  if (frame.byteLength < header.frameLengthBytes) {
    throw new FrameTruncatedError(
      'payload',
      header.headerLengthBytes,
      header.payloadLengthBytes,
      frame.byteLength - header.headerLengthBytes,
    );
  }
  if (frame.byteLength > header.frameLengthBytes) {
    throw new FrameLengthError('frame', 0, header.frameLengthBytes, frame.byteLength);
  }
  // Corrupt stored bytes are rejected before the decoder runs (or the caller allocates).
  verifyFrameChecksum(frame, header.checksum);
  return header;
}

/** Decodes a frame that passed {@link checkBarFrame}. */
function decodeCheckedBarFrame(frame: Uint8Array, header: FrameHeader, out: BarColumns): number {
  const stage = header.chain[0] as FrameHeader['chain'][number];
  const columns = stage.params[1] === 5 ? 5 : 4;
  if (columns === 5 && out.volume === undefined) {
    throw new CodecError('bar', 'decode', 'the frame holds volumes but out.volume is missing');
  }
  const outs = [out.open, out.high, out.low, out.close];
  if (columns === 5) outs.push(out.volume as Float64Array);
  const payload = frame.subarray(header.headerLengthBytes, header.frameLengthBytes);
  let rows: number;
  try {
    const announced = header.rawLengthBytes / (8 * columns);
    rows = decodeBarPayload(
      payload,
      stage.params,
      outs.map((o) => o.subarray(0, Math.min(o.length, announced))),
    ).rows;
    if (rows * 8 * columns !== header.rawLengthBytes) {
      throw new RangeError(`${rows} rows x ${columns} columns != raw length ${header.rawLengthBytes} bytes`);
    }
  } catch (cause) {
    if ((cause as { code?: unknown })?.code !== undefined) throw cause;
    throw new CodecError('bar', 'decode', String((cause as Error).message ?? cause), { cause });
  }
  return rows;
}

/**
 * {@link decodeBarsInto} into fresh arrays, sized from the header's raw length (after the frame checks,
 * so a frame with a corrupt raw length fails its checksum before anything is allocated).
 *
 * @throws the errors of {@link decodeBarsInto}; CodecError a raw length above 2 GiB.
 */
export function decodeBars(frame: Uint8Array): BarColumns & { rows: number } {
  const header = checkBarFrame(frame);
  const columns = header.chain[0]?.params[1] === 5 ? 5 : 4;
  const rows = Math.floor(header.rawLengthBytes / (8 * columns));
  if (rows * 8 * columns > 2 ** 31)
    throw new CodecError('bar', 'decode', `raw length ${header.rawLengthBytes} too large`);
  const make = (): Float64Array => new Float64Array(rows);
  const out: BarColumns = { open: make(), high: make(), low: make(), close: make() };
  if (columns === 5) out.volume = make();
  const n = decodeCheckedBarFrame(frame, header, out);
  return { ...out, rows: n };
}
