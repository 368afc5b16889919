/**
 * Entry of mmtape's WebAssembly decode kernels (AssemblyScript, compiled by the repository's `scripts/build-wasm.mjs`
 * into `src/wasm/wasm-bytes.generated.ts`, loaded by `src/wasm/wasm-kernels.ts`): the `bar`
 * decoder and the fused column-chain tails (byte- and bit-shuffled). One linear memory, laid out by the TypeScript callers from
 * {@link heapBase}; nothing here allocates (stub runtime).
 *
 * @module
 */

export { decode as barDecode } from './bar-decode';
export { bitTailDecode, tailDecode } from './tail-decode';

/** First free byte after the module's static data: the TypeScript callers lay out buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
