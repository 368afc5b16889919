/**
 * Which implementation runs the decoders that have a fast kernel: `'native'` (default; the C bar decoder
 * of `../native/native-kernels.ts` when it was built, and the WebAssembly kernels for everything else),
 * `'wasm'` (the AssemblyScript → WebAssembly kernels of `wasm-kernels.ts`: `bar` frames and
 * the fused `delta{1,2}>zigzag>shuffle(8)` tail of column chains) or `'js'` (the TypeScript reference
 * decoders). All produce the same bytes and the same errors; each falls back to the next (native →
 * WebAssembly → TypeScript) when unavailable, and the TypeScript decoders run for corrupt frames (to
 * report the exact error).
 *
 * @module
 */

/** Decoder implementation: `'native'` (C, N-API), `'wasm'` (WebAssembly) or `'js'` (TypeScript). */
export type DecodeBackend = 'native' | 'wasm' | 'js';

const BACKENDS: readonly DecodeBackend[] = ['native', 'wasm', 'js'];

/** `MMTAPE_DECODE_BACKEND` (`native`, `wasm` or `js`), read when the module loads and on {@link setDecodeBackend}(). */
function fromEnv(): DecodeBackend | undefined {
  const v = typeof process === 'undefined' ? undefined : process.env.MMTAPE_DECODE_BACKEND;
  return BACKENDS.find((b) => b === v);
}

let preferred: DecodeBackend = fromEnv() ?? 'native';

/**
 * Chooses the decoder implementation for this process: `'js'` forces the TypeScript decoders, `'wasm'`
 * the WebAssembly kernels (when they load), `'native'` (the default) the native bar decoder when it was
 * built, else the WebAssembly kernels. `undefined` restores the default: the `MMTAPE_DECODE_BACKEND`
 * environment variable (`native`, `wasm` or `js`) if set, else `'native'`. Decoded bytes and errors are
 * identical either way; only speed differs (see the README).
 *
 * @throws TypeError `kind` is not `'native'`, `'wasm'`, `'js'` or `undefined`.
 */
export function setDecodeBackend(kind?: DecodeBackend): void {
  if (kind !== undefined && !BACKENDS.includes(kind)) {
    throw new TypeError(`decode backend must be 'native', 'wasm' or 'js', got ${String(kind)}`);
  }
  preferred = kind ?? fromEnv() ?? 'native';
}

/** The backend asked for (by {@link setDecodeBackend} or the environment), loaded or not. */
export function decodeBackendPreference(): DecodeBackend {
  return preferred;
}
