/**
 * The 24-byte header of an mmtape frame, its chain descriptor and padding. Byte layout: `FORMAT.md`,
 * "Frame" (one frame version, 3).
 *
 * @module
 */

import { type ChainStage, readChainDescriptor } from './chain.js';
import { codecNameOf } from './codec-registry.js';
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

/**
 * Frame layout version (byte 4): the only one. 3 is part of the on-disk format (versions 1 and 2 were
 * drafts, never released, and are rejected): never renumber.
 */
export const FRAME_VERSION = 3;

/** Element type recorded in a frame (byte 5). `bytes` = untyped. */
export type FrameDType = 'bytes' | 'i64' | 'f64' | 'f32' | 'i32' | 'u8';

/** dtype codes of byte 5 (the same numbers as columnar-format's DTYPE_CODE, 0 for untyped bytes). */
export const FRAME_DTYPE_CODES: Readonly<Record<FrameDType, number>> = {
  bytes: 0,
  i64: 1,
  f64: 2,
  f32: 3,
  i32: 4,
  u8: 5,
};
const DTYPE_BY_CODE: readonly FrameDType[] = ['bytes', 'i64', 'f64', 'f32', 'i32', 'u8'];

/** Size of the fixed header in bytes; the payload starts here (a multiple of 8, so payloads stay aligned). */
export const FRAME_HEADER_BYTES = 24;

/**
 * Codec names for the `codec` option of {@link encodeFrame}: a one-stage chain of that compressor, or
 * for `none` a chain of no stage (the payload is the raw bytes).
 */
export type CodecName = 'none' | 'zstd' | 'blosc' | 'lz4' | 'zlib';

