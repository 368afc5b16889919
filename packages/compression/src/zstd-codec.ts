/**
 * zstd for frames: the native `zstd-napi` backend when it loads, `@bokuweb/zstd-wasm` otherwise
 * (see `codecs/zstd-backend.ts`), loaded lazily.
 *
 * Loading: under Node the package's `node` export condition selects its CommonJS build, whose `init()`
 * reads `zstd.wasm` with `fs` relative to its own `__dirname`. The path therefore never depends on
 * where this file lives, so the same code works from `src/` (vitest) and from the tsup-built `dist/`
 * (the dependency stays external). The module is imported and initialised on the first zstd call only;
 * the promise is memoised so concurrent first calls share one initialisation, and reset on failure so
 * a later call can retry.
 *
 * Safety: the binding does not check `malloc` results and sizes its output buffer from the zstd frame
 * header. To keep corrupt input from ever writing outside its buffers, this module (1) caps sizes
 * well below the 2 GiB WebAssembly heap, and (2) parses the zstd frame header itself (RFC 8878 §3.1.1)
 * and requires the announced content size to equal the raw length from the mmtape frame header.
 *
 * @module
 */

import { type ZstdBackend, zstdBackend, zstdBackendSync } from './codecs/zstd-backend.js';
import { FrameLengthError, FrameTooLargeError, InvalidCompressionLevelError, ZstdError } from './errors.js';

/**
 * Largest raw input, and largest payload, handed to zstd: 512 MiB. The binding's heap is capped at
 * 2 GiB (`getHeapMax` in its emscripten glue) and must hold input, output and the compression context
 * at once; 512 MiB leaves room for level-22 contexts and fragmentation. Larger data: split it, or use
 * codec `none`.
 */
export const ZSTD_MAX_INPUT_BYTES = 512 * 1024 * 1024;

/** zstd levels accepted by `encodeFrame` (the classic 1..22 range; negative "fast" levels excluded). */
export const ZSTD_MIN_LEVEL = 1;
/** Highest zstd level accepted by `encodeFrame` (zstd's maximum, 22). */
export const ZSTD_MAX_LEVEL = 22;

/**
 * Compresses `raw` into one zstd frame (with content size) at `level`.
 *
 * @throws FrameTooLargeError `raw` exceeds {@link ZSTD_MAX_INPUT_BYTES}.
 * @throws ZstdError the module cannot load, or zstd fails.
 */
export async function zstdCompress(raw: Uint8Array, level: number): Promise<Uint8Array> {
  if (raw.byteLength > ZSTD_MAX_INPUT_BYTES) {
    throw new FrameTooLargeError('zstd input', ZSTD_MAX_INPUT_BYTES, raw.byteLength);
  }
  const zstd = await zstdBackend();
  try {
    return zstd.compress(raw, level);
  } catch (cause) {
    throw new ZstdError('compress', describe(cause), { cause });
  }
}

/**
 * Decompresses a zstd `payload` that must expand to exactly `rawLengthBytes`. `payloadOffsetBytes` is
 * the payload position in the enclosing frame, reported in errors.
 *
 * @throws FrameTooLargeError payload or raw length exceeds {@link ZSTD_MAX_INPUT_BYTES}.
 * @throws FrameLengthError the zstd frame announces a content size other than `rawLengthBytes`.
 * @throws ZstdError malformed zstd header or data (corrupt payload).
 */
export async function zstdDecompress(
  payload: Uint8Array,
  rawLengthBytes: number,
  payloadOffsetBytes: number,
): Promise<Uint8Array> {
  if (payload.byteLength > ZSTD_MAX_INPUT_BYTES) {
    throw new FrameTooLargeError('zstd payload', ZSTD_MAX_INPUT_BYTES, payload.byteLength);
  }
  if (rawLengthBytes > ZSTD_MAX_INPUT_BYTES) {
    throw new FrameTooLargeError('zstd output', ZSTD_MAX_INPUT_BYTES, rawLengthBytes);
  }
  const contentSize = zstdFrameContentSize(payload, payloadOffsetBytes);
  if (contentSize !== undefined && contentSize !== rawLengthBytes) {
    throw new FrameLengthError('zstd frame content size', payloadOffsetBytes, rawLengthBytes, contentSize);
  }
  const zstd = await zstdBackend();
  let out: Uint8Array;
  try {
    out = zstd.decompress(payload, rawLengthBytes);
  } catch (cause) {
    throw new ZstdError('decompress', `corrupt zstd payload: ${describe(cause)}`, {
      cause,
      offsetBytes: payloadOffsetBytes,
    });
  }
  return out;
}

/** Default level of {@link zstdCompressSync}: 3, zstd's own default (fast, a good general ratio). */
export const ZSTD_DEFAULT_LEVEL = 3;

/**
 * Loads the zstd backend (native zstd-napi when it loads, else the wasm build) so that
 * {@link zstdCompressSync} and {@link zstdDecompressSync} can run. Idempotent; concurrent calls share
 * one load.
 *
 * @throws ZstdError neither backend can load.
 */
