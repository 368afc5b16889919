/**
 * A dataset folder: `manifest.json` plus one column file per symbol, opened lazily.
 */

import { join } from 'node:path';
import { ColumnFile } from './column-file.js';
import { DatasetMismatchError, SymbolNotFoundError } from './errors.js';
import { type DatasetManifest, type DatasetSymbolEntry, readManifest } from './manifest.js';

/** Options of {@link Dataset.open}. */
export interface DatasetOpenOptions {
  /** Passed to every {@link ColumnFile.open}. Default `false`. */
  forceFallback?: boolean;
}

/**
 * An opened dataset. Column files are opened on first {@link Dataset.open} of a symbol and cached
 * until {@link Dataset.close}.
 *
 * @example
 * ```ts
 * const ds = Dataset.open('data/sp500');
 * for (const s of ds.symbols) console.log(s, ds.open(s).rowCount);
 * ds.close();
 * ```
 */
export class Dataset {
  readonly dir: string;
  readonly manifest: DatasetManifest;
  /** Symbols in manifest order (sorted by UTF-16 code units). */
  readonly symbols: readonly string[];
  readonly #entries: Map<string, DatasetSymbolEntry>;
  readonly #files = new Map<string, ColumnFile>();
  readonly #forceFallback: boolean;

  private constructor(dir: string, manifest: DatasetManifest, forceFallback: boolean) {
    this.dir = dir;
    this.manifest = manifest;
    this.symbols = Object.freeze(manifest.symbols.map((s) => s.symbol));
    this.#entries = new Map(manifest.symbols.map((s) => [s.symbol, s]));
    this.#forceFallback = forceFallback;
  }

  /**
   * Reads and validates `<dir>/manifest.json`; no column file is opened yet.
   * @throws InvalidManifestError naming the file and the field.
   */
  static open(dir: string, options: DatasetOpenOptions = {}): Dataset {
    return new Dataset(dir, readManifest(dir), options.forceFallback ?? false);
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
   * Column file of a symbol (opened once, then cached).
   * @throws SymbolNotFoundError, any ColumnFile.open error, DatasetMismatchError when the file's
   *   symbol or row count differs from the manifest.
   */
  // biome-ignore lint/suspicious/useAdjacentOverloadSignatures: static Dataset.open and instance open are both part of the contract
  open(symbol: string): ColumnFile {
    const cached = this.#files.get(symbol);
    if (cached) return cached;
    const e = this.entry(symbol);
    const file = ColumnFile.open(join(this.dir, e.file), { forceFallback: this.#forceFallback });
    if (file.symbol !== e.symbol || file.rowCount !== e.rows) {
      file.close();
      const what = file.symbol !== e.symbol ? 'symbol' : 'rows';
      const expected = what === 'symbol' ? e.symbol : e.rows;
      const actual = what === 'symbol' ? file.symbol : file.rowCount;
      throw new DatasetMismatchError(
        `${file.path}: ${what} is ${JSON.stringify(actual)} but manifest says ${JSON.stringify(expected)}`,
        { path: file.path, field: what, expected, actual },
      );
    }
    this.#files.set(symbol, file);
    return file;
  }

  /** Closes every opened column file. The dataset can be reopened lazily afterwards. */
  close(): void {
    for (const f of this.#files.values()) f.close();
    this.#files.clear();
  }
}
