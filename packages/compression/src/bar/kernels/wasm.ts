/**
 * WebAssembly decoder of the `bar` stage (AssemblyScript source `assembly/bar-decode.ts`, loaded by
 * `../../wasm/wasm-kernels.ts`). Same input, same output as the TypeScript reference `barDecodeIntoJs`
 * (`../bar-decode.ts`), about 2.5x faster: a rANS pass compiled once per probability precision P, then
 * a values pass with 64-bit raw-bit reads and int64 residual arithmetic.
 *
 * Memory per call, after the module's fixed scratch (16,640 bytes from the heap base): slot tables (at
 * most min(C × 64, T / 3) tables of 2^P × 8 bytes; a table takes at least 3 of the T table bytes), the
 * C output columns (n × 8 bytes each) and n × 16 bytes of symbols, then a copy of the payload followed
 * by 64 zero bytes (reads past a stream's end stay inside them). About 12 MB for a 65,536-row OHLCV
 * frame at P = 11.
 *
 * Any failure (kernels unavailable or not chosen, memory that cannot grow, a trap, a non-zero result
 * for corrupt data) returns `undefined`, and `../bar-decode-backend.ts` runs the TypeScript decoder,
 * which throws the error with its message (or, were the module wrong, decodes correctly).
 *
 * @module
 */

import { align64, WASM_FIXED_SCRATCH_BYTES, wasmHeap, wasmKernels } from '../../wasm/wasm-kernels.js';
import { patchExceptions } from '../bar-decode.js';
import type { BarKernelArgs } from '../bar-params.js';

/** Symbol scratch of the module's first pass: 16 bytes per row. */
const SYMBOL_BYTES_PER_ROW = 16;
/** Zero bytes after the payload: one row reads at most 5 words and 255 raw bits past the checked positions. */
const PAD_BYTES = 64;

/**
 * Decodes a bar payload whose params `p` were validated (and `outs` checked) by the caller into
 * `outs[0..C)`. Returns n, or `undefined` (see the module doc).
 *
 * @throws RangeError a bad exception row (`patchExceptions`): the error of the TypeScript path.
 */
export function barDecodeIntoWasm(
  payload: Uint8Array,
  p: BarKernelArgs,
  outs: readonly Float64Array[],
): number | undefined {
  const w = wasmKernels();
  if (w === null) return undefined;
  const { rows: n, columns } = p;
  // A table takes at least 3 bytes (symbol count, one gap, one frequency).
  const maxTables = Math.min(columns * 64, Math.floor(p.tableBytes / 3));
  const scratch = align64(w.heapBase());
  const outPtr = align64(scratch + WASM_FIXED_SCRATCH_BYTES + maxTables * 2 ** (p.probBits + 3));
  const payloadPtr = outPtr + columns * n * 8 + n * SYMBOL_BYTES_PER_ROW;
  const end = payloadPtr + payload.length + PAD_BYTES;
  let rc: number;
  try {
    const heap = wasmHeap(w, end);
    heap.set(payload, payloadPtr);
    heap.fill(0, payloadPtr + payload.length, end);
    rc = w.barDecode(
      payloadPtr,
      payload.length,
      p.exceptionBytes,
      p.tableBytes,
      p.codedBytes,
      n,
      columns,
      p.probBits,
      p.pp,
      p.pv,
      p.signedWicks ? 1 : 0,
      scratch,
      maxTables,
      outPtr,
    );
    if (rc !== 0) return undefined;
    const buffer = heap.buffer;
    for (let k = 0; k < columns; k++) {
      (outs[k] as Float64Array).set(new Float64Array(buffer, outPtr + k * n * 8, n));
    }
  } catch {
    // Trap (or memory that cannot grow): the TypeScript decoder reports or decodes.
    return undefined;
  }
  patchExceptions(payload, p.exceptionBytes, p.exceptionRows, n, columns, outs);
  return n;
}
