/**
 * A dataset folder (FORMAT.md, "Dataset folder"): the pointer `CURRENT` names one immutable generation
 * `gen-<id>/` holding `manifest.json` plus the column (or segment) files; opened lazily, under a lease.
 */

import { join, resolve } from 'node:path';
import { type AccessPattern, MappedFile, mmapStatus, pageSizeBytes } from '@mmtape/mmap-core';
import type { BadBlock } from './block-verifier.js';
import { ColumnFile } from './column-file.js';
import {
  checkFileAgainstManifest,
  checkManifestConsistency,
  partitionKeyInterval,
} from './cross-check-manifest.js';
import {
  DatasetMismatchError,
  FileOpenError,
  MultiPartitionSymbolError,
  PartitionChecksumError,
  SymbolNotFoundError,
} from './errors.js';
import { locateDataset } from './generations/dataset-layout.js';
import { type GenerationLease, leaseGeneration } from './generations/generation-lease.js';
import {
  type DatasetManifest,
  type DatasetPartitionEntry,
  type DatasetSymbolEntry,
  MANIFEST_FILE_NAME,
  readManifest,
} from './manifest.js';

/** Options of {@link Dataset.open}. */
export interface DatasetOpenOptions {
  /** Passed to every {@link ColumnFile.open}. Default `false`. */
  forceFallback?: boolean;
  /**
   * Verified reads, passed to every {@link ColumnFile.open} (see `ColumnFileOpenOptions.verify`): header
   * checksums at open, block checksums on first read. Default `true`. The manifest is cross-checked
   * against each file's header either way.
   */
  verify?: boolean;
  /**
   * Passed to every mapping this dataset opens (`MappedFileOpenOptions.accessPattern` of
   * `@mmtape/mmap-core`). Default none (kernel read-around). `'random'` keeps opening a cold dataset
   * to one page read per file header; a replay with prefetch then reads only the windows it advises.
   */
  accessPattern?: AccessPattern;
}

/** Rows `[startRow, endRow)` of one partition file selected by {@link Dataset.openRange}. */
export interface PartitionSlice {
  partition: DatasetPartitionEntry;
  file: ColumnFile;
  startRow: number;
  endRow: number;
}

/**
 * One symbol's rows in a time range: the overlapping partitions in time order, each with the row range
 * found by binary search. Concatenating the slices gives the symbol's logical stream.
 */
export interface SymbolRange {
  symbol: string;
  slices: PartitionSlice[];
  /** Sum of `endRow - startRow` over the slices. */
  rows: number;
}

/** Options of {@link Dataset.openRange}. */
export interface OpenRangeOptions {
  /** Symbols to open; default all. Unknown symbols throw SymbolNotFoundError. */
  symbols?: readonly string[];
  /** Inclusive start, ns since epoch (UTC). Default: no lower bound. */
  startNs?: bigint;
  /** Exclusive end, ns since epoch (UTC). Default: no upper bound. */
  endNs?: bigint;
}

/** Result of {@link Dataset.verify}. */
export interface DatasetVerifyReport {
  files: number;
  bytesVerified: number;
}

/** One problem found by {@link Dataset.findCorruption}. */
export interface DatasetProblem {
  /** Symbol whose partition it is. */
  symbol: string;
  /** File (or `<segment>@<offset>` member) concerned. */
  path: string;
  /** Error code (`MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH`, `MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH`, `MMTAPE_DATASET_MISMATCH`, …). */
  code: string;
  message: string;
  /** The bad block, for `MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH`. */
  block?: BadBlock;
}

/** Result of {@link Dataset.findCorruption}. */
export interface DatasetCorruptionReport {
  /** Files (members) checked, including those that failed to open. */
  files: number;
  /** Column bytes hashed. */
  bytesChecked: number;
  /** Every problem found, in manifest order; empty when the dataset is intact. */
  problems: DatasetProblem[];
}

