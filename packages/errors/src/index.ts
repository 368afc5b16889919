/**
 * `@mmtape/errors`: the one error foundation of every mmtape package.
 *
 * One base class {@link MmtapeError} (a `code` `MMTAPE_<AREA>_<WHAT>`, a {@link ErrorKind} that decides
 * the CLI exit code, context fields and `cause`), one marker-based guard {@link isMmtapeError}, the one
 * classification of Node system errors {@link systemErrorKind}, and the two file primitives whose
 * failures every package must report the same way: bounded JSON reads {@link readJsonFile} and atomic
 * writes {@link writeFileAtomic} / {@link writeDirAtomic}.
 *
 * @example
 * ```ts
 * import { isMmtapeError, MmtapeError } from '@mmtape/errors';
 *
 * class BadTickError extends MmtapeError {
 *   readonly code = 'MMTAPE_TICKS_BAD_PRICE' as const;
 *   readonly kind = 'data' as const;
 *   constructor(readonly path: string, readonly row: number, readonly actual: number) {
 *     super(`${path}: row ${row} has price ${actual}, expected a finite positive number`);
 *   }
 * }
 *
 * try {
 *   throw new BadTickError('ticks.csv', 12, Number.NaN);
 * } catch (e) {
 *   if (isMmtapeError(e)) console.log(e.code, e.kind, JSON.stringify(e));
 * }
 * ```
 *
 * @module
 */

export {
  type AtomicFileContent,
  type WriteDirAtomicOptions,
  type WriteFileAtomicOptions,
  writeDirAtomic,
  writeFileAtomic,
  writeFileAtomicAsync,
} from './atomic-write.js';
export {
  FileTooLargeError,
  InvalidJsonError,
  NotRegularFileError,
  type OutputExistsContext,
  OutputExistsError,
  SystemCallError,
  UnexpectedError,
} from './errors.js';
export {
  ERROR_KINDS,
  type ErrorJson,
  type ErrorKind,
  errorContext,
  isMmtapeError,
  MMTAPE_ERROR_MARKER,
  MmtapeError,
  type MmtapeErrorCode,
} from './mmtape-error.js';
export {
  type BoundedReadOptions,
  DEFAULT_JSON_MAX_DEPTH,
  type ReadJsonFileOptions,
  readBoundedFile,
  readJsonFile,
} from './read-json-file.js';
export { isSystemError, type SystemErrorLike, systemErrorKind } from './system-error-kind.js';
export { errorJsonOf, errorKindOf, toMmtapeError } from './to-mmtape-error.js';
