/**
 * zstd backends: the native `zstd-napi` binding when it loads (optional dependency, several times
 * faster), else the WebAssembly `@bokuweb/zstd-wasm` build. Both write standard zstd frames (RFC 8878)
 * with the content size in the header, so bytes written by one are read by the other.
 *
 * @module
 */

import { createRequire } from 'node:module';
import { ZstdError } from '../errors.js';

/** One zstd implementation. Synchronous once loaded. */
export interface ZstdBackend {
  /** `'native'` (zstd-napi) or `'wasm'` (@bokuweb/zstd-wasm). */
  readonly kind: 'native' | 'wasm';
  compress(raw: Uint8Array, level: number): Uint8Array;
  /** Decompresses one frame whose content size is `rawLengthBytes`. */
  decompress(payload: Uint8Array, rawLengthBytes: number): Uint8Array;
}

interface NapiModule {
  Compressor: new () => {
    setParameters(p: { compressionLevel: number }): void;
    compress(b: Uint8Array): Uint8Array;
  };
  Decompressor: new () => { decompress(b: Uint8Array): Uint8Array };
}

interface WasmModule {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
  decompress(buf: Uint8Array, opts?: { defaultHeapSize: number }): Uint8Array;
}

let nativePromise: Promise<ZstdBackend | undefined> | undefined;
let wasmPromise: Promise<ZstdBackend> | undefined;
let forced: 'native' | 'wasm' | undefined =
  process.env.MMTAPE_ZSTD_BACKEND === 'wasm' || process.env.MMTAPE_ZSTD_BACKEND === 'native'
    ? process.env.MMTAPE_ZSTD_BACKEND
    : undefined;

/** Loads zstd-napi; resolves `undefined` when the native module is absent or fails to load. */
function loadNative(): Promise<ZstdBackend | undefined> {
  nativePromise ??= (async () => {
    try {
      // zstd-napi is CommonJS with a compiled addon; require() keeps it out of the ESM loader.
      const mod = createRequire(import.meta.url)('zstd-napi') as NapiModule;
      const compressors = new Map<number, InstanceType<NapiModule['Compressor']>>();
      const decompressor = new mod.Decompressor();
      return {
        kind: 'native' as const,
        compress(raw, level) {
          let c = compressors.get(level);
          if (c === undefined) {
            c = new mod.Compressor();
            c.setParameters({ compressionLevel: level });
            compressors.set(level, c);
          }
          const out = c.compress(raw);
          return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        },
        decompress(payload) {
          const out = decompressor.decompress(payload);
          return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        },
      } satisfies ZstdBackend;
    } catch {
      return undefined;
    }
  })();
  return nativePromise;
}

/** Loads and initialises the wasm build once; a failed load is retried on the next call. */
function loadWasm(): Promise<ZstdBackend> {
  wasmPromise ??= (async () => {
    try {
      const mod = (await import('@bokuweb/zstd-wasm')) as unknown as WasmModule & { default?: WasmModule };
      const binding = typeof mod.init === 'function' ? mod : mod.default;
      if (binding === undefined || typeof binding.init !== 'function')
        throw new Error('module has no init()');
      await binding.init();
      return {
        kind: 'wasm' as const,
        compress: (raw, level) => binding.compress(raw, level),
        decompress: (payload, rawLengthBytes) =>
          binding.decompress(payload, { defaultHeapSize: Math.max(rawLengthBytes, 1) }),
      } satisfies ZstdBackend;
    } catch (cause) {
      wasmPromise = undefined;
      throw new ZstdError('init', `cannot load @bokuweb/zstd-wasm: ${String(cause)}`, { cause });
    }
  })();
  return wasmPromise;
}

/**
 * The zstd backend in use: native when `zstd-napi` loads (unless `MMTAPE_ZSTD_BACKEND=wasm` or
 * {@link setZstdBackend}`('wasm')`), otherwise wasm.
 *
 * @throws ZstdError neither backend can load.
 */
export async function zstdBackend(): Promise<ZstdBackend> {
  if (forced !== 'wasm') {
    const native = await loadNative();
    if (native !== undefined) {
      loaded = native;
      return native;
    }
    if (forced === 'native') throw new ZstdError('init', 'zstd-napi (native zstd) is not available');
  }
  const wasm = await loadWasm();
  loaded = wasm;
  return wasm;
}

/** The backend resolved by the last {@link zstdBackend} call, for synchronous callers. */
let loaded: ZstdBackend | undefined;

/**
 * The loaded backend, synchronously: `undefined` until {@link zstdBackend} (or `initZstd`) has
 * resolved once, or after {@link setZstdBackend} changed the choice.
 */
export function zstdBackendSync(): ZstdBackend | undefined {
  if (loaded === undefined) return undefined;
  if (forced !== undefined && loaded.kind !== forced) return undefined;
  return loaded;
}

/**
 * Forces a zstd backend for this process (`undefined`: automatic). Used by tests and benchmarks to
 * compare the two; bytes on the wire are standard zstd frames either way.
 */
export function setZstdBackend(kind: 'native' | 'wasm' | undefined): void {
  forced = kind;
  loaded = undefined;
}
