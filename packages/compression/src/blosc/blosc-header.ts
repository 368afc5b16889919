/**
 * The 16-byte header of a blosc1 buffer (c-blosc `README_HEADER.rst`, format version 2), all integers
 * little-endian:
 *
 * ```
 * offset size field
 *      0    1 version     2 (BLOSC_VERSION_FORMAT of c-blosc 1.x)
 *      1    1 versionlz   version of the inner codec's format; 1 for blosclz, lz4, zlib and zstd
 *      2    1 flags       bit 0 (0x01) byte shuffle; bit 1 (0x02) memcpyed, i.e. stored uncompressed;
 *                         bit 2 (0x04) bit shuffle; bit 4 (0x10) do not split blocks;
 *                         bits 5-7 inner codec: 0 blosclz, 1 lz4/lz4hc, 2 snappy, 3 zlib, 4 zstd
 *      3    1 typesize    element size in bytes used by the shuffle filters (1..255)
 *      4    4 nbytes      u32, uncompressed size
 *      8    4 blocksize   u32, bytes per block (the last block may be shorter: the "leftover")
 *     12    4 cbytes      u32, size of the whole buffer, header included
 *     16 4*nb bstarts     u32 offset of each block (absent when memcpyed)
 * ```
 *
 * Each block is 1 or `typesize` "splits" (streams compressed separately). A block is split when the
 * do-not-split flag is clear, typesize <= 16, blocksize / typesize >= 128 and it is not the leftover
 * block (c-blosc `blosc_d`). Each split is an i32 compressed length followed by that many bytes; a
 * length equal to the split's raw size means the bytes are stored as is.
 *
 * @module
 */

/** Size of the blosc1 header, bytes (version, versionlz, flags, typesize, nbytes, blocksize, cbytes). */
export const BLOSC_HEADER_BYTES = 16;
/** Format version written in byte 0 by c-blosc 1.x. */
export const BLOSC_VERSION_FORMAT = 2;
/** Header flags bit 0: byte shuffle applied (c-blosc BLOSC_DOSHUFFLE). */
export const BLOSC_DOSHUFFLE = 0x01;
/** Header flags bit 1: data stored uncompressed after the header (c-blosc BLOSC_MEMCPYED). */
export const BLOSC_MEMCPYED = 0x02;
/** Header flags bit 2: bit shuffle applied (c-blosc BLOSC_DOBITSHUFFLE). */
export const BLOSC_DOBITSHUFFLE = 0x04;
/** Header flags bit 4: blocks are not split into per-byte streams (c-blosc BLOSC_DONTSPLIT). */
export const BLOSC_DONTSPLIT = 0x10;
/** Buffers smaller than this are stored memcpyed (c-blosc MIN_BUFFERSIZE). */
export const BLOSC_MIN_BUFFERSIZE = 128;
/** Largest typesize whose blocks are split into per-byte streams (c-blosc MAX_SPLITS). */
export const BLOSC_MAX_SPLITS = 16;
/** Largest input c-blosc 1.x accepts: INT32_MAX - 16. */
export const BLOSC_MAX_BUFFERSIZE = 2147483647 - 16;

/** Inner codec names and their format codes (flags bits 5-7). */
export type BloscCname = 'blosclz' | 'lz4' | 'zlib' | 'zstd';
export const BLOSC_FORMAT_CODES: Readonly<Record<BloscCname, number>> = {
  blosclz: 0,
  lz4: 1,
  zlib: 3,
  zstd: 4,
};
const CNAME_BY_CODE: readonly (BloscCname | 'snappy' | undefined)[] = [
  'blosclz',
  'lz4',
  'snappy',
  'zlib',
  'zstd',
];

/** Shuffle filter of a blosc buffer. */
export type BloscShuffle = 'noshuffle' | 'shuffle' | 'bitshuffle';

/** Decoded blosc header. */
export interface BloscHeader {
  version: number;
  versionlz: number;
  flags: number;
  cname: BloscCname | 'snappy' | undefined;
  formatCode: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  cbytes: number;
  shuffle: BloscShuffle;
  memcpyed: boolean;
  dontSplit: boolean;
}

/** Parses the first 16 bytes (no validation of the body). Callers check lengths. */
export function parseBloscHeader(bytes: Uint8Array): BloscHeader {
  const v = new DataView(bytes.buffer, bytes.byteOffset, BLOSC_HEADER_BYTES);
  const flags = v.getUint8(2);
  const formatCode = flags >>> 5;
  return {
    version: v.getUint8(0),
    versionlz: v.getUint8(1),
    flags,
    cname: CNAME_BY_CODE[formatCode],
    formatCode,
    typesize: v.getUint8(3),
    nbytes: v.getUint32(4, true),
    blocksize: v.getUint32(8, true),
    cbytes: v.getUint32(12, true),
    shuffle: flags & BLOSC_DOSHUFFLE ? 'shuffle' : flags & BLOSC_DOBITSHUFFLE ? 'bitshuffle' : 'noshuffle',
    memcpyed: (flags & BLOSC_MEMCPYED) !== 0,
    dontSplit: (flags & BLOSC_DONTSPLIT) !== 0,
  };
}

/** Number of splits of a block, exactly as c-blosc 1.x `blosc_d` decides. */
export function bloscSplits(
  h: { dontSplit: boolean; typesize: number },
  blocksize: number,
  leftover: boolean,
): number {
  return !h.dontSplit &&
    h.typesize <= BLOSC_MAX_SPLITS &&
    Math.floor(blocksize / h.typesize) >= BLOSC_MIN_BUFFERSIZE &&
    !leftover
    ? h.typesize
    : 1;
}
