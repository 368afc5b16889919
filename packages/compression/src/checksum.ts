/**
 * Frame checksums: CRC-32 (ISO-HDLC polynomial 0xEDB88320 reflected, the zlib/gzip/PNG CRC), computed
 * by `node:zlib` `crc32` (Node >= 20.15, native zlib). Check value: `crc32("123456789")` = 0xCBF43926.
 *
 * The checksum of a frame is the CRC-32 of **every frame byte except the 4 checksum bytes** at offset
 * 16 ({@link frameChecksumOf}): bytes `[0, 16)` then `[20, frameLength)`, i.e. header (with raw length,
 * dtype, chain descriptor and padding) and payload. It is checked before any decoder runs, over the
 * stored bytes (typically ~10x fewer than the decoded ones), as Parquet page CRCs and LZ4 block
 * checksums do (`FORMAT.md`, "Checksum").
 *
 * @module
 */

import { crc32 } from 'node:zlib';
import { ChecksumMismatchError } from './errors.js';

/** Offset of the u32 checksum field. */
const CHECKSUM_AT = 16;
/** First byte after the checksum field. */
const AFTER_CHECKSUM = CHECKSUM_AT + 4;

/**
 * Checksum of a frame: unsigned CRC-32 of `frame[0..16)` continued over `frame[20..)`, i.e.
 * every byte of the frame except the checksum field itself. `frame` must be exactly one frame (header
 * plus payload, as `frameLengthBytes` of {@link readFrameHeader}); the value stored at bytes 16..19 does
 * not matter, so this can be called before or after it is written.
 *
 * @example
 * ```ts
 * // Re-seal a frame after patching it on purpose (tests of decoder robustness):
 * new DataView(frame.buffer, frame.byteOffset).setUint32(16, frameChecksumOf(frame), true);
 * ```
 * @throws RangeError `frame` is shorter than the 24-byte fixed header.
 */
export function frameChecksumOf(frame: Uint8Array): number {
  if (frame.length < 24) throw new RangeError(`a frame has at least 24 bytes, got ${frame.length}`);
  return crc32(frame.subarray(AFTER_CHECKSUM), crc32(frame.subarray(0, CHECKSUM_AT))) >>> 0;
}

/**
 * Checks the checksum of a complete frame against the value stored in its header.
 * Internal: callers have already checked that `frame` is exactly header + payload.
 *
 * @throws ChecksumMismatchError (scope `'frame'`) the stored bytes do not match `expected`.
 */
export function verifyFrameChecksum(frame: Uint8Array, expected: number): void {
  const actual = frameChecksumOf(frame);
  if (actual !== expected) throw new ChecksumMismatchError(expected, actual, 'frame');
}
