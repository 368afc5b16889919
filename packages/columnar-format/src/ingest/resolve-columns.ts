/**
 * Maps a CSV header to field indexes, from an explicit {@link ColumnMapping} or by auto-detection.
 */

import { MissingColumnError } from '../errors.js';
import { type ColumnMapping, VALUE_COLUMNS } from './ingest-options.js';

/** Field indexes of one CSV header; -1 = absent. */
export interface ResolvedColumns {
  /** Single timestamp column, or -1 when a date + time pair is used. */
  timestamp: number;
  date: number;
  time: number;
  symbol: number;
  /** Indexes of open, high, low, close, volume (VALUE_COLUMNS order). */
  values: number[];
  fieldCount: number;
}

const TIMESTAMP_NAMES = ['datetime', 'timestamp', 'time', 'date'];
const TIME_NAMES = ['tod', 'time'];
const SYMBOL_NAMES = ['name', 'ticker', 'symbol'];

/**
 * @throws MissingColumnError (line 1) naming the missing field and listing the columns found. `close`
 *   and a timestamp (or date + time) are required; a mapped name that is absent is also an error.
 */
export function resolveColumns(header: string[], mapping: ColumnMapping, path: string): ResolvedColumns {
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
  const values = VALUE_COLUMNS.map((c) => mapped(c) ?? norm.indexOf(c));
  if (values[3]! < 0) throw missing('close', '"close"');
  return { timestamp, date, time, symbol, values, fieldCount: header.length };
}
