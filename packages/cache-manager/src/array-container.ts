/**
 * The tiny binary container that holds the arrays of one `putArrays` entry (before framing).
 *
 * ```
 * offset  size  field
 *      0     4  magic            0x89 'M' 'T' 'A' ("mmtape arrays"; 0x89 never starts JSON text)
 *      4     4  header length H  u32 LE, bytes of the header JSON
 *      8     H  header JSON      UTF-8: {"version":1,"arrays":[{"name","dtype","length","offsetBytes"}…]}
 *      …        zero padding to a multiple of 8
 *      …        array bytes, each at its 8-aligned `offsetBytes`, little-endian, zero-padded to 8
 * ```
 *
 * `dtype` is `f64` (Float64Array), `i64` (BigInt64Array) or `i32` (Int32Array), the names used by
 * `@mmtape/columnar-format`; `length` counts elements; `offsetBytes` is from the container start.
 * Element bytes are written in the host byte order, which is little-endian on every platform Node
 * supports in practice; `encodeArrayContainer` refuses to run on a big-endian host.
 *
 * @module
 */

import { endianness } from 'node:os';
import { InvalidCacheValueError } from './errors.js';

/** Arrays a cache entry can hold. */
export type CachedArray = Float64Array | BigInt64Array | Int32Array;

/** Magic of the array container: 0x89 'M' 'T' 'A'. */
export const ARRAY_CONTAINER_MAGIC: readonly number[] = Object.freeze([0x89, 0x4d, 0x54, 0x41]);

const CONTAINER_VERSION = 1;
const PREFIX_BYTES = 8; // magic + u32 header length

type DTypeName = 'f64' | 'i64' | 'i32';

const DTYPES: Readonly<Record<DTypeName, { tag: string; bytesPerElement: number }>> = {
  f64: { tag: 'Float64Array', bytesPerElement: 8 },
  i64: { tag: 'BigInt64Array', bytesPerElement: 8 },
  i32: { tag: 'Int32Array', bytesPerElement: 4 },
};

interface ArrayDescriptor {
  name: string;
  dtype: DTypeName;
  length: number;
  offsetBytes: number;
}

/** Raised by {@link decodeArrayContainer} on malformed bytes; the cache turns it into a miss. */
export class CorruptContainerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptContainerError';
  }
}

/** True when `bytes` starts with the array-container magic. */
export function isArrayContainer(bytes: Uint8Array): boolean {
  return ARRAY_CONTAINER_MAGIC.every((b, i) => bytes[i] === b);
}

