/**
 * mmtape's WebAssembly decode kernels (AssemblyScript sources in `assembly/`, compiled by
 * the repository's `scripts/build-wasm.mjs` into `wasm-bytes.generated.ts`): the `bar` decoder
 * (`bar/kernels/wasm.ts`) and the fused column-chain tails (`filters/fused-decode.ts`).
 *
 * The module (~7 KB) is compiled and instantiated synchronously on first use and kept for the process.
 * Its one linear memory holds a fixed scratch from the module's heap base and the current call's
 * buffers after it; it grows to the largest frame decoded (a 65,536-row OHLCV bar frame needs ~14 MB)
 * and is reused, never shrunk. Which decoder runs is chosen in `decode-backend.ts`.
 *
 * @module
 */

import { nativeKernels } from '../native/native-kernels.js';
import { type DecodeBackend, decodeBackendPreference } from './decode-backend.js';
import { WASM_KERNELS_BASE64 } from './wasm-bytes.generated.js';

/**
 * The parts of the global `WebAssembly` namespace used here (declared locally: the package compiles
 * against `lib: ES2023` without DOM types, and a runtime may lack WebAssembly altogether).
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** A WebAssembly linear memory: `grow` (in 64 KiB pages) detaches the previous `buffer`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Exports of `assembly/index.ts`; addresses and lengths in bytes, see each AssemblyScript function. */
export interface WasmKernels {
  memory: WasmMemory;
  heapBase(): number;
  barDecode(
    payloadPtr: number,
    payloadBytes: number,
    exceptionBytes: number,
    tableBytes: number,
    codedBytes: number,
    rows: number,
    columns: number,
    probBits: number,
    pp: number,
    pv: number,
    signed: number,
    scratch: number,
    maxTables: number,
    outPtr: number,
  ): number;
  tailDecode(src: number, n: number, deltas: number, out: number): void;
  bitTailDecode(src: number, n: number, deltas: number, out: number): void;
}

/** `undefined`: not tried yet; `null`: the module failed to compile or instantiate. */
let kernels: WasmKernels | null | undefined;

const WASM_PAGE_BYTES = 65536;

/** The instantiated module, or `null` when WebAssembly is unavailable or the module fails to load. */
export function loadWasmKernels(): WasmKernels | null {
  if (kernels !== undefined) return kernels;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) throw new TypeError('WebAssembly is not available');
    const module = new api.Module(Buffer.from(WASM_KERNELS_BASE64, 'base64'));
    const instance = new api.Instance(module, {
      env: {
        abort: () => {
          throw new RangeError('wasm kernels: abort');
        },
      },
    });
    kernels = instance.exports as WasmKernels;
  } catch {
    kernels = null;
  }
  return kernels;
}

/**
 * The kernels when the chosen backend is `'wasm'` or `'native'` (whose native module only decodes bar
 * frames) and they load, else `null` (use TypeScript).
 */
export function wasmKernels(): WasmKernels | null {
  return decodeBackendPreference() === 'js' ? null : loadWasmKernels();
}

/**
 * Bytes from the (64-aligned) heap base that callers leave before their buffers: 2,048 + 456 × 32,
 * mirroring `SLOTS_OFFSET` in `assembly/bar-decode.ts` (the bar decoder's context map and symbol
 * table now live in the module's static data, so this space is reserved but unused).
 */
export const WASM_FIXED_SCRATCH_BYTES = 2048 + 456 * 32;

/** `x` rounded up to a multiple of 64. */
export const align64 = (x: number): number => Math.ceil(x / 64) * 64;

/**
 * Grows `k.memory` to hold at least `endBytes` bytes; returns a byte view of the whole memory.
 *
 * @throws RangeError the memory cannot grow that far (above 4 GiB or out of memory).
 */
export function wasmHeap(k: WasmKernels, endBytes: number): Uint8Array {
  const have = k.memory.buffer.byteLength;
  if (endBytes > have) k.memory.grow(Math.ceil((endBytes - have) / WASM_PAGE_BYTES));
  return new Uint8Array(k.memory.buffer);
}

/**
 * The bar decoder in use: `'native'` when preferred (the default, see `setDecodeBackend`) and the native
 * module was built and loads; else `'wasm'` when preferred or as the native fallback and the module
 * instantiates (this call loads them on first use); else `'js'`.
 */
export function decodeBackend(): DecodeBackend {
  if (nativeKernels() !== null) return 'native';
  return wasmKernels() === null ? 'js' : 'wasm';
}
