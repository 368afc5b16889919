import { decodeChain } from './chain.js';
import { verifyFrameChecksum } from './checksum.js';
import { CodecError, FrameLengthError, FrameTruncatedError, isCompressionError } from './errors.js';
import { readFrameHeader } from './frame-header.js';

/**
 * Decodes a frame made by {@link encodeFrame} and returns the original bytes (a new buffer, never a
 * view of `frame`).
 *
 * Validation happens before any decoding, against the bytes available: magic, version, dtype, chain
 * descriptor, payload length vs frame size (the frame must be exactly header + payload: trailing bytes
 * are an error), then the CRC-32 of the frame bytes (all but the checksum field). Then the stages run
 * in reverse and the decoded length is checked against the header.
 *
 * @throws FrameTruncatedError fewer bytes than the header or the payload it announces.
 * @throws FrameMagicError | FrameVersionError | UnknownCodecError bad header bytes.
 * @throws FrameLengthError trailing bytes, or a decoded length other than the raw length.
 * @throws ChecksumMismatchError the stored frame bytes do not match the CRC-32 (`scope` `'frame'`,
 *   nothing decoded).
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
  // Reject corrupt stored bytes before any decoder sees them.
  verifyFrameChecksum(frame, header.checksum);
  const payload = frame.subarray(payloadOffset, header.frameLengthBytes);
  let raw = await decodeChain(payload, header.chain, header.rawLengthBytes);
  // Stages may return views of Buffers or of their inputs (a chain of no stage: of `frame`): hand back
  // an independent plain copy.
  if (Buffer.isBuffer(raw) || raw.byteOffset !== 0 || raw.buffer.byteLength !== raw.byteLength) {
    raw = new Uint8Array(raw);
  }
  if (raw.byteLength !== header.rawLengthBytes) {
    throw new FrameLengthError('decoded payload', payloadOffset, header.rawLengthBytes, raw.byteLength);
  }
  return raw;
}
