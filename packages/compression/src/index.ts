/**
 * `@mmtape/compression`: codecs for market data in self-describing, checksummed frames.
 *
 * - Frames: magic, a codec chain, dtype, raw length and a CRC-32 over the stored frame bytes, verified
 *   before decoding. Byte layout: `FORMAT.md` (one frame version).
 * - Codecs registered by name and id, loaded lazily: `zstd` (native zstd-napi when it loads, wasm
 *   otherwise), `blosc` (blosc1 buffers interoperable with python-blosc), `lz4`, `zlib`; filters
 *   `shuffle`, `bitshuffle`, `delta`, `zigzag` and the lossless `decimal` price filter.
 * - `encodeColumn`/`decodeColumn`: automatic lossless chains for typed columns.
 * - `encodeBars`/`decodeBarsInto`: OHLC(V) bars in one frame (`bar` stage, id 22): cross-column
 *   residuals with static interleaved rANS over hybrid-integer tokens (the rANS bar layout), about
 *   1.45-1.6x smaller than the per-column chains.
 *
 * @example
 * ```ts
 * import { decodeColumn, encodeColumn, encodeFrame, decodeFrame } from '@mmtape/compression';
 *
 * const closes = new Float64Array([187.5, 188.1, 186.9]);
 * const frame = await encodeColumn(closes); // decimal>delta>zigzag>shuffle(8)>zstd(9), or smaller
 * const back = (await decodeColumn(frame)) as Float64Array;
 * const bytes = await decodeFrame(await encodeFrame(new Uint8Array(closes.buffer), { codec: 'zstd' }));
 * ```
 *
 * @module
 */

export { BAR_MAX_EXCEPTION_RATIO, BAR_MAX_INT, BAR_MAX_SCALE } from './bar/bar-analysis.js';
export { BAR_LAYOUT_RANS, BAR_PARAMS_BYTES } from './bar/bar-params.js';
export { BAR_CODEC_ID } from './bar/bar-stage.js';
export { type BarColumns, decodeBars, decodeBarsInto, encodeBars, isBarFrame } from './bar-columns.js';
export { type BloscOptions, bloscCompress, bloscDecompress } from './blosc/blosc.js';
export {
  type BloscCname,
  type BloscHeader,
  type BloscShuffle,
  parseBloscHeader,
} from './blosc/blosc-header.js';
export { type ChainStage, MAX_CHAIN_STAGES } from './chain.js';
export { frameChecksumOf } from './checksum.js';
export {
  type Codec,
  codecByName,
  type EncodedStage,
  listCodecs,
  registerCodec,
  type StageSpec,
} from './codec-registry.js';
export { lz4CompressBlock, lz4DecompressBlock } from './codecs/lz4-block.js';
export { setZstdBackend, type ZstdBackend, zstdBackend } from './codecs/zstd-backend.js';
export {
  type ColumnArray,
  type ColumnCodecOptions,
  candidateChains,
  chooseColumnChain,
  DEFAULT_COLUMN_ZSTD_LEVEL,
  decodeColumn,
  describeChain,
  encodeColumn,
  SAMPLE_ROWS,
} from './column-codec.js';
export { decodeFrame } from './decode-frame.js';
export { type EncodeFrameOptions, encodeChainFrame, encodeFrame } from './encode-frame.js';
export {
  ChecksumMismatchError,
  CodecError,
  CodecOptionsError,
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
export { bitshuffleBytes, bitunshuffleBytes } from './filters/bitshuffle.js';
export { DECIMAL_MAX_SCALE, type DecimalOptions, decimalDecode, decimalEncode } from './filters/decimal.js';
export { deltaDecodeI64, deltaEncodeI64, zigzagDecodeI64, zigzagEncodeI64 } from './filters/int64-words.js';
export { shuffleBytes, unshuffleBytes } from './filters/shuffle.js';
export {
  type CodecName,
  FRAME_DTYPE_CODES,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  type FrameDType,
  type FrameHeader,
  isFrame,
  readFrameHeader,
} from './frame-header.js';
export { type DecodeBackend, setDecodeBackend } from './wasm/decode-backend.js';
export { decodeBackend } from './wasm/wasm-kernels.js';
export {
  initZstd,
  ZSTD_DEFAULT_LEVEL,
  ZSTD_MAX_INPUT_BYTES,
  ZSTD_MAX_LEVEL,
  ZSTD_MIN_LEVEL,
  zstdCompressSync,
  zstdDecompressSync,
} from './zstd-codec.js';
