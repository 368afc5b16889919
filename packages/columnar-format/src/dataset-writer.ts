/**
 * Writes one generation of a dataset folder (FORMAT.md, "Dataset folder"): every file goes into a temp
 * folder inside the dataset folder, `finish()` writes `manifest.json`, renames the folder to `gen-<id>`
 * and publishes it by one atomic rename of the pointer `CURRENT`.
 */

import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { DTYPE_SIZE_BYTES, type DType } from './dtype.js';
import { DatasetWriterError, InvalidSymbolError, NotSortedError, OutputExistsError } from './errors.js';
import {
  CURRENT_FILE_NAME,
  isGenerationName,
  TEMP_CURRENT_PREFIX,
  TEMP_GENERATION_PREFIX,
} from './generations/dataset-layout.js';
import { GenerationBuilder } from './generations/generation-builder.js';
import {
  type DatasetManifest,
  type DatasetPartitionEntry,
  type DatasetSymbolEntry,
  type PartitionScheme,
  SEGMENT_FILE_EXTENSION,
  SEGMENT_MEMBER_ALIGNMENT_BYTES,
  writeManifest,
} from './manifest.js';
import { COLUMN_FILE_EXTENSION, symbolToFileName } from './symbol-file-name.js';
import { type ColumnInput, writeColumnFile } from './write-column-file.js';

/** Options of {@link DatasetWriter.create}. */
export interface DatasetWriterOptions {
  /**
   * Publish a new generation of an existing dataset. Default `false` (OutputExistsError), so a typo never
   * replaces data. Only a dataset folder (it holds `CURRENT`) is replaced; any other non-empty folder is
   * refused. Readers of the old generation keep reading it; it is removed once no live process leases it
   * (FORMAT.md, "Leases and garbage collection").
   */
  overwrite?: boolean;
  /**
   * Split each symbol into one file per UTC day or UTC month. Default `'none'` (one file per symbol):
   * fewest files and fastest open. Use `'day'`/`'month'` when a symbol's file could reach 2 GiB, the
   * mapping limit of `@mmtape/mmap-core`, or to prune by time range. Partitioning requires rows sorted by `ts`.
   */
  partition?: PartitionScheme;
  /**
   * fsync every column file before it is renamed. Default `true`: a crash never leaves a manifest that
   * points at unflushed data. `false` roughly halves ingest time on slow disks (fsync dominates for
   * thousands of small files); the rename-into-place stays atomic, only durability after power loss is lost.
   */
  durable?: boolean;
  /**
   * Store the column files in segment files of at most this many bytes each (FORMAT.md, "Segment
   * files") instead of one file per symbol (or partition). Default `'auto'`: segments of
   * {@link MAX_SEGMENT_BYTES} when the dataset has at least {@link AUTO_SEGMENT_MIN_FILES} column files,
   * else one file each (`ingest` and `mmtape ingest` have the same default). `false`: one file each.
   * Segments are for datasets of thousands of symbols replayed together: opening 3,000 per-symbol files
   * costs 3,000 `open`/`mmap`/`close` calls and a V8 external allocation each (several garbage
   * collections), one segment costs one. A column file larger than `segmentBytes` gets a segment of
   * its own. Range: {@link SEGMENT_MEMBER_ALIGNMENT_BYTES} … {@link MAX_SEGMENT_BYTES}.
   */
  segmentBytes?: number | 'auto' | false;
}

/**
 * With `segmentBytes: 'auto'`, datasets of at least this many column files (500) are written as segment
 * files: from there opening the files dominates a full replay (`pnpm bench replay`: 1,000 symbols open in
 * 40 ms as files, 20 ms as segments; 3,000 in 149 ms vs 52 ms).
 */
export const AUTO_SEGMENT_MIN_FILES = 500;

/**
 * Largest `segmentBytes` of {@link DatasetWriterOptions}: 1 GiB, half the 2 GiB mapping limit of
 * `@mmtape/mmap-core`, so a segment of members below the limit always maps.
 */
export const MAX_SEGMENT_BYTES = 2 ** 30;

const NS_PER_MS = 1_000_000n;
const NS_PER_DAY = 86_400_000_000_000n;

