import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ColumnArray,
  type ColumnCodecOptions,
  chooseColumnChain,
  describeChain,
  encodeBars,
  encodeColumn,
  encodeFrame,
  type StageSpec,
} from '@mmtape/compression';
import { MappedFile } from '@mmtape/mmap-core';
import { ColumnFile } from '../column-file.js';
import { CURRENT_FILE_NAME } from '../generations/dataset-layout.js';
import { leaseGeneration } from '../generations/generation-lease.js';
import { readManifest, SEGMENT_FILE_EXTENSION } from '../manifest.js';
import { PackError } from './pack-errors.js';
import {
  PACK_FORMAT,
  PACK_FORMAT_VERSION,
  PACK_INDEX_FILE,
  type PackedColumnEntry,
  type PackedFileEntry,
  type PackedOtherEntry,
  type PackedSegmentEntry,
  type PackIndex,
} from './pack-format.js';
import { writePackOutput } from './pack-output.js';
import { listRegularFiles } from './pack-paths.js';
import { verifyPackSource } from './verify-pack-source.js';

/** Options of {@link packDataset}. */
export interface PackDatasetOptions {
  /**
   * Rows per chunk. Default 65,536: 512 KiB per float64 column, large enough for zstd to reach its
   * ratio and small enough that a one-day range of 1-minute bars decodes one chunk.
   */
  chunkRows?: number;
  /** Codec options of `encodeColumn` (backend, level, shuffle, explicit chain). Default automatic chains. */
  codec?: ColumnCodecOptions;
  /**
   * Store the float64 `open`/`high`/`low`/`close`(/`volume`) columns of each chunk as one bar frame
   * (`encodeBars`, cross-column residuals + static rANS; about 1.3x smaller than per-column chains on
   * 1-minute bars and decoding faster than them) when the codec accepts the chunk. Default `true` with
   * automatic chains, `false` when `codec.chain` is explicit.
   */
  bars?: boolean;
  /**
   * Replace an existing non-empty `packedDir`, only when it is an mmtape pack (its pack.json has format
   * `mmtape-pack`); any other folder is refused. Default `false` (throws `MMTAPE_PACK_OUTPUT_EXISTS`).
   * The previous pack stays in place until the new one is complete.
   */
  overwrite?: boolean;
  /**
   * Verified reads: check the source dataset's header and block checksums (`Dataset.verify()`) before
   * packing, so a corrupt file is refused (typed error naming file, column, block) instead of being
   * packed with fresh frame checksums. Default `true`; `false` packs the bytes as they are.
   */
  verify?: boolean;
  /** Called after each file with the number of files done and the total. */
  onProgress?: (progress: { filesDone: number; filesTotal: number; path: string }) => void;
}

/** What {@link packDataset} wrote. */
export interface PackReport {
  packedDir: string;
  files: number;
  otherFiles: number;
  rows: number;
  rawBytes: number;
  packedBytes: number;
  /** rawBytes / packedBytes. */
  ratio: number;
  index: PackIndex;
}

/** Default rows per compressed chunk: 512 KiB of one 8-byte column, small enough that a time range decodes little. */
export const DEFAULT_CHUNK_ROWS = 65_536;

/** SHA-256 of `bytes` (node:crypto) as 64 lowercase hex characters. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const VIEW_TYPES: Record<string, new (buffer: ArrayBuffer) => ColumnArray> = {
  f64: Float64Array,
  i64: BigInt64Array,
  f32: Float32Array,
  i32: Int32Array,
  u8: Uint8Array,
};

/** A fresh, aligned typed array holding `bytes` of a column of `dtype` (Uint8Array for unknown dtypes). */
export function columnArrayOf(dtype: string, bytes: Uint8Array): ColumnArray {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const Ctor = VIEW_TYPES[dtype];
  return Ctor === undefined ? copy : new Ctor(copy.buffer);
}

/**
 * Writes a compressed, chunked cold copy of the dataset folder `srcDir` into `packedDir` (layout in
 * `pack-format.ts`). Of a dataset folder (it holds `CURRENT`, FORMAT.md "Dataset folder") the current
 * generation is packed, under a lease for the whole run, with paths relative to the generation folder;
 * any other folder is packed as it is. Column files are split into chunks of `chunkRows` rows, each column of each chunk
 * one checksummed frame with a lossless automatic codec chain (decimal prices, delta-of-delta
 * timestamps, see `@mmtape/compression` `encodeColumn`); every other file is one zstd frame.
 *
 * Atomic: everything is written into `.<name>.tmp-<pid>-<random>` beside `packedDir` and renamed into
 * place only when complete (pack.json last, after every frame file is checked); on any error, or if the
 * process dies, `packedDir` is absent or the previous pack. The source must hold only regular files and
 * folders (no symbolic links, which a pack could not restore inside the dataset folder).
 *
 * @example
 * ```ts
 * const report = await packDataset('data/us1m', 'cold/us1m');
 * console.log(report.ratio); // e.g. 10.4
 * await hydrateDataset('cold/us1m', 'data/us1m-restored');
 * ```
 * @throws PackError `MMTAPE_PACK_OUTPUT_EXISTS` (non-empty `packedDir` without `overwrite`, or with
 *   `overwrite` a folder that is not an mmtape pack), `MMTAPE_PACK_INVALID_OPTIONS` (bad option, or
 *   `packedDir` and `srcDir` overlap), `MMTAPE_PACK_NOT_FOUND` (no `srcDir`), `MMTAPE_PACK_UNSAFE_PATH`
 *   (a symbolic link or special file in `srcDir`).
 */