/** Decoded frame header. All lengths in bytes. */
export interface FrameHeader {
  /** Frame layout version (byte 4): always {@link FRAME_VERSION}. */
  version: number;
  /**
   * Name of the last stage of the chain (the compressor), `#<id>` when that id is not registered;
   * `none` for a chain of no stage.
   */
  codec: string;
  /** Id of the last stage; 0 for a chain of no stage. */
  codecId: number;
  /** Element type (byte 5). */
  dtype: FrameDType;
  /** Stages, in encoding order (`[]`: the payload is the raw bytes). */
  chain: ChainStage[];
  /** Compression level of a last `zstd`/`zlib` stage (its params byte 0); 0 otherwise. Informational. */
  level: number;
  /** Length of the original bytes (u64 at byte 8; always <= Number.MAX_SAFE_INTEGER). */
  rawLengthBytes: number;
  /**
   * Stored CRC-32, unsigned (u32 at byte 16), of every frame byte except this field (see
   * `frameChecksumOf`); verified before decoding.
   */
  checksum: number;
  /** Length of the payload following the header (u32 at byte 20). */
  payloadLengthBytes: number;
  /** 24 + chain descriptor length rounded up to 8: where the payload starts. */
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
 * Decodes and validates the 24-byte header and the chain descriptor at the start of `bytes`. The
 * payload need not be present (compare `frameLengthBytes` with what you have); {@link decodeFrame}
 * checks it. The checksum is not verified here.
 *
 * @throws FrameTruncatedError fewer than 24 bytes, or fewer than the chain descriptor announced.
 * @throws FrameMagicError bytes 0..3 are not {@link FRAME_MAGIC}.
 * @throws FrameVersionError byte 4 is not {@link FRAME_VERSION}.
 * @throws UnknownCodecError byte 5 is not a known dtype code.
 * @throws CodecError a malformed chain descriptor (stage count, trailing bytes).
 * @throws FrameTooLargeError the raw length exceeds `Number.MAX_SAFE_INTEGER`.
 */
export function readFrameHeader(bytes: Uint8Array): FrameHeader {
  if (bytes.length >= FRAME_MAGIC.length && !isFrame(bytes)) {
    throw new FrameMagicError(toHex(FRAME_MAGIC), toHex(bytes.subarray(0, FRAME_MAGIC.length)));
  }
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw new FrameTruncatedError('frame header', 0, FRAME_HEADER_BYTES, bytes.length);
  }
  // Plain byte reads (no DataView, no BigInt): this runs once per frame, thousands of times per pack.
  const u32 = (at: number): number =>
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0;
  const version = bytes[4] as number;
  if (version !== FRAME_VERSION) throw new FrameVersionError(FRAME_VERSION, version);
  const rawLength = u32(8) + u32(12) * 2 ** 32; // exact up to 2^53; the check below rejects larger
  if (u32(12) > 0x1fffff) {
    throw new FrameTooLargeError('raw length (u64 at byte 8)', Number.MAX_SAFE_INTEGER, rawLength);
  }
  const payloadLengthBytes = u32(20);
  const checksum = u32(16);
  const dtypeCode = bytes[5] as number;
  const dtype = DTYPE_BY_CODE[dtypeCode];
  if (dtype === undefined) {
    throw new UnknownCodecError(
      dtypeCode,
      'dtype codes 0 (bytes), 1 (i64), 2 (f64), 3 (f32), 4 (i32), 5 (u8)',
      5,
    );
  }
  const descriptorBytes = (bytes[6] as number) | ((bytes[7] as number) << 8);
  if (bytes.length < FRAME_HEADER_BYTES + descriptorBytes) {
    throw new FrameTruncatedError(
      'chain descriptor',
      FRAME_HEADER_BYTES,
      descriptorBytes,
      bytes.length - FRAME_HEADER_BYTES,
    );
  }
  const chain = readChainDescriptor(
    bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + descriptorBytes),
    FRAME_HEADER_BYTES,
    codecNameOf,
  );
  const last: ChainStage = chain[chain.length - 1] ?? { codec: 'none', id: 0, params: new Uint8Array(0) };
  const headerLengthBytes = FRAME_HEADER_BYTES + align8(descriptorBytes);
  return {
    version,
    rawLengthBytes: rawLength,
    checksum,
    payloadLengthBytes,
    codec: last.codec,
    codecId: last.id,
    level: last.codec === 'zstd' || last.codec === 'zlib' ? (last.params[0] ?? 0) : 0,
    dtype,
    chain,
    headerLengthBytes,
    frameLengthBytes: headerLengthBytes + payloadLengthBytes,
  };
}

/** `n` rounded up to a multiple of 8. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Known codec names, for error messages. */
export const KNOWN_CODEC_NAMES = "'none', 'zstd', 'blosc', 'lz4', 'zlib'";

/**
 * Writes a frame header plus chain descriptor and padding into `target[0..headerLengthBytes)` (24 +
 * descriptor length rounded up to 8), with 0 as checksum. Internal: the caller validates the fields,
 * writes the payload after the header, then stores `frameChecksumOf(frame)` at byte 16.
 */
export function writeFrameHeader(
  target: Uint8Array,
  fields: {
    dtype: FrameDType;
    descriptor: Uint8Array;
    rawLengthBytes: number;
    payloadLengthBytes: number;
  },
): void {
  const headerLengthBytes = FRAME_HEADER_BYTES + align8(fields.descriptor.length);
  const head = target.subarray(0, headerLengthBytes);
  head.fill(0); // padding
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  head.set(FRAME_MAGIC, 0);
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, FRAME_DTYPE_CODES[fields.dtype]);
  view.setUint16(6, fields.descriptor.length, true);
  view.setBigUint64(8, BigInt(fields.rawLengthBytes), true);
  view.setUint32(16, 0, true); // checksum: written last, by the caller
  view.setUint32(20, fields.payloadLengthBytes, true);
  head.set(fields.descriptor, FRAME_HEADER_BYTES);
}

/** Lowercase hex of a few bytes, for error messages. */
export function toHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return out;
}
