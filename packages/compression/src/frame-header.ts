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
 * Version 2 (codec chains) reuses bytes 0..4 and 8..23 and changes 5..7:
 *
 * ```
 *      5    1 dtype code       0 bytes, 1 i64, 2 f64, 3 f32, 4 i32, 5 u8 (columnar-format DTYPE_CODE)
 *      6    2 descriptor length C, u16 LE
 *     24    C chain descriptor (chain.ts), then zero padding to a multiple of 8
 *  24+C'    … payload (C' = C rounded up to 8)
 * ```
 *
 * Version 3 (codec chains, written since frame version 3 exists) has exactly the layout of version 2;
 * only the checksum rule differs:
 *
 * ```
 * version  checksum at byte 16 (u32 LE, CRC-32, node:zlib crc32)           verified
 *       1  CRC-32 of the raw (decoded) bytes                                after decoding
 *       2  CRC-32 of the raw (decoded) bytes                                after decoding
 *       3  CRC-32 of frame[0..16) continued over frame[20..frameLength):   before decoding
 *          every frame byte but the checksum field (header, raw length,
 *          dtype, descriptor, padding, payload)
 * ```
 *
 * Version 3 thus detects corruption of the stored bytes before any decoder runs and costs a CRC pass
 * over the (smaller) stored bytes instead of the decoded ones. Writers of chain frames write version 3;
 * version-1 and version-2 frames written before decode exactly as they did.
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

/** Frame layout version of single-codec frames (`none`/`zstd`), byte 4. */
export const FRAME_VERSION = 1;

/**
 * Frame layout version 2 (byte 4): codec-chain frames whose checksum is the CRC-32 of the raw
 * (decoded) bytes. Still read; written only on request (`frameVersion: 2` of {@link encodeFrame}).
 */
export const FRAME_VERSION_CHAIN = 2;

/**
 * Frame layout version 3 (byte 4): the codec-chain layout of {@link FRAME_VERSION_CHAIN}, with the
 * checksum at byte 16 computed over every frame byte except the checksum field itself (`frame[0..16)`
 * then `frame[20..frameLength)`, see `frameChecksumOf`), so it is verified before decoding. Default for
 * every chain frame written (`encodeFrame` with a chain or codec `blosc`/`lz4`/`zlib`, `encodeColumn`,
 * `encodeBars`).
 */
export const FRAME_VERSION_CHAIN_PAYLOAD_CRC = 3;

/** Versions of codec-chain frames this build writes: {@link FRAME_VERSION_CHAIN} (2) or {@link FRAME_VERSION_CHAIN_PAYLOAD_CRC} (3). */
export type ChainFrameVersion = typeof FRAME_VERSION_CHAIN | typeof FRAME_VERSION_CHAIN_PAYLOAD_CRC;

/** True for the version byte of a codec-chain frame (2 or 3). */
export function isChainFrameVersion(version: number): version is ChainFrameVersion {
  return version === FRAME_VERSION_CHAIN || version === FRAME_VERSION_CHAIN_PAYLOAD_CRC;
}

/** Element type recorded in chain frames (byte 5 of versions 2 and 3). `bytes` = untyped. */
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
 * Codec names for the `codec` option of {@link encodeFrame}: `none`/`zstd` write version-1 frames, the
 * others a one-stage chain frame (version 3).
 */
export type CodecName = 'none' | 'zstd' | 'blosc' | 'lz4' | 'zlib';

/** Codec id stored in byte 5. Ids are part of the on-disk format: never renumber. */
export const CODEC_IDS: Readonly<Record<'none' | 'zstd', number>> = { none: 0, zstd: 1 };

const CODEC_BY_ID: readonly ('none' | 'zstd')[] = ['none', 'zstd'];
const KNOWN_CODEC_IDS = '0 (none), 1 (zstd)';

