/**
 * Tagged errors of `@mmtape/compression`.
 *
 * Every error carries a literal `code`, typed context fields (`offsetBytes`, `expected`, `actual`) and
 * an optional `cause`, and extends `MmtapeError` of `@mmtape/errors`: a `kind` (corrupt frames are
 * `data`, bad arguments `usage`, encoder failures `internal`) and the `Symbol.for('mmtape.error')` marker
 * recognised by `isMmtapeError` even when two copies of this package coexist (where `instanceof` fails).
 *
 * @module
 */

import { type ErrorKind, isMmtapeError, MmtapeError } from '@mmtape/errors';

/** Literal codes of the errors thrown by this package. */
export type CompressionErrorCode =
  | 'MMTAPE_FRAME_TRUNCATED'
  | 'MMTAPE_FRAME_BAD_MAGIC'
  | 'MMTAPE_FRAME_UNSUPPORTED_VERSION'
  | 'MMTAPE_CODEC_UNKNOWN'
  | 'MMTAPE_FRAME_LENGTH_MISMATCH'
  | 'MMTAPE_FRAME_CHECKSUM_MISMATCH'
  | 'MMTAPE_FRAME_TOO_LARGE'
  | 'MMTAPE_CODEC_INVALID_LEVEL'
  | 'MMTAPE_CODEC_ZSTD_FAILED'
  | 'MMTAPE_CODEC_FAILED'
  | 'MMTAPE_CODEC_INVALID_OPTIONS';

/** Base class of this package's errors (see `@mmtape/errors`). Not exported; use the guards. */
abstract class CompressionError extends MmtapeError {
  abstract override readonly code: CompressionErrorCode;
}

/**
 * The bytes end before the structure they must hold: the 24-byte header, or the payload announced by
 * the header. `offsetBytes` is where the missing structure starts, `expected` the number of bytes it
 * needs from there and `actual` the number available.
 */
export class FrameTruncatedError extends CompressionError {
  readonly code = 'MMTAPE_FRAME_TRUNCATED' as const;
  readonly kind = 'data' as const;
  readonly offsetBytes: number;
  readonly expected: number;
  readonly actual: number;

