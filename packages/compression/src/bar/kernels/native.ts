/**
 * Native decoder of the `bar` stage (`native/bar_decode.c`, loaded by `../../native/native-kernels.ts`):
 * same input, same output as the TypeScript reference `barDecodeIntoJs` (`../bar-decode.ts`) and the
 * WebAssembly kernel, written straight into the caller's arrays (no copy). Returns `undefined` when the
 * module is unavailable or not chosen, or reports corrupt data; `../bar-decode-backend.ts` then runs
 * the next decoder, which reports the error.
 *
 * @module
 */

import { nativeKernels } from '../../native/native-kernels.js';
import { patchExceptions } from '../bar-decode.js';
import { BAR_LAYOUT_RANS, type BarKernelArgs } from '../bar-params.js';

/**
 * Decodes a bar payload whose params `p` were validated (and `outs` checked) by the caller into
 * `outs[0..C)`. Returns n, or `undefined` (see the module doc).
 *
 * @throws RangeError a bad exception row (`patchExceptions`): the error of the TypeScript path.
 */
export function barDecodeIntoNative(
  payload: Uint8Array,
  p: BarKernelArgs,
  outs: readonly Float64Array[],
): number | undefined {
  const k = nativeKernels();
  if (k === null) return undefined;
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
      BAR_LAYOUT_RANS,
      ...outs,
    );
  } catch {
    return undefined;
  }
  if (rc !== 0) return undefined;
  patchExceptions(payload, p.exceptionBytes, p.exceptionRows, n, columns, outs);
  return n;
}
