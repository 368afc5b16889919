/**
 * Entry of merge-replay's WebAssembly kernel (AssemblyScript, compiled by the repository's
 * `scripts/build-wasm.mjs` into `src/wasm/wasm-bytes.generated.ts`, loaded by
 * `src/strategies/wasm-module.ts`): the sparse-block sort (ticks) and the bar grid. One linear memory per
 * instance, laid out by the TypeScript caller from {@link heapBase}; nothing here allocates (stub runtime).
 *
 * @module
 */

export { gridBars } from './bar-grid';
export { collectSparse, gatherF64, gatherI64, packKeys, sortEmit } from './sparse-block';

/** First free byte after the module's static data: the TypeScript caller lays out buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
