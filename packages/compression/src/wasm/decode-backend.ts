/**
 * Which implementation runs the decoders that have a WebAssembly kernel (layout-2 `bar` frames, the
 * fused `delta{1,2}>zigzag>shuffle(8)` tail of column chains): `'wasm'` (default, `wasm-kernels.ts`)
 * or `'js'` (the TypeScript reference decoders). Both produce the same bytes and the same errors; the
 * TypeScript decoders also run when WebAssembly is unavailable or the module fails to instantiate, and
 * for corrupt frames (to report the exact error).
 *
 * @module
 */

/** Decoder implementation: `'wasm'` (AssemblyScript → WebAssembly kernels) or `'js'` (TypeScript). */
export type DecodeBackend = 'wasm' | 'js';

/** `MMTAPE_DECODE_BACKEND` (`js` or `wasm`), read when the module loads and on {@link setDecodeBackend}(). */
function fromEnv(): DecodeBackend | undefined {
  const v = typeof process === 'undefined' ? undefined : process.env.MMTAPE_DECODE_BACKEND;
  return v === 'js' || v === 'wasm' ? v : undefined;
}

let preferred: DecodeBackend = fromEnv() ?? 'wasm';

/**
 * Chooses the decoder implementation for this process: `'js'` forces the TypeScript decoders,
 * `'wasm'` (the default) uses the WebAssembly kernels when they load. `undefined` restores the
 * default: the `MMTAPE_DECODE_BACKEND` environment variable (`js` or `wasm`) if set, else `'wasm'`.
 * Decoded bytes and errors are identical either way; only speed differs (see the README).
 *
 * @throws TypeError `kind` is not `'wasm'`, `'js'` or `undefined`.
 */
export function setDecodeBackend(kind?: DecodeBackend): void {
  if (kind !== undefined && kind !== 'wasm' && kind !== 'js') {
    throw new TypeError(`decode backend must be 'wasm' or 'js', got ${String(kind)}`);
  }
  preferred = kind ?? fromEnv() ?? 'wasm';
}

/** The backend asked for (by {@link setDecodeBackend} or the environment), loaded or not. */
export function decodeBackendPreference(): DecodeBackend {
  return preferred;
}
