import { encodeChain, writeChainDescriptor } from './chain.js';
import { checksumOf, frameChecksumOf } from './checksum.js';
import type { StageSpec } from './codec-registry.js';
import { decodeFrame } from './decode-frame.js';
import {
  CodecError,
  CodecOptionsError,
  FrameTooLargeError,
  InvalidCompressionLevelError,
  UnknownCodecError,
} from './errors.js';
import {
  align8,
  type ChainFrameVersion,
  type CodecName,
  FRAME_HEADER_BYTES,
  FRAME_VERSION_CHAIN,
  FRAME_VERSION_CHAIN_PAYLOAD_CRC,
  type FrameDType,
  isChainFrameVersion,
  KNOWN_CODEC_NAMES,
  writeChainFrameHeader,
  writeFrameHeader,
} from './frame-header.js';
import { ZSTD_MAX_LEVEL, ZSTD_MIN_LEVEL, zstdCompress } from './zstd-codec.js';

/** Options of {@link encodeFrame}. */
export interface EncodeFrameOptions {
  /**
   * Codec of the payload. Default `'zstd'`: float64 price columns shrink 2-3x (S&P 500 daily closes:
   * 2.9x at level 3). This WebAssembly build is single-threaded and slower than native zstd: about
   * 30 MB/s encode and 140 MB/s decode at level 3 on a 2.5 GHz Xeon VM (see README). `'none'` stores
   * the bytes as is but keeps the checksum.
   */
  codec?: CodecName;
  /**
   * zstd level, integer 1..22. Default 3, zstd's own default: most of the ratio of the higher levels
   * at a fraction of their cost; levels above ~9 cost several times more CPU for a few percent on
   * numeric data. Ignored (stored as 0) for codec `'none'`.
   */
  level?: number;
  /**
   * A codec chain, e.g. `[{ codec: 'decimal' }, { codec: 'delta' }, { codec: 'zigzag' },
   * { codec: 'shuffle', typesize: 8 }, { codec: 'zstd', level: 9 }]`. When given, a chain frame
   * (version 3 unless `frameVersion` says otherwise) is written and `codec`/`level` are ignored. If a stage declines the input (the decimal filter on
   * values without a short exact decimal form), `encodeFrame` throws `CodecOptionsError`; use
   * `encodeColumn` for automatic fallback.
   */
  chain?: readonly StageSpec[];
  /** Element type recorded in chain frames (informational for `decodeFrame`). Default `'bytes'`. */
  dtype?: FrameDType;
  /**
   * Version of chain frames (a `chain`, or codec `blosc`/`lz4`/`zlib`): `3` (default, checksum over the
   * stored frame bytes, verified before decoding) or `2` (checksum over the raw bytes, the format
   * written before version 3; for compatibility tests and readers that predate version 3). Ignored for
   * codecs `none`/`zstd`, which always write version 1.
   */
  frameVersion?: ChainFrameVersion;
}

/** Options of {@link encodeChainFrame}. */
export interface EncodeChainFrameOptions {
  /** Frame version, `3` (default) or `2`: see {@link EncodeFrameOptions.frameVersion}. */
  frameVersion?: ChainFrameVersion;
}

/** Largest payload a frame can describe: the payload length field is a u32. */
const MAX_PAYLOAD_BYTES = 0xffffffff;

/**
 * Wraps `raw` in a self-describing, checksummed frame (layout: package README and `frame-header.ts`).
 * The input is not modified; the result is a new buffer. The zstd wasm module is loaded on the first
 * zstd call.
 *
 * @example
 * ```ts
 * const frame = await encodeFrame(new Uint8Array(closes.buffer), { level: 3 });
 * const bytes = await decodeFrame(frame);
 * ```
 * @throws UnknownCodecError unknown `codec` name.
 * @throws InvalidCompressionLevelError `level` is not an integer in 1..22 (zstd).
 * @throws CodecOptionsError invalid chain stage options, a declining stage, or `frameVersion` not 2/3.
 * @throws CodecError a chain with the `bar` stage failed its encode-time round-trip check (internal bug,
 *   see {@link encodeChainFrame}).
 * @throws FrameTooLargeError the input exceeds the codec's limit (512 MiB for zstd, 4 GiB - 1 for none).
 * @throws ZstdError the zstd module cannot load.
 */
export async function encodeFrame(raw: Uint8Array, options: EncodeFrameOptions = {}): Promise<Uint8Array> {
  const chainOptions: EncodeChainFrameOptions = { frameVersion: options.frameVersion };
  if (options.chain !== undefined) {
    const frame = await encodeChainFrame(raw, options.chain, options.dtype ?? 'bytes', chainOptions);
    if (frame === undefined) {
      throw new CodecOptionsError('chain', 'stages', 'stages applicable to this input', 'a declining stage');
    }
    return frame;
  }
  const codec = options.codec ?? 'zstd';
  if (codec === 'blosc' || codec === 'lz4' || codec === 'zlib') {
    const stage =
      codec === 'zlib' && options.level !== undefined ? { codec, level: options.level } : { codec };
    return (await encodeChainFrame(raw, [stage], options.dtype ?? 'bytes', chainOptions)) as Uint8Array;
  }
  let level = 0;
  let payload: Uint8Array;
  if (codec === 'zstd') {
    level = options.level ?? 3;
    if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
      throw new InvalidCompressionLevelError(`${ZSTD_MIN_LEVEL}..${ZSTD_MAX_LEVEL}`, level);
    }
    payload = await zstdCompress(raw, level);
  } else if (codec === 'none') {
    payload = raw;
  } else {
    throw new UnknownCodecError(String(codec), KNOWN_CODEC_NAMES);
  }
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    throw new FrameTooLargeError('frame payload', MAX_PAYLOAD_BYTES, payload.byteLength);
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  writeFrameHeader(frame, {
    codec,
    level,
    rawLengthBytes: raw.byteLength,
    checksum: checksumOf(raw),
    payloadLengthBytes: payload.byteLength,
  });
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Ids of the stages whose frames are decoded again right after encoding and compared with the input
 * (see {@link encodeChainFrame}): `bar` (22, `bar/bar-stage.ts` `BAR_CODEC_ID`; not imported here so
 * the bar codec stays a lazily loaded chunk).
 */
