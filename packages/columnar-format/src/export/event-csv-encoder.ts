import {
  checkEventSchema,
  chunkArrays,
  EVENT_SYMBOL_FIELD,
  EVENT_TIMESTAMP_FIELD,
  type EventChunk,
  type EventStreamEncoder,
  type EventStreamSchema,
} from './event-chunk.js';
import { formatTimestampNs } from './format-timestamp-ns.js';

/** A CSV field as written: quoted (RFC 4180, `"` doubled) when it holds a comma, quote or line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Exact text of an f64 value: the shortest decimal that parses back to the same double (`String(x)`, so
 * `0.1`, `1e-7`, `1.7976931348623157e+308`), `-0` for negative zero (which `String` prints as `0`), and an
 * empty field for NaN (a missing value, as `mmtape export` writes it and ingest reads it).
 *
 * @internal
 */
export function formatF64Exact(value: number): string {
  if (Number.isNaN(value)) return '';
  return value === 0 && 1 / value < 0 ? '-0' : String(value);
}

/**
 * An {@link EventStreamEncoder} writing CSV: the header `symbol,timestamp,<columns>` (the header of
 * `mmtape export --format csv`, so the output ingests back with `mmtape ingest`), then one line per event
 * (`\n` line ends): the symbol, the timestamp as ISO 8601 UTC exact to the ns ({@link formatTimestampNs}),
 * and each column exactly: f64 as the shortest round-trip decimal (NaN as an empty field, `-0` kept),
 * i64 as its integer digits.
 *
 * ```ts
 * const csv = createEventCsvEncoder({ symbols: ['AAPL'], columns: [{ name: 'close', dtype: 'f64' }] });
 * csv.begin();   // 'symbol,timestamp,close\n'
 * csv.encode({ length: 1, symbolId: Int32Array.of(0), timestampNs: BigInt64Array.of(1514903400000000000n),
 *   columns: { close: Float64Array.of(172.26) } });   // 'AAPL,2018-01-02T14:30:00.000Z,172.26\n'
 * ```
 *
 * @throws {InvalidEventStreamInputError} for a bad schema (see `checkEventSchema`) and from `encode`.
 */
export function createEventCsvEncoder(schema: EventStreamSchema): EventStreamEncoder<string> {
  checkEventSchema(schema);
  const symbolText = schema.symbols.map(csvField);
  const header = `${[EVENT_SYMBOL_FIELD, EVENT_TIMESTAMP_FIELD, ...schema.columns.map((c) => c.name)].map(csvField).join(',')}\n`;
  return {
    format: 'csv',
    begin: () => header,
    encode(chunk: EventChunk, start = 0, end = chunk.length): string {
      const arrays = chunkArrays(schema, chunk, start, end);
      const ids = chunk.symbolId;
      const ts = chunk.timestampNs;
      let text = '';
      // Events of one batch share their timestamp: format each distinct one once.
      let lastNs: bigint | null = null;
      let lastText = '';
      for (let i = start; i < end; i++) {
        const t = ts[i]!;
        if (t !== lastNs) {
          lastNs = t;
          lastText = formatTimestampNs(t);
        }
        let line = `${symbolText[ids[i]!]!},${lastText}`;
        for (const values of arrays) {
          const v = values[i]!;
          line += typeof v === 'number' ? `,${formatF64Exact(v)}` : `,${v}`;
        }
        text += `${line}\n`;
      }
      return text;
    },
    end: () => '',
  };
}
