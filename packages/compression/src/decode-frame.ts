import { decodeChain } from './chain.js';
import { checksumOf, verifyFrameChecksum } from './checksum.js';
import {
  ChecksumMismatchError,
  CodecError,
  FrameLengthError,
  FrameTruncatedError,
  isCompressionError,
} from './errors.js';
import { isChainFrameVersion, readFrameHeader } from './frame-header.js';
import { zstdDecompress } from './zstd-codec.js';

/**
 * Decodes a frame made by {@link encodeFrame} and returns the original bytes (a new buffer, never a
 * view of `frame`).
 *
 * Validation happens before any decoding, against the bytes available: magic, version, codec id,
 * payload length vs frame size (the frame must be exactly header + payload: trailing bytes are an
 * error); for version 3, the CRC-32 of the frame bytes (all but the checksum field). Then the frame is
 * decoded and the decoded length checked against the header; for versions 1 and 2 also the CRC-32 of
 * the decoded bytes (version 3 skips that pass over the decoded bytes).
 *
 * @throws FrameTruncatedError fewer bytes than the header or the payload it announces.
 * @throws FrameMagicError | FrameVersionError | UnknownCodecError bad header bytes.
 * @throws FrameLengthError trailing bytes, or a decoded length other than the raw length.
 * @throws ChecksumMismatchError version 3: the stored frame bytes do not match the CRC-32 (`scope`
 *   `'frame'`, nothing decoded); versions 1 and 2: the decoded bytes do not (`scope` `'raw'`).
 * @throws CodecError corrupt data in a chain stage (blosc, lz4, zlib, filters, bar).
 * @throws ZstdError corrupt zstd payload, or the wasm module cannot load.
 * @throws FrameTooLargeError the raw length exceeds the codec's limit.
 * Invalid stage options in the frame's descriptor are a `CodecError` (`data`:
 * they come from the frame's bytes, not from the caller), with the original error as `cause`.
 */
export async function decodeFrame(frame: Uint8Array): Promise<Uint8Array> {
  try {
    return await decodeFrameBytes(frame);
  } catch (error) {
    if (isCompressionError(error, 'MMTAPE_CODEC_INVALID_OPTIONS'))
      throw new CodecError('frame', 'decode', `invalid chain descriptor: ${error.message}`, { cause: error });
    throw error;
  }
}

async function decodeFrameBytes(frame: Uint8Array): Promise<Uint8Array> {
  const header = readFrameHeader(frame);
  const payloadOffset = header.headerLengthBytes;
  if (frame.byteLength < header.frameLengthBytes) {
    throw new FrameTruncatedError(
      'payload',
      payloadOffset,
      header.payloadLengthBytes,
      frame.byteLength - payloadOffset,
    );
  }
  if (frame.byteLength > header.frameLengthBytes) {
    throw new FrameLengthError('frame', 0, header.frameLengthBytes, frame.byteLength);
  }
  // Version 3: reject corrupt stored bytes before any decoder sees them.
  if (header.checksumScope === 'frame') verifyFrameChecksum(frame, header.checksum);
  const payload = frame.subarray(payloadOffset, header.frameLengthBytes);
  let raw: Uint8Array;
  if (isChainFrameVersion(header.version)) {
    raw = await decodeChain(payload, header.chain, header.rawLengthBytes);
    // Stages may return views of Buffers or of their inputs: hand back an independent plain copy.
    if (Buffer.isBuffer(raw) || raw.byteOffset !== 0 || raw.buffer.byteLength !== raw.byteLength) {
      raw = new Uint8Array(raw);
    }
  } else if (header.codec === 'none') {
    if (header.payloadLengthBytes !== header.rawLengthBytes) {
      throw new FrameLengthError(
        'uncompressed payload',
        20,
        header.rawLengthBytes,
        header.payloadLengthBytes,
      );
    }
    // Copy through the Uint8Array constructor: if `frame` is a Node Buffer, `slice()` would return a view.
    raw = new Uint8Array(payload);
  } else {
    raw = await zstdDecompress(payload, header.rawLengthBytes, payloadOffset);
  }
  if (raw.byteLength !== header.rawLengthBytes) {
    throw new FrameLengthError('decoded payload', payloadOffset, header.rawLengthBytes, raw.byteLength);
  }
  if (header.checksumScope === 'raw') {
    const actual = checksumOf(raw);
    if (actual !== header.checksum) throw new ChecksumMismatchError(header.checksum, actual);
  }
  return raw;
}
