import { PrefetchArgumentError } from './errors.js';
import type { PrefetchStream } from './prefetch-stream.js';

/** Largest multiple of `pageBytes` that is ≤ `bytes`. Internal. */
export function alignDown(bytes: number, pageBytes: number): number {
  return Math.floor(bytes / pageBytes) * pageBytes;
}

/** Smallest multiple of `pageBytes` that is ≥ `bytes`. Internal. */
export function alignUp(bytes: number, pageBytes: number): number {
  return Math.ceil(bytes / pageBytes) * pageBytes;
}

/** Throws unless `value` is an integer ≥ `min`. Internal. */
export function requireInteger(argument: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new PrefetchArgumentError(argument, `an integer >= ${min}`, value);
  }
  return value;
}

/** Validates stream shapes once, at construction. Internal. */
export function validateStreams(streams: readonly PrefetchStream[]): void {
  streams.forEach((stream, s) => {
    requireInteger(`streams[${s}].rowCount`, stream.rowCount, 0);
    stream.columns.forEach((column, c) => {
      requireInteger(`streams[${s}].columns[${c}].offsetBytes`, column.offsetBytes, 0);
      requireInteger(`streams[${s}].columns[${c}].bytesPerRow`, column.bytesPerRow, 1);
      const endBytes = column.offsetBytes + stream.rowCount * column.bytesPerRow;
      if (endBytes > stream.file.byteLength) {
        throw new PrefetchArgumentError(
          `streams[${s}].columns[${c}]`,
          `within the file's ${stream.file.byteLength} bytes`,
          `a column ending at byte ${endBytes}`,
        );
      }
    });
  });
}
