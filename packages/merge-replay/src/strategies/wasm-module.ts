/**
 * The package's WebAssembly module (`assembly/index.ts`, compiled by the repository's
 * `scripts/build-wasm.mjs`): compiled once per process on first use; {@link kernelInstance} gives each
 * caller an instance with its own memory. Internal.
 *
 * @module
 */
import { LITTLE_ENDIAN } from '../merge-tuning.js';
import { WASM_KERNELS_BASE64 } from '../wasm/wasm-bytes.generated.js';

/**
 * The parts of the global `WebAssembly` namespace used here (declared locally: the package compiles
 * against `lib: ES2023` without DOM types, and a runtime may lack WebAssembly altogether).
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** Bytes of a WebAssembly memory page. */
const WASM_PAGE_BYTES = 65_536;

/**
 * Grows `memory` to at least `bytes`. Returns false, leaving it as it was, when it cannot grow that far
 * (above 4 GiB, or out of memory: `RangeError`); the caller then takes its TypeScript path. Growing
 * detaches every view of the old buffer.
 */
export function growMemory(
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number },
  bytes: number,
): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / WASM_PAGE_BYTES));
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** `undefined`: not tried yet; `null`: WebAssembly is unavailable or the module failed to compile. */
let compiled: object | null | undefined;

/** The compiled module, or `null` when WebAssembly is unavailable here. */
function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) throw new TypeError('WebAssembly is not available');
    compiled = new api.Module(Buffer.from(WASM_KERNELS_BASE64, 'base64'));
  } catch {
    compiled = null;
  }
  return compiled;
}

/**
 * A new instance of the module (its exports, typed by the caller), or `null` when WebAssembly is
 * unavailable, or on a big-endian host: the kernels read int64 timestamps copied from the host's typed
 * arrays, and WebAssembly memory is little-endian. The callers then take their TypeScript path.
 */
export function kernelInstance<T>(): T | null {
  if (!LITTLE_ENDIAN) return null;
  const module = kernelModule();
  if (module === null) return null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  const instance = new api.Instance(module, {
    env: {
      abort: () => {
        throw new RangeError('merge-replay wasm kernel: abort');
      },
    },
  });
  return instance.exports as T;
}