const ROUND_TRIP_CHECKED_STAGE_IDS: ReadonlySet<number> = new Set([22]);

/**
 * Writes a chain frame: `raw` through `stages`, or `undefined` when a stage declines the input.
 * Version 3 by default (`options.frameVersion`): the checksum at byte 16 is computed last, over every
 * frame byte except itself (`frameChecksumOf`); version 2 stores the CRC-32 of `raw` instead.
 *
 * A version-3 checksum no longer checks what a decoder outputs, so a chain containing the `bar` stage
 * (id 22, whose decoders are hand-written entropy decoders with a WebAssembly kernel) is verified at
 * encode time: the new frame is decoded with {@link decodeFrame} (the active decode backend) and the
 * bytes compared with `raw`. This costs one decode, a few percent of the encode time (65,536-row OHLCV
 * frame: ~3 ms of ~100 ms on a 2.5 GHz Xeon VM).
 *
 * @throws UnknownCodecError | CodecOptionsError | InvalidCompressionLevelError | FrameTooLargeError
 * @throws CodecOptionsError `options.frameVersion` is neither 2 nor 3.
 * @throws CodecError (`codec` `'bar'`, operation `'encode'`) the round-trip check failed: the frame does
 *   not decode (`cause` holds the decoder's error) or decodes to other bytes (`offsetBytes` = first
 *   differing byte of `raw`). This is an internal bug, never expected; nothing was returned.
 */
export async function encodeChainFrame(
  raw: Uint8Array,
  stages: readonly StageSpec[],
  dtype: FrameDType = 'bytes',
  options: EncodeChainFrameOptions = {},
): Promise<Uint8Array | undefined> {
  const version = options.frameVersion ?? FRAME_VERSION_CHAIN_PAYLOAD_CRC;
  if (!isChainFrameVersion(version)) {
    throw new CodecOptionsError('frame', 'frameVersion', '2 or 3', version);
  }
  const encoded = await encodeChain(raw, stages);
  if (encoded === undefined) return undefined;
  const { payload } = encoded;
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    throw new FrameTooLargeError('frame payload', MAX_PAYLOAD_BYTES, payload.byteLength);
  }
  const descriptor = writeChainDescriptor(encoded.stages);
  if (descriptor.length > 0xffff) {
    throw new FrameTooLargeError('chain descriptor (decimal exceptions?)', 0xffff, descriptor.length);
  }
  const headerLengthBytes = FRAME_HEADER_BYTES + align8(descriptor.length);
  const frame = new Uint8Array(headerLengthBytes + payload.length);
  writeChainFrameHeader(frame, {
    version,
    dtype,
    descriptor,
    rawLengthBytes: raw.byteLength,
    checksum: version === FRAME_VERSION_CHAIN ? checksumOf(raw) : 0,
    payloadLengthBytes: payload.byteLength,
  });
  frame.set(payload, headerLengthBytes);
  if (version === FRAME_VERSION_CHAIN_PAYLOAD_CRC) {
    // Last: the checksum covers the header (raw length, dtype, descriptor, padding) and the payload.
    new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(
      16,
      frameChecksumOf(frame),
      true,
    );
  }
  const checked = encoded.stages.find((s) => ROUND_TRIP_CHECKED_STAGE_IDS.has(s.id));
  if (checked !== undefined) await verifyRoundTrip(frame, raw, checked.codec);
  return frame;
}

/**
 * Decodes `frame` with the normal decode path and compares the result with `raw`.
 *
 * @throws CodecError (operation `'encode'`, codec `stage`) on any failure or difference.
 */
async function verifyRoundTrip(frame: Uint8Array, raw: Uint8Array, stage: string): Promise<void> {
  let back: Uint8Array;
  try {
    back = await decodeFrame(frame);
  } catch (cause) {
    throw new CodecError(
      stage,
      'encode',
      `round-trip check: the frame just encoded does not decode (${String(cause)}); this is a bug`,
      { cause },
    );
  }
  const at = firstDifference(back, raw);
  if (at >= 0) {
    throw new CodecError(
      stage,
      'encode',
      `round-trip check: the frame just encoded decodes to different bytes, first at byte ${at} ` +
        `(${back.byteLength} bytes decoded, ${raw.byteLength} encoded); this is a bug`,
      { offsetBytes: at },
    );
  }
}

/** Index of the first byte where `a` and `b` differ (the shorter length if one is a prefix), or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)) return -1;
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
