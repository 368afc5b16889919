/**
 * `@mmtape/columnar-format/export`: a dataset → one consolidated Parquet file (`timestamp`, `symbol`,
 * `close`; rows in (timestamp, symbol) order; ZSTD through `@mmtape/compression`, written with
 * hyparquet-writer), and the one exact ns → ISO 8601 formatter that every text output of mmtape uses.
 * Arrow output is the separate entry `@mmtape/columnar-format/arrow` (it needs the optional peer
 * `apache-arrow`).
 *
 * @example
 * ```ts
 * import { exportParquet, formatTimestampNs } from '@mmtape/columnar-format/export';
 *
 * const r = await exportParquet('data/us1m', 'us1m.parquet', { symbols: ['AAPL', 'MSFT'] });
 * console.log(r.rows, formatTimestampNs(1_514_903_400_000_000_001n)); // 2018-01-02T14:30:00.000000001Z
 * ```
 *
 * @module
 */

export type { EventChunk, EventColumn, EventStreamEncoder, EventStreamSchema } from './event-chunk.js';
export { EVENT_SYMBOL_FIELD, EVENT_TIMESTAMP_FIELD } from './event-chunk.js';
export { createEventCsvEncoder } from './event-csv-encoder.js';
export { createEventNdjsonEncoder } from './event-ndjson-encoder.js';
export { type ExportCsvOptions, type ExportCsvReport, exportCsv } from './export-csv.js';
export type {
  ExportParquetOptions,
  ExportParquetReport,
  ParquetLayout,
  ParquetRowGroupOrder,
} from './export-parquet.js';
export { exportParquet, PARQUET_LAYOUTS, PARQUET_ROW_GROUP_ORDERS } from './export-parquet.js';
export { formatTimestampNs } from './format-timestamp-ns.js';
export type { ParquetTimestampUnit } from './parquet-column-schema.js';
export type { WriteEventStreamOptions, WriteEventStreamResult } from './write-event-stream.js';
export { DEFAULT_EVENTS_PER_WRITE, writeEventStream } from './write-event-stream.js';
