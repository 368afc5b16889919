/**
 * `@mmtape/compression`: zstd (WebAssembly, loaded lazily) inside a self-describing, checksummed frame.
 *
 * @example
 * ```ts
 * import { decodeFrame, encodeFrame, readFrameHeader } from '@mmtape/compression';
 *
 * const closes = new Float64Array([187.5, 188.1, 186.9]);
 * const frame = await encodeFrame(new Uint8Array(closes.buffer), { codec: 'zstd', level: 3 });
 * readFrameHeader(frame).rawLengthBytes; // 24
 * const back = new Float64Array((await decodeFrame(frame)).buffer);
 * ```
 *
 * @module
 */

export { decodeFrame } from './decode-frame.js';
export { type EncodeFrameOptions, encodeFrame } from './encode-frame.js';
export {
  ChecksumMismatchError,
  type CompressionErrorCode,
  type CompressionErrorType,
  FrameLengthError,
  FrameMagicError,
  FrameTooLargeError,
  FrameTruncatedError,
  FrameVersionError,
  InvalidCompressionLevelError,
  isCompressionError,
  isMmtapeError,
  UnknownCodecError,
  ZstdError,
} from './errors.js';
export {
  CODEC_IDS,
  type CodecName,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  type FrameHeader,
  isFrame,
  readFrameHeader,
} from './frame-header.js';
export { ZSTD_MAX_INPUT_BYTES, ZSTD_MAX_LEVEL, ZSTD_MIN_LEVEL } from './zstd-codec.js';
