/**
 * Fused decoding of the default column chains: the inverse of `[decimal >] delta{1,2} > zigzag >
 * shuffle(8)` in one pass over the decompressed bytes, writing straight into the output buffer. Bytes
 * on the wire are unchanged (the stages keep their own layouts); this only replaces four passes and
 * four allocations by one. {@link fusedTailDecode} returns `undefined` when the stages do not match.
 *
 * Per value i: gather the 8 byte planes (`shuffle(8)` stores byte j of value i at `j * n + i`) into
 * two 32-bit halves, undo zigzag (`(v >>> 1) ^ -(v & 1)` on the halves), add the previous value (once
 * per `delta` stage, carrying between halves), then for `decimal` divide `hi * 2^32 + lo` (exact below
 * 2^53, as the encoder guarantees) by 10^k and patch the exception list.
 *
 * With the native kernels (`../native/native-kernels.ts`, the default when built) every column takes
 * their `tailDecode`, straight into the output buffer. Else, when the WebAssembly kernels are chosen
 * and load (`../wasm/decode-backend.ts`), columns of at least
 * {@link WASM_TAIL_MIN_VALUES} values take `tailDecode` (`assembly/tail-decode.ts`: 8 values per step,
 * a run of zero deltas in one test, else an 8 × 8 byte transpose) for the shuffle/zigzag/delta part;
 * this loop is the reference and the fallback. With the kernels, chains ending in `bitshuffle(8)`
 * (which the chain chooser picks for some timestamp and price chunks) are fused too (`bitTailDecode`:
 * a 64 × 64 bit transpose per 64 values); without them those run stage by stage as before.
 *
 * @module
 */

import type { ChainStage } from '../chain.js';
import { nativeKernels } from '../native/native-kernels.js';
import {
  align64,
  WASM_FIXED_SCRATCH_BYTES,
  type WasmKernels,
  wasmHeap,
  wasmKernels,
} from '../wasm/wasm-kernels.js';
import { decimalDecodeInPlace } from './decimal.js';

/** Fewest values for which the WebAssembly tail pays for its two copies and call. */
export const WASM_TAIL_MIN_VALUES = 256;

/**
 * `tailDecode` (byte-shuffled input) or `bitTailDecode` (`bits`: bit-shuffled) of the kernels:
 * `shuffled` (n × 8 bytes) → n int64 values (unzigzag, `deltas` running sums) in a new buffer;
 * `undefined` if the memory cannot grow (the caller decodes in TypeScript).
 */
function tailDecodeWasm(
  k: WasmKernels,
  shuffled: Uint8Array,
  n: number,
  deltas: number,
  bits: boolean,
): Uint8Array | undefined {
  const src = align64(k.heapBase()) + WASM_FIXED_SCRATCH_BYTES;
  const dst = align64(src + n * 8);
  try {
    const heap = wasmHeap(k, dst + n * 8);
    heap.set(shuffled, src);
    if (bits) k.bitTailDecode(src, n, deltas, dst);
    else k.tailDecode(src, n, deltas, dst);
    return heap.slice(dst, dst + n * 8);
  } catch {
    return undefined;
  }
}

/**
 * If `stages` (encoding order, the compressor excluded) are `[decimal?, delta, delta?, zigzag,
 * shuffle(8)]`, or end in `bitshuffle(8)` instead and the WebAssembly kernels are in use, decodes
 * `shuffled` through all of them at once. `undefined` otherwise.
 */
export function fusedTailDecode(shuffled: Uint8Array, stages: readonly ChainStage[]): Uint8Array | undefined {
  const names = stages.map((s) => s.codec);
  const last = stages[stages.length - 1];
  if (last === undefined || last.params.length !== 1 || last.params[0] !== 8) return undefined;
  const bits = last.codec === 'bitshuffle';
  if (last.codec !== 'shuffle' && !bits) return undefined;
  if (shuffled.length % 8 !== 0) return undefined;
  let at = 0;
  const decimal = names[0] === 'decimal' ? stages[0] : undefined;
  if (decimal !== undefined) at = 1;
  let deltas = 0;
  while (names[at] === 'delta' && deltas < 2) {
    deltas++;
    at++;
  }
  if (deltas === 0 || names[at] !== 'zigzag' || at + 2 !== stages.length) return undefined;
  const n = shuffled.length / 8;
  const native = nativeKernels();
  let fast: Uint8Array | undefined;
  if (native !== null) {
    fast = new Uint8Array(n * 8);
    native.tailDecode(shuffled, n, deltas, fast, bits ? 1 : 0);
  } else {
    const k = n >= WASM_TAIL_MIN_VALUES ? wasmKernels() : null;
    fast = k === null ? undefined : tailDecodeWasm(k, shuffled, n, deltas, bits);
  }
  if (fast !== undefined) return decimal === undefined ? fast : decimalDecodeInPlace(fast, decimal.params);
  if (bits) return undefined; // no TypeScript fusion of bitshuffle: the stages run one by one
  const out = new Uint8Array(n * 8);
  const words = new Int32Array(out.buffer);
  // A plain Uint8Array view (zstd-napi returns Buffers, whose element access is polymorphic here).
  const s = new Uint8Array(shuffled.buffer, shuffled.byteOffset, shuffled.byteLength);
  const n2 = 2 * n;
  const n3 = 3 * n;
  const n4 = 4 * n;
  const n5 = 5 * n;
  const n6 = 6 * n;
  const n7 = 7 * n;
  // Running sums as int32 halves (carry by unsigned compare), so the loop stays in small integers.
  let plo = 0;
  let phi = 0;
  let qlo = 0;
  let qhi = 0;
  const twice = deltas === 2;
  for (let i = 0; i < n; i++) {
    const zl =
      (s[i] as number) |
      ((s[n + i] as number) << 8) |
      ((s[n2 + i] as number) << 16) |
      ((s[n3 + i] as number) << 24);
    const zh =
      (s[n4 + i] as number) |
      ((s[n5 + i] as number) << 8) |
      ((s[n6 + i] as number) << 16) |
      ((s[n7 + i] as number) << 24);
    const neg = -(zl & 1);
    const dlo = ((zl >>> 1) | (zh << 31)) ^ neg;
    const dhi = (zh >>> 1) ^ neg;
    const slo = (plo + dlo) | 0;
    phi = (phi + dhi + (slo >>> 0 < plo >>> 0 ? 1 : 0)) | 0;
    plo = slo;
    if (twice) {
      const tlo = (qlo + plo) | 0;
      qhi = (qhi + phi + (tlo >>> 0 < qlo >>> 0 ? 1 : 0)) | 0;
      qlo = tlo;
      words[2 * i] = qlo;
      words[2 * i + 1] = qhi;
    } else {
      words[2 * i] = plo;
      words[2 * i + 1] = phi;
    }
  }
  if (decimal === undefined) return out;
  return decimalDecodeInPlace(out, decimal.params);
}
