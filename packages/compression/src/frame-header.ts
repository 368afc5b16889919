/**
 * The 24-byte header of an mmtape frame, mirroring the layout table in the package README.
 *
 * ```
 * offset size field
 *      0    4 magic            0x89 'M' 'T' 'Z'
 *      4    1 frame version    1
 *      5    1 codec id         0 = none, 1 = zstd
 *      6    1 level            zstd level 1..22; 0 for codec none
 *      7    1 reserved         written 0, ignored by version-1 readers
 *      8    8 raw length       u64 LE, bytes before compression
 *     16    4 checksum         u32 LE, CRC-32 (ISO-HDLC, as zlib/gzip/PNG) of the raw bytes
 *     20    4 payload length   u32 LE, bytes that follow the header
 *     24    … payload
 * ```
 *
 * @module
 */

import {
  FrameMagicError,
  FrameTooLargeError,
  FrameTruncatedError,
  FrameVersionError,
  UnknownCodecError,
} from './errors.js';

/**
 * Frame magic, bytes 0..3: `0x89 'M' 'T' 'Z'` ("mmtape zipped"). The leading 0x89 has the high bit set,
 * as in PNG: it is never the first byte of ASCII/UTF-8 text or JSON, so frames and legacy plain
 * entries cannot be confused, and 7-bit transports that strip the high bit are detected.
 */
export const FRAME_MAGIC: readonly number[] = Object.freeze([0x89, 0x4d, 0x54, 0x5a]);

/** Frame layout version written by this build (byte 4). */
export const FRAME_VERSION = 1;

/** Size of the fixed header in bytes; the payload starts here (a multiple of 8, so payloads stay aligned). */
export const FRAME_HEADER_BYTES = 24;

/** Codec names understood by {@link encodeFrame}. */
export type CodecName = 'none' | 'zstd';

/** Codec id stored in byte 5. Ids are part of the on-disk format: never renumber. */
export const CODEC_IDS: Readonly<Record<CodecName, number>> = { none: 0, zstd: 1 };

const CODEC_BY_ID: readonly CodecName[] = ['none', 'zstd'];
const KNOWN_CODEC_IDS = '0 (none), 1 (zstd)';

/** Decoded frame header. All lengths in bytes. */
export interface FrameHeader {
  /** Frame layout version (byte 4). */
  version: number;
  /** Codec name decoded from the codec id. */
  codec: CodecName;
  /** Raw codec id (byte 5). */
  codecId: number;
  /** Compression level used to encode (byte 6); 0 for codec `none`. Informational only. */
  level: number;
  /** Length of the original bytes (u64 at byte 8; always <= Number.MAX_SAFE_INTEGER). */
  rawLengthBytes: number;
  /** CRC-32 of the original bytes, unsigned (u32 at byte 16). */
  checksum: number;
  /** Length of the payload following the header (u32 at byte 20). */
  payloadLengthBytes: number;
  /** Always {@link FRAME_HEADER_BYTES}. */
  headerLengthBytes: number;
  /** Header plus payload: the number of bytes a complete frame occupies. */
  frameLengthBytes: number;
}

/** True when `bytes` starts with the 4-byte frame magic. Does not validate anything else. */
export function isFrame(bytes: Uint8Array): boolean {
  return (
    bytes.length >= FRAME_MAGIC.length &&
    bytes[0] === FRAME_MAGIC[0] &&
    bytes[1] === FRAME_MAGIC[1] &&
    bytes[2] === FRAME_MAGIC[2] &&
    bytes[3] === FRAME_MAGIC[3]
  );
}

/**
 * Decodes and validates the 24-byte header at the start of `bytes`. The payload need not be present
 * (compare `frameLengthBytes` with what you have); {@link decodeFrame} checks it.
 *
 * @throws FrameTruncatedError fewer than 24 bytes.
 * @throws FrameMagicError bytes 0..3 are not {@link FRAME_MAGIC}.
 * @throws FrameVersionError byte 4 is not {@link FRAME_VERSION}.
 * @throws UnknownCodecError byte 5 is not a known codec id.
 * @throws FrameTooLargeError the raw length exceeds `Number.MAX_SAFE_INTEGER`.
 */
export function readFrameHeader(bytes: Uint8Array): FrameHeader {
  if (bytes.length >= FRAME_MAGIC.length && !isFrame(bytes)) {
    throw new FrameMagicError(toHex(FRAME_MAGIC), toHex(bytes.subarray(0, FRAME_MAGIC.length)));
  }
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw new FrameTruncatedError('frame header', 0, FRAME_HEADER_BYTES, bytes.length);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  const version = view.getUint8(4);
  if (version !== FRAME_VERSION) throw new FrameVersionError(FRAME_VERSION, version);
  const codecId = view.getUint8(5);
  const codec = CODEC_BY_ID[codecId];
  if (codec === undefined) throw new UnknownCodecError(codecId, KNOWN_CODEC_IDS, 5);
  const rawLength = view.getBigUint64(8, true);
  if (rawLength > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FrameTooLargeError('raw length (u64 at byte 8)', Number.MAX_SAFE_INTEGER, Number(rawLength));
  }
  const payloadLengthBytes = view.getUint32(20, true);
  return {
    version,
    codec,
    codecId,
    level: view.getUint8(6),
    rawLengthBytes: Number(rawLength),
    checksum: view.getUint32(16, true),
    payloadLengthBytes,
    headerLengthBytes: FRAME_HEADER_BYTES,
    frameLengthBytes: FRAME_HEADER_BYTES + payloadLengthBytes,
  };
}

/** Fields written by {@link writeFrameHeader}. */
export interface FrameHeaderFields {
  codec: CodecName;
  level: number;
  rawLengthBytes: number;
  checksum: number;
  payloadLengthBytes: number;
}

/** Writes the 24-byte header into `target[0..24)`. Internal: callers validate the fields first. */
export function writeFrameHeader(target: Uint8Array, fields: FrameHeaderFields): void {
  const view = new DataView(target.buffer, target.byteOffset, FRAME_HEADER_BYTES);
  target.set(FRAME_MAGIC, 0);
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, CODEC_IDS[fields.codec]);
  view.setUint8(6, fields.level);
  view.setUint8(7, 0); // reserved
  view.setBigUint64(8, BigInt(fields.rawLengthBytes), true);
  view.setUint32(16, fields.checksum >>> 0, true);
  view.setUint32(20, fields.payloadLengthBytes, true);
}

/** Known codec names, for error messages. */
export const KNOWN_CODEC_NAMES = "'none', 'zstd'";

/** Lowercase hex of a few bytes, for error messages. */
export function toHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return out;
}
