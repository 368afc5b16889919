/**
 * `manifest.json` of a dataset folder (FORMAT.md, "Dataset folder"): its shape, validation and atomic write.
 */

import { join } from 'node:path';
import { isMmtapeError, readJsonFile, writeFileAtomic } from '@mmtape/errors';
import { type DType, isDType } from './dtype.js';
import { InvalidManifestError } from './errors.js';

/** File name of the manifest inside a dataset folder. */
export const MANIFEST_FILE_NAME = 'manifest.json';

/**
 * Alignment of each column file inside a segment file, bytes: one x86-64 page, so a member's pages are
 * its own there and every column (64-aligned inside its file) stays 64-aligned in the mapping.
 */
export const SEGMENT_MEMBER_ALIGNMENT_BYTES = 4096;

/** File name extension of segment files (FORMAT.md, "Segment files"). */
export const SEGMENT_FILE_EXTENSION = '.mmseg';

/** How a dataset splits a symbol's rows into files: one file, or one per UTC day / UTC month. */
export type PartitionScheme = 'none' | 'day' | 'month';

/**
 * One file of a symbol. `key` is `''` (scheme none), `YYYY-MM-DD` (day) or `YYYY-MM` (month), UTC.
 * `headerChecksum` is XXH64 of the file's header bytes, which contain every column's XXH64, so it pins
 * the whole file's content.
 */
export interface DatasetPartitionEntry {
  key: string;
  /**
   * Column file name inside the dataset folder (no directory part); with `offsetBytes`, the segment
   * file that holds this column file.
   */
  file: string;
  /**
   * Where this column file starts inside the segment file `file` (FORMAT.md, "Segment files"), bytes, a
   * multiple of {@link SEGMENT_MEMBER_ALIGNMENT_BYTES}. Absent: `file` is the column file itself.
   */
  offsetBytes?: number;
  rows: number;
  firstTimestampNs: string;
  lastTimestampNs: string;
  /** Column file size, bytes (inside a segment: the member's size, without padding). */
  sizeBytes: number;
  /** 16 lowercase hex digits. */
  headerChecksum: string;
}

/** One symbol of a dataset. Timestamps are int64 ns since the Unix epoch (UTC) as decimal strings. */
export interface DatasetSymbolEntry {
  symbol: string;
  /** Column file name of the first (for unpartitioned datasets: the only) partition. */
  file: string;
  rows: number;
  firstTimestampNs: string;
  lastTimestampNs: string;
  /** The symbol's files in time order, at least one. Their `rows` add up to `rows`. */
  partitions: DatasetPartitionEntry[];
}

/** Contents of `manifest.json`. `symbols` sorted by `symbol` in UTF-16 code-unit order, unique. */
export interface DatasetManifest {
  format: 'mmtape-dataset';
  formatVersion: 1;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** Columns present in every column file. */
  schema: { name: string; dtype: DType }[];
  symbols: DatasetSymbolEntry[];
  totalRows: number;
  firstTimestampNs: string;
  lastTimestampNs: string;
  /** Partition scheme; absent means `'none'`. */
  partitioning?: PartitionScheme;
  /** Free-form provenance (ingest inputs, report summary). */
  source?: Record<string, unknown>;
}

/**
 * Checks that `value` is a valid manifest; returns it typed.
 * @throws InvalidManifestError whose `field` names the offending field (e.g. `symbols[3].rows`).
 */
