/**
 * The 24 params bytes of a `bar` stage (stored in the frame's chain descriptor): written by the
 * encoder, validated against the payload before any decoder allocates. Byte layout: `FORMAT.md`,
 * "bar stage: params".
 *
 * @module
 */

import { MAX_PROB_BITS, MIN_PROB_BITS } from './rans-tables.js';

/**
 * The bar layout (params byte 0): static interleaved rANS over hybrid-integer tokens, one rANS state
 * per field, contexts from two rows back. The only layout; the number 3 is part of the on-disk format
 * (earlier drafts used 1 and 2, never released): never renumber.
 */
export const BAR_LAYOUT_RANS = 3;
/** Bytes of the bar stage params. */
export const BAR_PARAMS_BYTES = 24;
/** Params byte 4, bit 0: wicks are coded signed (zigzag), because some bar is inconsistent. */
export const FLAG_SIGNED_WICKS = 1;
/** rANS lower state bound L = 2^14: states live in [2^14, 2^30), V8 small integers. */
export const RANS_L = 1 << 14;
/** Largest raw bit stream (bits) a frame may hold, so that bit positions stay below 2^31. */
export const MAX_RAW_BITS_TOTAL = 2 ** 31 - 256;

/** Parsed and validated bar params. Lengths in bytes. */
export interface BarParams {
  /** 4 (open, high, low, close) or 5 (… volume). */
  columns: number;
  /** Decimal scale kp of the prices (0..22). */
  priceScale: number;
  /** Decimal scale kv of the volume (0..22). */
  volumeScale: number;
  signedWicks: boolean;
  /** Probability precision P: frequencies out of 2^P (8..12). */
  probBits: number;
  rows: number;
  exceptionRows: number;
  /** exceptionRows × (4 + 8 × columns). */
  exceptionBytes: number;
  tableBytes: number;
  /** rANS words: final states first (4 × columns bytes), then the renormalisation words. */
  codedBytes: number;
}

/** Writes the params of a frame (fields as {@link readBarParams} returns them). */
export function writeBarParams(p: Omit<BarParams, 'exceptionBytes'>): Uint8Array {
  const params = new Uint8Array(BAR_PARAMS_BYTES);
  const view = new DataView(params.buffer);
  params[0] = BAR_LAYOUT_RANS;
  params[1] = p.columns;
  params[2] = p.priceScale;
  params[3] = p.volumeScale;
  params[4] = p.signedWicks ? FLAG_SIGNED_WICKS : 0;
  params[5] = p.probBits;
  view.setUint32(8, p.rows, true);
  view.setUint32(12, p.exceptionRows, true);
  view.setUint32(16, p.tableBytes, true);
  view.setUint32(20, p.codedBytes, true);
  return params;
}

/**
 * Validates `params` against the payload length (and the raw length when known).
 *
 * @throws RangeError malformed params, or a layout other than {@link BAR_LAYOUT_RANS} (the caller wraps
 *   it in a typed error).
 */
export function readBarParams(params: Uint8Array, payloadBytes: number, rawLengthBytes?: number): BarParams {
  if (params.length !== BAR_PARAMS_BYTES) {
    throw new RangeError(`bar params are ${params.length} bytes, expected ${BAR_PARAMS_BYTES}`);
  }
  const view = new DataView(params.buffer, params.byteOffset, params.byteLength);
  const layout = params[0] as number;
  const columns = params[1] as number;
  const priceScale = params[2] as number;
  const volumeScale = params[3] as number;
  const flags = params[4] as number;
  const probBits = params[5] as number;
  const rows = view.getUint32(8, true);
  const exceptionRows = view.getUint32(12, true);
  const tableBytes = view.getUint32(16, true);
  const codedBytes = view.getUint32(20, true);
  if (layout !== BAR_LAYOUT_RANS) {
    throw new RangeError(`bar layout ${layout}, expected ${BAR_LAYOUT_RANS} (the only bar layout)`);
  }
  if (columns !== 4 && columns !== 5) throw new RangeError(`bar column count ${columns}, expected 4 or 5`);
  if (priceScale > 22 || volumeScale > 22)
    throw new RangeError(`bar scales ${priceScale}/${volumeScale} > 22`);
  if ((flags & ~FLAG_SIGNED_WICKS) !== 0) throw new RangeError(`bar flags 0x${flags.toString(16)}`);
  if (probBits < MIN_PROB_BITS || probBits > MAX_PROB_BITS) {
    throw new RangeError(`bar probability bits ${probBits}, expected ${MIN_PROB_BITS}..${MAX_PROB_BITS}`);
  }
  if (params[6] !== 0 || params[7] !== 0) throw new RangeError('bar params reserved bytes are not 0');
  const exceptionBytes = exceptionRows * (4 + 8 * columns);
  const stateBytes = 4 * columns;
  if (codedBytes < stateBytes || codedBytes % 2 !== 0)
    throw new RangeError(`bar rANS length ${codedBytes} bytes, expected an even count >= ${stateBytes}`);
  if (exceptionRows > rows || exceptionBytes + tableBytes + codedBytes > payloadBytes) {
    throw new RangeError(
      `bar: ${exceptionRows} exception rows, ${tableBytes} table bytes and ${codedBytes} rANS bytes exceed the payload of ${payloadBytes} bytes`,
    );
  }
  const rawBytes = rows * columns * 8;
  if (rawLengthBytes !== undefined && rawBytes !== rawLengthBytes) {
    throw new RangeError(`bar: ${rows} rows x ${columns} columns != raw length ${rawLengthBytes} bytes`);
  }
  if (rawBytes > 2 ** 31) throw new RangeError(`bar: ${rawBytes} raw bytes above the 2 GiB limit`);
  if ((payloadBytes - exceptionBytes - tableBytes - codedBytes) * 8 > MAX_RAW_BITS_TOTAL + 8) {
    throw new RangeError('bar: raw bit stream above 2^31 bits');
  }
  return {
    columns,
    priceScale,
    volumeScale,
    signedWicks: (flags & FLAG_SIGNED_WICKS) !== 0,
    probBits,
    rows,
    exceptionRows,
    exceptionBytes,
    tableBytes,
    codedBytes,
  };
}

/** Validated params with their decimal divisors, as the native and WebAssembly kernels take them. */
export interface BarKernelArgs extends BarParams {
  /** 10^priceScale: prices are integers / pp. */
  pp: number;
  /** 10^volumeScale: volumes are integers / pv. */
  pv: number;
}
