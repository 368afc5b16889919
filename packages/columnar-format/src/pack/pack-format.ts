/**
 * On-disk layout of a packed dataset (`packDataset`), version 1.
 *
 * ```
 * <packedDir>/
 *   pack.json                  PackIndex (below), written last (temp + rename)
 *   files/<relative path>.mtpk one per column file of the source dataset
 *   other/<relative path>.zst  every other file (manifest.json, ...): one compression frame each
 * ```
 *
 * A `.mtpk` file is the concatenation of compression frames (`@mmtape/compression`, each with its own
 * CRC-32): first the *skeleton* (the source file with every column region zeroed: header, descriptors,
 * padding; a few hundred bytes that zstd shrinks to almost nothing), then for each chunk of
 * `chunkRows` rows, one frame per column (chunk-major order, so a time range reads one contiguous span).
 * Offsets of every frame are in pack.json, so any chunk decodes alone.
 *
 * `hydrate` rebuilds each file as skeleton + decoded column bytes and checks its SHA-256 against
 * pack.json: byte-identical or a `MMTAPE_PACK_VERIFY_FAILED` error.
 *
 * @module
 */

/** pack.json `format` value. */
export const PACK_FORMAT = 'mmtape-pack';
/** pack.json `formatVersion`. */
export const PACK_FORMAT_VERSION = 1;
/** Name of the index file of a packed dataset (frame offsets, SHA-256 per source file, chunk time ranges). */
export const PACK_INDEX_FILE = 'pack.json';

/** One frame inside a `.mtpk` file. */
export interface PackedFrameRef {
  offsetBytes: number;
  lengthBytes: number;
}

/** A column of a packed file. */
export interface PackedColumnEntry {
  name: string;
  dtype: string;
  /** Where the column's bytes live in the source file. */
  offsetBytes: number;
  lengthBytes: number;
  /** Bytes per row. */
  elementBytes: number;
  /** One frame per chunk. */
  chunks: PackedFrameRef[];
  /** Codec chain chosen for the first chunk (informational), e.g. `decimal>delta>zigzag>shuffle(8)>zstd(9)`. */
  chain: string;
}

/** A packed column file. */
export interface PackedFileEntry {
  /** Path of the source file relative to the dataset folder (POSIX separators). */
  path: string;
  /** Path of the `.mtpk` file relative to the packed folder. */
  packedPath: string;
  symbol: string;
  rowCount: number;
  byteLength: number;
  /** SHA-256 (hex) of the source file. */
  sha256: string;
  skeleton: PackedFrameRef;
  chunkRows: number;
  /** First and last `ts` of each chunk as decimal strings of int64 ns (empty when no `ts` column). */
  chunkFirstTimestampNs: string[];
  chunkLastTimestampNs: string[];
  columns: PackedColumnEntry[];
  packedBytes: number;
}

/** Any other file of the dataset folder, stored as one frame. */
export interface PackedOtherEntry {
  path: string;
  packedPath: string;
  byteLength: number;
  sha256: string;
  packedBytes: number;
}

/** pack.json. */
export interface PackIndex {
  format: typeof PACK_FORMAT;
  formatVersion: typeof PACK_FORMAT_VERSION;
  createdAt: string;
  chunkRows: number;
  files: PackedFileEntry[];
  others: PackedOtherEntry[];
  rawBytes: number;
  packedBytes: number;
}