export async function packDataset(
  srcDir: string,
  packedDir: string,
  options: PackDatasetOptions = {},
): Promise<PackReport> {
  const lease = existsSync(join(srcDir, CURRENT_FILE_NAME)) ? leaseGeneration(srcDir) : undefined;
  try {
    return await packFolder(lease?.generationDir ?? srcDir, packedDir, options);
  } finally {
    lease?.release();
  }
}

/** {@link packDataset} of one folder (a generation, or any folder). */
async function packFolder(
  srcDir: string,
  packedDir: string,
  options: PackDatasetOptions,
): Promise<PackReport> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new PackError(
      'MMTAPE_PACK_INVALID_OPTIONS',
      `chunkRows must be a positive integer, got ${chunkRows}`,
      {
        expected: 'a positive integer',
        actual: String(chunkRows),
      },
    );
  }
  if (!existsSync(srcDir)) {
    throw new PackError('MMTAPE_PACK_NOT_FOUND', `dataset folder ${srcDir} does not exist`, { path: srcDir });
  }
  if (options.verify !== false) verifyPackSource(srcDir);
  // Everything is written into a temp folder beside packedDir and renamed into place at the end.
  return writePackOutput('pack', srcDir, packedDir, options.overwrite ?? false, (tmpDir) =>
    packInto(srcDir, tmpDir, packedDir, chunkRows, options),
  );
}

/** Packs `srcDir` into the (temp) folder `outDir`; the report names `packedDir`, the final folder. */
async function packInto(
  srcDir: string,
  outDir: string,
  packedDir: string,
  chunkRows: number,
  options: PackDatasetOptions,
): Promise<PackReport> {
  const sources = listRegularFiles(srcDir);
  const files: PackedFileEntry[] = [];
  const others: PackedOtherEntry[] = [];
  const segments: PackedSegmentEntry[] = [];
  const membersOf = segmentMembers(srcDir);
  const codec = options.codec ?? {};
  const bars = options.bars ?? (codec.chain === undefined || codec.chain === 'auto');
  let rawBytes = 0;
  let packedBytes = 0;
  let rows = 0;
  for (const [i, path] of sources.entries()) {
    const full = join(srcDir, path);
    const members = membersOf.get(path);
    if (members !== undefined) {
      // A segment file: each member packed as a column file, the segment rebuilt from them on hydrate.
      const packed = await packSegment(full, path, members, outDir, chunkRows, codec, bars);
      if (packed !== undefined) {
        files.push(...packed.entries);
        segments.push(packed.segment);
        rawBytes += packed.segment.byteLength;
        for (const e of packed.entries) {
          packedBytes += e.packedBytes;
          rows += e.rowCount;
        }
        options.onProgress?.({ filesDone: i + 1, filesTotal: sources.length, path });
        continue;
      }
    }
    let cf: ColumnFile | undefined;
    if (path.endsWith('.col')) {
      try {
        cf = ColumnFile.open(full);
      } catch {
        cf = undefined; // not a column file this build reads: stored whole, still byte-identical
      }
    }
    if (cf !== undefined) {
      try {
        const entry = await packColumnFile(cf, path, outDir, chunkRows, codec, bars);
        files.push(entry);
        rawBytes += entry.byteLength;
        packedBytes += entry.packedBytes;
        rows += entry.rowCount;
      } finally {
        cf.close();
      }
    } else {
      const bytes = readFileSync(full);
      const frame = await encodeFrame(bytes, { codec: 'zstd', level: 9 });
      const packedPath = `other/${path}.zst`;
      writeNewFile(join(outDir, packedPath), frame);
      others.push({
        path,
        packedPath,
        byteLength: bytes.length,
        sha256: sha256Hex(bytes),
        packedBytes: frame.length,
      });
      rawBytes += bytes.length;
      packedBytes += frame.length;
    }
    options.onProgress?.({ filesDone: i + 1, filesTotal: sources.length, path });
  }
  const index: PackIndex = {
    format: PACK_FORMAT,
    formatVersion: PACK_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    chunkRows,
    files,
    others,
    ...(segments.length > 0 ? { segments } : {}),
    rawBytes,
    packedBytes,
  };
  checkPackedFiles(outDir, index);
  writeNewFile(
    join(outDir, PACK_INDEX_FILE),
    new TextEncoder().encode(`${JSON.stringify(index, null, 1)}\n`),
  );
  return {
    packedDir,
    files: files.length,
    otherFiles: others.length,
    rows,
    rawBytes,
    packedBytes,
    ratio: packedBytes === 0 ? 0 : rawBytes / packedBytes,
    index,
  };
}

