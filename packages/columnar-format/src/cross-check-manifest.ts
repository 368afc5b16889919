/**
 * Cross-checks of `manifest.json` (FORMAT.md, "Manifest cross-checks"): the manifest is a summary that a
 * reader acts on (row counts, time ranges that prune partitions, the schema), so it is checked for
 * internal consistency when the dataset is opened ({@link checkManifestConsistency}) and against each
 * column file's own header when that file is opened ({@link checkFileAgainstManifest}). The header is
 * covered by its checksum, so a manifest that disagrees with it is the corrupt side. Every failure is a
 * `DatasetMismatchError` naming the file, the field, expected (manifest) vs actual (file).
 */

import { readdirSync } from 'node:fs';
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
  const seenFiles = new Map<string, string>();
  manifest.symbols.forEach((entry, i) => {
    const parts = entry.partitions;
    const keys = new Set<string>();
    let previousLastNs: bigint | undefined;
    parts.forEach((p, j) => {
      const field = `symbols[${i}].partitions[${j}]`;
      const place = p.offsetBytes === undefined ? p.file : `${p.file}@${p.offsetBytes}`;
      const other = seenFiles.get(place);
      if (other !== undefined) {
        fail(`${field}.file`, 'a file (or segment member) listed once', place, `${place} is also ${other}`);
      }
      seenFiles.set(place, field);
      if (keys.has(p.key)) fail(`${field}.key`, 'keys unique in a symbol', p.key, `key ${p.key} repeats`);
      keys.add(p.key);
      if (p.rows === 0) return;
      const firstNs = BigInt(p.firstTimestampNs);
      const lastNs = BigInt(p.lastTimestampNs);
      if (firstNs > lastNs) {
        fail(`${field}.firstTimestampNs`, `<= ${p.lastTimestampNs}`, p.firstTimestampNs, 'first after last');
      }
      if (previousLastNs !== undefined && firstNs < previousLastNs) {
        fail(
          `${field}.firstTimestampNs`,
          `>= ${previousLastNs} (the previous partition's last)`,
          p.firstTimestampNs,
          'partitions overlap or are out of time order',
        );
      }
      previousLastNs = lastNs;
      if (scheme !== 'none') {
        const interval = partitionKeyInterval(p.key, scheme);
        if (interval === undefined) {
          fail(`${field}.key`, scheme === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM', p.key, 'not a partition key');
        }
        const [startNs, endNs] = interval!;
        if (firstNs < startNs || lastNs >= endNs) {
          fail(
            `${field}.firstTimestampNs`,
            `a time range inside ${p.key} (UTC)`,
            `${p.firstTimestampNs}..${p.lastTimestampNs}`,
            `the partition's time range is outside its key ${p.key}`,
          );
        }
      }
    });
    if (parts.length === 0) {
      const place = entry.file;
      const other = seenFiles.get(place);
      if (other !== undefined) {
        fail(`symbols[${i}].file`, 'a file listed once', place, `${place} is also ${other}`);
      }
      seenFiles.set(place, `symbols[${i}]`);
    }
    const withRows = parts.filter((p) => p.rows > 0);
    if (withRows.length > 0) {
      const first = withRows[0]!.firstTimestampNs;
      const last = withRows[withRows.length - 1]!.lastTimestampNs;
      if (entry.firstTimestampNs !== first) {
        fail(`symbols[${i}].firstTimestampNs`, first, entry.firstTimestampNs, 'differs from its partitions');
      }
      if (entry.lastTimestampNs !== last) {
        fail(`symbols[${i}].lastTimestampNs`, last, entry.lastTimestampNs, 'differs from its partitions');
      }
    }
  });
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
  const expectedSchema = schema.map((c) => `${c.name}:${c.dtype}`).join(', ');
  const actualSchema = columns.map((c) => `${c.name}:${c.dtype}`).join(', ');
  if (expectedSchema !== actualSchema) fail('schema', expectedSchema, actualSchema);
  if (file.rowCount === 0) return;
  const ts = columns.find((c) => c.name === 'ts');
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
