import type { Advice } from '@mmtape/mmap-core';

/**
 * Anything that accepts `madvise`-style advice over byte ranges. `MappedFile` from `@mmtape/mmap-core`
 * satisfies it structurally; tests use a recording fake.
 */
export interface Advisable {
  /** Advise `lengthBytes` bytes starting at `offsetBytes` (the prefetchers pass page-aligned starts). */
  advise(advice: Advice, offsetBytes: number, lengthBytes: number): void;
  /** Size of the advisable region in bytes; advised ranges never extend past it. */
  readonly byteLength: number;
}

/** One column of a stream: `rowCount` values of `bytesPerRow` bytes each, starting at `offsetBytes`. */
export interface PrefetchColumn {
  /** Byte offset of row 0 of the column within the file. */
  offsetBytes: number;
  /** Bytes per row (8 for f64/i64, 4 for f32/i32, 1 for u8). */
  bytesPerRow: number;
}

/**
 * A file read row by row through several columns, e.g. one symbol's column file. Each stream should own
 * its file: two streams over the same file would advise each other's pages.
 */
export interface PrefetchStream {
  file: Advisable;
  columns: PrefetchColumn[];
  /** Rows in every column of the stream. */
  rowCount: number;
}
