/**
 * Native decoder of the `bar` stage's layouts 2 and 3 (`native/bar_decode.c`, loaded by
 * `../native/native-kernels.ts`): same input, same output as the TypeScript reference `barDecodeIntoV2`
 * (`bar-codec-v2.ts`) and the WebAssembly kernel, written straight into the caller's arrays (no copy).
 * Returns `undefined` when the module is unavailable or not chosen, or reports corrupt data; the caller
 * then runs the next decoder, which reports the error.
 *
 * @module
 */

import { nativeKernels } from '../native/native-kernels.js';
import { barKernelArgs, patchExceptions } from './bar-codec-v2.js';

/**
 * Decodes a layout-2 or layout-3 payload into `outs[0..C)` (each ≥ n values) with the native module.
 * Returns n, or `undefined` (see the module doc).
 *
 * @throws RangeError malformed params, too few or too short outputs, or a bad exception row: the errors
 *   of the TypeScript path.
 */
export function barDecodeIntoV2Native(
  payload: Uint8Array,
  params: Uint8Array,
  outs: readonly Float64Array[],
): number | undefined {
  const k = nativeKernels();
  if (k === null) return undefined;
  const p = barKernelArgs(payload, params, outs);
  const { rows: n, columns } = p;
  let rc: number;
  try {
    rc = k.barDecode(
      payload,
      p.exceptionBytes,
      p.tableBytes,
      p.codedBytes,
      n,
      columns,
      p.probBits,
      p.pp,
      p.pv,
      p.signedWicks ? 1 : 0,
      p.layout,
      ...outs,
    );
  } catch {
    return undefined;
  }
  if (rc !== 0) return undefined;
  patchExceptions(payload, p.exceptionBytes, p.exceptionRows, n, columns, outs);
  return n;
}
