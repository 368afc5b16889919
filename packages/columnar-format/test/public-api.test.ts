import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as exporting from '../src/export/index.js';
import * as core from '../src/index.js';
import * as ingesting from '../src/ingest/index.js';
import * as time from '../src/time/index.js';

describe('@mmtape/columnar-format public API', () => {
  it('the core entry exports exactly these values (nothing of ingest, export or pack)', () => {
    expect(Object.keys(core).sort()).toEqual([
      'AUTO_SEGMENT_MIN_FILES',
      'BadHeaderError',
      'BadMagicError',
      'BlockChecksumMismatchError',
      'CHECKSUM_SEED',
      'COLUMN_ALIGNMENT_BYTES',
      'COLUMN_FILE_EXTENSION',
      'CURRENT_FILE_NAME',
      'ColumnDtypeMismatchError',
      'ColumnFile',
      'ColumnFileClosedError',
      'ColumnLengthMismatchError',
      'ColumnNameCollisionError',
      'ColumnNotFoundError',
      'ColumnOutOfBoundsError',
      'ColumnarError',
      'CsvReadError',
      'DEFAULT_CHECKSUM_BLOCK_BYTES',
      'DTYPE_CODE',
      'DTYPE_SIZE_BYTES',
      'Dataset',
      'DatasetGenerationError',
      'DatasetMismatchError',
      'DatasetWriter',
      'DatasetWriterError',
      'FORMAT_VERSION',
      'FieldCountError',
      'FileOpenError',
      'HeaderChecksumMismatchError',
      'InvalidEventStreamInputError',
      'InvalidIngestOptionsError',
      'InvalidManifestError',
      'InvalidNumberError',
      'InvalidSymbolError',
      'InvalidTimestampError',
      'InvalidWriteInputError',
      'MAGIC',
      'MANIFEST_FILE_NAME',
      'MANIFEST_MAX_BYTES',
      'MAX_CHECKSUM_BLOCK_BYTES',
      'MAX_SEGMENT_BYTES',
      'MIN_CHECKSUM_BLOCK_BYTES',
      'MisalignedColumnError',
      'MissingColumnError',
      'MultiPartitionSymbolError',
      'NoDataError',
      'NotSortedError',
      'OutputExistsError',
      'ParquetExportError',
      'ParquetReadError',
      'PartitionChecksumError',
      'RowRangeError',
      'SEGMENT_FILE_EXTENSION',
      'SEGMENT_MEMBER_ALIGNMENT_BYTES',
      'SymbolNotFoundError',
      'TruncatedFileError',
      'UnsupportedVersionError',
      'ZeroCopyViolationError',
      'collectGenerations',
      'countDatasetFiles',
      'fileNameToSymbol',
      'isMmtapeError',
      'readCurrentGeneration',
      'readManifest',
      'splitByTime',
      'symbolToFileName',
      'validateManifest',
      'writeColumnFile',
      'xxh64',
      'xxh64Hex',
    ]);
  });

  it('the layers export their own functions', () => {
    expect(Object.keys(ingesting).sort()).toEqual([
      'DEFAULT_SYMBOL_FROM_FILE_NAME',
      'VALUE_COLUMNS',
      'ingest',
      'normalizeColumnName',
      'parseTimestampNs',
    ]);
    expect(Object.keys(exporting)).toEqual(
      expect.arrayContaining(['exportCsv', 'exportParquet', 'formatTimestampNs']),
    );
    // The time entry: the same two functions as the layers, nothing else.
    expect(Object.keys(time).sort()).toEqual(['formatTimestampNs', 'parseTimestampNs']);
    expect(time.parseTimestampNs).toBe(ingesting.parseTimestampNs);
    expect(time.formatTimestampNs).toBe(exporting.formatTimestampNs);
  });

  it('package.json maps every entry point, types first', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual([
      '.',
      './ingest',
      './export',
      './arrow',
      './pack',
      './time',
      './package.json',
    ]);
    for (const [path, target] of Object.entries(pkg.exports)) {
      if (path !== './package.json') expect(Object.keys(target as object)[0]).toBe('types');
    }
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toEqual(['dist', 'README.md', 'FORMAT.md']);
  });
});