/**
 * An opened dataset: one generation of a dataset folder. Opening resolves the pointer `CURRENT` once,
 * takes a lease on the generation it names (FORMAT.md, "Leases and garbage collection") and reads and
 * validates that generation's `manifest.json`; column files are opened on first use, always from the same
 * generation, and cached until {@link Dataset.close}. Writers publishing new generations meanwhile
 * (`ingest --overwrite`) change nothing this object reads: the leased generation stays on disk until
 * {@link Dataset.close} (or process exit) releases the lease.
 *
 * Partitioned symbols (manifest `partitioning` `'day'`/`'month'`) span several files. They are read as
 * one logical stream through {@link openPartitions} (all files, in time order) or {@link openRange}
 * (only the files overlapping a time range, with row bounds). {@link open} returns the single file of an
 * unpartitioned symbol (or of a partitioned symbol that has one partition) and throws
 * MultiPartitionSymbolError otherwise.
 *
 * @example
 * ```ts
 * const ds = Dataset.open('data/sp500');
 * for (const s of ds.symbols) console.log(s, ds.open(s).rowCount);
 * const [aapl] = ds.openRange({ symbols: ['AAPL'], startNs: 1514764800000000000n });
 * ds.close();
 * ```
 */
export class Dataset {
  /** Dataset folder as given to {@link Dataset.open} (for a pinned generation: its parent folder). */
  readonly dir: string;
  /** Name of the opened generation folder, `gen-…`. */
  readonly generation: string;
  /** Folder of the opened generation (`dir/generation`, absolute): every file read is in it. */
  readonly generationDir: string;
  readonly manifest: DatasetManifest;
  /** Symbols in manifest order (sorted by UTF-16 code units). */
  readonly symbols: readonly string[];
  readonly #entries: Map<string, DatasetSymbolEntry>;
  /**
   * Opened files by manifest partition entry (each entry names a distinct file or segment member: see
   * `checkManifestConsistency`; no key string is built per file).
   */
  readonly #files = new Map<DatasetPartitionEntry, ColumnFile>();
  /** Segment file name → its mapping (FORMAT.md, "Segment files"). */
  readonly #segments = new Map<string, MappedFile>();
  readonly #forceFallback: boolean;
  /** Lease on the generation; `undefined` after {@link close} until the next file is opened. */
  #lease: GenerationLease | undefined;
  /** Verified reads (open option `verify`). */
  readonly verifies: boolean;
  readonly #accessPattern: AccessPattern | undefined;
  /**
   * Files {@link openRange} mapped ahead of opening them, their header page advised `WILLNEED`;
   * `#openFile` takes them over. Empty outside `openRange`.
   */
  readonly #mappedAhead = new Map<DatasetPartitionEntry, MappedFile>();

  private constructor(
    dir: string,
    lease: GenerationLease,
    manifest: DatasetManifest,
    forceFallback: boolean,
    verify: boolean,
    accessPattern?: AccessPattern,
  ) {
    this.dir = dir;
    this.generation = lease.generation;
    this.generationDir = resolve(lease.generationDir);
    this.#lease = lease;
    this.manifest = manifest;
    this.symbols = Object.freeze(manifest.symbols.map((s) => s.symbol));
    this.#entries = new Map(manifest.symbols.map((s) => [s.symbol, s]));
    this.#forceFallback = forceFallback;
    this.verifies = verify;
    this.#accessPattern = accessPattern;
  }

