/**
 * The compressor stages of a chain (registered in `codec-registry.ts`): zstd, blosc, lz4, zlib.
 *
 * @module
 */

import { deflateSync, inflateSync } from 'node:zlib';
import { bloscCompress, bloscDecompress } from '../blosc/blosc.js';
import type { BloscCname, BloscShuffle } from '../blosc/blosc-header.js';
import type { Codec, StageSpec } from '../codec-registry.js';
import { CodecError, CodecOptionsError, InvalidCompressionLevelError } from '../errors.js';
import { zstdCompress, zstdDecompress } from '../zstd-codec.js';
import { lz4CompressBlock, lz4DecompressBlock } from './lz4-block.js';

function level(spec: StageSpec, fallback: number, min: number, max: number): number {
  const l = (spec as { level?: unknown }).level ?? fallback;
  if (typeof l !== 'number' || !Number.isInteger(l) || l < min || l > max) {
    throw new InvalidCompressionLevelError(`${min}..${max}`, Number(l));
  }
  return l;
}

/** zstd compressor stage (native zstd-napi when it loads, else wasm); params: level. */
export const zstdCodec: Codec = {
  name: 'zstd',
  id: 1,
  encode: async (input, spec) => {
    const l = level(spec, 3, 1, 22);
    return { bytes: await zstdCompress(input, l), params: Uint8Array.of(l) };
  },
  decode: async (input) => {
    // The zstd frame carries its content size; zstdDecompress checks it against the raw length.
    const size = zstdContentSize(input);
    return zstdDecompress(input, size, 0);
  },
};

/** Content size announced by a zstd frame header, required in mmtape chains. */
function zstdContentSize(input: Uint8Array): number {
  // Parsed again (with full validation) inside zstdDecompress; here only to know the expected size.
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (input.length < 6 || view.getUint32(0, true) !== 0xfd2fb528) {
    throw new CodecError('zstd', 'decode', 'stage input is not a zstd frame');
  }
  const d = view.getUint8(4);
  const single = (d >>> 5) & 1;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][d >>> 6] ?? 0;
  const pos = 5 + (single ? 0 : 1);
  if (fcsBytes === 0 || input.length < pos + fcsBytes) {
    throw new CodecError('zstd', 'decode', 'zstd frame without content size');
  }
  if (fcsBytes === 1) return view.getUint8(pos);
  if (fcsBytes === 2) return view.getUint16(pos, true) + 256;
  if (fcsBytes === 4) return view.getUint32(pos, true);
  return Number(view.getBigUint64(pos, true));
}

/** blosc1 frame stage (c-blosc compatible; cnames lz4, zlib, zstd; typesize and shuffle in params). */
export const bloscCodec: Codec = {
  name: 'blosc',
  id: 2,
  encode: async (input, spec) => {
    const s = spec as {
      cname?: BloscCname;
      clevel?: number;
      shuffle?: BloscShuffle;
      typesize?: number;
      blocksize?: number;
    };
    return { bytes: await bloscCompress(input, s), params: new Uint8Array(0) };
  },
  decode: (input) => bloscDecompress(input),
};

/** LZ4 block-format compressor stage (written from the LZ4 block spec). */
export const lz4Codec: Codec = {
  name: 'lz4',
  id: 3,
  encode: (input) => {
    if (input.length > 0xffffffff)
      throw new CodecOptionsError('lz4', 'input length', 'below 4 GiB', input.length);
    const params = new Uint8Array(4);
    new DataView(params.buffer).setUint32(0, input.length, true);
    return { bytes: lz4CompressBlock(input), params };
  },
  decode: (input, params) => {
    if (params.length !== 4)
      throw new CodecError('lz4', 'decode', `params must be 4 bytes, got ${params.length}`);
    const size = new DataView(params.buffer, params.byteOffset, 4).getUint32(0, true);
    try {
      return lz4DecompressBlock(input, size);
    } catch (cause) {
      throw new CodecError('lz4', 'decode', String(cause), { cause });
    }
  },
};

/** zlib (RFC 1950) compressor stage via node:zlib, as c-blosc uses it. */
export const zlibCodec: Codec = {
  name: 'zlib',
  id: 4,
  encode: (input, spec) => {
    const l = level(spec, 6, 0, 9);
    return { bytes: deflateSync(input, { level: l }), params: Uint8Array.of(l) };
  },
  decode: (input) => {
    try {
      return inflateSync(input);
    } catch (cause) {
      throw new CodecError('zlib', 'decode', String(cause), { cause });
    }
  },
};
