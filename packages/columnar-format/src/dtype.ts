/**
 * Column data types and their on-disk codes (FORMAT.md, "dtype codes").
 */

/** Element type of a column. */
export type DType = 'i64' | 'f64' | 'f32' | 'i32' | 'u8';

/** Typed array backing a column. */
export type ColumnData = BigInt64Array | Float64Array | Float32Array | Int32Array | Uint8Array;

/** Bytes per element of each dtype. */
export const DTYPE_SIZE_BYTES: Readonly<Record<DType, number>> = { i64: 8, f64: 8, f32: 4, i32: 4, u8: 1 };

/** On-disk u8 code of each dtype. 0 is reserved (never written) so zeroed bytes are invalid. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { i64: 1, f64: 2, f32: 3, i32: 4, u8: 5 };

const CODE_TO_DTYPE: readonly (DType | undefined)[] = [undefined, 'i64', 'f64', 'f32', 'i32', 'u8'];

/** The dtype for an on-disk code, or undefined for an unknown code. */
export function dtypeFromCode(code: number): DType | undefined {
  return CODE_TO_DTYPE[code];
}

/** True when `value` is a known dtype name. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZE_BYTES, value);
}

/** The dtype matching a typed array's class, or undefined for other arrays. */
export function dtypeOfData(data: unknown): DType | undefined {
  if (data instanceof BigInt64Array) return 'i64';
  if (data instanceof Float64Array) return 'f64';
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint8Array) return 'u8'; // includes Buffer
  return undefined;
}

/** Creates a typed-array view of `rows` elements of `dtype` at `offsetBytes` of `buffer` (zero-copy). */
export function makeView(
  dtype: DType,
  buffer: ArrayBufferLike,
  offsetBytes: number,
  rows: number,
): ColumnData {
  switch (dtype) {
    case 'i64':
      return new BigInt64Array(buffer, offsetBytes, rows);
    case 'f64':
      return new Float64Array(buffer, offsetBytes, rows);
    case 'f32':
      return new Float32Array(buffer, offsetBytes, rows);
    case 'i32':
      return new Int32Array(buffer, offsetBytes, rows);
    case 'u8':
      return new Uint8Array(buffer, offsetBytes, rows);
  }
}