  /**
   * Opens the dataset at `dir`: resolves `dir/CURRENT` once, leases that generation and reads and
   * validates its `manifest.json`; no column file is opened yet (open time does not depend on file
   * sizes). `dir` may also be a generation folder `<dataset>/gen-<id>` (for example
   * {@link generationDir} handed to a worker thread): that generation is opened, pinned.
   * The manifest's consistency is checked (duplicated partitions, time ranges, an empty symbol list
   * beside data files); each file is cross-checked against the manifest when it is opened.
   * @throws DatasetGenerationError when `dir` is not a dataset folder (no `CURRENT`), the pointer is
   *   invalid, or a pinned generation was removed; InvalidManifestError naming the file and the field;
   *   DatasetMismatchError (inconsistent manifest).
   */
  static open(dir: string, options: DatasetOpenOptions = {}): Dataset {
    const { datasetDir, generation } = locateDataset(dir);
    const lease = leaseGeneration(datasetDir, generation);
    try {
      const manifest = readManifest(lease.generationDir);
      checkManifestConsistency(lease.generationDir, join(lease.generationDir, MANIFEST_FILE_NAME), manifest);
      return new Dataset(
        datasetDir,
        lease,
        manifest,
        options.forceFallback ?? false,
        options.verify ?? true,
        options.accessPattern,
      );
    } catch (e) {
      lease.release();
      throw e;
    }
  }

  /** Manifest entry of a symbol. @throws SymbolNotFoundError */
  entry(symbol: string): DatasetSymbolEntry {
    const e = this.#entries.get(symbol);
    if (!e) {
      throw new SymbolNotFoundError(`${this.dir}: symbol ${JSON.stringify(symbol)} is not in the dataset`, {
        path: this.dir,
        field: symbol,
      });
    }
    return e;
  }

  /**
   * Partitions of a symbol in time order (at least one).
   * @throws SymbolNotFoundError
   */
  partitions(symbol: string): readonly DatasetPartitionEntry[] {
    return this.entry(symbol).partitions;
  }

  /** Number of column files currently open (for tests of pruning). */
  get openFileCount(): number {
    return this.#files.size;
  }

  /**
   * The column file of a symbol stored in one file (opened once, then cached).
   * @throws SymbolNotFoundError; MultiPartitionSymbolError when the symbol spans several partitions (use
   *   {@link openPartitions} or {@link openRange}); any ColumnFile.open error; DatasetMismatchError when
   *   the file's symbol or row count differs from the manifest.
   */
  // biome-ignore lint/suspicious/useAdjacentOverloadSignatures: static Dataset.open and instance open are both part of the contract
  open(symbol: string): ColumnFile {
    const parts = this.partitions(symbol);
    if (parts.length !== 1) {
      throw new MultiPartitionSymbolError(
        `${this.dir}: symbol ${JSON.stringify(symbol)} spans ${parts.length} partitions (${this.manifest.partitioning}); use openPartitions() or openRange()`,
        { path: this.dir, field: symbol, expected: 1, actual: parts.length },
      );
    }
    return this.#openPartition(symbol, parts[0]!);
  }