/**
 * Members of each segment file of the dataset `srcDir` (FORMAT.md, "Segment files"), from its manifest,
 * sorted by offset: segment path → `[{ offsetBytes, sizeBytes }]`. Empty when there is no readable
 * manifest (the segments are then packed as other files, still byte-identical).
 */
function segmentMembers(srcDir: string): Map<string, { offsetBytes: number; sizeBytes: number }[]> {
  const out = new Map<string, { offsetBytes: number; sizeBytes: number }[]>();
  if (!existsSync(join(srcDir, 'manifest.json'))) return out;
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(srcDir);
  } catch {
    return out;
  }
  for (const e of manifest.symbols) {
    for (const p of e.partitions ?? []) {
      if (p.offsetBytes === undefined || !p.file.endsWith(SEGMENT_FILE_EXTENSION)) continue;
      const list = out.get(p.file) ?? [];
      list.push({ offsetBytes: p.offsetBytes, sizeBytes: p.sizeBytes });
      out.set(p.file, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.offsetBytes - b.offsetBytes);
  return out;
}

/**
 * Packs the members of segment file `path` (absolute `full`) as column files labelled `<path>@<offset>`,
 * or returns `undefined` when the segment cannot be rebuilt from them alone (members overlapping or past
 * its end, a byte outside every member that is not zero, a member that is not a valid column file): the
 * caller then stores the segment whole.
 */
async function packSegment(
  full: string,
  path: string,
  members: readonly { offsetBytes: number; sizeBytes: number }[],
  packedDir: string,
  chunkRows: number,
  codec: ColumnCodecOptions,
  bars: boolean,
): Promise<{ entries: PackedFileEntry[]; segment: PackedSegmentEntry } | undefined> {
  const mapped = MappedFile.open(full);
  try {
    const bytes = mapped.buffer;
    let end = 0;
    for (const m of members) {
      if (m.offsetBytes < end || m.offsetBytes + m.sizeBytes > bytes.length) return undefined;
      for (let b = end; b < m.offsetBytes; b++) if (bytes[b] !== 0) return undefined;
      end = m.offsetBytes + m.sizeBytes;
    }
    for (let b = end; b < bytes.length; b++) if (bytes[b] !== 0) return undefined;
    const columnFiles: ColumnFile[] = [];
    try {
      for (const m of members) {
        const label = `${path}@${m.offsetBytes}`;
        columnFiles.push(ColumnFile.fromMapping(label, mapped.slice(m.offsetBytes, m.sizeBytes, label)));
      }
    } catch {
      return undefined;
    }
    const entries: PackedFileEntry[] = [];
    try {
      for (const [k, cf] of columnFiles.entries()) {
        const entry = await packColumnFile(cf, cf.path, packedDir, chunkRows, codec, bars);
        entries.push({ ...entry, segment: { path, offsetBytes: members[k]!.offsetBytes } });
      }
    } finally {
      for (const cf of columnFiles) cf.close();
    }
    return { entries, segment: { path, byteLength: bytes.length, sha256: sha256Hex(bytes) } };
  } finally {
    mapped.close();
  }
}

/** Names of the columns a bar frame holds, in frame order. */
export const BAR_COLUMN_NAMES: readonly string[] = ['open', 'high', 'low', 'close', 'volume'];

/**
 * Indexes (into `columns`) of the float64 open, high, low, close and, when present, volume columns,
 * or `undefined` when any of the four prices is missing or not float64.
 */
export function barGroupOf(columns: readonly { name: string; dtype: string }[]): number[] | undefined {
  const out: number[] = [];
  for (const name of BAR_COLUMN_NAMES) {
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0 || columns[i]?.dtype !== 'f64') {
      if (name === 'volume') break;
      return undefined;
    }
    out.push(i);
  }
  return out;
}

