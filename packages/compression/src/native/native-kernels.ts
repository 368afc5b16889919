/**
 * The optional native decode kernels: `native/bar_decode.c` (C ports of the AssemblyScript kernels, N-API:
 * the bar decoder and the fused column-chain tail),
 * built by `scripts/build-native.mjs` (the package's `build`) into `native/build/Release/mmtape_bar.node`
 * when a C compiler and the Node headers are present. Loaded on first use and kept for the process;
 * `null` when the file is absent or fails to load, and the WebAssembly kernel is used instead (see
 * `../wasm/decode-backend.ts`). Packages installed from the registry ship without it.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeBackendPreference } from '../wasm/decode-backend.js';

/** Exports of the native module (`native/bar_decode.c`). */
export interface NativeKernels {
  /**
   * Decodes one bar payload straight into `outs` (C Float64Arrays of at least `rows` values; exception
   * rows are left to the caller). Arguments as `barDecode` of the WebAssembly kernels, with the payload
   * as a Uint8Array and `layout` (params byte 0, which the kernel checks is 3) instead of the scratch
   * addresses. Returns 0, or a negative code
   * for corrupt data (outputs then unspecified).
   *
   * @throws TypeError arguments of the wrong type.
   */
  barDecode(
    payload: Uint8Array,
    exceptionBytes: number,
    tableBytes: number,
    codedBytes: number,
    rows: number,
    columns: number,
    probBits: number,
    pp: number,
    pv: number,
    signed: number,
    layout: number,
    ...outs: Float64Array[]
  ): number;
  /**
   * The fused column-chain tail, as `tailDecode`/`bitTailDecode` of the WebAssembly kernels: `src`
   * (n × 8 shuffled bytes; bit-shuffled when `bits` is 1) → n little-endian int64 in `out` (n × 8
   * bytes), after unzigzag and `deltas` (1 or 2) running sums.
   *
   * @throws TypeError arguments of the wrong type, or arrays shorter than n × 8 bytes.
   */
  tailDecode(src: Uint8Array, n: number, deltas: number, out: Uint8Array, bits: number): void;
}

/** `undefined`: not tried yet; `null`: absent or failed to load. */
let kernels: NativeKernels | null | undefined;

/** Where the module is, relative to this file: bundled in `dist/`, or `src/native/` under test. */
const CANDIDATES = ['../native/build/Release/mmtape_bar.node', '../../native/build/Release/mmtape_bar.node'];

/** The native module, or `null` when it was not built or does not load here. */
export function loadNativeKernels(): NativeKernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  try {
    const require = createRequire(import.meta.url);
    for (const rel of CANDIDATES) {
      const path = fileURLToPath(new URL(rel, import.meta.url));
      if (!existsSync(path)) continue;
      const m = require(path) as Partial<NativeKernels>;
      if (typeof m.barDecode === 'function' && typeof m.tailDecode === 'function') {
        kernels = m as NativeKernels;
        break;
      }
    }
  } catch {
    kernels = null;
  }
  return kernels;
}

/** The native module when the chosen backend is `'native'` and it loads, else `null`. */
export function nativeKernels(): NativeKernels | null {
  return decodeBackendPreference() === 'native' ? loadNativeKernels() : null;
}
