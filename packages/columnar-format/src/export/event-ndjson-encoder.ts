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
 * JSON text of an f64 value, exact: the shortest round-trip decimal (`-0` kept), `null` for NaN (a missing
 * value), and the strings `"Infinity"` / `"-Infinity"` for the infinities, which JSON numbers cannot hold.
 */
function jsonF64(value: number): string {
  if (Number.isNaN(value)) return 'null';
  if (value === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (value === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  return value === 0 && 1 / value < 0 ? '-0' : String(value);
}

/**
 * An {@link EventStreamEncoder} writing NDJSON (one JSON object per line, `\n` line ends):
 * `{"symbol":"AAPL","timestamp":"1514903400000000000","close":172.26}`. The field names are those of the
 * CSV and Arrow streams. `timestamp` is the ns since the Unix epoch (UTC) as a decimal **string** (a JSON
 * number loses ns above 2^53); f64 values are the shortest round-trip decimal (`null` for NaN,
 * `"Infinity"`/`"-Infinity"` strings for the infinities); i64 values are exact integer digits (a JSON
 * number: parsers with arbitrary-precision integers, such as Python's, keep them exact; `JSON.parse`
 * rounds values above 2^53).
 *
 * @throws {InvalidEventStreamInputError} for a bad schema (see `checkEventSchema`) and from `encode`.
 */
export function createEventNdjsonEncoder(schema: EventStreamSchema): EventStreamEncoder<string> {
  checkEventSchema(schema);
  const symbolPrefix = schema.symbols.map(
    (s) =>
      `{${JSON.stringify(EVENT_SYMBOL_FIELD)}:${JSON.stringify(s)},${JSON.stringify(EVENT_TIMESTAMP_FIELD)}:"`,
  );
  const keys = schema.columns.map((c) => `,${JSON.stringify(c.name)}:`);
  return {
    format: 'ndjson',
    begin: () => '',
    encode(chunk: EventChunk, start = 0, end = chunk.length): string {
      const arrays = chunkArrays(schema, chunk, start, end);
      const ids = chunk.symbolId;
      const ts = chunk.timestampNs;
      let text = '';
      for (let i = start; i < end; i++) {
        let line = `${symbolPrefix[ids[i]!]!}${ts[i]!}"`;
        for (let c = 0; c < arrays.length; c++) {
          const v = arrays[c]![i]!;
          line += keys[c]! + (typeof v === 'number' ? jsonF64(v) : String(v));
        }
        text += `${line}}\n`;
      }
      return text;
    },
    end: () => '',
  };
}
