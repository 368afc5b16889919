/**
 * Cross-checks of `manifest.json` (FORMAT.md, "Manifest cross-checks"): the manifest is a summary that a
 * reader acts on (row counts, time ranges that prune partitions, the schema), so it is checked for
 * internal consistency when the dataset is opened ({@link checkManifestConsistency}) and against each
 * column file's own header when that file is opened ({@link checkFileAgainstManifest}). The header is
 * covered by its checksum, so a manifest that disagrees with it is the corrupt side. Every failure is a
 * `DatasetMismatchError` naming the file, the field, expected (manifest) vs actual (file).
 */

import { readdirSync } from 'node:fs';
import type { ColumnDescriptor } from './column-descriptor.js';
import type { ColumnFile } from './column-file.js';
import { DatasetMismatchError } from './errors.js';
import type { DatasetManifest, DatasetPartitionEntry } from './manifest.js';

/** File extensions of the data files a dataset folder holds (column files and segment files). */
const DATA_FILE_EXTENSIONS = ['.col', '.mmseg'];

const NS_PER_MS = 1_000_000n;

/**
 * Consistency of the manifest alone, checked at `Dataset.open`: no partition listed twice (same file and
 * offset, or same key twice in one symbol), partition keys valid for the partitioning and containing the
 * partition's time range, partitions in time order, a symbol's time range equal to its partitions', and
 * an empty symbol list only when `dir` holds no column or segment file.
 * @param dir the folder holding the manifest's files (read only when the symbol list is empty).
 * @throws DatasetMismatchError naming the manifest field.
 */
export function checkManifestConsistency(dir: string, manifestPath: string, manifest: DatasetManifest): void {
  const fail = (field: string, expected: string | number, actual: string | number, what: string): never => {
    throw new DatasetMismatchError(`${manifestPath}: ${field}: ${what}`, {
      path: manifestPath,
      field,
      expected,
      actual,
    });
  };
  if (manifest.symbols.length === 0) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    const data = names.filter((n) => DATA_FILE_EXTENSIONS.some((ext) => n.endsWith(ext)));
    if (data.length > 0) {
      fail(
        'symbols',
        'the symbols of the data files',
        `[] with ${data.length} data files (${data.slice(0, 3).join(', ')}${data.length > 3 ? ', …' : ''})`,
        `the symbol list is empty but the folder holds ${data.length} column/segment files`,
      );
    }
  }
  const scheme = manifest.partitioning ?? 'none';
  // Where each file (or segment member) is listed: file name → offset (-1: a whole file) → place code
  // (see `fieldOf`). Keyed by the manifest's own strings and numbers: nothing is built per partition.
  const seen = new Map<string, Map<number, number>>();
  const listedAt = (file: string, offsetBytes: number, at: number): number | undefined => {
    let offsets = seen.get(file);
    if (offsets === undefined) {
      offsets = new Map();
      seen.set(file, offsets);
    }
    const other = offsets.get(offsetBytes);
    if (other === undefined) offsets.set(offsetBytes, at);
    return other;
  };
  // Place code: i * 2^26 + j for symbols[i].partitions[j] (a manifest holds < 2^20 partitions), -1 - i
  // for symbols[i] itself.
  const PLACE = 2 ** 26;
  const fieldOf = (at: number): string =>
    at < 0 ? `symbols[${-1 - at}]` : `symbols[${Math.floor(at / PLACE)}].partitions[${at % PLACE}]`;
  manifest.symbols.forEach((entry, i) => {
    const parts = entry.partitions;
    let keys: Set<string> | undefined;
    let previousLast: string | undefined;
    parts.forEach((p, j) => {
      const other = listedAt(p.file, p.offsetBytes ?? -1, i * PLACE + j);
      if (other !== undefined) {
        const place = p.offsetBytes === undefined ? p.file : `${p.file}@${p.offsetBytes}`;
        fail(
          `${fieldOf(i * PLACE + j)}.file`,
          'a file (or segment member) listed once',
          place,
          `${place} is also ${fieldOf(other)}`,
        );
      }
      if (j > 0) {
        keys ??= new Set([parts[0]!.key]);
        if (keys.has(p.key)) {
          fail(`${fieldOf(i * PLACE + j)}.key`, 'keys unique in a symbol', p.key, `key ${p.key} repeats`);
        }
        keys.add(p.key);
      }
      if (p.rows === 0) return;
      if (compareInt64Decimal(p.firstTimestampNs, p.lastTimestampNs) > 0) {
        fail(
          `${fieldOf(i * PLACE + j)}.firstTimestampNs`,
          `<= ${p.lastTimestampNs}`,
          p.firstTimestampNs,
          'first after last',
        );
      }
      if (previousLast !== undefined && compareInt64Decimal(p.firstTimestampNs, previousLast) < 0) {
        fail(
          `${fieldOf(i * PLACE + j)}.firstTimestampNs`,
          `>= ${previousLast} (the previous partition's last)`,
          p.firstTimestampNs,
          'partitions overlap or are out of time order',
        );
      }
      previousLast = p.lastTimestampNs;
      if (scheme !== 'none') {
        const interval = partitionKeyInterval(p.key, scheme);
        if (interval === undefined) {
          fail(
            `${fieldOf(i * PLACE + j)}.key`,
            scheme === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM',
            p.key,
            'not a partition key',
          );
        }
        const [startNs, endNs] = interval!;
        if (BigInt(p.firstTimestampNs) < startNs || BigInt(p.lastTimestampNs) >= endNs) {
          fail(
            `${fieldOf(i * PLACE + j)}.firstTimestampNs`,
            `a time range inside ${p.key} (UTC)`,
            `${p.firstTimestampNs}..${p.lastTimestampNs}`,
            `the partition's time range is outside its key ${p.key}`,
          );
        }
      }
    });
    if (parts.length === 0) {
      const other = listedAt(entry.file, -1, -1 - i);
      if (other !== undefined) {
        fail(
          `symbols[${i}].file`,
          'a file listed once',
          entry.file,
          `${entry.file} is also ${fieldOf(other)}`,
        );
      }
    }
    let first: DatasetPartitionEntry | undefined;
    let last: DatasetPartitionEntry | undefined;
    for (const p of parts) {
      if (p.rows === 0) continue;
      first ??= p;
      last = p;
    }
    if (first !== undefined && last !== undefined) {
      if (entry.firstTimestampNs !== first.firstTimestampNs) {
        fail(
          `symbols[${i}].firstTimestampNs`,
          first.firstTimestampNs,
          entry.firstTimestampNs,
          'differs from its partitions',
        );
      }
      if (entry.lastTimestampNs !== last.lastTimestampNs) {
        fail(
          `symbols[${i}].lastTimestampNs`,
          last.lastTimestampNs,
          entry.lastTimestampNs,
          'differs from its partitions',
        );
      }
    }
  });
}