/** Decoded frame header. All lengths in bytes. */
export interface FrameHeader {
  /** Frame layout version (byte 4): 1, 2 or 3. */
  version: number;
  /**
   * Version 1: codec name from the codec id. Versions 2 and 3: the name of the last stage of the chain
   * (the compressor), `#<id>` when that id is not registered.
   */
  codec: string;
  /** Version 1: raw codec id (byte 5). Versions 2 and 3: id of the last stage. */
  codecId: number;
  /** Element type (versions 2 and 3; `bytes` for version 1). */
  dtype: FrameDType;
  /** Stages, in encoding order (version 1: `[]` for none, one zstd stage for zstd). */
  chain: ChainStage[];
  /** Compression level used to encode (byte 6); 0 for codec `none`. Informational only. */
  level: number;
  /** Length of the original bytes (u64 at byte 8; always <= Number.MAX_SAFE_INTEGER). */
  rawLengthBytes: number;
  /** Stored CRC-32, unsigned (u32 at byte 16); over the bytes {@link FrameHeader.checksumScope} says. */
  checksum: number;
  /**
   * What {@link FrameHeader.checksum} covers: `'raw'` the original (decoded) bytes (versions 1 and 2),
   * `'frame'` every frame byte except the checksum field (version 3, see `frameChecksumOf`).
   */
  checksumScope: 'raw' | 'frame';
  /** Length of the payload following the header (u32 at byte 20). */
  payloadLengthBytes: number;
  /** {@link FRAME_HEADER_BYTES} for version 1; 24 + descriptor rounded up to 8 for versions 2 and 3. */
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
 * (compare `frameLengthBytes` with what you have); {@link decodeFrame} checks it. The checksum is not
 * verified here (see {@link FrameHeader.checksumScope}).
 *
 * @throws FrameTruncatedError fewer than 24 bytes, or fewer than the chain descriptor announced (versions 2, 3).
 * @throws FrameMagicError bytes 0..3 are not {@link FRAME_MAGIC}.
 * @throws FrameVersionError byte 4 is not 1, 2 or 3 ({@link FRAME_VERSION}, {@link FRAME_VERSION_CHAIN},
 *   {@link FRAME_VERSION_CHAIN_PAYLOAD_CRC}).
 * @throws UnknownCodecError byte 5 is not a known codec id (version 1) or dtype code (versions 2, 3).
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
  if (version !== FRAME_VERSION && !isChainFrameVersion(version)) {
    throw new FrameVersionError(FRAME_VERSION_CHAIN_PAYLOAD_CRC, version);
  }
  const rawLength = u32(8) + u32(12) * 2 ** 32; // exact up to 2^53; the check below rejects larger
  if (u32(12) > 0x1fffff) {
    throw new FrameTooLargeError('raw length (u64 at byte 8)', Number.MAX_SAFE_INTEGER, rawLength);
  }
  const payloadLengthBytes = u32(20);
  const checksum = u32(16);
  if (version === FRAME_VERSION) {
    const codecId = bytes[5] as number;
    const codec = CODEC_BY_ID[codecId];
    if (codec === undefined) throw new UnknownCodecError(codecId, KNOWN_CODEC_IDS, 5);
    const level = bytes[6] as number;
    return {
      version,
      rawLengthBytes: rawLength,
      checksum,
      checksumScope: 'raw',
      payloadLengthBytes,
      codec,
      codecId,
      level,
      dtype: 'bytes',
      chain: codec === 'zstd' ? [{ codec: 'zstd', id: 1, params: Uint8Array.of(level) }] : [],
      headerLengthBytes: FRAME_HEADER_BYTES,
      frameLengthBytes: FRAME_HEADER_BYTES + payloadLengthBytes,
    };
  }
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
  const last = chain[chain.length - 1] as ChainStage;
  const headerLengthBytes = FRAME_HEADER_BYTES + align8(descriptorBytes);
  return {
    version,
    rawLengthBytes: rawLength,
    checksum,
    checksumScope: version === FRAME_VERSION_CHAIN_PAYLOAD_CRC ? 'frame' : 'raw',
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

/** Fields written by {@link writeFrameHeader}. */
export interface FrameHeaderFields {
  codec: 'none' | 'zstd';
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
export const KNOWN_CODEC_NAMES = "'none', 'zstd', 'blosc', 'lz4', 'zlib'";

/**
 * Writes a chain-frame header (version 2 or 3) plus chain descriptor and padding into
 * `target[0..headerLengthBytes)` (24 + descriptor length rounded up to 8). Internal: the caller
 * validates the fields, writes the payload after the header and, for version 3, then stores
 * `frameChecksumOf(frame)` at byte 16 (pass `checksum: 0` here).
 */
export function writeChainFrameHeader(
  target: Uint8Array,
  fields: {
    version: ChainFrameVersion;
    dtype: FrameDType;
    descriptor: Uint8Array;
    rawLengthBytes: number;
    checksum: number;
    payloadLengthBytes: number;
  },
): void {
  const headerLengthBytes = FRAME_HEADER_BYTES + align8(fields.descriptor.length);
  const head = target.subarray(0, headerLengthBytes);
  head.fill(0); // padding
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  head.set(FRAME_MAGIC, 0);
  view.setUint8(4, fields.version);
  view.setUint8(5, FRAME_DTYPE_CODES[fields.dtype]);
  view.setUint16(6, fields.descriptor.length, true);
  view.setBigUint64(8, BigInt(fields.rawLengthBytes), true);
  view.setUint32(16, fields.checksum >>> 0, true);
  view.setUint32(20, fields.payloadLengthBytes, true);
  head.set(fields.descriptor, FRAME_HEADER_BYTES);
}

/** Lowercase hex of a few bytes, for error messages. */
export function toHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return out;
}