/**
 * Builds a dataset folder symbol by symbol.
 *
 * @example
 * ```ts
 * const w = DatasetWriter.create('data/synth', { partition: 'month' });
 * w.writeSymbol('AAPL', [{ name: 'ts', dtype: 'i64', data: ts }, { name: 'close', dtype: 'f64', data: close }]);
 * const manifest = w.finish();   // or w.abort() to discard everything
 * ```
 */
export class DatasetWriter {
  /** Dataset folder (absolute). */
  readonly dir: string;
  /** Temp folder inside {@link dir} the files are written into until {@link finish}. */
  readonly tempDir: string;
  /** The generation {@link finish} published (`gen-…`); `undefined` before. */
  generation: string | undefined;
  readonly #builder: GenerationBuilder;
  readonly partition: PartitionScheme;
  readonly #overwrite: boolean;
  readonly #durable: boolean;
  readonly #segmentBytes: number | 'auto' | false;
  readonly #entries = new Map<string, DatasetSymbolEntry>();
  readonly #lowerNames = new Map<string, string>();
  #schema: { name: string; dtype: DType }[] | undefined;
  #state: 'open' | 'finished' | 'aborted' = 'open';

  private constructor(dir: string, options: DatasetWriterOptions) {
    this.dir = dir;
    this.partition = options.partition ?? 'none';
    this.#overwrite = options.overwrite ?? false;
    this.#durable = options.durable ?? true;
    this.#segmentBytes = options.segmentBytes ?? 'auto';
    this.#builder = GenerationBuilder.begin(dir, { durable: this.#durable });
    this.tempDir = this.#builder.tempDir;
  }

  /**
   * Starts a generation of the dataset at `dir` (readers see nothing of it until {@link finish}).
   * @throws OutputExistsError when `dir` is a dataset and `overwrite` is false, or is not a dataset folder;
   *   DatasetWriterError for an unknown partition scheme.
   */
  static create(dir: string, options: DatasetWriterOptions = {}): DatasetWriter {
    const abs = resolve(dir);
    const partition = options.partition ?? 'none';
    if (!['none', 'day', 'month'].includes(partition)) {
      throw new DatasetWriterError(`partition ${JSON.stringify(partition)} is not one of none, day, month`, {
        field: 'partition',
        actual: String(partition),
      });
    }
    const seg = options.segmentBytes;
    if (
      seg !== undefined &&
      seg !== 'auto' &&
      seg !== false &&
      (!Number.isSafeInteger(seg) || seg < SEGMENT_MEMBER_ALIGNMENT_BYTES || seg > MAX_SEGMENT_BYTES)
    ) {
      throw new DatasetWriterError(
        `segmentBytes ${seg} is not 'auto', false or an integer from ${SEGMENT_MEMBER_ALIGNMENT_BYTES} to ${MAX_SEGMENT_BYTES}`,
        {
          field: 'segmentBytes',
          expected: `'auto', false or ${SEGMENT_MEMBER_ALIGNMENT_BYTES}..${MAX_SEGMENT_BYTES}`,
          actual: String(seg),
        },
      );
    }
    checkOutDir(abs, options.overwrite ?? false);
    return new DatasetWriter(abs, options);
  }

  /** Symbols written so far. */
  get symbolCount(): number {
    return this.#entries.size;
  }

