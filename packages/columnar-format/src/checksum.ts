/**
 * Column checksums (FORMAT.md, "Checksums"): XXH64 with seed 0 over a column's `lengthBytes` bytes,
 * stored as a u64 little-endian integer. Computed with `hash-wasm` (maintained WebAssembly build of the
 * reference xxHash). The wasm module is instantiated once at import (top-level await), so hashing is
 * synchronous afterwards and `writeColumnFile` / `ColumnFile.verify()` stay synchronous.
 */

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
