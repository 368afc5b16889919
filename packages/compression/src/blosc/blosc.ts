/**
 * blosc1 buffers (the format of c-blosc 1.x and python-blosc), written from the format description
 * in `blosc-header.ts`, with this package's shuffle/bitshuffle filters and inner codecs:
 *
 * | cname     | encode                          | decode                                        |
 * | --------- | ------------------------------- | --------------------------------------------- |
 * | `lz4`     | `codecs/lz4-block.ts`           | `codecs/lz4-block.ts`                         |
 * | `zlib`    | `node:zlib` deflate (zlib wrap) | `node:zlib` inflate                           |
 * | `zstd`    | zstd backend (native or wasm)   | zstd backend                                  |
 * | `blosclz` | not supported (CodecOptionsError) | whole buffer via numcodecs' c-blosc WebAssembly |
 *
 * Any typesize 1..255 is written correctly (numcodecs' own encoder always writes typesize 4).
 *
 * @module
 */

import { deflateSync, inflateSync } from 'node:zlib';
import { lz4CompressBlock, lz4DecompressBlock } from '../codecs/lz4-block.js';
import { type ZstdBackend, zstdBackend } from '../codecs/zstd-backend.js';
import { CodecError, CodecOptionsError } from '../errors.js';
import { bitshuffleBytes, bitunshuffleBytes } from '../filters/bitshuffle.js';
import { shuffleBytes, unshuffleBytes } from '../filters/shuffle.js';
import {
  BLOSC_DOBITSHUFFLE,
  BLOSC_DONTSPLIT,
  BLOSC_DOSHUFFLE,
  BLOSC_FORMAT_CODES,
  BLOSC_HEADER_BYTES,
  BLOSC_MAX_BUFFERSIZE,
  BLOSC_MEMCPYED,
  BLOSC_MIN_BUFFERSIZE,
  BLOSC_VERSION_FORMAT,
  type BloscCname,
  type BloscShuffle,
  bloscSplits,
  parseBloscHeader,
} from './blosc-header.js';

/** Options of {@link bloscCompress}. */
export interface BloscOptions {
  /** Inner codec. Default `'zstd'`: best ratio on market data; `'lz4'` is the fastest. */
  cname?: BloscCname;
  /** blosc level 0..9 (0 stores memcpyed). Default 5, c-blosc's default. zstd level = 2 * clevel - 1 (22 for 8, 9); zlib level = clevel. */
  clevel?: number;
  /** Filter applied per block. Default `'shuffle'` (byte shuffle), the c-blosc default. */
  shuffle?: BloscShuffle;
  /** Element size in bytes for the filters, 1..255. Default 8 (float64 / int64 columns). */
  typesize?: number;
  /** Block size in bytes; default 0 = c-blosc's automatic choice (`compute_blocksize`). */
  blocksize?: number;
}

const L1 = 32 * 1024;

/** c-blosc 1.x `compute_blocksize` (automatic block size from clevel, typesize and codec). */
function computeBlocksize(
  cname: BloscCname,
  clevel: number,
  typesize: number,
  nbytes: number,
  forced: number,
): number {
  if (nbytes < typesize) return 1;
  let blocksize = nbytes;
  if (forced) {
    blocksize = Math.max(forced, BLOSC_MIN_BUFFERSIZE);
  } else if (nbytes >= L1) {
    blocksize = L1;
    if (cname === 'zlib' || cname === 'zstd') blocksize *= 2; // "high compression ratio" codecs
    if (clevel === 0) blocksize /= 4;
    else if (clevel <= 3) blocksize /= 2;
    else if (clevel <= 5) blocksize *= 1;
    else if (clevel <= 6) blocksize *= 2;
    else if (clevel < 9) blocksize *= 4;
    else blocksize *= 16;
  }
  if (blocksize > nbytes) blocksize = nbytes;
  if (blocksize > typesize) blocksize = Math.floor(blocksize / typesize) * typesize;
  return blocksize;
}