export function validateManifest(value: unknown, path: string): DatasetManifest {
  const fail = (field: string, expected: string, actual: unknown): never => {
    const shown = actual === undefined ? 'undefined' : JSON.stringify(actual);
    throw new InvalidManifestError(
      `${path}: field "${field}" must be ${expected}, found ${shown?.slice(0, 80)}`,
      {
        path,
        field,
        expected,
        actual: shown?.slice(0, 80),
      },
    );
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('(root)', 'an object', value);
  const m = value as Record<string, unknown>;
  if (m.format !== 'mmtape-dataset') fail('format', '"mmtape-dataset"', m.format);
  if (m.formatVersion !== 1) fail('formatVersion', '1', m.formatVersion);
  if (typeof m.createdAt !== 'string') fail('createdAt', 'an ISO date string', m.createdAt);
  if (!Array.isArray(m.schema)) fail('schema', 'an array', m.schema);
  (m.schema as unknown[]).forEach((c, i) => {
    const col = c as Record<string, unknown>;
    if (typeof c !== 'object' || c === null) fail(`schema[${i}]`, 'an object', c);
    if (typeof col.name !== 'string' || col.name === '')
      fail(`schema[${i}].name`, 'a non-empty string', col.name);
    if (!isDType(col.dtype)) fail(`schema[${i}].dtype`, 'one of i64, f64, f32, i32, u8', col.dtype);
  });
  if (!Array.isArray(m.symbols)) fail('symbols', 'an array', m.symbols);
  let total = 0;
  let prev: string | undefined;
  (m.symbols as unknown[]).forEach((s, i) => {
    const e = s as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) fail(`symbols[${i}]`, 'an object', s);
    if (typeof e.symbol !== 'string' || e.symbol === '')
      fail(`symbols[${i}].symbol`, 'a non-empty string', e.symbol);
    const sym = e.symbol as string;
    if (prev !== undefined && !(prev < sym)) {
      fail(`symbols[${i}].symbol`, `sorted and unique (after ${JSON.stringify(prev)})`, sym);
    }
    prev = sym;
    if (!isSafeFileName(e.file)) fail(`symbols[${i}].file`, 'a plain file name inside the folder', e.file);
    if (!Number.isSafeInteger(e.rows) || (e.rows as number) < 0) {
      fail(`symbols[${i}].rows`, 'a non-negative integer', e.rows);
    }
    total += e.rows as number;
    if (!isInt64String(e.firstTimestampNs)) {
      fail(`symbols[${i}].firstTimestampNs`, 'an int64 decimal string', e.firstTimestampNs);
    }
    if (!isInt64String(e.lastTimestampNs)) {
      fail(`symbols[${i}].lastTimestampNs`, 'an int64 decimal string', e.lastTimestampNs);
    }
    if (!Array.isArray(e.partitions) || e.partitions.length === 0) {
      fail(`symbols[${i}].partitions`, 'a non-empty array', e.partitions);
    }
    let rows = 0;
    (e.partitions as unknown[]).forEach((q, j) => {
      const f = `symbols[${i}].partitions[${j}]`;
      if (typeof q !== 'object' || q === null) fail(f, 'an object', q);
      const p = q as Record<string, unknown>;
      if (typeof p.key !== 'string') fail(`${f}.key`, 'a string', p.key);
      if (!isSafeFileName(p.file)) fail(`${f}.file`, 'a plain file name inside the folder', p.file);
      if (
        p.offsetBytes !== undefined &&
        (!Number.isSafeInteger(p.offsetBytes) ||
          (p.offsetBytes as number) < 0 ||
          (p.offsetBytes as number) % SEGMENT_MEMBER_ALIGNMENT_BYTES !== 0)
      ) {
        fail(
          `${f}.offsetBytes`,
          `a non-negative multiple of ${SEGMENT_MEMBER_ALIGNMENT_BYTES} when present`,
          p.offsetBytes,
        );
      }
      if (!Number.isSafeInteger(p.rows) || (p.rows as number) < 0)
        fail(`${f}.rows`, 'a non-negative integer', p.rows);
      rows += p.rows as number;
      if (!isInt64String(p.firstTimestampNs))
        fail(`${f}.firstTimestampNs`, 'an int64 decimal string', p.firstTimestampNs);
      if (!isInt64String(p.lastTimestampNs))
        fail(`${f}.lastTimestampNs`, 'an int64 decimal string', p.lastTimestampNs);
      if (!Number.isSafeInteger(p.sizeBytes) || (p.sizeBytes as number) < 0)
        fail(`${f}.sizeBytes`, 'a non-negative integer', p.sizeBytes);
      if (typeof p.headerChecksum !== 'string' || !HEX16.test(p.headerChecksum)) {
        fail(`${f}.headerChecksum`, '16 lowercase hex digits', p.headerChecksum);
      }
    });
    if (rows !== e.rows) fail(`symbols[${i}].partitions`, `rows adding up to ${e.rows as number}`, rows);
    if ((e.partitions as { file: string }[])[0]!.file !== e.file) {
      fail(`symbols[${i}].file`, 'the file of partitions[0]', e.file);
    }
  });
  if (m.partitioning !== undefined && !['none', 'day', 'month'].includes(m.partitioning as string)) {
    fail('partitioning', 'one of none, day, month', m.partitioning);
  }
  if (m.totalRows !== total) fail('totalRows', `the sum of symbols[].rows (${total})`, m.totalRows);
  if (!isInt64String(m.firstTimestampNs))
    fail('firstTimestampNs', 'an int64 decimal string', m.firstTimestampNs);
  if (!isInt64String(m.lastTimestampNs))
    fail('lastTimestampNs', 'an int64 decimal string', m.lastTimestampNs);
  if (
    m.source !== undefined &&
    (typeof m.source !== 'object' || m.source === null || Array.isArray(m.source))
  ) {
    fail('source', 'an object when present', m.source);
  }
  return m as unknown as DatasetManifest;
}

