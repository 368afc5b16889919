import {
  AsyncByteQueue,
  type Data,
  type DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import {
  checkEventSchema,
  chunkArrays,
  EVENT_SYMBOL_FIELD,
  EVENT_TIMESTAMP_FIELD,
  type EventChunk,
  type EventStreamEncoder,
  type EventStreamSchema,
} from './event-chunk.js';

/**
 * The writer's byte sink: keeps the pieces of one message sequence (views over the record batch's buffers)
 * until {@link take} joins them into one owned array. Subclassing `AsyncByteQueue` is the writer's own way
 * to accept a sink (`RecordBatchWriter.reset(sink)`).
 */
class CollectingSink extends AsyncByteQueue {
  private parts: Uint8Array[] = [];
  private bytes = 0;

  override write(value: Uint8Array): void {
    if (value.byteLength === 0) return;
    this.parts.push(value);
    this.bytes += value.byteLength;
  }

  /** Everything written since the last call, copied into one array (so it never aliases a chunk). */
  take(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    this.parts = [];
    this.bytes = 0;
    return out;
  }
}

/**
 * An {@link EventStreamEncoder} writing the Arrow IPC **stream** format (schema message, one dictionary
 * batch, one record batch per `encode` call, end-of-stream marker), readable by apache-arrow JS
 * (`tableFromIPC`, `RecordBatchReader`), pyarrow (`pa.ipc.open_stream`), Polars (`pl.read_ipc_stream`) and
 * DuckDB. Schema: `symbol` Dictionary<Int32, Utf8> (the dictionary is the whole symbol list, sent once; the
 * indices are the symbol ids), `timestamp` Timestamp(ns, UTC), then each column as Float64 (f64) or Int64
 * (i64). No nulls: NaN stays a NaN value. The schema metadata carries `mmtape.format = event-stream`.
 *
 * ```ts
 * import { createEventArrowEncoder } from '@mmtape/columnar-format/arrow';
 *
 * const arrow = createEventArrowEncoder({ symbols, columns: [{ name: 'close', dtype: 'f64' }] });
 * out.write(arrow.begin());
 * for (const chunk of chunks) out.write(arrow.encode(chunk));
 * out.write(arrow.end());
 * ```
 *
 * @throws {InvalidEventStreamInputError} for a bad schema (see `checkEventSchema`) and from `encode`.
 */
export function createEventArrowEncoder(schema: EventStreamSchema): EventStreamEncoder<Uint8Array> {
  checkEventSchema(schema);
  // One dictionary type object for the field and every batch: the writer tracks dictionaries by its id,
  // and writes the dictionary batch once as long as every batch shares its Data (the same vector below).
  const symbolType = new Dictionary(new Utf8(), new Int32(), 0, false);
  const dictionary = vectorFromArray([...schema.symbols], new Utf8());
  const timestampType = new TimestampNanosecond('UTC');
  const valueTypes: DataType[] = schema.columns.map((c) => (c.dtype === 'f64' ? new Float64() : new Int64()));
  const fields = [
    new Field(EVENT_SYMBOL_FIELD, symbolType, false),
    new Field(EVENT_TIMESTAMP_FIELD, timestampType, false),
    ...schema.columns.map((c, k) => new Field(c.name, valueTypes[k]!, false)),
  ];
  const arrowSchema = new Schema(fields, new Map([['mmtape.format', 'event-stream']]));
  const structType = new Struct(fields);
  const sink = new CollectingSink();
  const writer = new RecordBatchStreamWriter();

  return {
    format: 'arrow',
    begin(): Uint8Array {
      writer.reset(sink, arrowSchema);
      return sink.take();
    },
    encode(chunk: EventChunk, start = 0, end = chunk.length): Uint8Array {
      const arrays = chunkArrays(schema, chunk, start, end);
      const length = end - start;
      if (length === 0) return new Uint8Array(0);
      // makeData keeps each typed array as the buffer (no copy); the writer's sink receives views over
      // them, which take() copies before the chunk can be reused.
      const children: Data[] = [
        makeData({
          type: symbolType,
          length,
          nullCount: 0,
          data: chunk.symbolId.subarray(start, end),
          dictionary,
        }),
        makeData({ type: timestampType, length, nullCount: 0, data: chunk.timestampNs.subarray(start, end) }),
        ...arrays.map((values, k) =>
          makeData({
            type: valueTypes[k]!,
            length,
            nullCount: 0,
            data: values.subarray(start, end),
          } as never),
        ),
      ];
      const batch = new RecordBatch(
        arrowSchema,
        makeData({ type: structType, length, nullCount: 0, children }),
      );
      writer.write(batch);
      return sink.take();
    },
    end(): Uint8Array {
      writer.finish();
      return sink.take();
    },
  };
}