function validate(options: BloscOptions): Required<BloscOptions> {
  const cname = options.cname ?? 'zstd';
  if (!(cname in BLOSC_FORMAT_CODES)) {
    throw new CodecOptionsError('blosc', 'cname', "'blosclz', 'lz4', 'zlib' or 'zstd'", cname);
  }
  if (cname === 'blosclz') {
    throw new CodecOptionsError('blosc', 'cname', "'lz4', 'zlib' or 'zstd' (blosclz is decode-only)", cname);
  }
  const clevel = options.clevel ?? 5;
  if (!Number.isInteger(clevel) || clevel < 0 || clevel > 9) {
    throw new CodecOptionsError('blosc', 'clevel', 'an integer in 0..9', clevel);
  }
  const shuffle = options.shuffle ?? 'shuffle';
  if (shuffle !== 'noshuffle' && shuffle !== 'shuffle' && shuffle !== 'bitshuffle') {
    throw new CodecOptionsError('blosc', 'shuffle', "'noshuffle', 'shuffle' or 'bitshuffle'", shuffle);
  }
  const typesize = options.typesize ?? 8;
  if (!Number.isInteger(typesize) || typesize < 1 || typesize > 255) {
    throw new CodecOptionsError('blosc', 'typesize', 'an integer in 1..255', typesize);
  }
  const blocksize = options.blocksize ?? 0;
  if (!Number.isInteger(blocksize) || blocksize < 0) {
    throw new CodecOptionsError('blosc', 'blocksize', 'a non-negative integer', blocksize);
  }
  return { cname, clevel, shuffle, typesize, blocksize };
}

function compressSplit(
  cname: BloscCname,
  clevel: number,
  src: Uint8Array,
  zstd: ZstdBackend | undefined,
): Uint8Array {
  switch (cname) {
    case 'lz4':
      return lz4CompressBlock(src);
    case 'zlib':
      return deflateSync(src, { level: clevel });
    case 'zstd':
      // c-blosc `zstd_wrap_compress`: zstd level = 2 * clevel - 1, and 15 (clevel 8) or clevel 9 → 22.
      return (zstd as ZstdBackend).compress(src, clevel >= 8 ? 22 : 2 * clevel - 1);
    default:
      throw new CodecOptionsError('blosc', 'cname', "'lz4', 'zlib' or 'zstd'", cname);
  }
}

/**
 * Compresses `src` into a blosc1 buffer readable by c-blosc / python-blosc (`blosc.decompress`).
 *
 * @throws CodecOptionsError invalid options, cname `blosclz`, or input above 2 GiB - 17 bytes.
 */