async function packColumnFile(
  cf: ColumnFile,
  path: string,
  packedDir: string,
  chunkRows: number,
  codec: ColumnCodecOptions,
  bars: boolean,
): Promise<PackedFileEntry> {
  const buffer = cf.file.buffer;
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const skeleton = bytes.slice();
  for (const c of cf.columns) skeleton.fill(0, c.offsetBytes, c.offsetBytes + c.lengthBytes);
  const parts: Uint8Array[] = [];
  let at = 0;
  const push = (frame: Uint8Array): { offsetBytes: number; lengthBytes: number } => {
    parts.push(frame);
    const ref = { offsetBytes: at, lengthBytes: frame.length };
    at += frame.length;
    return ref;
  };
  const skeletonRef = push(await encodeFrame(skeleton, { codec: 'zstd', level: 9 }));
  const rowCount = cf.rowCount;
  const nChunks = Math.ceil(rowCount / chunkRows);
  const columns: PackedColumnEntry[] = cf.columns.map((c) => ({
    name: c.name,
    dtype: c.dtype,
    offsetBytes: c.offsetBytes,
    lengthBytes: c.lengthBytes,
    elementBytes: rowCount === 0 ? 0 : c.lengthBytes / rowCount,
    chunks: [],
    chain: '',
  }));
  const chains: (readonly StageSpec[] | undefined)[] = columns.map(() => undefined);
  const first: string[] = [];
  const last: string[] = [];
  const group = bars ? barGroupOf(columns) : undefined;
  const slice = (col: PackedColumnEntry, r0: number, r1: number): ColumnArray =>
    columnArrayOf(
      col.dtype,
      bytes.subarray(col.offsetBytes + r0 * col.elementBytes, col.offsetBytes + r1 * col.elementBytes),
    );
  for (let k = 0; k < nChunks; k++) {
    const r0 = k * chunkRows;
    const r1 = Math.min(rowCount, r0 + chunkRows);
    let inBarFrame: readonly number[] = [];
    if (group !== undefined) {
      const [o, h, l, c, v] = group.map(
        (ci) => slice(columns[ci] as PackedColumnEntry, r0, r1) as Float64Array,
      );
      const bars = {
        open: o as Float64Array,
        high: h as Float64Array,
        low: l as Float64Array,
        close: c as Float64Array,
        ...(v === undefined ? {} : { volume: v }),
      };
      const frame = await encodeBars(bars);
      if (frame !== undefined) {
        const ref = push(frame);
        group.forEach((ci, j) => {
          const col = columns[ci] as PackedColumnEntry;
          col.chunks.push({ ...ref, barColumn: j });
          if (k === 0) col.chain = 'bar';
        });
        inBarFrame = group;
      }
    }
    for (const [ci, col] of columns.entries()) {
      if (inBarFrame.includes(ci)) continue;
      const data = slice(col, r0, r1);
      if (col.name === 'ts' && data instanceof BigInt64Array && data.length > 0) {
        first.push(String(data[0]));
        last.push(String(data[data.length - 1]));
      }
      let chain = chains[ci];
      if (chain === undefined && (codec.chain === undefined || codec.chain === 'auto')) {
        chain = await chooseColumnChain(data, codec);
        chains[ci] = chain;
      } else if (chain === undefined) {
        chain = codec.chain as readonly StageSpec[];
        chains[ci] = chain;
      }
      if (col.chain === '') col.chain = describeChain(chain);
      col.chunks.push(push(await encodeColumn(data, { ...codec, chain })));
    }
  }
  const out = new Uint8Array(at);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  const packedPath = `files/${path}.mtpk`;
  writeNewFile(join(packedDir, packedPath), out);
  return {
    path,
    packedPath,
    symbol: cf.symbol,
    rowCount,
    byteLength: bytes.length,
    sha256: sha256Hex(bytes),
    skeleton: skeletonRef,
    chunkRows,
    chunkFirstTimestampNs: first,
    chunkLastTimestampNs: last,
    columns,
    packedBytes: out.length,
  };
}

/**
 * Writes `bytes` to the new file `path` (inside the temp output folder, so no per-file rename is needed;
 * `wx` fails on a name written twice), creating folders.
 */
export function writeNewFile(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes, { flag: 'wx' });
}

/**
 * Checks, before pack.json is written, that every `.mtpk` / `.zst` file it names exists in `outDir`
 * with the size recorded (a cheap completeness check of what this process wrote).
 *
 * @throws PackError `MMTAPE_PACK_VERIFY_FAILED`
 */
function checkPackedFiles(outDir: string, index: PackIndex): void {
  const expected = new Map<string, number>();
  for (const f of index.files) expected.set(f.packedPath, f.packedBytes);
  for (const o of index.others) expected.set(o.packedPath, o.packedBytes);
  for (const [path, bytes] of expected) {
    const actual = statSync(join(outDir, path), { throwIfNoEntry: false })?.size;
    if (actual !== bytes) {
      throw new PackError(
        'MMTAPE_PACK_VERIFY_FAILED',
        `${path} has ${actual ?? 'no'} bytes, expected ${bytes}`,
        {
          path: join(outDir, path),
          expected: bytes,
          ...(actual !== undefined ? { actual } : {}),
        },
      );
    }
  }
}
