/**
 * Frame checksum: CRC-32 (ISO-HDLC polynomial 0xEDB88320 reflected, the zlib/gzip/PNG CRC) of the raw
 * bytes, computed by `node:zlib` `crc32` (Node >= 20.15, native zlib). Check value: `crc32("123456789")`
 * = 0xCBF43926.
 *
 * @module
 */

import { crc32 } from 'node:zlib';

/** Unsigned 32-bit CRC-32 of `bytes`. */
export function checksumOf(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}
