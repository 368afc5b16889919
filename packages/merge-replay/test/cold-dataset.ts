import { chmodSync, closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { ColumnFile, Dataset } from '@mmtape/columnar-format';
import type { ReplayColumnFile, ReplayDatasetSource } from '../src/index.js';

/**
 * A file of `dataset` whose mapping reports no page in the page cache (as after a cold start), so a
 * prefetching replay starts its helper process. `overrides` replace some of its methods (to observe them).
 */
export function coldFile(f: ColumnFile, overrides: Partial<ReplayColumnFile> = {}): ReplayColumnFile {
  const file = f.file;
  return {
    path: f.path,
    symbol: f.symbol,
    rowCount: f.rowCount,
    columns: f.columns,
    column: (name) => f.column(name),
    timestampsNs: () => f.timestampsNs(),
    columnUnchecked: (name) => f.columnUnchecked(name),
    verifyRows: (name, start, end, fromFile) => f.verifyRows(name, start, end, fromFile),
    blockChecksums: (name) => f.blockChecksums(name),
    acceptCheckedBlocks: (name, start, end) => f.acceptCheckedBlocks(name, start, end),
    openRowReader: (options) => f.openRowReader(options),
    file: {
      byteLength: file.byteLength,
      filePath: file.filePath,
      baseOffsetBytes: file.baseOffsetBytes,
      advise: (advice, offset, length) => file.advise(advice, offset, length),
      residency: () => ({ residentBytes: 0, totalBytes: 1 }),
    },
    ...overrides,
  };
}

/** `dataset` with every file (and partition) made by {@link coldFile}. */
export function coldDataset(
  dataset: Dataset,
  overrides: (f: ColumnFile) => Partial<ReplayColumnFile> = () => ({}),
): ReplayDatasetSource {
  return {
    dir: dataset.dir,
    symbols: dataset.symbols,
    open: (symbol) => {
      const f = dataset.open(symbol);
      return coldFile(f, overrides(f));
    },
    openRange: (options) =>
      dataset.openRange(options).map((range) => ({
        symbol: range.symbol,
        slices: range.slices.map((slice) => ({ file: coldFile(slice.file, overrides(slice.file)) })),
      })),
  };
}

/** Flips the low bit of one byte of a dataset file. */
export function flipByte(file: string, offsetBytes: number): void {
  chmodSync(file, 0o644);
  const fd = openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offsetBytes);
    b[0]! ^= 1;
    writeSync(fd, b, 0, 1, offsetBytes);
  } finally {
    closeSync(fd);
  }
}