/**
 * Largest accepted `manifest.json`, bytes: 256 MiB. A manifest costs ~300 bytes per partition, so this
 * holds ~800,000 partitions (3,000 symbols × 250 trading days is 750,000); Node strings end at 512 MiB
 * anyway. The limit stops a manifest symlinked to `/dev/zero` or grown by corruption from exhausting memory.
 */
export const MANIFEST_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Reads and validates `<dir>/manifest.json` with `readJsonFile` of `@mmtape/errors` (regular file only, at
 * most {@link MANIFEST_MAX_BYTES}, nesting limit).
 * @throws SystemCallError the manifest cannot be opened (`usage` when missing, `io` otherwise).
 * @throws InvalidManifestError not a regular file, too large, not JSON or nested too deep (`cause` is the
 *   error of `readJsonFile`), or an invalid field (`field` names it).
 */
export function readManifest(dir: string): DatasetManifest {
  const path = join(dir, MANIFEST_FILE_NAME);
  let json: unknown;
  try {
    json = readJsonFile(path, { maxBytes: MANIFEST_MAX_BYTES, what: 'dataset manifest' });
  } catch (cause) {
    if (!isMmtapeError(cause) || cause.kind !== 'data') throw cause;
    throw new InvalidManifestError(cause.message, { path, cause });
  }
  return validateManifest(json, path);
}

/** Writes `<dir>/manifest.json` atomically (temp file, fsync, rename) after validating it. */
export function writeManifest(dir: string, manifest: DatasetManifest): void {
  const path = join(dir, MANIFEST_FILE_NAME);
  validateManifest(manifest, path);
  writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`, { what: 'dataset manifest' });
}

function isSafeFileName(v: unknown): boolean {
  return (
    typeof v === 'string' &&
    v.length > 0 &&
    v.length <= 255 &&
    !v.startsWith('.') &&
    !/[/\\\0]/.test(v) &&
    v !== MANIFEST_FILE_NAME
  );
}

function isInt64String(v: unknown): boolean {
  if (typeof v !== 'string' || !INT64_DECIMAL.test(v)) return false;
  // No BigInt (thousands of timestamps per manifest): up to 18 digits is always inside int64
  // (|v| < 10^18 < 2^63); 19 digits without leading zeros compare as strings of equal length.
  const negative = v.charCodeAt(0) === 0x2d; // '-'
  if (v.length - (negative ? 1 : 0) < 19) return true;
  return negative ? v <= INT64_MIN_DECIMAL : v <= INT64_MAX_DECIMAL;
}

/** -2^63 and 2^63 - 1 in decimal. */
const INT64_MIN_DECIMAL = '-9223372036854775808';
const INT64_MAX_DECIMAL = '9223372036854775807';

/** An optional minus and 1 to 19 decimal digits without leading zeros. */
const INT64_DECIMAL = /^-?(0|[1-9][0-9]{0,18})$/;

/** Lowercase hex XXH64, 16 digits. */
const HEX16 = /^[0-9a-f]{16}$/;
