import { InvalidEventStreamInputError } from '../errors.js';

/**
 * A run of replayed events in global (timestamp, symbol id) order, as typed arrays parallel to each other:
 * event `i` (for `0 <= i < length`) is symbol `symbolId[i]` at `timestampNs[i]` with the value
 * `columns[name][i]` of each requested column. Arrays may be longer than `length` (reused buffers).
 *
 * The structural subset of `ReplayChunk` of `@mmtape/merge-replay` that the event-stream encoders read, so
 * a replay chunk is passed as it is (this package does not depend on the merge).
 */
export interface EventChunk {
  /** Events in the chunk. */
  length: number;
  /** Symbol id of each event: an index into the encoder's `symbols`. */
  symbolId: Int32Array;
  /** Timestamp of each event, ns since the Unix epoch (UTC). */
  timestampNs: BigInt64Array;
  /** Value of each requested column per event: Float64Array for f64 columns, BigInt64Array for i64. */
  columns: Record<string, Float64Array | BigInt64Array>;
}

/** A value column written after `symbol` and `timestamp`: its name and its stored dtype. */
export interface EventColumn {
  name: string;
  /** Stored dtype: `f64` (Float64Array values) or `i64` (BigInt64Array values). */
  dtype: 'f64' | 'i64';
}

/** What every event-stream encoder needs to know before the first chunk. */
export interface EventStreamSchema {
  /** Symbol of each symbol id: `symbols[id]`. */
  symbols: readonly string[];
  /** Value columns, in output order (after `symbol` and `timestamp`). */
  columns: readonly EventColumn[];
}

/** Name of the timestamp field in every event stream (as in `mmtape export`'s CSV and Parquet files). */
export const EVENT_TIMESTAMP_FIELD = 'timestamp';
/** Name of the symbol field in every event stream (as in `mmtape export`). */
export const EVENT_SYMBOL_FIELD = 'symbol';

/**
 * Encodes event chunks into one output format. Write `begin()`, then `encode()` of every chunk (or of
 * consecutive ranges of it), then `end()`. The returned bytes or text never alias the chunk's arrays, so
 * the chunk may be overwritten as soon as `encode` returns. `Encoded` is `string` for the text formats
 * (CSV, NDJSON) and `Uint8Array` for Arrow.
 */
export interface EventStreamEncoder<Encoded extends Uint8Array | string = Uint8Array | string> {
  /** Output format. */
  readonly format: 'arrow' | 'csv' | 'ndjson';
  /** What opens the stream: the CSV header line, the Arrow schema message; `''` for NDJSON. */
  begin(): Encoded;
  /**
   * Events `[start, end)` of `chunk` (default: all `length` events).
   *
   * @throws {InvalidEventStreamInputError} when the chunk lacks a declared column, holds another array
   * type than its dtype, has a symbol id outside `symbols`, or the range is outside `[0, length]`.
   */
  encode(chunk: EventChunk, start?: number, end?: number): Encoded;
  /** What closes the stream: the Arrow end-of-stream marker; `''` for CSV and NDJSON. */
  end(): Encoded;
}

/**
 * Checks an encoder's schema: at least the symbol list, column names unique, not `symbol`/`timestamp`,
 * dtypes f64 or i64.
 *
 * @throws {InvalidEventStreamInputError} naming the offending column.
 * @internal
 */
export function checkEventSchema(schema: EventStreamSchema): void {
  const seen = new Set<string>([EVENT_SYMBOL_FIELD, EVENT_TIMESTAMP_FIELD]);
  for (const column of schema.columns) {
    if (column.dtype !== 'f64' && column.dtype !== 'i64') {
      throw new InvalidEventStreamInputError(
        `event column "${column.name}" has dtype ${String(column.dtype)}; expected f64 or i64`,
        { field: column.name, expected: 'f64 | i64', actual: String(column.dtype) },
      );
    }
    if (seen.has(column.name)) {
      throw new InvalidEventStreamInputError(
        `event column "${column.name}" appears twice or collides with "${EVENT_SYMBOL_FIELD}"/"${EVENT_TIMESTAMP_FIELD}"`,
        { field: column.name },
      );
    }
    seen.add(column.name);
  }
}

/**
 * The arrays of one chunk an encoder reads, checked against the schema, and the range `[start, end)`.
 *
 * @throws {InvalidEventStreamInputError} see {@link EventStreamEncoder.encode}.
 * @internal
 */
export function chunkArrays(
  schema: EventStreamSchema,
  chunk: EventChunk,
  start: number,
  end: number,
): (Float64Array | BigInt64Array)[] {
  if (
    !(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= chunk.length)
  ) {
    throw new InvalidEventStreamInputError(
      `event range [${start}, ${end}) is outside the chunk's ${chunk.length} events`,
      { expected: `0 <= start <= end <= ${chunk.length}`, actual: `[${start}, ${end})` },
    );
  }
  const arrays = schema.columns.map((column) => {
    const values = chunk.columns[column.name];
    const ok = column.dtype === 'f64' ? values instanceof Float64Array : values instanceof BigInt64Array;
    if (!ok) {
      throw new InvalidEventStreamInputError(
        `event chunk column "${column.name}" is ${values === undefined ? 'missing' : values.constructor.name}; expected ${column.dtype === 'f64' ? 'Float64Array' : 'BigInt64Array'}`,
        {
          field: column.name,
          expected: column.dtype,
          actual: values === undefined ? 'missing' : values.constructor.name,
        },
      );
    }
    return values!;
  });
  const symbolCount = schema.symbols.length;
  const ids = chunk.symbolId;
  for (let i = start; i < end; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < symbolCount)) {
      throw new InvalidEventStreamInputError(
        `event ${i} of the chunk has symbol id ${id}; expected 0..${symbolCount - 1}`,
        { expected: `0..${symbolCount - 1}`, actual: id },
      );
    }
  }
  return arrays;
}