/**
 * Compares two int64 decimal strings as validated by `validateManifest` (optional minus, no leading
 * zeros) by value without parsing them: negative, -1; equal, 0; positive, 1. `-0` equals `0`.
 */
export function compareInt64Decimal(a: string, b: string): number {
  const x = a === '-0' ? '0' : a;
  const y = b === '-0' ? '0' : b;
  const xNegative = x.charCodeAt(0) === 0x2d; // '-'
  const yNegative = y.charCodeAt(0) === 0x2d;
  if (xNegative !== yNegative) return xNegative ? -1 : 1;
  // Same sign: more digits is larger in magnitude; equal lengths compare digit by digit as strings.
  const magnitude = x.length !== y.length ? (x.length < y.length ? -1 : 1) : x < y ? -1 : x > y ? 1 : 0;
  return xNegative && magnitude !== 0 ? -magnitude : magnitude;
}

/**
 * Checks an opened column file against its manifest entry: symbol, rows, schema (column names and
 * dtypes, in order) and, when it has rows, the first/last timestamp (the `ts` descriptor's min/max,
 * covered by the header checksum) and, for day/month partitions, that they lie inside the partition key.
 * @throws DatasetMismatchError naming the file and the field, manifest value as expected, file as actual.
 */
export function checkFileAgainstManifest(
  file: ColumnFile,
  symbol: string,
  partition: DatasetPartitionEntry,
  manifest: DatasetManifest,
): void {
  const fail = (field: string, expected: string | number, actual: string | number): never => {
    throw new DatasetMismatchError(
      `${file.path}: ${field} is ${JSON.stringify(actual)} in the file but the manifest says ${JSON.stringify(expected)}`,
      { path: file.path, field, expected, actual },
    );
  };
  if (file.symbol !== symbol) fail('symbol', symbol, file.symbol);
  if (file.rowCount !== partition.rows) fail('rows', partition.rows, file.rowCount);
  const schema = manifest.schema;
  const columns = file.columns;
  // Compared field by field: the spelled-out schemas (strings per column) are built only for the error.
  let sameSchema = schema.length === columns.length;
  let ts: ColumnDescriptor | undefined;
  for (let c = 0; sameSchema && c < columns.length; c++) {
    const column = columns[c]!;
    if (column.name !== schema[c]!.name || column.dtype !== schema[c]!.dtype) sameSchema = false;
    if (column.name === 'ts') ts = column;
  }
  if (!sameSchema) {
    const expectedSchema = schema.map((c) => `${c.name}:${c.dtype}`).join(', ');
    const actualSchema = columns.map((c) => `${c.name}:${c.dtype}`).join(', ');
    fail('schema', expectedSchema, actualSchema);
  }
  if (file.rowCount === 0) return;
  if (ts === undefined || ts.dtype !== 'i64' || typeof ts.min !== 'bigint' || typeof ts.max !== 'bigint') {
    return; // no timestamp column to compare (the schema check above already matched the manifest)
  }
  if (ts.min.toString() !== partition.firstTimestampNs) {
    fail('firstTimestampNs', partition.firstTimestampNs, ts.min.toString());
  }
  if (ts.max.toString() !== partition.lastTimestampNs) {
    fail('lastTimestampNs', partition.lastTimestampNs, ts.max.toString());
  }
}

/**
 * `[startNs, endNs)` of a day (`YYYY-MM-DD`) or month (`YYYY-MM`) partition key, UTC; `undefined` when the
 * key is not one.
 */
export function partitionKeyInterval(key: string, scheme: 'day' | 'month'): [bigint, bigint] | undefined {
  const m = scheme === 'day' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : /^(\d{4})-(\d{2})$/.exec(key);
  if (m === null) return undefined;
  const y = Number(m[1]);
  const month = Number(m[2]) - 1;
  const day = scheme === 'day' ? Number(m[3]) : 1;
  const startMs = Date.UTC(y, month, day);
  const check = new Date(startMs);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== month || check.getUTCDate() !== day) {
    return undefined;
  }
  const endMs = scheme === 'day' ? Date.UTC(y, month, day + 1) : Date.UTC(y, month + 1, 1);
  return [BigInt(startMs) * NS_PER_MS, BigInt(endMs) * NS_PER_MS];
}