  /** Every partition file of a symbol, in time order (opened and cached). @throws as {@link open}. */
  openPartitions(symbol: string): ColumnFile[] {
    return this.partitions(symbol).map((p) => this.#openPartition(symbol, p));
  }

  /**
   * Pruning: for each requested symbol, opens only the partitions that may overlap `[startNs, endNs)`
   * and binary-searches their `ts` column for the first and last row. Symbols with no rows in range get
   * an empty `slices` list. With verified reads (the default) the pruning trusts only what is checked
   * before it acts: day/month partitions are pruned by their key's UTC interval (the manifest's time
   * range must lie inside it, and each opened file's range must match the manifest), and a symbol stored
   * in one file is always opened (so its header is cross-checked). With `verify: false` the manifest's
   * rows and time ranges prune directly.
   */
  openRange(options: OpenRangeOptions = {}): SymbolRange[] {
    const { startNs, endNs } = options;
    const symbols = options.symbols ?? this.symbols;
    const selected = symbols.map((symbol) => ({
      symbol,
      parts: this.#partitionsFor(symbol, startNs, endNs),
    }));
    this.#adviseHeaders(selected.flatMap((s) => s.parts));
    try {
      return selected.map(({ symbol, parts }) => {
        const slices: PartitionSlice[] = [];
        let rows = 0;
        for (const p of parts) {
          const file = this.#openPartition(symbol, p);
          if (file.rowCount === 0) continue;
          const startRow = startNs === undefined ? 0 : file.lowerBoundRow(startNs);
          const endRow = endNs === undefined ? file.rowCount : file.lowerBoundRow(endNs);
          if (endRow > startRow) {
            slices.push({ partition: p, file, startRow, endRow });
            rows += endRow - startRow;
          }
        }
        return { symbol, slices, rows };
      });
    } finally {
      for (const mapped of this.#mappedAhead.values()) mapped.close();
      this.#mappedAhead.clear();
    }
  }

  /** The partitions of `symbol` that {@link openRange} opens for `[startNs, endNs)` (see its pruning rules). */
  #partitionsFor(symbol: string, startNs?: bigint, endNs?: bigint): DatasetPartitionEntry[] {
    const scheme = this.manifest.partitioning ?? 'none';
    return this.partitions(symbol).filter((p) => {
      if (this.verifies) {
        const interval = scheme === 'none' ? undefined : partitionKeyInterval(p.key, scheme);
        if (interval === undefined) return true;
        return (
          !(startNs !== undefined && interval[1] <= startNs) && !(endNs !== undefined && interval[0] >= endNs)
        );
      }
      if (p.rows === 0) return false;
      if (startNs !== undefined && BigInt(p.lastTimestampNs) < startNs) return false;
      return !(endNs !== undefined && BigInt(p.firstTimestampNs) >= endNs);
    });
  }

  /**
   * Before {@link openRange} validates many headers one after the other: maps every file not open yet
   * and advises its first page `WILLNEED` (for a segment member, the member's first page in the
   * segment's mapping), so a cold open reads the headers as one batch of concurrent requests instead of
   * one synchronous page fault per file, each waiting for the device. Measured on a cold page cache,
   * 2,000 files of 4 MB: 1.55–1.64 s → 0.73–0.86 s (`@mmtape/prefetch` README, "I/O policy"). When
   * every one of {@link HEADER_SAMPLES} evenly spaced headers is already in the page cache (`mincore`),
   * the headers are taken as warm and not advised: one `madvise` per file is then pure cost (replay
   * session open, 3,000 symbols warm, medians of 16 in-process alternations: segment members 77.9 → 71.3
   * ms, one file per symbol 187.1 → 167.8 ms).
   * A file that fails to map here is skipped: its open reports the error, in order. No-op for fewer
   * than 2 files and without real mappings.
   */
  #adviseHeaders(parts: readonly DatasetPartitionEntry[]): void {
    const pending = parts.filter((p) => !this.#files.has(p));
    if (pending.length < 2 || this.#forceFallback || mmapStatus().backend !== 'mmap') return;
    this.#ensureLease();
    const pageBytes = pageSizeBytes();
    const mapped: (MappedFile | undefined)[] = pending.map((p) => {
      let file: MappedFile | undefined;
      try {
        file =
          p.offsetBytes !== undefined
            ? this.#segment(p.file)
            : MappedFile.open(join(this.generationDir, p.file), { accessPattern: this.#accessPattern });
        if (p.offsetBytes === undefined) this.#mappedAhead.set(p, file);
        return file;
      } catch {
        return undefined; // opened again, and the error reported, by #openFile
      }
    });
    if (headersResident(pending, mapped, pageBytes)) return;
    pending.forEach((p, i) => {
      try {
        mapped[i]?.advise('willneed', p.offsetBytes ?? 0, pageBytes);
      } catch {
        // advice only: the open that follows reads the header either way
      }
    });
  }

  /**
   * Checks every partition: header checksum against the manifest, then every column checksum
   * (`ColumnFile.verify()`). Reads all data; cost is linear in dataset size.
   * @throws PartitionChecksumError, BlockChecksumMismatchError (first bad block), any open error.
   */
  verify(options: { symbols?: readonly string[] } = {}): DatasetVerifyReport {
    let files = 0;
    let bytesVerified = 0;
    for (const symbol of options.symbols ?? this.symbols) {
      for (const p of this.partitions(symbol)) {
        const f = this.#openPartition(symbol, p);
        if (p.headerChecksum !== '' && f.headerChecksum !== p.headerChecksum) {
          throw new PartitionChecksumError(
            `${f.path}: header checksum is ${f.headerChecksum} but manifest says ${p.headerChecksum}`,
            { path: f.path, field: symbol, expected: p.headerChecksum, actual: f.headerChecksum },
          );
        }
        bytesVerified += f.verify().bytesVerified;
        files++;
      }
    }
    return { files, bytesVerified };
  }

  /**
   * Checks every partition of every symbol (or of `options.symbols`) and lists every problem instead of
   * stopping at the first: files that fail to open or to match the manifest (header checksum, manifest
   * cross-check) and every block whose XXH64 differs from its table. Reads all data; `mmtape verify`.
   * Files are opened with verification whatever the `verify` option, and closed again.
   */
  findCorruption(options: { symbols?: readonly string[] } = {}): DatasetCorruptionReport {
    const problems: DatasetProblem[] = [];
    let files = 0;
    let bytesChecked = 0;
    for (const symbol of options.symbols ?? this.symbols) {
      for (const p of this.partitions(symbol)) {
        files++;
        let file: ColumnFile;
        try {
          file = this.#openFile(p, true);
        } catch (e) {
          problems.push(problemOf(symbol, this.#pathOf(p), e));
          continue;
        }
        try {
          checkFileAgainstManifest(file, symbol, p, this.manifest);
        } catch (e) {
          problems.push(problemOf(symbol, file.path, e));
        }
        if (p.headerChecksum !== '' && file.headerChecksum !== p.headerChecksum) {
          problems.push({
            symbol,
            path: file.path,
            code: 'MMTAPE_DATASET_PARTITION_CHECKSUM_MISMATCH',
            message: `${file.path}: header checksum is ${file.headerChecksum} but manifest says ${p.headerChecksum}`,
          });
        }
        for (const block of file.findBadBlocks()) {
          problems.push({
            symbol,
            path: file.path,
            code: 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH',
            message: `${block.path}: column "${block.column}" block ${block.blockIndex} (bytes ${block.startBytes}..${block.endBytes}): XXH64 ${block.actual}, table says ${block.expected}`,
            block,
          });
        }
        for (const c of file.columns) bytesChecked += c.lengthBytes;
        file.close();
      }
    }
    return { files, bytesChecked, problems };
  }

  /**
   * Closes every opened column file and releases the generation's lease. Reading again afterwards takes
   * a new lease on the same generation and reopens files lazily (DatasetGenerationError if the
   * generation was removed meanwhile).
   */
  close(): void {
    this.closeFiles();
    this.#lease?.release();
    this.#lease = undefined;
  }

  /** Unmaps every opened column and segment file but keeps the lease; later reads reopen them lazily. */
  closeFiles(): void {
    for (const f of this.#files.values()) f.close();
    this.#files.clear();
    for (const m of this.#segments.values()) m.close();
    this.#segments.clear();
  }

  /** Leases the generation again after {@link close}. @throws DatasetGenerationError if it was removed. */
  #ensureLease(): void {
    this.#lease ??= leaseGeneration(this.dir, this.generation);
  }

  /**
   * The mapping of segment file `name`, opened once per dataset (one `mmap` for all its members).
   * @throws FileOpenError when it cannot be opened.
   */
  #segment(name: string): MappedFile {
    const cached = this.#segments.get(name);
    if (cached) return cached;
    this.#ensureLease();
    const path = join(this.generationDir, name);
    let mapped: MappedFile;
    try {
      mapped = MappedFile.open(path, {
        forceFallback: this.#forceFallback,
        accessPattern: this.#accessPattern,
      });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new FileOpenError(`${path}: cannot open segment file: ${reason}`, { path, cause });
    }
    this.#segments.set(name, mapped);
    return mapped;
  }

  /** A segment member's column file: a slice of the segment's mapping, validated like a file. */
  #openMember(p: DatasetPartitionEntry & { offsetBytes: number }, verify: boolean): ColumnFile {
    const segment = this.#segment(p.file);
    const path = `${segment.path}@${p.offsetBytes}`;
    if (p.offsetBytes + p.sizeBytes > segment.byteLength) {
      throw new DatasetMismatchError(
        `${path}: the manifest puts a ${p.sizeBytes}-byte column file at offset ${p.offsetBytes} but the segment file has ${segment.byteLength} bytes`,
        { path, field: 'sizeBytes', expected: p.offsetBytes + p.sizeBytes, actual: segment.byteLength },
      );
    }
    return ColumnFile.fromMapping(path, segment.slice(p.offsetBytes, p.sizeBytes, path), { verify });
  }

  /** Opens a partition's file (not cached, not cross-checked). */
  #openFile(p: DatasetPartitionEntry, verify: boolean): ColumnFile {
    this.#ensureLease();
    const ahead = this.#mappedAhead.get(p);
    if (ahead !== undefined) {
      this.#mappedAhead.delete(p);
      return ColumnFile.fromMapping(ahead.path, ahead, { verify });
    }
    return p.offsetBytes === undefined
      ? ColumnFile.open(join(this.generationDir, p.file), {
          forceFallback: this.#forceFallback,
          verify,
          accessPattern: this.#accessPattern,
        })
      : this.#openMember(p as DatasetPartitionEntry & { offsetBytes: number }, verify);
  }

  /** Name of a partition's file in errors. */
  #pathOf(p: DatasetPartitionEntry): string {
    const path = join(this.generationDir, p.file);
    return p.offsetBytes === undefined ? path : `${path}@${p.offsetBytes}`;
  }

  #openPartition(symbol: string, p: DatasetPartitionEntry): ColumnFile {
    const cached = this.#files.get(p);
    if (cached) return cached;
    this.#ensureLease();
    const file = this.#openFile(p, this.verifies);
    try {
      checkFileAgainstManifest(file, symbol, p, this.manifest);
    } catch (e) {
      file.close();
      throw e;
    }
    this.#files.set(p, file);
    return file;
  }
}

function problemOf(symbol: string, path: string, e: unknown): DatasetProblem {
  const code =
    typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
      ? (e as { code: string }).code
      : 'UNKNOWN';
  return { symbol, path, code, message: e instanceof Error ? e.message : String(e) };
}

/** Headers {@link Dataset.openRange} samples for residency before advising them all (see `#adviseHeaders`). */
const HEADER_SAMPLES = 16;

/**
 * True when the first page of each of {@link HEADER_SAMPLES} evenly spaced partitions of `parts` is in
 * the page cache (`mapped[i]` maps `parts[i]`: a file of its own, or the segment holding it at
 * `offsetBytes`). A partition that did not map counts as not resident.
 */
function headersResident(
  parts: readonly DatasetPartitionEntry[],
  mapped: readonly (MappedFile | undefined)[],
  pageBytes: number,
): boolean {
  const step = Math.max(1, Math.floor(parts.length / HEADER_SAMPLES));
  for (let i = 0; i < parts.length; i += step) {
    const file = mapped[i];
    if (file === undefined || file.byteLength === 0) return false;
    const offset = parts[i]!.offsetBytes ?? 0;
    if (file.residency(offset, Math.min(pageBytes, file.byteLength - offset)).residentPages === 0)
      return false;
  }
  return true;
}
