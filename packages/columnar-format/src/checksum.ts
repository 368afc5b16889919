/**
 * Checksums of the format (FORMAT.md, "Checksums"): CRC-32 of every fixed-size block of every column and
 * of the header ({@link crc32Of}, native `node:zlib`), and XXH64 (seed 0) of the header bytes, which the
 * dataset manifest records per partition ({@link xxh64Hex}). XXH64 is computed with `hash-wasm`
 * (maintained WebAssembly build of the reference xxHash); the wasm module is instantiated once at import
 * (top-level await), so hashing is synchronous afterwards.
 */

import { crc32 as zlibCrc32 } from 'node:zlib';
import { createXXHash64, type IHasher } from 'hash-wasm';

/** Seed of every XXH64 in the format. */
export const CHECKSUM_SEED = 0;

const hasher: IHasher = await createXXHash64(CHECKSUM_SEED, 0);

/** Bytes hashed per `update` call (bounds the wasm memory copy). */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** XXH64 (seed 0) of `bytes` as an unsigned 64-bit bigint. */
export function xxh64(bytes: Uint8Array): bigint {
  hasher.init();
  for (let off = 0; off < bytes.byteLength; off += CHUNK_BYTES) {
    hasher.update(bytes.subarray(off, Math.min(bytes.byteLength, off + CHUNK_BYTES)));
  }
  return BigInt(`0x${hasher.digest('hex')}`);
}

/** XXH64 (seed 0) as 16 lowercase hex digits, the spelling used in `manifest.json`. */
export function xxh64Hex(bytes: Uint8Array): string {
  return xxh64(bytes).toString(16).padStart(16, '0');
}

/**
 * CRC-32 (ISO-HDLC / IEEE 802.3, the zlib and PNG polynomial 0xEDB88320 reflected) of `bytes`, as an
 * unsigned 32-bit number: the checksum of every column block and of the header (FORMAT.md, "Block
 * checksums"). Computed by `node:zlib` `crc32` (native zlib, Node >= 20.15 / >= 22.2; the same function
 * `@mmtape/compression` uses for its frames). Check value: `crc32("123456789") = 0xcbf43926`.
 */
export function crc32Of(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}
