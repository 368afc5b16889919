import { MAX_MAPPING_BYTES } from './bindings.js';
import { MappingTooLargeError } from './errors.js';

/**
 * Checks that a file of `sizeBytes` bytes can be mapped: `sizeBytes < 2,147,483,647`
 * ({@link MAX_MAPPING_BYTES}, the binding's C `int` limit).
 * @param path file path, for the error message.
 * @param sizeBytes file size in bytes.
 * @throws {MappingTooLargeError} with `expected` = the bound and `actual` = `sizeBytes`.
 */
export function validateMappingSize(path: string, sizeBytes: number): void {
  if (sizeBytes >= MAX_MAPPING_BYTES) throw new MappingTooLargeError(path, MAX_MAPPING_BYTES, sizeBytes);
}