  /**
   * Writes one symbol (all its rows). `columns` must contain `ts` (i64, ns UTC) and the same names and
   * dtypes, in the same order, for every symbol. Each partition is a {@link writeColumnFile}; column
   * slices are zero-copy subarrays. Returns the manifest entry.
   * @throws DatasetWriterError (duplicate symbol, schema differs, no `ts`, writer finished),
   *   NotSortedError (partitioned and `ts` not non-decreasing), InvalidSymbolError, InvalidWriteInputError.
   */
  writeSymbol(symbol: string, columns: ColumnInput[]): DatasetSymbolEntry {
    this.#assertOpen();
    if (this.#entries.has(symbol)) {
      throw new DatasetWriterError(`symbol ${JSON.stringify(symbol)} was already written`, {
        path: this.dir,
        field: symbol,
      });
    }
    const schema = columns.map((c) => ({ name: c.name, dtype: c.dtype }));
    const tsCol = columns.find((c) => c.name === 'ts');
    if (tsCol === undefined || tsCol.dtype !== 'i64' || !(tsCol.data instanceof BigInt64Array)) {
      throw new DatasetWriterError(`symbol ${JSON.stringify(symbol)}: a "ts" i64 column is required`, {
        path: this.dir,
        field: 'ts',
      });
    }
    if (this.#schema === undefined) this.#schema = schema;
    else if (JSON.stringify(this.#schema) !== JSON.stringify(schema)) {
      throw new DatasetWriterError(
        `symbol ${JSON.stringify(symbol)}: columns ${fmtSchema(schema)} differ from the dataset schema ${fmtSchema(this.#schema)}`,
        { path: this.dir, field: symbol, expected: fmtSchema(this.#schema), actual: fmtSchema(schema) },
      );
    }
    const fileName = symbolToFileName(symbol);
    const lower = fileName.toLowerCase();
    const other = this.#lowerNames.get(lower);
    if (other !== undefined) {
      throw new InvalidSymbolError(
        `symbols ${JSON.stringify(other)} and ${JSON.stringify(symbol)} differ only by case; their files would collide on case-insensitive file systems`,
        { field: 'symbol', expected: other, actual: symbol },
      );
    }
    const ts = tsCol.data;
    const sorted = isNonDecreasing(ts);
    if (this.partition !== 'none' && !sorted) {
      throw new NotSortedError(
        `symbol ${JSON.stringify(symbol)}: ts must be sorted to partition by ${this.partition}`,
        {
          path: this.dir,
          field: 'ts',
        },
      );
    }
    const stem = fileName.slice(0, -COLUMN_FILE_EXTENSION.length);
    const ranges =
      this.partition === 'none' ? [{ key: '', start: 0, end: ts.length }] : splitByTime(ts, this.partition);
    const partitions: DatasetPartitionEntry[] = [];
    for (const r of ranges) {
      // '@' is never produced by symbolToFileName, so `stem@key.col` cannot collide with another symbol.
      const file = r.key === '' ? fileName : `${stem}@${r.key}${COLUMN_FILE_EXTENSION}`;
      const written = writeColumnFile(
        join(this.tempDir, file),
        {
          symbol,
          columns: columns.map((c) => ({ ...c, data: c.data.subarray(r.start, r.end) as typeof c.data })),
        },
        { fsync: this.#durable },
      );
      const slice = ts.subarray(r.start, r.end);
      const { lo, hi } = sorted ? firstLast(slice) : minMax(slice);
      partitions.push({
        key: r.key,
        file,
        rows: r.end - r.start,
        firstTimestampNs: lo.toString(),
        lastTimestampNs: hi.toString(),
        sizeBytes: written.sizeBytes,
        headerChecksum: written.headerChecksum,
      });
    }
    const entry: DatasetSymbolEntry = {
      symbol,
      file: partitions[0]!.file,
      rows: ts.length,
      firstTimestampNs: partitions[0]!.firstTimestampNs,
      lastTimestampNs: partitions[partitions.length - 1]!.lastTimestampNs,
      partitions,
    };
    this.#entries.set(symbol, entry);
    this.#lowerNames.set(lower, symbol);
    return entry;
  }

  /**
   * Writes `manifest.json` (symbols sorted by UTF-16 code units), renames the temp folder to a new
   * generation `gen-<id>` and publishes it by renaming the pointer `CURRENT` (the one atomic step), then
   * removes superseded generations no live reader leases. Returns the manifest.
   * @throws DatasetWriterError when no symbol was written; OutputExistsError if a dataset appeared at
   *   `dir` meanwhile and `overwrite` is false. On failure the temp folder is removed.
   */
  finish(options: { source?: Record<string, unknown> } = {}): DatasetManifest {
    this.#assertOpen();
    try {
      if (this.#entries.size === 0 || this.#schema === undefined) {
        throw new DatasetWriterError(`${this.dir}: no symbol written; a dataset needs at least one`, {
          path: this.dir,
        });
      }
      const symbols = [...this.#entries.values()].sort((a, b) =>
        a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
      );
      let first: bigint | undefined;
      let last: bigint | undefined;
      let totalRows = 0;
      for (const e of symbols) {
        totalRows += e.rows;
        if (e.rows === 0) continue;
        const lo = BigInt(e.firstTimestampNs);
        const hi = BigInt(e.lastTimestampNs);
        if (first === undefined || lo < first) first = lo;
        if (last === undefined || hi > last) last = hi;
      }
      const seg = this.#segmentBytes;
      const files = symbols.reduce((n, e) => n + e.partitions.length, 0);
      if (typeof seg === 'number') this.#writeSegments(symbols, seg);
      else if (seg === 'auto' && files >= AUTO_SEGMENT_MIN_FILES)
        this.#writeSegments(symbols, MAX_SEGMENT_BYTES);
      const manifest: DatasetManifest = {
        format: 'mmtape-dataset',
        formatVersion: 1,
        createdAt: new Date().toISOString(),
        schema: this.#schema,
        symbols,
        totalRows,
        firstTimestampNs: (first ?? 0n).toString(),
        lastTimestampNs: (last ?? 0n).toString(),
        partitioning: this.partition,
        ...(options.source ? { source: options.source } : {}),
      };
      writeManifest(this.tempDir, manifest);
      checkOutDir(this.dir, this.#overwrite);
      this.generation = this.#builder.publish().generation;
      this.#state = 'finished';
      return manifest;
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Removes the temp folder; the dataset is untouched. Idempotent; no-op after finish. */
  abort(): void {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    this.#builder.abort();
  }

  /**
   * Moves every column file of the temp folder into segment files (FORMAT.md, "Segment files"): members
   * in (partition key, symbol) order, so a time range of a partitioned dataset maps few segments; each at
   * a multiple of {@link SEGMENT_MEMBER_ALIGNMENT_BYTES}, the gap zero-filled; a new segment starts when
   * the next member would pass `segmentBytes`. Rewrites the partition entries (`file`, `offsetBytes`) in
   * place and deletes the member files.
   */
  #writeSegments(symbols: DatasetSymbolEntry[], segmentBytes: number): void {
    const members = symbols
      .flatMap((e) => e.partitions.map((p) => ({ e, p })))
      .sort((a, b) =>
        a.p.key !== b.p.key
          ? a.p.key < b.p.key
            ? -1
            : 1
          : a.e.symbol < b.e.symbol
            ? -1
            : a.e.symbol > b.e.symbol
              ? 1
              : 0,
      );
    let fd: number | undefined;
    let name = '';
    let sizeBytes = 0;
    let count = 0;
    const closeSegment = (): void => {
      if (fd === undefined) return;
      if (this.#durable) fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
    };
    try {
      for (const { p } of members) {
        const at = alignUp(sizeBytes, SEGMENT_MEMBER_ALIGNMENT_BYTES);
        if (fd === undefined || (sizeBytes > 0 && at + p.sizeBytes > segmentBytes)) {
          closeSegment();
          name = `segment-${String(count++).padStart(5, '0')}${SEGMENT_FILE_EXTENSION}`;
          fd = openSync(join(this.tempDir, name), 'wx');
          sizeBytes = 0;
        }
        const offset = alignUp(sizeBytes, SEGMENT_MEMBER_ALIGNMENT_BYTES);
        const memberPath = join(this.tempDir, p.file);
        const bytes = readFileSync(memberPath);
        if (bytes.length !== p.sizeBytes) {
          throw new DatasetWriterError(
            `${memberPath}: column file has ${bytes.length} bytes, expected ${p.sizeBytes} while writing segment ${name}`,
            { path: memberPath, expected: p.sizeBytes, actual: bytes.length },
          );
        }
        // The gap before `offset` is a hole: reads as zeros.
        for (let done = 0; done < bytes.length; ) {
          done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
        }
        rmSync(memberPath);
        sizeBytes = offset + bytes.length;
        p.file = name;
        p.offsetBytes = offset;
      }
    } finally {
      closeSegment();
    }
    for (const e of symbols) e.file = e.partitions[0]!.file;
  }

  #assertOpen(): void {
    if (this.#state !== 'open') {
      throw new DatasetWriterError(`${this.dir}: dataset writer is ${this.#state}`, { path: this.dir });
    }
  }
}

/** Bytes per row of a schema (for size estimates). */
export function bytesPerRow(schema: readonly { dtype: DType }[]): number {
  return schema.reduce((n, c) => n + DTYPE_SIZE_BYTES[c.dtype], 0);
}

/**
 * Row ranges of sorted `ts` per UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`). Boundaries found by
 * binary search, so the cost is O(partitions * log rows). Empty input gives one empty range keyed by
 * the scheme's epoch key, so every symbol has at least one file.
 */
export function splitByTime(
  ts: BigInt64Array,
  scheme: 'day' | 'month',
): { key: string; start: number; end: number }[] {
  const out: { key: string; start: number; end: number }[] = [];
  if (ts.length === 0) return [{ key: scheme === 'day' ? '1970-01-01' : '1970-01', start: 0, end: 0 }];
  let start = 0;
  while (start < ts.length) {
    const t = ts[start]!;
    const { key, nextNs } = periodOf(t, scheme);
    let lo = start + 1;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < nextNs) lo = mid + 1;
      else hi = mid;
    }
    out.push({ key, start, end: lo });
    start = lo;
  }
  return out;
}

function periodOf(tNs: bigint, scheme: 'day' | 'month'): { key: string; nextNs: bigint } {
  let day = tNs / NS_PER_DAY;
  if (tNs < 0n && day * NS_PER_DAY !== tNs) day -= 1n; // floor for times before 1970
  const d = new Date(Number(day) * 86_400_000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const pad = (n: number) => String(n).padStart(2, '0');
  if (scheme === 'day') {
    return { key: `${y}-${pad(m + 1)}-${pad(d.getUTCDate())}`, nextNs: (day + 1n) * NS_PER_DAY };
  }
  return { key: `${y}-${pad(m + 1)}`, nextNs: BigInt(Date.UTC(y, m + 1, 1)) * NS_PER_MS };
}

function isNonDecreasing(ts: BigInt64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) return false;
  return true;
}

function firstLast(ts: BigInt64Array): { lo: bigint; hi: bigint } {
  return ts.length === 0 ? { lo: 0n, hi: 0n } : { lo: ts[0]!, hi: ts[ts.length - 1]! };
}

function minMax(ts: BigInt64Array): { lo: bigint; hi: bigint } {
  if (ts.length === 0) return { lo: 0n, hi: 0n };
  let lo = ts[0]!;
  let hi = lo;
  for (let i = 1; i < ts.length; i++) {
    const v = ts[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

function fmtSchema(schema: readonly { name: string; dtype: string }[]): string {
  return schema.map((c) => `${c.name}:${c.dtype}`).join(',');
}

/**
 * Checks that a writer may publish a generation at `outDir`: it does not exist, is empty, holds only
 * leftovers of the layout (`gen-…`, `.tmp-…`, `CURRENT.tmp-…`: a first write that was killed), or is a
 * dataset (holds `CURRENT`) and `overwrite` is true.
 * @throws OutputExistsError naming the folder otherwise.
 */
export function checkOutDir(outDir: string, overwrite: boolean): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) {
    throw new OutputExistsError(`${outDir} exists and is not a folder; refusing to replace it`, {
      path: outDir,
      field: 'overwrite',
    });
  }
  const names = readdirSync(outDir);
  if (names.includes(CURRENT_FILE_NAME)) {
    if (overwrite) return;
    throw new OutputExistsError(`${outDir} already exists; pass overwrite: true to replace it`, {
      path: outDir,
      field: 'overwrite',
    });
  }
  const foreign = names.find(
    (n) =>
      !isGenerationName(n) && !n.startsWith(TEMP_GENERATION_PREFIX) && !n.startsWith(TEMP_CURRENT_PREFIX),
  );
  if (foreign !== undefined) {
    throw new OutputExistsError(
      `${outDir} exists and is not an mmtape dataset (no ${CURRENT_FILE_NAME}; it holds ${JSON.stringify(foreign)}); refusing to write into it`,
      { path: outDir, field: 'overwrite', actual: foreign },
    );
  }
}

/** `value` rounded up to a multiple of `alignment`. */
function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
