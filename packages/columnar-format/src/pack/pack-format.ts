/**
 * On-disk layout of a packed dataset (`packDataset`), pack format version 3 (the only one).
 *
 * ```
 * <packedDir>/
 *   pack.json                  PackIndex (below), written last (temp + rename)
 *   files/<relative path>.mtpk one per column file of the source dataset
 *   other/<relative path>.zst  every other file (manifest.json, ...): one compression frame each
 * ```
 *
 * A `.mtpk` file is the concatenation of compression frames (`@mmtape/compression`, each with its own
 * CRC-32; `packages/compression/FORMAT.md`): first the *skeleton* (the source file with every column
 * region zeroed: header, descriptors, padding; a few hundred bytes that zstd shrinks to almost
 * nothing), then for each chunk of `chunkRows` rows, one frame per column (chunk-major order, so a time
 * range reads one contiguous span). Offsets of every frame are in pack.json, so any chunk decodes alone.
 *
 * *Bar frames*: when a file has float64 columns `open`, `high`, `low`, `close` (and optionally
 * `volume`), each chunk of them is stored, when the `bar` codec accepts it, as one frame
 * (`@mmtape/compression` `encodeBars`, stage id 22) written before the other columns of the chunk.
 * Every column of the group then has a chunk ref to that same frame with `barColumn` = its position
 * in the frame (0 open, 1 high, 2 low, 3 close, 4 volume). Chunks the codec declines (more than 1/16
 * of the rows with NaN or values without an exact decimal form, …) keep one frame per column.
 *
 * *Segment files* (column-format FORMAT.md, "Segment files") are packed member by member: each member
 * is a `files` entry like a column file, labelled `<segment path>@<offset>` (its `.mtpk` is
 * `files/<label>.mtpk`) with `segment: { path, offsetBytes }`, and `segments` lists each segment's path,
 * size and SHA-256. `hydrate` writes the members into a zeroed segment and checks its SHA-256.
 *
 * `hydrate` rebuilds each file as skeleton + decoded column bytes and checks its SHA-256 against
 * pack.json: byte-identical or a `MMTAPE_PACK_VERIFY_FAILED` error. A pack.json of another
 * `formatVersion` (1 and 2 were drafts, never released) is refused with `MMTAPE_PACK_UNSUPPORTED_VERSION`.
 *
 * @module
 */

/** pack.json `format` value. */
export const PACK_FORMAT = 'mmtape-pack';
/**
 * pack.json `formatVersion`: the only pack format version, written and read. 3 is part of the on-disk
 * format (1 and 2 were drafts, never released): never renumber.
 */
export const PACK_FORMAT_VERSION = 3;
/** Name of the index file of a packed dataset (frame offsets, SHA-256 per source file, chunk time ranges). */
export const PACK_INDEX_FILE = 'pack.json';
/**
 * Largest accepted `pack.json`, bytes: 256 MiB, like `manifest.json` (an index entry per file and chunk of
 * the packed dataset). Stops a `pack.json` symlinked to `/dev/zero` from exhausting memory.
 */
export const PACK_INDEX_MAX_BYTES = 256 * 1024 * 1024;

/** One frame inside a `.mtpk` file. */
export interface PackedFrameRef {
  offsetBytes: number;
  lengthBytes: number;
  /**
   * The frame is a bar frame shared by the OHLC(V) columns and this column is number
   * `barColumn` in it (0 open, 1 high, 2 low, 3 close, 4 volume). Absent: the frame holds this column only.
   */
  barColumn?: number;
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
  /**
   * Codec chain chosen for the first chunk (informational), e.g. `decimal>delta>zigzag>shuffle(8)>zstd(9)`,
   * or `bar` when the first chunk is in a bar frame.
   */
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
  /**
   * This column file is a member of segment file `path` (an entry of `PackIndex.segments`) at
   * `offsetBytes`; the entry's own `path` is then the label `<segment path>@<offset>`, not a file.
   */
  segment?: { path: string; offsetBytes: number };
}

/**
 * A segment file restored from its members (the `files` entries whose `segment.path` is
 * `path`): `byteLength` zero bytes with each member written at its offset, then checked against `sha256`.
 */
export interface PackedSegmentEntry {
  path: string;
  byteLength: number;
  /** SHA-256 (hex) of the whole segment file. */
  sha256: string;
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
  /** {@link PACK_FORMAT_VERSION}. */
  formatVersion: typeof PACK_FORMAT_VERSION;
  createdAt: string;
  chunkRows: number;
  files: PackedFileEntry[];
  others: PackedOtherEntry[];
  /** Segment files, restored from their member entries in `files` (absent when the dataset has none). */
  segments?: PackedSegmentEntry[];
  rawBytes: number;
  packedBytes: number;
}
