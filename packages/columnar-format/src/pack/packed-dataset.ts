import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BarColumns,
  type ColumnArray,
  decodeBars,
  decodeBarsInto,
  decodeFrame,
} from '@mmtape/compression';
import { isMmtapeError, readJsonFile } from '@mmtape/errors';
import { columnArrayOf } from './pack-dataset.js';
import { PackError } from './pack-errors.js';
import {
  PACK_FORMAT,
  PACK_FORMAT_VERSION,
  PACK_INDEX_FILE,
  PACK_INDEX_MAX_BYTES,
  type PackedColumnEntry,
  type PackedFileEntry,
  type PackedFrameRef,
  type PackIndex,
} from './pack-format.js';
import { assertPackIndexPaths } from './pack-paths.js';

/** One decoded chunk: the same typed arrays are reused (overwritten) by the next `readChunk` call. */
export interface PackedChunk {
  /** Chunk index. */
  index: number;
  /** First row of the chunk in the file. */
  firstRow: number;
  /** Rows in this chunk (the arrays may be longer: they are reusable buffers, use `subarray(0, rows)`). */
  rows: number;
  /** Column name → typed array (views of reusable buffers, valid until the next `readChunk`). */
  columns: Record<string, ColumnArray>;
}

/** Reads `ref` from an open file descriptor. */
function readRef(fd: number, ref: PackedFrameRef, path: string): Uint8Array {
  const out = new Uint8Array(ref.lengthBytes);
  const n = readSync(fd, out, 0, ref.lengthBytes, ref.offsetBytes);
  if (n !== ref.lengthBytes) {
    throw new PackError('MMTAPE_PACK_CORRUPT', `${path}: frame at byte ${ref.offsetBytes} is truncated`, {
      path,
      offsetBytes: ref.offsetBytes,
      expected: ref.lengthBytes,
      actual: n,
    });
  }
  return out;
}

function corrupt(cause: unknown, ref: PackedFrameRef, path: string): unknown {
  if ((cause as { code?: string }).code?.startsWith('MMTAPE_PACK_')) return cause;
  return new PackError('MMTAPE_PACK_CORRUPT', `${path}: frame at byte ${ref.offsetBytes}: ${String(cause)}`, {
    path,
    offsetBytes: ref.offsetBytes,
    cause,
  });
}

/** Decodes the bar frame `ref` into fresh arrays, checking it holds `rows` rows. */
function decodeBarRef(fd: number, ref: PackedFrameRef, path: string, rows: number): BarColumns {
  try {
    const bars = decodeBars(readRef(fd, ref, path));
    if (bars.rows !== rows) {
      throw new PackError(
        'MMTAPE_PACK_CORRUPT',
        `${path}: bar frame at byte ${ref.offsetBytes} has ${bars.rows} rows`,
        {
          path,
          offsetBytes: ref.offsetBytes,
          expected: rows,
          actual: bars.rows,
        },
      );
    }
    return bars;
  } catch (cause) {
    throw corrupt(cause, ref, path);
  }
}

const BAR_KEYS = ['open', 'high', 'low', 'close', 'volume'] as const;

async function decodeRef(fd: number, ref: PackedFrameRef, path: string): Promise<Uint8Array> {
  try {
    return await decodeFrame(readRef(fd, ref, path));
  } catch (cause) {
    if ((cause as { code?: string }).code?.startsWith('MMTAPE_PACK_')) throw cause;
    throw new PackError(
      'MMTAPE_PACK_CORRUPT',
      `${path}: frame at byte ${ref.offsetBytes}: ${String(cause)}`,
      {
        path,
        offsetBytes: ref.offsetBytes,
        cause,
      },
    );
  }
}

/**
 * One packed column file, read chunk by chunk. Chunks decode into per-column buffers allocated once
 * and reused, so replaying a long file keeps memory at one chunk per column.
 */
export class PackedColumnFile {
  readonly entry: PackedFileEntry;
  readonly path: string;
  readonly #fd: number;
  readonly #buffers = new Map<string, Uint8Array>();
  #closed = false;

  constructor(packedDir: string, entry: PackedFileEntry) {
    this.entry = entry;
    this.path = join(packedDir, entry.packedPath);
    this.#fd = openSync(this.path, 'r');
  }

