/**
 * The one place that chooses who decodes a `bar` payload: the native kernel (`kernels/native.ts`)
 * when it was built and is preferred, else the WebAssembly kernel (`kernels/wasm.ts`), else the
 * TypeScript reference (`bar-decode.ts`). Each kernel hands control back (`undefined`) instead of
 * calling the next, for any reason: unavailable, not chosen (`setDecodeBackend`), or corrupt data,
 * which the TypeScript decoder then reports with its exact error. The result says which decoder
 * produced the values, so that tests can check that a kernel decoded valid frames itself (a silent
 * fallback would hide a kernel bug behind correct output).
 *
 * @module
 */

import type { DecodeBackend } from '../wasm/decode-backend.js';
import { barDecodeIntoJs, checkBarOutputs } from './bar-decode.js';
import { type BarKernelArgs, readBarParams } from './bar-params.js';
import { barDecodeIntoNative } from './kernels/native.js';
import { barDecodeIntoWasm } from './kernels/wasm.js';

/** What {@link decodeBarPayload} did: rows decoded and the decoder that produced them. */
export interface BarDecodeResult {
  rows: number;
  backend: DecodeBackend;
}

/**
 * Decodes a bar payload (`params` = the stage's 24 params bytes) straight into the caller's columns:
 * `outs[0..C)` (open, high, low, close, then volume when C = 5), each holding at least n values
 * (values from n on are left untouched).
 *
 * @throws RangeError malformed params or data, or outputs too few or too short (the caller wraps it in
 *   a typed error).
 */
export function decodeBarPayload(
  payload: Uint8Array,
  params: Uint8Array,
  outs: readonly Float64Array[],
): BarDecodeResult {
  const p = readBarParams(params, payload.length);
  checkBarOutputs(outs, p.columns, p.rows);
  const args: BarKernelArgs = { ...p, pp: 10 ** p.priceScale, pv: 10 ** p.volumeScale };
  let rows = barDecodeIntoNative(payload, args, outs);
  if (rows !== undefined) return { rows, backend: 'native' };
  rows = barDecodeIntoWasm(payload, args, outs);
  if (rows !== undefined) return { rows, backend: 'wasm' };
  return { rows: barDecodeIntoJs(payload, params, outs), backend: 'js' };
}

/**
 * {@link decodeBarPayload} into a new buffer (C × n float64, column-major); returns its bytes. The
 * params must announce exactly `rawLengthBytes` when it is given (checked before allocating).
 *
 * @throws RangeError as {@link decodeBarPayload}, or params that disagree with `rawLengthBytes`.
 */
export function decodeBarPayloadToBytes(
  payload: Uint8Array,
  params: Uint8Array,
  rawLengthBytes?: number,
): Uint8Array {
  const p = readBarParams(params, payload.length, rawLengthBytes);
  const out = new Float64Array(p.rows * p.columns);
  const outs: Float64Array[] = [];
  for (let k = 0; k < p.columns; k++) outs.push(out.subarray(k * p.rows, (k + 1) * p.rows));
  decodeBarPayload(payload, params, outs);
  return new Uint8Array(out.buffer);
}
