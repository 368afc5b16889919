import { decodeChain } from './chain.js';
import { checksumOf } from './checksum.js';
import { ChecksumMismatchError, FrameLengthError, FrameTruncatedError } from './errors.js';
import { FRAME_VERSION_CHAIN, readFrameHeader } from './frame-header.js';
import { zstdDecompress } from './zstd-codec.js';

/**
 * Decodes a frame made by {@link encodeFrame} and returns the original bytes (a new buffer, never a
 * view of `frame`).
 *
 * Validation happens before any decoding, against the bytes available: magic, version, codec id,
 * payload length vs frame size (the frame must be exactly header + payload: trailing bytes are an
 * error), then the decoded length against the header and the CRC-32 of the decoded bytes.
 *
 * @throws FrameTruncatedError fewer bytes than the header or the payload it announces.
 * @throws FrameMagicError | FrameVersionError | UnknownCodecError bad header bytes.
 * @throws FrameLengthError trailing bytes, or a decoded length other than the raw length.
 * @throws ChecksumMismatchError decoded bytes do not match the stored CRC-32.
 * @throws ZstdError corrupt zstd payload, or the wasm module cannot load.
 * @throws FrameTooLargeError the raw length exceeds the codec's limit.
 */
export async function decodeFrame(frame: Uint8Array): Promise<Uint8Array> {
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
  const payload = frame.subarray(payloadOffset, header.frameLengthBytes);
  let raw: Uint8Array;
  if (header.version === FRAME_VERSION_CHAIN) {
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
  const actual = checksumOf(raw);
  if (actual !== header.checksum) throw new ChecksumMismatchError(header.checksum, actual);
  return raw;
}