function dtypeOf(array: unknown): DTypeName | undefined {
  const tag = Object.prototype.toString.call(array).slice(8, -1);
  for (const [dtype, info] of Object.entries(DTYPES) as [DTypeName, { tag: string }][]) {
    if (info.tag === tag) return dtype;
  }
  return undefined;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Serialises named arrays into one container.
 *
 * @throws InvalidCacheValueError a value is not a Float64Array, BigInt64Array or Int32Array, or the
 *   host is big-endian.
 */
export function encodeArrayContainer(arrays: Record<string, CachedArray>): Uint8Array {
  if (endianness() !== 'LE') {
    throw new InvalidCacheValueError('array entries', 'a little-endian host', 'big-endian');
  }
  if (typeof arrays !== 'object' || arrays === null) {
    throw new InvalidCacheValueError('arrays', 'an object of named typed arrays', String(arrays));
  }
  const items: { name: string; dtype: DTypeName; bytes: Uint8Array }[] = [];
  for (const [name, array] of Object.entries(arrays)) {
    const dtype = dtypeOf(array);
    if (dtype === undefined) {
      const actual = Object.prototype.toString.call(array).slice(8, -1);
      throw new InvalidCacheValueError(
        `array "${name}"`,
        'Float64Array, BigInt64Array or Int32Array',
        actual,
        {
          arrayName: name,
        },
      );
    }
    items.push({ name, dtype, bytes: new Uint8Array(array.buffer, array.byteOffset, array.byteLength) });
  }
  // Offsets depend on the header length, which depends on the offsets' digits: iterate to a fixpoint.
  let headerBytes = new Uint8Array(0);
  let descriptors: ArrayDescriptor[] = [];
  let dataStart = 0;
  for (let guess = 0; ; ) {
    dataStart = align8(PREFIX_BYTES + guess);
    let offset = dataStart;
    descriptors = items.map((item) => {
      const d = {
        name: item.name,
        dtype: item.dtype,
        length: item.bytes.byteLength / DTYPES[item.dtype].bytesPerElement,
        offsetBytes: offset,
      };
      offset = align8(offset + item.bytes.byteLength);
      return d;
    });
    headerBytes = new TextEncoder().encode(
      JSON.stringify({ version: CONTAINER_VERSION, arrays: descriptors }),
    );
    if (align8(PREFIX_BYTES + headerBytes.byteLength) === dataStart) break;
    guess = headerBytes.byteLength;
  }
  const last =
    items.length === 0
      ? dataStart
      : (descriptors.at(-1)?.offsetBytes ?? 0) + (items.at(-1)?.bytes.byteLength ?? 0);
  const out = new Uint8Array(align8(last));
  out.set(ARRAY_CONTAINER_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, headerBytes.byteLength, true);
  out.set(headerBytes, PREFIX_BYTES);
  for (const [i, item] of items.entries()) out.set(item.bytes, descriptors[i]?.offsetBytes ?? 0);
  return out;
}

/**
 * Parses a container, validating every offset and length against the bytes available, and returns
 * freshly allocated arrays (never views of `bytes`).
 *
 * @throws CorruptContainerError on any inconsistency.
 */
export function decodeArrayContainer(bytes: Uint8Array): Record<string, CachedArray> {
  if (bytes.byteLength < PREFIX_BYTES || !isArrayContainer(bytes)) {
    throw new CorruptContainerError(`array container needs ${PREFIX_BYTES} bytes and magic 894d5441`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (PREFIX_BYTES + headerLength > bytes.byteLength) {
    throw new CorruptContainerError(
      `header of ${headerLength} bytes at byte ${PREFIX_BYTES} overruns the ${bytes.byteLength}-byte container`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength),
      ),
    );
  } catch (cause) {
    throw new CorruptContainerError(`header is not UTF-8 JSON: ${String(cause)}`);
  }
  const h = header as { version?: unknown; arrays?: unknown };
  if (h === null || typeof h !== 'object' || h.version !== CONTAINER_VERSION || !Array.isArray(h.arrays)) {
    throw new CorruptContainerError(`header must be {"version":${CONTAINER_VERSION},"arrays":[…]}`);
  }
  const dataStart = align8(PREFIX_BYTES + headerLength);
  const entries: [string, CachedArray][] = [];
  const names = new Set<string>();
  for (const raw of h.arrays as unknown[]) {
    const d = raw as Partial<ArrayDescriptor>;
    const info = typeof d?.dtype === 'string' ? DTYPES[d.dtype as DTypeName] : undefined;
    if (
      typeof d?.name !== 'string' ||
      names.has(d.name) ||
      info === undefined ||
      !Number.isSafeInteger(d.length) ||
      (d.length as number) < 0 ||
      !Number.isSafeInteger(d.offsetBytes) ||
      (d.offsetBytes as number) < dataStart ||
      (d.offsetBytes as number) % 8 !== 0
    ) {
      throw new CorruptContainerError(`invalid array descriptor ${JSON.stringify(raw)}`);
    }
    const offset = d.offsetBytes as number;
    const lengthBytes = (d.length as number) * info.bytesPerElement;
    if (offset + lengthBytes > bytes.byteLength) {
      throw new CorruptContainerError(
        `array "${d.name}" ends at byte ${offset + lengthBytes} but the container has ${bytes.byteLength} bytes`,
      );
    }
    names.add(d.name);
    // Copy via the constructor (Buffer#slice would return a view of a possibly pooled buffer).
    const copy = new Uint8Array(bytes.subarray(offset, offset + lengthBytes)).buffer;
    const array =
      d.dtype === 'f64'
        ? new Float64Array(copy)
        : d.dtype === 'i64'
          ? new BigInt64Array(copy)
          : new Int32Array(copy);
    entries.push([d.name, array]);
  }
  // Object.fromEntries defines own properties, so a name such as "__proto__" is stored, not applied.
  return Object.fromEntries(entries);
}