export async function bloscCompress(src: Uint8Array, options: BloscOptions = {}): Promise<Uint8Array> {
  const { cname, clevel, shuffle, typesize, blocksize: forced } = validate(options);
  const nbytes = src.length;
  if (nbytes > BLOSC_MAX_BUFFERSIZE) {
    throw new CodecOptionsError('blosc', 'input length', `at most ${BLOSC_MAX_BUFFERSIZE} bytes`, nbytes);
  }
  const zstd = cname === 'zstd' ? await zstdBackend() : undefined;
  const blocksize = computeBlocksize(cname, clevel, typesize, nbytes, forced);
  // c-blosc splits every codec but zstd into per-byte streams by default (python-blosc 1.21 output).
  const dontSplit = cname === 'zstd';
  let flags = (BLOSC_FORMAT_CODES[cname] << 5) | (dontSplit ? BLOSC_DONTSPLIT : 0);
  if (shuffle === 'shuffle') flags |= BLOSC_DOSHUFFLE;
  else if (shuffle === 'bitshuffle') flags |= BLOSC_DOBITSHUFFLE;
  const header = (out: Uint8Array, f: number, bs: number, cbytes: number): void => {
    const v = new DataView(out.buffer, out.byteOffset, BLOSC_HEADER_BYTES);
    v.setUint8(0, BLOSC_VERSION_FORMAT);
    v.setUint8(1, 1);
    v.setUint8(2, f);
    v.setUint8(3, typesize);
    v.setUint32(4, nbytes, true);
    v.setUint32(8, bs, true);
    v.setUint32(12, cbytes, true);
  };
  const memcpyed = (): Uint8Array => {
    const out = new Uint8Array(BLOSC_HEADER_BYTES + nbytes);
    header(out, flags | BLOSC_MEMCPYED, blocksize, out.length);
    out.set(src, BLOSC_HEADER_BYTES);
    return out;
  };
  if (nbytes < BLOSC_MIN_BUFFERSIZE || clevel === 0) return memcpyed();

  const nblocks = Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const parts: Uint8Array[] = [];
  const bstarts = new Uint8Array(4 * nblocks);
  const bview = new DataView(bstarts.buffer);
  let pos = BLOSC_HEADER_BYTES + bstarts.length;
  const h = { dontSplit, typesize };
  const filtered = new Uint8Array(blocksize);
  try {
    for (let b = 0; b < nblocks; b++) {
      const isLeftover = b === nblocks - 1 && leftover > 0;
      const bsize = isLeftover ? leftover : blocksize;
      const block = src.subarray(b * blocksize, b * blocksize + bsize);
      const target = filtered.subarray(0, bsize);
      const data =
        shuffle === 'shuffle' && typesize > 1
          ? shuffleBytes(block, typesize, target)
          : shuffle === 'bitshuffle' && bitshufflesBlock(bsize, typesize)
            ? bitshuffleBytes(block, typesize, target)
            : block;
      bview.setUint32(4 * b, pos, true);
      const nsplits = bloscSplits(h, bsize, isLeftover);
      const neblock = bsize / nsplits;
      for (let j = 0; j < nsplits; j++) {
        const raw = data.subarray(j * neblock, (j + 1) * neblock);
        let c = compressSplit(cname, clevel, raw, zstd);
        if (c.length === 0 || c.length >= neblock) c = raw.slice();
        const len = new Uint8Array(4);
        new DataView(len.buffer).setInt32(0, c.length, true);
        parts.push(len, c === raw ? raw.slice() : c);
        pos += 4 + c.length;
        if (pos > nbytes + BLOSC_HEADER_BYTES) return memcpyed(); // incompressible: store as is
      }
    }
  } catch (cause) {
    if ((cause as { code?: string }).code === 'MMTAPE_CODEC_INVALID_OPTIONS') throw cause;
    throw new CodecError('blosc', 'encode', String(cause), { cause });
  }
  const out = new Uint8Array(pos);
  header(out, flags, blocksize, pos);
  out.set(bstarts, BLOSC_HEADER_BYTES);
  let at = BLOSC_HEADER_BYTES + bstarts.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * c-blosc 1.x bit-shuffles a block only when it holds a multiple of 8 whole elements; other blocks
 * (typically the leftover block) are stored unshuffled although the flag is set (`bitshuffle()` in
 * c-blosc `shuffle.c`).
 */
function bitshufflesBlock(bsize: number, typesize: number): boolean {
  return Math.floor(bsize / typesize) % 8 === 0;
}

let numcodecsBlosc: Promise<{ decode(data: Uint8Array): Promise<Uint8Array> }> | undefined;

/** numcodecs' c-blosc WebAssembly build, for blosclz streams (loaded on first need). */
async function decodeWithCBlosc(buffer: Uint8Array): Promise<Uint8Array> {
  numcodecsBlosc ??= import('numcodecs/blosc').then((m) => {
    const Blosc = (m as unknown as { default: new () => { decode(data: Uint8Array): Promise<Uint8Array> } })
      .default;
    return new Blosc();
  });
  return (await numcodecsBlosc).decode(buffer);
}

/**
 * Decompresses a blosc1 buffer (from c-blosc, python-blosc, numcodecs or {@link bloscCompress}).
 * Every offset and length is checked against the bytes available before use.
 *
 * @throws CodecError malformed buffer, unsupported inner codec (snappy), or corrupt stream.
 */
export async function bloscDecompress(buffer: Uint8Array): Promise<Uint8Array> {
  const fail = (detail: string, offsetBytes?: number, cause?: unknown): never => {
    throw new CodecError('blosc', 'decode', detail, { offsetBytes, cause });
  };
  if (buffer.length < BLOSC_HEADER_BYTES)
    fail(`buffer of ${buffer.length} bytes is shorter than the 16-byte header`, 0);
  const h = parseBloscHeader(buffer);
  if (h.version !== BLOSC_VERSION_FORMAT && h.version !== 1)
    fail(`unsupported blosc format version ${h.version}`, 0);
  if (h.cbytes !== buffer.length) fail(`header says ${h.cbytes} bytes, buffer has ${buffer.length}`, 12);
  if (h.typesize === 0) fail('typesize 0', 3);
  const { nbytes } = h;
  if (h.memcpyed) {
    if (h.cbytes !== BLOSC_HEADER_BYTES + nbytes) fail(`memcpyed buffer must be 16 + ${nbytes} bytes`, 12);
    return buffer.slice(BLOSC_HEADER_BYTES);
  }
  if (h.cname === 'blosclz') {
    try {
      const out = await decodeWithCBlosc(buffer);
      if (out.length !== nbytes) fail(`c-blosc decoded ${out.length} bytes, expected ${nbytes}`);
      return out;
    } catch (cause) {
      if ((cause as { code?: string }).code === 'MMTAPE_CODEC_FAILED') throw cause;
      return fail(`blosclz stream: ${String(cause)}`, undefined, cause);
    }
  }
  if (h.cname === undefined || h.cname === 'snappy') fail(`unsupported inner codec code ${h.formatCode}`, 2);
  if (nbytes === 0) return new Uint8Array(0);
  if (h.blocksize === 0) fail('blocksize 0 with a non-empty buffer', 8);
  const zstd = h.cname === 'zstd' ? await zstdBackend() : undefined;
  const out = new Uint8Array(nbytes);
  const nblocks = Math.ceil(nbytes / h.blocksize);
  const leftover = nbytes % h.blocksize;
  if (BLOSC_HEADER_BYTES + 4 * nblocks > buffer.length)
    fail(`${nblocks} block offsets overrun the buffer`, 16);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const tmp = new Uint8Array(h.blocksize);
  for (let b = 0; b < nblocks; b++) {
    const isLeftover = b === nblocks - 1 && leftover > 0;
    const bsize = isLeftover ? leftover : h.blocksize;
    let pos = view.getUint32(BLOSC_HEADER_BYTES + 4 * b, true);
    const nsplits = bloscSplits(h, bsize, isLeftover);
    const neblock = Math.floor(bsize / nsplits);
    const filtered = h.shuffle === 'noshuffle' || (h.shuffle === 'shuffle' && h.typesize === 1);
    const dest = filtered ? out.subarray(b * h.blocksize, b * h.blocksize + bsize) : tmp.subarray(0, bsize);
    for (let j = 0; j < nsplits; j++) {
      if (pos + 4 > buffer.length) fail(`split ${j} of block ${b} starts past the end`, pos);
      const csize = view.getInt32(pos, true);
      pos += 4;
      if (csize < 0 || pos + csize > buffer.length)
        fail(`split of ${csize} bytes overruns the buffer`, pos - 4);
      const stream = buffer.subarray(pos, pos + csize);
      const target = dest.subarray(j * neblock, (j + 1) * neblock);
      if (csize === neblock) {
        target.set(stream);
      } else {
        try {
          if (h.cname === 'lz4') lz4DecompressBlock(stream, neblock, target);
          else {
            const raw =
              h.cname === 'zlib' ? inflateSync(stream) : (zstd as ZstdBackend).decompress(stream, neblock);
            if (raw.length !== neblock)
              throw new RangeError(`stream expands to ${raw.length} bytes, expected ${neblock}`);
            target.set(raw);
          }
        } catch (cause) {
          fail(`corrupt ${h.cname} stream in block ${b}: ${String(cause)}`, pos, cause);
        }
      }
      pos += csize;
    }
    if (!filtered) {
      const final = out.subarray(b * h.blocksize, b * h.blocksize + bsize);
      if (h.shuffle === 'shuffle') unshuffleBytes(dest, h.typesize, final);
      else if (bitshufflesBlock(bsize, h.typesize)) bitunshuffleBytes(dest, h.typesize, final);
      else final.set(dest);
    }
  }
  return out;
}