export async function initZstd(): Promise<void> {
  await zstdBackend();
}

function syncBackend(): ZstdBackend {
  const zstd = zstdBackendSync();
  if (zstd === undefined) {
    throw new ZstdError(
      'init',
      'zstd is not initialised: await initZstd() before the synchronous zstd calls',
    );
  }
  return zstd;
}

/**
 * Compresses `bytes` into one standard zstd frame (RFC 8878, content size in the header) at `level`
 * (1..22, default {@link ZSTD_DEFAULT_LEVEL}). Synchronous; requires {@link initZstd} first.
 *
 * @example
 * ```ts
 * await initZstd();
 * const packed = zstdCompressSync(new TextEncoder().encode('hello'), 9);
 * const back = zstdDecompressSync(packed);
 * ```
 * @throws ZstdError not initialised, or zstd fails.
 * @throws InvalidCompressionLevelError `level` is not an integer in 1..22.
 * @throws FrameTooLargeError `bytes` exceeds {@link ZSTD_MAX_INPUT_BYTES}.
 */
export function zstdCompressSync(bytes: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Uint8Array {
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new InvalidCompressionLevelError(`${ZSTD_MIN_LEVEL}..${ZSTD_MAX_LEVEL}`, level);
  }
  if (bytes.byteLength > ZSTD_MAX_INPUT_BYTES) {
    throw new FrameTooLargeError('zstd input', ZSTD_MAX_INPUT_BYTES, bytes.byteLength);
  }
  const zstd = syncBackend();
  try {
    return zstd.compress(bytes, level);
  } catch (cause) {
    throw new ZstdError('compress', describe(cause), { cause });
  }
}

/**
 * Decompresses one zstd frame. The frame must announce its content size (every frame written by
 * {@link zstdCompressSync} does). Synchronous; requires {@link initZstd} first.
 *
 * @throws ZstdError not initialised, no content size, or corrupt data.
 * @throws FrameTooLargeError the announced size exceeds {@link ZSTD_MAX_INPUT_BYTES}.
 */
export function zstdDecompressSync(bytes: Uint8Array): Uint8Array {
  const zstd = syncBackend();
  const contentSize = zstdFrameContentSize(bytes, 0);
  if (contentSize === undefined) {
    throw new ZstdError('decompress', 'zstd frame does not announce its content size');
  }
  if (contentSize > ZSTD_MAX_INPUT_BYTES) {
    throw new FrameTooLargeError('zstd output', ZSTD_MAX_INPUT_BYTES, contentSize);
  }
  let out: Uint8Array;
  try {
    out = zstd.decompress(bytes, contentSize);
  } catch (cause) {
    throw new ZstdError('decompress', `corrupt zstd payload: ${describe(cause)}`, { cause });
  }
  if (out.byteLength !== contentSize) {
    throw new FrameLengthError('zstd frame content size', 0, contentSize, out.byteLength);
  }
  return out;
}

/** zstd frame magic number 0xFD2FB528, stored little-endian (RFC 8878 §3.1.1). */
const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Reads Frame_Content_Size from the zstd frame header at the start of `payload` (RFC 8878 §3.1.1.1).
 * Returns `undefined` when the header omits it.
 *
 * @throws ZstdError not a zstd frame, reserved bit set, dictionary id present, or header truncated.
 */
export function zstdFrameContentSize(payload: Uint8Array, payloadOffsetBytes: number): number | undefined {
  const fail = (detail: string): never => {
    throw new ZstdError('decompress', detail, { offsetBytes: payloadOffsetBytes });
  };
  if (payload.length < 5) fail(`payload of ${payload.length} bytes is shorter than a zstd frame header`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== ZSTD_MAGIC) fail(`payload magic 0x${magic.toString(16)} is not zstd (0xfd2fb528)`);
  // Frame_Header_Descriptor: bits 7-6 FCS flag, 5 single segment, 4 unused, 3 reserved,
  // 2 content checksum, 1-0 dictionary id flag.
  const descriptor = view.getUint8(4);
  const fcsFlag = descriptor >>> 6;
  const singleSegment = (descriptor >>> 5) & 1;
  if ((descriptor >>> 3) & 1) fail('zstd frame header has its reserved bit set');
  const dictIdFlag = descriptor & 3;
  if (dictIdFlag !== 0) fail('zstd frame requires a dictionary, which mmtape frames never use');
  const pos = 5 + (singleSegment ? 0 : 1); // Window_Descriptor is absent in single-segment frames
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag] ?? 0;
  if (fcsBytes === 0) return undefined;
  if (payload.length < pos + fcsBytes) fail('zstd frame header is truncated');
  switch (fcsBytes) {
    case 1:
      return view.getUint8(pos);
    case 2:
      return view.getUint16(pos, true) + 256; // 2-byte field is offset by 256 (RFC 8878)
    case 4:
      return view.getUint32(pos, true);
    default: {
      const size = view.getBigUint64(pos, true);
      return size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size);
    }
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
