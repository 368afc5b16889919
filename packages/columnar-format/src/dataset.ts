/**
 * A dataset folder: `manifest.json` plus one column file per symbol partition, opened lazily.
 */

import { join } from 'node:path';
import { type AccessPattern, MappedFile } from '@mmtape/mmap-core';
import { ColumnFile } from './column-file.js';
import {
  DatasetMismatchError,
  FileOpenError,
  MultiPartitionSymbolError,
  PartitionChecksumError,
  SymbolNotFoundError,
} from './errors.js';
import {
  type DatasetManifest,
  type DatasetPartitionEntry,
  type DatasetSymbolEntry,
  readManifest,
} from './manifest.js';

/** Options of {@link Dataset.open}. */
export interface DatasetOpenOptions {
  /** Passed to every {@link ColumnFile.open}. Default `false`. */
  forceFallback?: boolean;
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

/**
 * An opened dataset. Opening reads and validates `manifest.json` only; column files are opened on first
 * use and cached until {@link Dataset.close}.
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
  readonly dir: string;
  readonly manifest: DatasetManifest;
  /** Symbols in manifest order (sorted by UTF-16 code units). */
  readonly symbols: readonly string[];
  readonly #entries: Map<string, DatasetSymbolEntry>;
  /** Opened files by file name. */
  readonly #files = new Map<string, ColumnFile>();
  /** Segment file name → its mapping (FORMAT.md, "Segment files"). */
  readonly #segments = new Map<string, MappedFile>();
  readonly #forceFallback: boolean;
  readonly #accessPattern: AccessPattern | undefined;

  private constructor(
    dir: string,
    manifest: DatasetManifest,
    forceFallback: boolean,
    accessPattern?: AccessPattern,
  ) {
    this.dir = dir;
    this.manifest = manifest;
    this.symbols = Object.freeze(manifest.symbols.map((s) => s.symbol));
    this.#entries = new Map(manifest.symbols.map((s) => [s.symbol, s]));
    this.#forceFallback = forceFallback;
    this.#accessPattern = accessPattern;
  }

  /**
   * Reads and validates `<dir>/manifest.json`; no column file is opened yet (open time does not depend
   * on file sizes).
   * @throws InvalidManifestError naming the file and the field.
   */
  static open(dir: string, options: DatasetOpenOptions = {}): Dataset {
    return new Dataset(dir, readManifest(dir), options.forceFallback ?? false, options.accessPattern);
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
   * Partitions of a symbol in time order (a manifest without `partitions` gives one synthesized entry
   * with an empty `headerChecksum`).
   * @throws SymbolNotFoundError
   */
  partitions(symbol: string): readonly DatasetPartitionEntry[] {
    const e = this.entry(symbol);
    return e.partitions ?? [legacyPartition(e)];
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
   * Manifest-driven pruning: for each requested symbol, opens only the partitions whose time range
   * overlaps `[startNs, endNs)` and binary-searches their `ts` column for the first and last row.
   * Symbols with no rows in range get an empty `slices` list.
   */
  openRange(options: OpenRangeOptions = {}): SymbolRange[] {
    const { startNs, endNs } = options;
    const symbols = options.symbols ?? this.symbols;
    return symbols.map((symbol) => {
      const slices: PartitionSlice[] = [];
      let rows = 0;
      for (const p of this.partitions(symbol)) {
        if (p.rows === 0) continue;
        if (startNs !== undefined && BigInt(p.lastTimestampNs) < startNs) continue;
        if (endNs !== undefined && BigInt(p.firstTimestampNs) >= endNs) continue;
        const file = this.#openPartition(symbol, p);
        const startRow = startNs === undefined ? 0 : file.lowerBoundRow(startNs);
        const endRow = endNs === undefined ? file.rowCount : file.lowerBoundRow(endNs);
        if (endRow > startRow) {
          slices.push({ partition: p, file, startRow, endRow });
          rows += endRow - startRow;
        }
      }
      return { symbol, slices, rows };
    });
  }

  /**
   * Checks every partition: header checksum against the manifest, then every column checksum
   * (`ColumnFile.verify()`). Reads all data; cost is linear in dataset size.
   * @throws PartitionChecksumError, ChecksumMismatchError, any open error.
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

  /** Closes every opened column file. The dataset can be reopened lazily afterwards. */
  close(): void {
    for (const f of this.#files.values()) f.close();
    this.#files.clear();
    for (const m of this.#segments.values()) m.close();
    this.#segments.clear();
  }

  /**
   * The mapping of segment file `name`, opened once per dataset (one `mmap` for all its members).
   * @throws FileOpenError when it cannot be opened.
   */
  #segment(name: string): MappedFile {
    const cached = this.#segments.get(name);
    if (cached) return cached;
    const path = join(this.dir, name);
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
  #openMember(p: DatasetPartitionEntry & { offsetBytes: number }): ColumnFile {
    const segment = this.#segment(p.file);
    const path = `${segment.path}@${p.offsetBytes}`;
    if (p.offsetBytes + p.sizeBytes > segment.byteLength) {
      throw new DatasetMismatchError(
        `${path}: the manifest puts a ${p.sizeBytes}-byte column file at offset ${p.offsetBytes} but the segment file has ${segment.byteLength} bytes`,
        { path, field: 'sizeBytes', expected: p.offsetBytes + p.sizeBytes, actual: segment.byteLength },
      );
    }
    return ColumnFile.fromMapping(path, segment.slice(p.offsetBytes, p.sizeBytes, path));
  }

  #openPartition(symbol: string, p: DatasetPartitionEntry): ColumnFile {
    const key = p.offsetBytes === undefined ? p.file : `${p.file}@${p.offsetBytes}`;
    const cached = this.#files.get(key);
    if (cached) return cached;
    const file =
      p.offsetBytes === undefined
        ? ColumnFile.open(join(this.dir, p.file), {
            forceFallback: this.#forceFallback,
            accessPattern: this.#accessPattern,
          })
        : this.#openMember(p as DatasetPartitionEntry & { offsetBytes: number });
    if (file.symbol !== symbol || file.rowCount !== p.rows) {
      file.close();
      const what = file.symbol !== symbol ? 'symbol' : 'rows';
      const expected = what === 'symbol' ? symbol : p.rows;
      const actual = what === 'symbol' ? file.symbol : file.rowCount;
      throw new DatasetMismatchError(
        `${file.path}: ${what} is ${JSON.stringify(actual)} but manifest says ${JSON.stringify(expected)}`,
        { path: file.path, field: what, expected, actual },
      );
    }
    this.#files.set(key, file);
    return file;
  }
}

function legacyPartition(e: DatasetSymbolEntry): DatasetPartitionEntry {
  return {
    key: '',
    file: e.file,
    rows: e.rows,
    firstTimestampNs: e.firstTimestampNs,
    lastTimestampNs: e.lastTimestampNs,
    sizeBytes: -1,
    headerChecksum: '',
  };
}
