/**
 * The value columns of one file being read: which header fields are stored, their missing-value counts,
 * and the rule that decides whether a non-standard column is numeric (shared by the CSV and Parquet
 * readers).
 */

import { InvalidNumberError } from '../errors.js';
import type { ReplacedColumn, ValueColumnSource } from './resolve-columns.js';
import type { SymbolBuilder } from './symbol-builder.js';

/** An input column left out because it is not numeric. */
export interface SkippedColumn {
  /** Header name as written. */
  header: string;
  /** The first non-empty value, which is not a number. */
  example: string;
}

/** Price columns whose ±Infinity values `badPrices: 'drop' | 'flag'` may repair (instead of an error). */
const PRICE_COLUMNS = ['open', 'high', 'low', 'close'];

/**
 * Value columns of one file (or byte range). Standard columns and column-map targets must be numbers.
 * Any other column is numeric when its first non-empty value is a number; when it is not, the column is
 * dropped (from here and from every builder of the file) and listed in {@link skipped}. Values that are
 * not finite (`1e309`, `Infinity`) are an InvalidNumberError, except in price columns when
 * `repairNonFinitePrices` is set (the bad-prices hygiene step then drops or flags the row).
 */
export class FileValueColumns {
  /** Columns still stored, in order. */
  readonly sources: ValueColumnSource[];
  /** Empty / NaN fields per column of {@link sources}. */
  readonly missing: number[];
  /** Whether a column of {@link sources} has had a number (not NaN) yet. */
  readonly numeric: boolean[];
  readonly skipped: SkippedColumn[] = [];
  readonly replaced: ReplacedColumn[];

  constructor(
    sources: readonly ValueColumnSource[],
    replaced: readonly ReplacedColumn[],
    private readonly repairNonFinitePrices: boolean,
  ) {
    this.sources = [...sources];
    this.replaced = [...replaced];
    this.missing = sources.map(() => 0);
    this.numeric = sources.map(() => false);
  }

  /** Stored names of {@link sources}. */
  get names(): string[] {
    return this.sources.map((s) => s.name);
  }

  /**
   * Checks value `v` (parsed from `raw`; undefined = not a number) of column `k`. Returns true when
   * the caller stores `v` at `k`, false when column `k` was dropped (the next column is now at `k`).
   * @param fail turns an error maker (given the 1-based line or row) into the error to throw.
   */
  take(
    k: number,
    v: number | undefined,
    raw: string,
    builders: Iterable<SymbolBuilder>,
    fail: (make: (line: number) => Error) => Error,
    path: string,
  ): boolean {
    const c = this.sources[k]!;
    if (v === undefined) {
      if (c.required || this.numeric[k]) {
        throw fail(
          (line) =>
            new InvalidNumberError(
              `${path}:${line}: column "${c.header}" expected a number but found ${JSON.stringify(raw)}`,
              { path, line, field: c.name, expected: 'a number or empty', actual: raw },
            ),
        );
      }
      this.skipped.push({ header: c.header, example: raw });
      this.sources.splice(k, 1);
      this.missing.splice(k, 1);
      this.numeric.splice(k, 1);
      for (const b of builders) b.dropColumn(k);
      return false;
    }
    if (Number.isNaN(v)) this.missing[k]!++;
    else {
      this.numeric[k] = true;
      if (!Number.isFinite(v) && !(this.repairNonFinitePrices && PRICE_COLUMNS.includes(c.name))) {
        throw fail(
          (line) =>
            new InvalidNumberError(
              `${path}:${line}: column "${c.header}" value ${JSON.stringify(raw)} is not a finite number (as a 64-bit float it is ${v}); fix the input${PRICE_COLUMNS.includes(c.name) ? ', or drop/flag such rows with bad-prices drop|flag' : ''}`,
              { path, line, field: c.name, expected: 'a finite number', actual: raw },
            ),
        );
      }
    }
    return true;
  }
}
