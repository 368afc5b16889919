/**
 * Checksums of the format (FORMAT.md, "Checksums"): XXH64 with seed 0 of every fixed-size block of every
 * column and of the header (stored as little-endian u64: {@link writeXxh64}, {@link xxh64Mismatch}), and
 * of the header bytes as the dataset manifest records them per partition ({@link xxh64Hex}). Computed
 * with `hash-wasm` (maintained WebAssembly build of the reference xxHash: ~9 GB/s on one core here,
 * twice `node:zlib` `crc32`, see FORMAT.md "Checksums"); the wasm module is instantiated once at import
 * (top-level await), so hashing is synchronous afterwards.
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

/**
 * XXH64 (seed 0) of `bytes` in its canonical (big-endian) byte order, 8 bytes. The block and header
 * checksums of the format (FORMAT.md, "Checksums") store these bytes reversed, i.e. the hash as a
 * little-endian u64; {@link writeXxh64} and {@link xxh64Matches} do that without making a BigInt.
 */
function xxh64Canonical(bytes: Uint8Array): Uint8Array {
  hasher.init();
  // One call for a block (no sub-view: thousands of small blocks are hashed when a replay starts).
  if (bytes.byteLength <= CHUNK_BYTES) hasher.update(bytes);
  else {
    for (let off = 0; off < bytes.byteLength; off += CHUNK_BYTES) {
      hasher.update(bytes.subarray(off, Math.min(bytes.byteLength, off + CHUNK_BYTES)));
    }
  }
  return hasher.digest('binary');
}

/** Writes XXH64 (seed 0) of `bytes` at `at` of `out` as a little-endian u64 (8 bytes). */
export function writeXxh64(out: Uint8Array, at: number, bytes: Uint8Array): void {
  const d = xxh64Canonical(bytes);
  for (let i = 0; i < 8; i++) out[at + i] = d[7 - i]!;
}

/**
 * Compares XXH64 (seed 0) of `bytes` with the little-endian u64 stored at `at` of `stored`. Returns
 * `undefined` when they are equal, else the stored and computed values as 16 hex digits.
 */
export function xxh64Mismatch(
  bytes: Uint8Array,
  stored: Uint8Array,
  at: number,
): { expected: string; actual: string } | undefined {
  const d = xxh64Canonical(bytes);
  let same = true;
  for (let i = 0; i < 8; i++) {
    if (stored[at + i] !== d[7 - i]) {
      same = false;
      break;
    }
  }
  if (same) return undefined;
  let expected = '';
  let actual = '';
  for (let i = 0; i < 8; i++) {
    expected += stored[at + 7 - i]!.toString(16).padStart(2, '0');
    actual += d[i]!.toString(16).padStart(2, '0');
  }
  return { expected, actual };
}
