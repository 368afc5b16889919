/**
 * Maps a CSV (or Parquet) header to field indexes, from an explicit {@link ColumnMapping} or by
 * auto-detection, and names the value columns to store (every column but the time and symbol ones, in
 * snake_case, see `normalize-column-name.ts`), applying `IngestOptions.columnMap`.
 */

import { ColumnNameCollisionError, InvalidIngestOptionsError, MissingColumnError } from '../errors.js';
import { type ColumnMapping, VALUE_COLUMNS } from './ingest-options.js';
import { normalizeColumnName, RESERVED_COLUMN_NAMES } from './normalize-column-name.js';

/** One value column to store from a file. */
export interface ValueColumnSource {
  /** Stored name (snake_case). */
  name: string;
  /** Header field index the values come from. */
  index: number;
  /** Header name of that field, as written. */
  header: string;
  /**
   * True for the standard columns (open/high/low/close/volume) and column-map targets: a non-number is an
   * InvalidNumberError. Other columns are numeric when their first non-empty value is a number and
   * skipped (reported) otherwise.
   */
  required: boolean;
}

/** An input column not stored because a column-map entry stores another column under its name. */
export interface ReplacedColumn {
  /** Stored name, e.g. `close`. */
  name: string;
  /** Header name of the input column that was left out, e.g. `Close`. */
  header: string;
  /** Header name of the column whose values are stored instead, e.g. `adjusted_close`. */
  from: string;
}

/** Field indexes of one CSV header; -1 = absent. */
export interface ResolvedColumns {
  /** Single timestamp column, or -1 when a date + time pair is used. */
  timestamp: number;
  date: number;
  time: number;
  symbol: number;
  /** Value columns: the standard ones present (VALUE_COLUMNS order), then the others in header order. */
  values: ValueColumnSource[];
  /** Input columns not stored because of `columnMap`. */
  replaced: ReplacedColumn[];
  fieldCount: number;
}

const TIMESTAMP_NAMES = ['datetime', 'timestamp', 'time', 'date'];
const TIME_NAMES = ['tod', 'time'];
const SYMBOL_NAMES = ['name', 'ticker', 'symbol'];

/**
 * @param columnMap stored name → input column name (normalised), see `IngestOptions.columnMap`.
 * @throws MissingColumnError (line 1) naming the missing field and listing the columns found. `close`
 *   and a timestamp (or date + time) are required; a mapped name that is absent is also an error.
 *   ColumnNameCollisionError when two value columns normalise to the same name (or to `ts`/`flags`),
 *   naming both header names. InvalidIngestOptionsError when a `columnMap` source is not in the header,
 *   naming the file and listing its columns.
 */
export function resolveColumns(
  header: string[],
  mapping: ColumnMapping,
  columnMap: Readonly<Record<string, string>>,
  path: string,
): ResolvedColumns {
  const norm = header.map((h) => h.trim().toLowerCase());
  const found = header.map((h) => JSON.stringify(h.trim())).join(', ');
  const missing = (what: string, expected: string): MissingColumnError =>
    new MissingColumnError(
      `${path}:1: missing ${what} column (expected ${expected}); found columns ${found}`,
      {
        path,
        line: 1,
        field: what,
        expected,
        actual: found,
      },
    );
  const find = (names: string[]): number => {
    for (const n of names) {
      const i = norm.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const mapped = (field: keyof ColumnMapping): number | undefined => {
    const name = mapping[field];
    if (name === undefined) return undefined;
    const i = norm.indexOf(name.trim().toLowerCase());
    if (i < 0) throw missing(field, JSON.stringify(name));
    return i;
  };

  let timestamp = -1;
  let date = -1;
  let time = -1;
  const mTs = mapped('timestamp');
  const mDate = mapped('date');
  const mTime = mapped('time');
  if (mTs !== undefined) timestamp = mTs;
  else if (mDate !== undefined || mTime !== undefined) {
    date = mDate ?? norm.indexOf('date');
    time = mTime ?? find(TIME_NAMES.filter((n) => n !== norm[date]));
    if (date < 0) throw missing('date', '"date"');
    if (time < 0) throw missing('time', '"tod" or "time"');
  } else {
    const d = norm.indexOf('date');
    const t = find(TIME_NAMES);
    if (d >= 0 && t >= 0 && norm.indexOf('datetime') < 0 && norm.indexOf('timestamp') < 0) {
      date = d;
      time = t;
    } else {
      timestamp = find(TIMESTAMP_NAMES);
      if (timestamp < 0) throw missing('timestamp', TIMESTAMP_NAMES.map((n) => `"${n}"`).join(' or '));
    }
  }
  const symbol = mapped('symbol') ?? find(SYMBOL_NAMES);
  const taken = new Set([timestamp, date, time, symbol]);
  // Every other field is a value column candidate, named in snake_case.
  const byName = new Map<string, number>();
  for (let i = 0; i < header.length; i++) {
    if (taken.has(i)) continue;
    const name = normalizeColumnName(header[i]!, i + 1);
    const other = byName.get(name);
    if (other !== undefined || RESERVED_COLUMN_NAMES.includes(name)) {
      const first = other === undefined ? `(ingest's own column "${name}")` : JSON.stringify(header[other]);
      throw new ColumnNameCollisionError(
        `${path}:1: columns ${first} and ${JSON.stringify(header[i])} both give the stored name "${name}" (header names are stored in snake_case); rename one of them`,
        {
          path,
          line: 1,
          field: name,
          expected: other === undefined ? name : header[other]!,
          actual: header[i]!,
        },
      );
    }
    byName.set(name, i);
  }
  const sourceOf = new Map<string, number>();
  for (const [target, source] of Object.entries(columnMap)) {
    const i = byName.get(normalizeColumnName(source, 0));
    if (i === undefined) {
      const available = [...byName.keys()].map((n) => `"${n}"`).join(', ');
      throw new InvalidIngestOptionsError(
        `${path}: column map ${target}=${source}: no column "${source}" in this file; its value columns are ${available || '(none)'}`,
        { path, field: 'columnMap', expected: source, actual: available },
      );
    }
    sourceOf.set(target, i);
  }
  const standard = new Set<string>(VALUE_COLUMNS);
  const values: ValueColumnSource[] = [];
  const replaced: ReplacedColumn[] = [];
  for (const [name, i] of byName) {
    const from = sourceOf.get(name);
    if (from !== undefined) {
      replaced.push({ name, header: header[i]!.trim(), from: header[from]!.trim() });
      continue;
    }
    values.push({ name, index: i, header: header[i]!.trim(), required: standard.has(name) });
  }
  for (const [name, i] of sourceOf)
    values.push({ name, index: i, header: header[i]!.trim(), required: true });
  // Standard columns first (VALUE_COLUMNS order), then the others by header position; a column-map target
  // that is not standard comes right after its source (stable sort: targets were pushed last, in map order).
  const rank = (c: ValueColumnSource): number => {
    const k = VALUE_COLUMNS.indexOf(c.name as (typeof VALUE_COLUMNS)[number]);
    return k >= 0 ? k - VALUE_COLUMNS.length : c.index;
  };
  values.sort((a, b) => rank(a) - rank(b));
  if (!values.some((c) => c.name === 'close')) throw missing('close', '"close"');
  return { timestamp, date, time, symbol, values, replaced, fieldCount: header.length };
}