  constructor(what: string, offsetBytes: number, expected: number, actual: number) {
    super(
      `truncated frame: ${what} at byte ${offsetBytes} needs ${expected} bytes but only ${actual} are available`,
    );
    this.offsetBytes = offsetBytes;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The first 4 bytes are not the frame magic. `expected`/`actual` are hex strings such as `894d545a`. */
export class FrameMagicError extends CompressionError {
  readonly code = 'MMTAPE_FRAME_BAD_MAGIC' as const;
  readonly kind = 'data' as const;
  readonly offsetBytes = 0;
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(`not an mmtape frame: magic at byte 0 is 0x${actual}, expected 0x${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The frame version byte (offset 4) is not the frame version (`FRAME_VERSION`, 3; earlier drafts
 * were never released). `expected` is that version, `actual` the byte found.
 */
export class FrameVersionError extends CompressionError {
  readonly code = 'MMTAPE_FRAME_UNSUPPORTED_VERSION' as const;
  readonly kind = 'data' as const;
  readonly offsetBytes = 4;
  readonly expected: number;
  readonly actual: number;

  constructor(expected: number, actual: number) {
    super(`unsupported frame version ${actual} at byte 4, expected ${expected} (the only frame version)`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A codec id in a frame (byte 5, `offsetBytes` = 5) or a codec name passed to `encodeFrame`
 * (`offsetBytes` undefined) is not known. `expected` lists the known ids or names. `kind`: `data` for a
 * numeric id (read from a frame), `usage` for a name (passed by the caller).
 */
export class UnknownCodecError extends CompressionError {
  readonly code = 'MMTAPE_CODEC_UNKNOWN' as const;
  readonly kind: 'data' | 'usage';
  readonly offsetBytes: number | undefined;
  readonly expected: string;
  readonly actual: number | string;

  constructor(actual: number | string, expected: string, offsetBytes?: number) {
    super(
      offsetBytes === undefined
        ? `unknown codec "${String(actual)}", expected one of ${expected}`
        : `unknown codec id ${String(actual)} at byte ${offsetBytes}, expected one of ${expected}`,
    );
    this.kind = typeof actual === 'number' ? 'data' : 'usage';
    this.offsetBytes = offsetBytes;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A length does not match: trailing bytes after the payload, a decoded length different from the raw
 * length in the header, or a zstd frame announcing another content size. `offsetBytes` locates the
 * field that disagrees.
 */
export class FrameLengthError extends CompressionError {
  readonly code = 'MMTAPE_FRAME_LENGTH_MISMATCH' as const;
  readonly kind = 'data' as const;
  readonly offsetBytes: number;
  readonly expected: number;
  readonly actual: number;

  constructor(what: string, offsetBytes: number, expected: number, actual: number) {
    super(`frame length mismatch: ${what} is ${actual} bytes (byte ${offsetBytes}) but ${expected} expected`);
    this.offsetBytes = offsetBytes;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A CRC-32 differs from the one stored at byte 16 of the header. `expected` is the stored checksum,
 * `actual` the computed one (both unsigned 32-bit integers). `scope` says what was checksummed:
 * `'raw'` the decoded bytes (frame versions 1 and 2, checked after decoding), `'frame'` every stored
 * byte of the frame except the checksum field (version 3, checked before any decoder runs: the
 * header, descriptor or payload bytes are corrupt).
 */
export class ChecksumMismatchError extends CompressionError {
  readonly code = 'MMTAPE_FRAME_CHECKSUM_MISMATCH' as const;
  readonly kind = 'data' as const;
  readonly offsetBytes = 16;
  readonly expected: number;
  readonly actual: number;
  readonly scope: 'raw' | 'frame';

  constructor(expected: number, actual: number, scope: 'raw' | 'frame' = 'raw') {
    super(
      `checksum mismatch: ${scope === 'raw' ? 'decoded bytes have' : 'frame bytes (all but the checksum field) have'} CRC-32 0x${hex32(actual)} but the frame stores 0x${hex32(expected)}`,
    );
    this.expected = expected;
    this.actual = actual;
    this.scope = scope;
  }
}

/**
 * The input is larger than a codec accepts. `expected` is the inclusive limit in bytes, `actual` the
 * size. zstd runs in a 32-bit WebAssembly heap capped at 2 GiB that must hold input and output at once.
 * `kind` `data`: the input (bytes to encode, or a frame's announced sizes) exceeds what can be coded.
 */
export class FrameTooLargeError extends CompressionError {
  readonly code = 'MMTAPE_FRAME_TOO_LARGE' as const;
  readonly kind = 'data' as const;
  readonly expected: number;
  readonly actual: number;

  constructor(what: string, expected: number, actual: number) {
    super(`${what} is ${actual} bytes but at most ${expected} bytes are supported`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** `encodeFrame` got a level outside the codec's range. `expected` describes the range. */
export class InvalidCompressionLevelError extends CompressionError {
  readonly code = 'MMTAPE_CODEC_INVALID_LEVEL' as const;
  readonly kind = 'usage' as const;
  readonly expected: string;
  readonly actual: number;

  constructor(expected: string, actual: number) {
    super(`invalid compression level ${actual}, expected an integer in ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The zstd WebAssembly module failed to load, or zstd reported an error while compressing or
 * decompressing (corrupt payload). `cause` is the underlying error. `kind`: `data` when decompressing,
 * `internal` when loading or compressing.
 */
export class ZstdError extends CompressionError {
  readonly code = 'MMTAPE_CODEC_ZSTD_FAILED' as const;
  readonly kind: ErrorKind;
  readonly operation: 'init' | 'compress' | 'decompress';
  readonly offsetBytes: number | undefined;

  constructor(
    operation: 'init' | 'compress' | 'decompress',
    detail: string,
    options?: { cause?: unknown; offsetBytes?: number },
  ) {
    super(`zstd ${operation} failed: ${detail}`, { cause: options?.cause });
    this.kind = operation === 'decompress' ? 'data' : 'internal';
    this.operation = operation;
    this.offsetBytes = options?.offsetBytes;
  }
}

/**
 * A codec of a chain (blosc, lz4, zlib, a filter, bar) failed: corrupt or inconsistent data while
 * decoding, or an internal failure while encoding, including a failed encode-time round-trip check of
 * a `bar` frame (then `offsetBytes` is the first differing byte of the encoder's input). `codec` names
 * the stage, `offsetBytes` locates the data in the frame or blosc buffer when known; `cause` is the
 * underlying error. `kind`: `data` when decoding, `internal` when encoding.
 */
export class CodecError extends CompressionError {
  readonly code = 'MMTAPE_CODEC_FAILED' as const;
  readonly kind: ErrorKind;
  readonly codec: string;
  readonly operation: 'encode' | 'decode';
  readonly offsetBytes: number | undefined;

  constructor(
    codec: string,
    operation: 'encode' | 'decode',
    detail: string,
    options?: { cause?: unknown; offsetBytes?: number },
  ) {
    super(`${codec} ${operation} failed: ${detail}`, { cause: options?.cause });
    this.kind = operation === 'decode' ? 'data' : 'internal';
    this.codec = codec;
    this.operation = operation;
    this.offsetBytes = options?.offsetBytes;
  }
}

/**
 * Options of a codec stage are invalid (`option` names it, `expected` describes valid values), or the
 * codec cannot do what is asked (e.g. encoding blosc with cname `blosclz`). `decodeFrame` reports invalid
 * options read from a frame's descriptor as a `CodecError` (`data`) instead.
 */
export class CodecOptionsError extends CompressionError {
  readonly code = 'MMTAPE_CODEC_INVALID_OPTIONS' as const;
  readonly kind = 'usage' as const;
  readonly codec: string;
  readonly option: string;
  readonly expected: string;
  readonly actual: unknown;

  constructor(codec: string, option: string, expected: string, actual: unknown) {
    super(`invalid ${codec} option ${option}: expected ${expected}, got ${String(actual)}`);
    this.codec = codec;
    this.option = option;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Union of every error class of this package. */
export type CompressionErrorType =
  | FrameTruncatedError
  | FrameMagicError
  | FrameVersionError
  | UnknownCodecError
  | FrameLengthError
  | ChecksumMismatchError
  | FrameTooLargeError
  | InvalidCompressionLevelError
  | ZstdError
  | CodecError
  | CodecOptionsError;

const KNOWN_CODES: ReadonlySet<string> = new Set<CompressionErrorCode>([
  'MMTAPE_FRAME_TRUNCATED',
  'MMTAPE_FRAME_BAD_MAGIC',
  'MMTAPE_FRAME_UNSUPPORTED_VERSION',
  'MMTAPE_CODEC_UNKNOWN',
  'MMTAPE_FRAME_LENGTH_MISMATCH',
  'MMTAPE_FRAME_CHECKSUM_MISMATCH',
  'MMTAPE_FRAME_TOO_LARGE',
  'MMTAPE_CODEC_INVALID_LEVEL',
  'MMTAPE_CODEC_ZSTD_FAILED',
  'MMTAPE_CODEC_FAILED',
  'MMTAPE_CODEC_INVALID_OPTIONS',
]);

/**
 * True for an error of this package, optionally with a given `code`. Uses the marker and `code`,
 * never `instanceof`.
 */
export function isCompressionError<C extends CompressionErrorCode>(
  value: unknown,
  code?: C,
): value is Extract<CompressionErrorType, { code: C }> {
  if (!isMmtapeError(value)) return false;
  const actual = (value as { code: unknown }).code;
  return code === undefined ? typeof actual === 'string' && KNOWN_CODES.has(actual) : actual === code;
}

export { isMmtapeError };

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