  get symbol(): string {
    return this.entry.symbol;
  }
  get rowCount(): number {
    return this.entry.rowCount;
  }
  get chunkRows(): number {
    return this.entry.chunkRows;
  }
  get chunkCount(): number {
    return this.entry.columns[0]?.chunks.length ?? 0;
  }
  get columns(): readonly PackedColumnEntry[] {
    return this.entry.columns;
  }

  /**
   * Indexes of the chunks whose `ts` range intersects [startNs, endNs] (inclusive), from pack.json
   * alone (nothing is decoded). All chunks when the file has no `ts` column.
   */
  chunksForRange(startNs: bigint, endNs: bigint): number[] {
    const { chunkFirstTimestampNs: first, chunkLastTimestampNs: last } = this.entry;
    const all = Array.from({ length: this.chunkCount }, (_, i) => i);
    if (first.length !== this.chunkCount) return all;
    return all.filter((i) => BigInt(last[i] as string) >= startNs && BigInt(first[i] as string) <= endNs);
  }

  /**
   * Decodes chunk `index` of the given columns (default all) into the reusable buffers.
   *
   * @throws PackError `MMTAPE_PACK_CORRUPT` (checksum or codec failure, truncated file),
   *   `MMTAPE_PACK_INVALID_OPTIONS` (bad index or column name).
   */
  async readChunk(index: number, columnNames?: readonly string[]): Promise<PackedChunk> {
    if (this.#closed)
      throw new PackError('MMTAPE_PACK_INVALID_OPTIONS', `${this.path} is closed`, { path: this.path });
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) {
      throw new PackError('MMTAPE_PACK_INVALID_OPTIONS', `chunk ${index} outside 0..${this.chunkCount - 1}`, {
        path: this.path,
        expected: `0..${this.chunkCount - 1}`,
        actual: index,
      });
    }
    const firstRow = index * this.chunkRows;
    const rows = Math.min(this.chunkRows, this.rowCount - firstRow);
    const columns: Record<string, ColumnArray> = {};
    const barFramesDone = new Set<number>();
    for (const col of this.#select(columnNames)) {
      const ref = col.chunks[index] as PackedFrameRef;
      if (ref.barColumn !== undefined) {
        // A bar frame: decode it once, straight into the reusable buffers of every column it holds.
        if (!barFramesDone.has(ref.offsetBytes)) {
          barFramesDone.add(ref.offsetBytes);
          this.#readBarChunk(index, ref, rows);
        }
      } else {
        const raw = await decodeRef(this.#fd, ref, this.path);
        if (raw.length !== rows * col.elementBytes) {
          throw new PackError(
            'MMTAPE_PACK_CORRUPT',
            `${this.path}: column ${col.name} chunk ${index} is ${raw.length} bytes`,
            {
              path: this.path,
              expected: rows * col.elementBytes,
              actual: raw.length,
            },
          );
        }
        this.#buffer(col).set(raw);
      }
      columns[col.name] = viewOf(col.dtype, this.#buffer(col), rows * col.elementBytes);
    }
    return { index, firstRow, rows, columns };
  }

  #buffer(col: PackedColumnEntry): Uint8Array {
    let buf = this.#buffers.get(col.name);
    if (buf === undefined) {
      // At most one chunk of rows, and no more than the file holds: a pack of many short files (daily
      // bars, ~1,000 rows each) must not allocate a 65,536-row buffer per column and file.
      buf = new Uint8Array(Math.max(1, Math.min(this.chunkRows, this.rowCount)) * col.elementBytes);
      this.#buffers.set(col.name, buf);
    }
    return buf;
  }

  /** Decodes the bar frame of chunk `index` into the reusable buffers of the columns that share it. */
  #readBarChunk(index: number, ref: PackedFrameRef, rows: number): void {
    const members = this.entry.columns.filter((c) => {
      const r = c.chunks[index];
      return r !== undefined && r.barColumn !== undefined && r.offsetBytes === ref.offsetBytes;
    });
    const out: Partial<Record<(typeof BAR_KEYS)[number], Float64Array>> = {};
    for (const c of members) {
      const key = BAR_KEYS[c.chunks[index]?.barColumn as number];
      if (key === undefined || c.elementBytes !== 8) {
        throw new PackError('MMTAPE_PACK_CORRUPT', `${this.path}: column ${c.name} has bad barColumn`, {
          path: this.path,
        });
      }
      const buf = this.#buffer(c);
      out[key] = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 3);
    }
    let decoded: number;
    try {
      if (!out.open || !out.high || !out.low || !out.close) {
        throw new PackError(
          'MMTAPE_PACK_CORRUPT',
          `${this.path}: bar frame of chunk ${index} lacks a price column`,
          {
            path: this.path,
          },
        );
      }
      decoded = decodeBarsInto(readRef(this.#fd, ref, this.path), out as BarColumns);
    } catch (cause) {
      throw corrupt(cause, ref, this.path);
    }
    if (decoded !== rows) {
      throw new PackError(
        'MMTAPE_PACK_CORRUPT',
        `${this.path}: bar frame of chunk ${index} has ${decoded} rows`,
        {
          path: this.path,
          expected: rows,
          actual: decoded,
        },
      );
    }
  }

  /** Bytes of column `col` in chunk `k` (decoded; bar frames are decoded once per chunk via `cache`). */
  async #chunkBytes(col: PackedColumnEntry, k: number, cache: Map<number, BarColumns>): Promise<Uint8Array> {
    const ref = col.chunks[k] as PackedFrameRef;
    if (ref.barColumn === undefined) return decodeRef(this.#fd, ref, this.path);
    const rows = Math.min(this.chunkRows, this.rowCount - k * this.chunkRows);
    let bars = cache.get(ref.offsetBytes);
    if (bars === undefined) {
      bars = decodeBarRef(this.#fd, ref, this.path, rows);
      cache.clear();
      cache.set(ref.offsetBytes, bars);
    }
    const values = bars[BAR_KEYS[ref.barColumn] ?? 'open'];
    if (values === undefined || BAR_KEYS[ref.barColumn] === undefined) {
      throw new PackError('MMTAPE_PACK_CORRUPT', `${this.path}: column ${col.name} is not in its bar frame`, {
        path: this.path,
      });
    }
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }

  /** Decodes a whole column into a fresh typed array. */
  async readColumn(name: string): Promise<ColumnArray> {
    const [col] = this.#select([name]);
    const c = col as PackedColumnEntry;
    const out = new Uint8Array(c.lengthBytes);
    const cache = new Map<number, BarColumns>();
    let at = 0;
    for (let k = 0; k < c.chunks.length; k++) {
      const raw = await this.#chunkBytes(c, k, cache);
      if (at + raw.length > out.length) {
        throw new PackError('MMTAPE_PACK_CORRUPT', `${this.path}: column ${c.name} overruns its length`, {
          path: this.path,
        });
      }
      out.set(raw, at);
      at += raw.length;
    }
    return columnArrayOf(c.dtype, out);
  }

  /** Rebuilds the original column file bytes (skeleton + every column), verified by SHA-256 by the caller. */
  async readOriginalBytes(): Promise<Uint8Array> {
    const out = await decodeRef(this.#fd, this.entry.skeleton, this.path);
    if (out.length !== this.entry.byteLength) {
      throw new PackError('MMTAPE_PACK_CORRUPT', `${this.path}: skeleton is ${out.length} bytes`, {
        path: this.path,
        expected: this.entry.byteLength,
        actual: out.length,
      });
    }
    const cache = new Map<number, BarColumns>();
    const at = this.entry.columns.map((c) => c.offsetBytes);
    // Chunk-major, so each bar frame is decoded once.
    for (let k = 0; k < this.chunkCount; k++) {
      for (const [ci, col] of this.entry.columns.entries()) {
        if (col.chunks[k] === undefined) continue;
        const raw = await this.#chunkBytes(col, k, cache);
        const pos = at[ci] as number;
        if (pos + raw.length > col.offsetBytes + col.lengthBytes) {
          throw new PackError('MMTAPE_PACK_CORRUPT', `${this.path}: column ${col.name} overruns its region`, {
            path: this.path,
          });
        }
        out.set(raw, pos);
        at[ci] = pos + raw.length;
      }
    }
    return out;
  }

  close(): void {
    if (!this.#closed) closeSync(this.#fd);
    this.#closed = true;
  }

  #select(names?: readonly string[]): PackedColumnEntry[] {
    if (names === undefined) return [...this.entry.columns];
    return names.map((n) => {
      const col = this.entry.columns.find((c) => c.name === n);
      if (col === undefined) {
        throw new PackError('MMTAPE_PACK_INVALID_OPTIONS', `no column "${n}" in ${this.entry.path}`, {
          path: this.path,
          actual: n,
        });
      }
      return col;
    });
  }
}

function viewOf(dtype: string, buf: Uint8Array, lengthBytes: number): ColumnArray {
  switch (dtype) {
    case 'f64':
      return new Float64Array(buf.buffer, 0, lengthBytes / 8);
    case 'i64':
      return new BigInt64Array(buf.buffer, 0, lengthBytes / 8);
    case 'f32':
      return new Float32Array(buf.buffer, 0, lengthBytes / 4);
    case 'i32':
      return new Int32Array(buf.buffer, 0, lengthBytes / 4);
    default:
      return buf.subarray(0, lengthBytes);
  }
}

/** A packed dataset opened for reading (see {@link openPackedDataset}). */
export class PackedDataset {
  readonly dir: string;
  readonly index: PackIndex;
  /** Symbols of the packed column files, sorted. */
  readonly symbols: readonly string[];
  readonly #open = new Map<string, PackedColumnFile>();

  constructor(dir: string, index: PackIndex) {
    this.dir = dir;
    this.index = index;
    this.symbols = [...new Set(index.files.map((f) => f.symbol))].sort();
  }

  /**
   * The packed files of `symbol` in path order (one per file; several if the dataset is partitioned).
   * Cached until {@link close}.
   */
  files(symbol: string): PackedColumnFile[] {
    const entries = this.index.files.filter((f) => f.symbol === symbol);
    if (entries.length === 0) {
      throw new PackError('MMTAPE_PACK_NOT_FOUND', `symbol ${symbol} is not in ${this.dir}`, {
        path: this.dir,
        actual: symbol,
      });
    }
    return entries.map((e) => {
      let f = this.#open.get(e.path);
      if (f === undefined) {
        f = new PackedColumnFile(this.dir, e);
        this.#open.set(e.path, f);
      }
      return f;
    });
  }

  /** The single packed file of `symbol` (the first one when partitioned). */
  open(symbol: string): PackedColumnFile {
    return this.files(symbol)[0] as PackedColumnFile;
  }

  close(): void {
    for (const f of this.#open.values()) f.close();
    this.#open.clear();
  }
}

/**
 * Opens a folder written by `packDataset`: reads and validates pack.json only; chunks are read on
 * demand with {@link PackedColumnFile.readChunk}.
 *
 * @example
 * ```ts
 * const packed = openPackedDataset('cold/us1m');
 * const aapl = packed.open('AAPL');
 * for (const i of aapl.chunksForRange(startNs, endNs)) {
 *   const { rows, columns } = await aapl.readChunk(i, ['ts', 'close']);
 * }
 * packed.close();
 * ```
 * @throws PackError `MMTAPE_PACK_NOT_FOUND` (no pack.json), `MMTAPE_PACK_CORRUPT` (invalid pack.json: not a
 *   regular file, over {@link PACK_INDEX_MAX_BYTES}, not JSON or nested too deep, wrong format),
 *   `MMTAPE_PACK_UNSAFE_PATH` (a path in pack.json that would leave the folder: `..`, absolute, ...).
 * @throws SystemCallError pack.json cannot be read (`io`).
 */
export function openPackedDataset(packedDir: string): PackedDataset {
  const path = join(packedDir, PACK_INDEX_FILE);
  if (!existsSync(path)) {
    throw new PackError('MMTAPE_PACK_NOT_FOUND', `${path} does not exist: not a packed dataset`, { path });
  }
  let index: PackIndex;
  try {
    index = readJsonFile(path, { maxBytes: PACK_INDEX_MAX_BYTES, what: 'pack index' }) as PackIndex;
  } catch (cause) {
    if (!isMmtapeError(cause) || cause.kind !== 'data') throw cause;
    throw new PackError('MMTAPE_PACK_CORRUPT', cause.message, { path, cause });
  }
  if (index?.format !== PACK_FORMAT || !Array.isArray(index.files)) {
    throw new PackError('MMTAPE_PACK_CORRUPT', `${path} is not a ${PACK_FORMAT} index`, {
      path,
      expected: PACK_FORMAT,
      actual: String(index?.format),
    });
  }
  if (index.formatVersion !== PACK_FORMAT_VERSION) {
    throw new PackError(
      'MMTAPE_PACK_UNSUPPORTED_VERSION',
      `${path} has pack format version ${String(index.formatVersion)}, this build reads version ${PACK_FORMAT_VERSION} only: pack the dataset again`,
      { path, expected: String(PACK_FORMAT_VERSION), actual: String(index.formatVersion) },
    );
  }
  assertPackIndexPaths(index, path);
  return new PackedDataset(packedDir, index);
}
